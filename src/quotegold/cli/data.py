"""The data: `export` a dataset, `validate` gold, `evaluate` suggestions, `report` on an
export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.table import Table

from quotegold.cli.support import (
    ConfigOption,
    DataDirOption,
    KeyOption,
    ModelOption,
    UrlOption,
    err,
    fail,
    figure,
    make_client,
    out,
    print_issues,
    project_file,
    shipped_or,
    user_errors,
)
from quotegold.errors import NoGoldRecordsError
from quotegold.settings import load_settings

if TYPE_CHECKING:
    from quotegold.articles.ingest import Article
    from quotegold.dataset.reportfile import ExportReport
    from quotegold.gold.model import GoldRecord
    from quotegold.measure.comparison import EvaluationFigures
    from quotegold.measure.evaluate import Suggester
    from quotegold.schema.definition import AnnotationSchema
    from quotegold.schema.projectfile import ProjectFile

# Problems an export prints, the first ones; its report lists every one.
PROBLEMS_SHOWN = 20


def parse_ratios(value: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in value.split(","))
    except ValueError:
        raise typer.BadParameter("give three numbers, e.g. 0.8,0.1,0.1") from None


def file_schema(found: ProjectFile, path: Path, *, explicit: bool) -> tuple[AnnotationSchema, str]:
    """The schema to read a file with, and where it comes from: `--config` when given, else
    the `schema.json` of the export folder the file is in, else the project file (or the
    built-in lists)."""
    from quotegold.schema.stored import read_schema_file, schema_beside

    stored = None if explicit else schema_beside(path)
    if stored is not None:
        with user_errors():
            return read_schema_file(stored), str(stored)
    return found.schema, found.source


def _split_list(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _pinned(test_ids: Path | None) -> dict[str, str]:
    """Article ids pinned to `test`, one a line in FILE (blank lines and # comments skipped)."""
    if test_ids is None:
        return {}
    try:
        lines = test_ids.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        fail(f"cannot read --test-ids {test_ids}: {error.strerror or error}")
    ids = (line.split("#", 1)[0].strip() for line in lines)
    return {article: "test" for article in ids if article}


def export(
    out_dir: Annotated[Path, typer.Option("--out", help="dataset folder, e.g. exports/NAME")],
    project: Annotated[
        str | None, typer.Option("--project", help="project title [quotegold.toml's title]")
    ] = None,
    from_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--from",
            "--from-file",
            help="build with no server from gold JSONL files, Label Studio JSON exports or "
            "folders of them (their .jsonl/.json files); repeat for several",
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="dataset name [quotegold.toml's dataset.name; the folder's]")
    ] = None,
    strategy: Annotated[
        str, typer.Option(help="several annotations: default (ground truth > agreement) | latest")
    ] = "default",
    strict: Annotated[bool, typer.Option("--strict", help="fail on any invalid record")] = False,
    license_id: Annotated[
        str | None,
        typer.Option(
            "--license",
            help="Hub licence id for the whole dataset, e.g. cc-by-4.0 [quotegold.toml's; else "
            "the articles' own licences]",
        ),
    ] = None,
    license_name: Annotated[
        str | None, typer.Option("--license-name", help="with --license other: its name")
    ] = None,
    license_link: Annotated[
        str | None, typer.Option("--license-link", help="with --license other: its text's URL")
    ] = None,
    attribution: Annotated[
        str | None,
        typer.Option(help="attribution text for the card [quotegold.toml's dataset.attribution]"),
    ] = None,
    source_datasets: Annotated[
        str | None,
        typer.Option(
            "--source-datasets", help="the card's source_datasets, comma-separated [original]"
        ),
    ] = None,
    language_creators: Annotated[
        str | None,
        typer.Option(
            "--language-creators",
            help="the card's language_creators, comma-separated (found, expert-generated, "
            "crowdsourced, machine-generated, other) [found]",
        ),
    ] = None,
    ratios: Annotated[
        str | None,
        typer.Option(help="train,validation,test shares [quotegold.toml's; 0.8,0.1,0.1]"),
    ] = None,
    test_ids: Annotated[
        Path | None,
        typer.Option(
            "--test-ids", help="file of article ids (one a line) pinned to the test split"
        ),
    ] = None,
    group_by: Annotated[
        str | None,
        typer.Option(
            "--group-by",
            help="article field whose articles share a split (source, url, title, published)",
        ),
    ] = None,
    folds: Annotated[
        int, typer.Option("--folds", help="add a stable `fold` column of K folds (2 or more)")
    ] = 0,
    formats: Annotated[
        str | None,
        typer.Option(
            "--formats",
            help="training files to write too, comma-separated: docbin (spaCy), conll "
            "(CoNLL-U Plus, BIO per layer)",
        ),
    ] = None,
    download_timeout: Annotated[
        str | None,
        typer.Option(
            "--download-timeout",
            metavar="SECONDS",
            help="how long to wait for Label Studio to build and send the export, about 5 s "
            "per 1,000 annotated tasks [env: QUOTEGOLD_EXPORT_TIMEOUT; 3600]",
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="download every task, even when --out holds an earlier export of the project",
        ),
    ] = False,
    keep_other_files: Annotated[
        bool,
        typer.Option(
            "--keep-other-files",
            help="keep files in the --out folder that quotegold did not write where they are "
            "(else the export refuses to touch the folder); only the export's own files are "
            "replaced",
        ),
    ] = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export validated gold data as a Hugging Face dataset folder.

    With --project, the annotations are validated against the project's own schema (read
    from Label Studio: what its annotators were shown), whatever quotegold.toml says now.
    With --from, no server is needed: gold JSONL files, Label Studio JSON exports and folders
    of them are read with --config, else quotegold.toml, else the built-in lists. Label
    Studio builds the whole export before it sends anything; if a big project times out,
    raise --download-timeout. Each article keeps its own licence (`license` in its JSONL);
    without --license the card lists them all. Problems are listed (the first 20; all of
    them in the report), each with its region and a link to its task; when no record
    survives, nothing is written but the report, as OUT-report.json beside OUT.

    Exporting a project again into the same folder is incremental: only the tasks created
    or changed since the last export (its export-state.jsonl) are downloaded, tasks deleted
    since are dropped, and the same dataset as a full export is written; a line says what
    changed. The rows and checks of unchanged tasks are reused from the folder's
    export-cache/ (rebuilt when the schema or quotegold changed, or the cache was edited).
    --full downloads and rebuilds everything.

    Example: quotegold export --project "quotegold demo" --out exports/demo

    Example: quotegold export --project "quotegold demo" --out exports/demo --full

    Example: quotegold export --from tasks/gold --from tasks/gold/heldout --out exports/gold
    --folds 5 --formats docbin,conll --attribution "Wikinews articles, CC BY 2.5"
    """
    from quotegold.dataset.options import DatasetOptions
    from quotegold.dataset.splits import DEFAULT_RATIOS
    from quotegold.gold.sources import shown_path
    from quotegold.workflows.export import ExportOptions, export_project_changes, report_issues
    from quotegold.workflows.exportfrom import export_inputs

    found = project_file(config)
    defaults = found.defaults
    if project is not None and from_paths:
        fail("give one of --project TITLE or --from PATH, not both")
    if full and from_paths:
        fail("--full is for --project exports; an export --from always reads every file")
    if not from_paths:
        project = project or defaults.title
        if project is None:
            fail("give --project TITLE (or title under [project] in quotegold.toml) or --from")
    extras = DatasetOptions(
        license_name=license_name,
        license_link=license_link,
        source_datasets=_split_list(source_datasets) or ("original",),
        language_creators=_split_list(language_creators) or ("found",),
        folder=shown_path(out_dir),
        pinned=_pinned(test_ids),
        group_by=group_by,
        folds=folds,
        formats=_split_list(formats),
    )
    options = ExportOptions(
        name=name or defaults.dataset_name or out_dir.resolve().name,
        strategy=strategy,
        strict=strict,
        license=license_id or defaults.license,
        attribution=attribution if attribution is not None else defaults.attribution,
        ratios=parse_ratios(ratios) if ratios else defaults.ratios or DEFAULT_RATIOS,
        extras=extras,
        keep_other_files=keep_other_files,
    )
    single = from_paths[0] if from_paths and len(from_paths) == 1 else None
    with user_errors(), _no_gold_reasons(out_dir, file=single):
        if from_paths:
            summary, report = export_inputs(
                from_paths,
                out=out_dir,
                options=options,
                schema=found.schema,
                schema_source=found.source,
            )
        else:
            settings = load_settings(
                url=url, api_key=api_key, data_dir=data_dir, export_timeout=download_timeout
            )
            with make_client(settings) as client, err.status("downloading the project…"):
                done = export_project_changes(
                    client, str(project), out=out_dir, options=options, full=full
                )
            summary, report = done.summary, done.report
            changes = done.changes
            if changes.full:
                out.print(f"downloaded all {changes.tasks:,} task(s) ({changes.reason})")
            else:
                out.print(
                    f"incremental: {changes.downloaded:,} of {changes.tasks:,} task(s) "
                    f"downloaded ({len(changes.added):,} added, {len(changes.updated):,} "
                    f"changed), {len(changes.removed):,} removed since the last export; "
                    f"task ids in {summary.path / 'export-state.jsonl'}"
                )
    counts = report["counts"]
    out.print(
        f"exported {summary.articles} article(s), {summary.quotes} quote(s) to {summary.path} "
        f"(splits: {', '.join(f'{k} {v}' for k, v in summary.splits.items()) or 'none'})"
    )
    used = report["schema_version"]
    origin = "the project's" if not from_paths else found.source
    out.print(f"schema {used} ({origin}); written to {summary.path / 'schema.json'}")
    if not from_paths and found.path is not None and found.schema.version != used:
        err.print(
            f"[yellow]note:[/yellow] {found.source} has schema {found.schema.version}; the "
            f"project still has {used}, which its annotations were checked against. "
            "`quotegold push` updates the project."
        )
    out.print(
        f"tasks: {counts['tasks']}, gold {counts['gold']}, conflicts {counts['conflict']}, "
        f"invalid {counts['invalid']}, unannotated {counts['unannotated']}, "
        f"skipped {counts['skipped']}; report: {summary.path / 'report.json'}"
    )
    for line in summary.notes:
        out.print(line)
    for conflict in report["conflicts"]:
        err.print(f"[yellow]conflict[/yellow] task {conflict['task_id']}: {conflict['link'] or ''}")
    if report["problems"]:
        # The report has them all; the first few here say at once what to fix and where.
        print_issues(report_issues(report), title="problems", limit=PROBLEMS_SHOWN)
        err.print(f"[yellow]{len(report['problems'])} problem(s) kept records out; see the report")


@contextmanager
def _no_gold_reasons(out_dir: Path, *, file: Path | None) -> Iterator[None]:
    """When no record survives an export, show why: the first problems, and the whole
    report in a file beside the folder that was not written."""
    from quotegold.workflows.export import report_issues

    try:
        yield
    except NoGoldRecordsError as error:
        report = cast("ExportReport", error.report)
        saved = out_dir.with_name(f"{out_dir.name}-report.json")
        try:
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
        except OSError as problem:
            err.print(f"[yellow]the report could not be written to {saved}: {problem}")
        else:
            error.args = (f"{error} The report with every problem: {saved}",)
        issues = report_issues(report, file=None if file is None else str(file))
        print_issues(issues, title="problems", limit=PROBLEMS_SHOWN)
        raise


def validate(
    file: Annotated[
        Path,
        typer.Argument(help="gold JSONL file, Label Studio JSON export, or an export folder"),
    ],
    config: ConfigOption = None,
) -> None:
    """Check a gold JSONL file or a Label Studio JSON export; exit 1 on any problem.

    The schema checked against: --config when given, else the schema.json of the export
    folder the file is in (so an export is checked against what it was validated with),
    else quotegold.toml, else the built-in lists. Records made with another schema are
    reported in one line.

    Example: quotegold validate tasks/gold/seeds.jsonl --config tasks/seeds/quotegold.toml
    """
    from quotegold.gold.validate import validate_file

    found = project_file(config)
    if file.is_dir():
        file = file / "gold.jsonl"
    schema, source = file_schema(found, file, explicit=config is not None)
    with user_errors():
        checked, issues = validate_file(file, schema=schema, source=source)
    if issues:
        print_issues(issues, title=f"{file}: problems")
        raise typer.Exit(1)
    out.print(f"{file}: {checked} record(s), no problems (schema {schema.version} from {source})")


def evaluation_tables(figures: EvaluationFigures) -> list[Table]:
    """The figures of `Comparison.to_dict()` as rich tables: layers, then quote attributes."""
    layers = Table(title="Spans (micro-averaged)")
    for name in ("layer", "match", "gold", "predicted", "matched", "P", "R", "F1"):
        layers.add_column(name, justify="left" if name in ("layer", "match") else "right")
    for layer, modes in figures["layers"].items():
        for mode, score in modes.items():
            counts = (str(score[name]) for name in ("gold", "predicted", "matched"))
            ratios = (figure(score[name]) for name in ("precision", "recall", "f1"))
            layers.add_row(layer if mode == "exact" else "", mode, *counts, *ratios)
        layers.add_section()
    quotes = Table(title="Quotes matched by token overlap")
    for name in ("figure", "gold", "predicted", "matched", "correct", "accuracy"):
        quotes.add_column(name, justify="left" if name == "figure" else "right")
    for name, accuracy in figures["quotes"].items():
        counts = (str(accuracy[key]) for key in ("gold", "predicted", "matched", "correct"))
        quotes.add_row(name.replace("_", " "), *counts, figure(accuracy["accuracy"]))
    return [layers, quotes]


def model_suggester(model: Path, schema: AnnotationSchema) -> Suggester:
    """The records a model folder suggests (loaded at once: a bad folder fails here)."""
    from quotegold.learn.predictor import load_model

    loaded = load_model(model, schema)

    def suggest(article: Article) -> GoldRecord:
        return loaded.suggest(article).record

    return suggest


def evaluate(
    gold: Annotated[Path, typer.Argument(help="gold JSONL file or Label Studio JSON export")],
    predicted: Annotated[
        Path | None,
        typer.Argument(help="records to score: gold JSONL file or Label Studio JSON export"),
    ] = None,
    preannotate: Annotated[
        bool, typer.Option("--preannotate", help="score the pre-annotator on GOLD's texts")
    ] = False,
    model: ModelOption = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="also write the figures to this JSON file")
    ] = None,
    strategy: Annotated[
        str, typer.Option(help="several annotations: default (ground truth > agreement) | latest")
    ] = "default",
    config: ConfigOption = None,
) -> None:
    """Score predicted records (or the pre-annotator) against gold: P/R/F1 per layer.

    Spans match exactly or by shared tokens; over the matched quotes, speaker attribution
    and stance are compared. Label Studio exports are read, and the pre-annotator proposes
    targets, with the schema of --config (else GOLD's export folder, quotegold.toml or the
    built-in lists).

    --preannotate scores the rules alone; --model PATH scores the model folder `quotegold
    train` wrote (`--model shipped`: the model quotegold ships and pre-annotates with).

    Example: quotegold evaluate tasks/gold/wikinews-a.jsonl --preannotate

    Example: quotegold evaluate tasks/gold/heldout/wikinews-2019-2020.jsonl --model models/team
    """
    from quotegold.measure.evaluate import evaluate_files, write_json

    schema, _ = file_schema(project_file(config), gold, explicit=config is not None)
    with user_errors():
        suggest = None if model is None else model_suggester(shipped_or(model), schema)
        evaluation = evaluate_files(
            gold,
            predicted,
            preannotate=preannotate or model is not None,
            strategy=strategy,
            schema=schema,
            suggest=suggest,
        )
        figures = evaluation.comparison.to_dict()
        if json_file is not None:
            write_json(figures, json_file)
    for table in evaluation_tables(figures):
        out.print(table)
    articles = figures["articles"]
    out.print(
        f"{articles['compared']} article(s) compared, {len(articles['only_in_gold'])} of them "
        f"only in gold (scored as missed); {len(articles['only_in_predicted'])} only in the "
        "predictions (left out)"
    )
    if json_file is not None:
        out.print(f"figures written to {json_file}")
    if evaluation.issues:
        print_issues(evaluation.issues, title="left out of the evaluation")
        raise typer.Exit(1)


def report(
    export_dir: Annotated[Path, typer.Argument(help="an export folder, e.g. exports/demo")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="HTML file [EXPORT_DIR/report.html]")
    ] = None,
) -> None:
    """Write a self-contained HTML report (charts, progress, agreement, highlighted articles).

    Example: quotegold report exports/demo
    """
    from quotegold.report.page import write_report

    with user_errors():
        written = write_report(export_dir, out_file or export_dir / "report.html")
    out.print(f"wrote {written} (open it in a browser; no server needed)")
