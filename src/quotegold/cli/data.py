"""The data: `export` a dataset, `validate` gold, `evaluate` suggestions, `report` on an
export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from quotegold.cli.support import (
    ConfigOption,
    DataDirOption,
    KeyOption,
    UrlOption,
    err,
    fail,
    figure,
    make_client,
    out,
    print_issues,
    project_file,
    user_errors,
)
from quotegold.settings import load_settings

if TYPE_CHECKING:
    from quotegold.measure.comparison import EvaluationFigures
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


def export(
    out_dir: Annotated[Path, typer.Option("--out", help="dataset folder, e.g. exports/NAME")],
    project: Annotated[
        str | None, typer.Option("--project", help="project title [quotegold.toml's title]")
    ] = None,
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="a Label Studio JSON export instead")
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
        typer.Option("--license", help="licence id for the card [quotegold.toml's; other]"),
    ] = None,
    attribution: Annotated[
        str | None,
        typer.Option(help="attribution text for the card [quotegold.toml's dataset.attribution]"),
    ] = None,
    ratios: Annotated[
        str | None,
        typer.Option(help="train,validation,test shares [quotegold.toml's; 0.8,0.1,0.1]"),
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
    A --from-file export holds no schema: it is read with --config, else quotegold.toml,
    else the built-in lists. Label Studio builds the whole export before it sends anything;
    if a big project times out, raise --download-timeout.

    Example: quotegold export --project "quotegold demo" --out exports/demo
    """
    from quotegold.dataset.splits import DEFAULT_RATIOS
    from quotegold.workflows.export import ExportOptions, export_file, export_project, report_issues

    found = project_file(config)
    defaults = found.defaults
    if project is not None and from_file is not None:
        fail("give one of --project TITLE or --from-file EXPORT.json, not both")
    if from_file is None:
        project = project or defaults.title
        if project is None:
            fail("give --project TITLE (or title under [project] in quotegold.toml) or --from-file")
    options = ExportOptions(
        name=name or defaults.dataset_name or out_dir.resolve().name,
        strategy=strategy,
        strict=strict,
        license=license_id or defaults.license or "other",
        attribution=attribution if attribution is not None else defaults.attribution,
        ratios=parse_ratios(ratios) if ratios else defaults.ratios or DEFAULT_RATIOS,
        keep_other_files=keep_other_files,
    )
    with user_errors():
        if from_file is not None:
            summary, report = export_file(
                from_file, out=out_dir, options=options, schema=found.schema
            )
        else:
            settings = load_settings(
                url=url, api_key=api_key, data_dir=data_dir, export_timeout=download_timeout
            )
            with make_client(settings) as client, err.status("downloading the project…"):
                summary, report = export_project(client, str(project), out=out_dir, options=options)
    counts = report["counts"]
    out.print(
        f"exported {summary.articles} article(s), {summary.quotes} quote(s) to {summary.path} "
        f"(splits: {', '.join(f'{k} {v}' for k, v in summary.splits.items()) or 'none'})"
    )
    used = report["schema_version"]
    origin = "the project's" if from_file is None else found.source
    out.print(f"schema {used} ({origin}); written to {summary.path / 'schema.json'}")
    if from_file is None and found.path is not None and found.schema.version != used:
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
    for conflict in report["conflicts"]:
        err.print(f"[yellow]conflict[/yellow] task {conflict['task_id']}: {conflict['link'] or ''}")
    if report["problems"]:
        # The report has them all; the first few here say at once what to fix and where.
        file = str(from_file) if from_file is not None else None
        print_issues(report_issues(report, file=file), title="problems", limit=PROBLEMS_SHOWN)
        err.print(f"[yellow]{len(report['problems'])} problem(s) kept records out; see the report")


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


def evaluate(
    gold: Annotated[Path, typer.Argument(help="gold JSONL file or Label Studio JSON export")],
    predicted: Annotated[
        Path | None,
        typer.Argument(help="records to score: gold JSONL file or Label Studio JSON export"),
    ] = None,
    preannotate: Annotated[
        bool, typer.Option("--preannotate", help="score the pre-annotator on GOLD's texts")
    ] = False,
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

    Example: quotegold evaluate tasks/gold/wikinews-a.jsonl --preannotate
    """
    from quotegold.measure.evaluate import evaluate_files, write_json

    schema, _ = file_schema(project_file(config), gold, explicit=config is not None)
    with user_errors():
        evaluation = evaluate_files(
            gold, predicted, preannotate=preannotate, strategy=strategy, schema=schema
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
