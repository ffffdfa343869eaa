"""The `quotegold` command: a thin layer over the library.

Each command builds settings, calls one library function, prints the outcome and turns a
`QuotegoldError` into one readable line on stderr and a non-zero exit. Anything else is a
bug and keeps its traceback. What the commands share is in `quotegold.cli.support`; the
team's commands (annotators, agreement, adjudicate) are in `quotegold.cli.team`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from quotegold import __version__
from quotegold.articles.ingest import IngestResult, read_articles
from quotegold.cli import team as cli_team
from quotegold.cli.support import (
    ArticlesArgument,
    DataDirOption,
    KeyOption,
    NoPredictionsOption,
    UrlOption,
    err,
    fail,
    figure,
    make_client,
    out,
    print_issues,
    user_errors,
)
from quotegold.schema.definition import SCHEMA
from quotegold.settings import load_settings

if TYPE_CHECKING:
    from quotegold.articles.tasks import Predictor

app = typer.Typer(
    help="Annotate who said what in news articles with Label Studio; export gold datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def read_reporting(paths: list[Path]) -> IngestResult:
    """Read articles, reporting unreadable ones (which are skipped, the rest go through)."""
    result = read_articles(paths)
    print_issues(result.issues, title="articles skipped")
    for origin, article_id in result.duplicates:
        err.print(f"  {origin}: duplicate of article {article_id}, read once", soft_wrap=True)
    return result


def version_callback(value: bool) -> None:
    if value:
        out.print(f"quotegold {__version__} (schema {SCHEMA.version})")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True)
    ] = False,
) -> None:
    """quotegold: gold training data about who said what in the news."""


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8080,
    data_dir: DataDirOption = None,
    stop: Annotated[bool, typer.Option("--stop", help="stop the local server")] = False,
    status: Annotated[bool, typer.Option("--status", help="say whether it runs")] = False,
    postgres: Annotated[
        Path | None,
        typer.Option(
            "--postgres",
            help="run on the PostgreSQL whose settings scripts/postgres wrote, e.g. "
            ".labelstudio/postgres-credentials.env [env: DJANGO_DB=default and POSTGRE_*]",
        ),
    ] = None,
) -> None:
    """Start a local Label Studio on 127.0.0.1 in the background (or find the running one).

    Example: quotegold serve --port 8080
    """
    from quotegold.labelstudio.local import server

    with user_errors():
        settings = load_settings(data_dir=data_dir)
        if stop:
            stopped = server.stop_server(data_dir=settings.data_dir)
            out.print(
                "stopped the local Label Studio" if stopped else "no local server was running"
            )
            return
        if status:
            info = server.server_status(data_dir=settings.data_dir)
            if info is None:
                fail(f"no local Label Studio runs from {settings.data_dir}", code=3)
                return
            out.print(f"Label Studio runs at {info.url} (pid {info.pid}), database {info.database}")
            return
        database = (
            server.DatabaseSettings.from_env_file(postgres)
            if postgres is not None
            else server.DatabaseSettings.from_environ(dict(os.environ))
        )
        with err.status("starting Label Studio (a fresh data folder takes about 30 s)…"):
            info = server.start_server(data_dir=settings.data_dir, port=port, database=database)
    verb = "started" if info.started else "already running"
    out.print(
        f"Label Studio {verb} at [bold]{info.url}[/bold] (pid {info.pid}), database {info.database}"
    )
    if not info.started and info.database != (database.url if database else "sqlite"):
        err.print(f"[yellow]note:[/yellow] it runs on {info.database}; stop it first to switch")
    out.print(f"  log in as {info.username}; password and API key are in {info.credentials_file}")
    out.print(f"  stop it with: quotegold serve --stop --data-dir {info.data_dir}")


@app.command()
def tasks(
    articles: ArticlesArgument,
    out_file: Annotated[Path, typer.Option("--out", help="task JSON file to write")],
    no_predictions: NoPredictionsOption = False,
) -> None:
    """Write Label Studio task JSON for articles (importable by hand in the UI too).

    Each task carries one prediction from the rule-based pre-annotator unless
    --no-predictions is given.

    Example: quotegold tasks tasks/seeds --out tasks/seeds.tasks.json
    """
    from quotegold.articles.tasks import iter_tasks, write_task_file

    with user_errors():
        result = read_reporting(articles)
        predictor = None if no_predictions else _predictor()
        count = write_task_file(iter_tasks(result.articles, predictor=predictor), out_file)
    out.print(f"wrote {count} task(s) to {out_file}")
    if result.issues:
        raise typer.Exit(1)


def _predictor() -> Predictor:
    from quotegold.preannotate.predictions import predict_article

    return predict_article


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@app.command()
def push(
    articles: ArticlesArgument,
    project: Annotated[str, typer.Option("--project", help="project title")] = "quotegold",
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 1000,
    annotations: Annotated[
        Path | None,
        typer.Option(help="gold JSONL whose records are imported as annotations of new tasks"),
    ] = None,
    no_predictions: NoPredictionsOption = False,
    annotators_per_task: Annotated[
        int | None,
        typer.Option(
            "--annotators-per-task",
            min=1,
            help="have each task annotated by N people (the project keeps this setting)",
        ),
    ] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Push articles into a Label Studio project; articles already there are skipped.

    New tasks get one prediction from the rule-based pre-annotator unless --no-predictions
    is given; `quotegold predict` refreshes them later. With --annotators-per-task N, Label
    Studio hands each task to N annotators before it counts as done.

    Example: quotegold push tasks/seeds --project "SCO quotes" --annotators-per-task 2
    """
    from quotegold.workflows.push import gold_annotations, push_articles

    with user_errors():
        settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
        extras = gold_annotations(annotations) if annotations else None
        result = read_reporting(articles)
        with make_client(settings) as client, progress_bar() as bar:
            client.check_connection()
            job = bar.add_task("pushing", total=len(result.articles))
            pushed = push_articles(
                client,
                result.articles,
                project_title=project,
                batch_size=batch_size,
                task_extras=extras,
                predictor=None if no_predictions else _predictor(),
                annotators_per_task=annotators_per_task,
                on_progress=lambda n: bar.advance(job, n),
            )
    state = "created" if pushed.project_created else "updated" if pushed.config_updated else "found"
    out.print(f"project {project!r} {state}: {pushed.project.url}")
    out.print(f"{pushed.created} task(s) created, {pushed.already_present} already there")
    if pushed.project.annotators_per_task > 1 or pushed.overlap_updated:
        out.print(f"each task is annotated by {pushed.project.annotators_per_task} people")
    if result.issues:
        raise typer.Exit(1)


@app.command()
def predict(
    project: Annotated[str, typer.Option("--project", help="project title")] = "quotegold",
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 500,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Refresh the pre-annotations of every task in a project; annotations are not touched.

    Each task's predictions from any quotegold-rules version are replaced by one new one
    made from its text; other models' predictions stay.

    Example: quotegold predict --project "SCO quotes"
    """
    from quotegold.preannotate.predictions import MODEL_VERSION
    from quotegold.workflows.predict import refresh_predictions

    with user_errors():
        settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
        with make_client(settings) as client, progress_bar() as bar:
            client.check_connection()
            job = bar.add_task("pre-annotating", total=None)
            refreshed = refresh_predictions(
                client,
                project,
                batch_size=batch_size,
                on_progress=lambda n, total: bar.update(job, advance=n, total=total),
            )
    out.print(f"project {project!r}: {refreshed.project.url}")
    out.print(
        f"{refreshed.refreshed} of {refreshed.tasks} task(s) refreshed with {MODEL_VERSION}, "
        f"{refreshed.replaced} earlier prediction(s) replaced"
    )
    if refreshed.issues:
        print_issues(refreshed.issues, title="tasks left as they were")
        raise typer.Exit(1)


# Problems an export prints, the first ones; its report lists every one.
PROBLEMS_SHOWN = 20


def parse_ratios(value: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in value.split(","))
    except ValueError:
        raise typer.BadParameter("give three numbers, e.g. 0.8,0.1,0.1") from None


@app.command()
def export(
    out_dir: Annotated[Path, typer.Option("--out", help="dataset folder, e.g. exports/NAME")],
    project: Annotated[str | None, typer.Option("--project", help="project title")] = None,
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="a Label Studio JSON export instead")
    ] = None,
    name: Annotated[str | None, typer.Option(help="dataset name [the folder's name]")] = None,
    strategy: Annotated[
        str, typer.Option(help="several annotations: default (ground truth > agreement) | latest")
    ] = "default",
    strict: Annotated[bool, typer.Option("--strict", help="fail on any invalid record")] = False,
    license_id: Annotated[str, typer.Option("--license", help="licence id for the card")] = "other",
    ratios: Annotated[str, typer.Option(help="train,validation,test shares")] = "0.8,0.1,0.1",
    download_timeout: Annotated[
        str | None,
        typer.Option(
            "--download-timeout",
            metavar="SECONDS",
            help="how long to wait for Label Studio to build and send the export, about 5 s "
            "per 1,000 annotated tasks [env: QUOTEGOLD_EXPORT_TIMEOUT; 3600]",
        ),
    ] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export validated gold data as a Hugging Face dataset folder.

    With --project, Label Studio builds the whole export before it sends anything; if a
    big project times out, raise --download-timeout.

    Example: quotegold export --project "quotegold demo" --out exports/demo
    """
    from quotegold.workflows.export import ExportOptions, export_file, export_project, report_issues

    if (project is None) == (from_file is None):
        fail("give exactly one of --project TITLE or --from-file EXPORT.json")
    options = ExportOptions(
        name=name or out_dir.name,
        strategy=strategy,
        strict=strict,
        license=license_id,
        ratios=parse_ratios(ratios),
    )
    with user_errors():
        if from_file is not None:
            summary, report = export_file(from_file, out=out_dir, options=options)
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


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="gold JSONL file or Label Studio JSON export")],
) -> None:
    """Check a gold JSONL file or a Label Studio JSON export; exit 1 on any problem.

    Example: quotegold validate tasks/gold/seeds.jsonl
    """
    from quotegold.gold.validate import validate_file

    with user_errors():
        checked, issues = validate_file(file)
    if issues:
        print_issues(issues, title=f"{file}: problems")
        raise typer.Exit(1)
    out.print(f"{file}: {checked} record(s), no problems")


def evaluation_tables(figures: dict[str, Any]) -> list[Table]:
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


@app.command()
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
) -> None:
    """Score predicted records (or the pre-annotator) against gold: P/R/F1 per layer.

    Spans match exactly or by shared tokens; over the matched quotes, speaker attribution
    and stance are compared.

    Example: quotegold evaluate tasks/gold/seeds.jsonl --preannotate
    """
    from quotegold.measure.evaluate import evaluate_files, write_json

    with user_errors():
        evaluation = evaluate_files(gold, predicted, preannotate=preannotate, strategy=strategy)
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


@app.command()
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


@app.command()
def schema(
    write: Annotated[bool, typer.Option("--write", help="rewrite the copies in schema/")] = False,
) -> None:
    """Check (or rewrite) the files in schema/ rendered from the schema definition.

    Example: quotegold schema --write
    """
    from quotegold.schema.rendered import check_rendered, write_rendered

    with user_errors():
        if write:
            for path in write_rendered():
                out.print(f"wrote {path}")
            return
        stale = check_rendered()
    if stale:
        fail(f"out of date: {', '.join(map(str, stale))}; run `quotegold schema --write`")
    out.print(f"schema {SCHEMA.version}: rendered copies are up to date")


# The team's commands live in `quotegold.cli.team`.
app.command()(cli_team.agreement)
app.command()(cli_team.adjudicate)
app.add_typer(cli_team.annotators_app, name="annotators")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
