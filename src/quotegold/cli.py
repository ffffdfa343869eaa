"""The `quotegold` command: a thin layer over the library.

Each command builds settings, calls one library function, prints the outcome and turns a
`QuotegoldError` into one readable line on stderr and a non-zero exit. Anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from quotegold import __version__
from quotegold.errors import Issue, QuotegoldError
from quotegold.ingest import IngestResult, read_articles
from quotegold.labelstudio import LabelStudioClient
from quotegold.schema import SCHEMA
from quotegold.settings import Settings, load_settings

if TYPE_CHECKING:
    from quotegold.adjudicate import Conflict
    from quotegold.tasks import Predictor

app = typer.Typer(
    help="Annotate who said what in news articles with Label Studio; export gold datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

UrlOption = Annotated[
    str | None, typer.Option("--url", help="Label Studio URL [env: LABEL_STUDIO_URL]")
]
KeyOption = Annotated[
    str | None,
    typer.Option("--api-key", help="Label Studio API key [env: LABEL_STUDIO_API_KEY]"),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="local server folder [env: QUOTEGOLD_DATA_DIR; .labelstudio]"),
]
ArticlesArgument = Annotated[
    list[Path], typer.Argument(help=".txt files, .jsonl files or folders of them")
]
NoPredictionsOption = Annotated[
    bool,
    typer.Option(
        "--no-predictions", help="leave out the pre-annotations (one prediction per task)"
    ),
]


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn expected failures into one line and exit code 1."""
    try:
        yield
    except QuotegoldError as exc:
        fail(str(exc))


def print_issues(issues: list[Issue], *, title: str) -> None:
    if not issues:
        return
    err.print(f"[yellow]{title} ({len(issues)}):[/yellow]")
    for issue in issues:
        err.print(f"  {issue}", soft_wrap=True)


def read_reporting(paths: list[Path]) -> IngestResult:
    """Read articles, reporting unreadable ones (which are skipped, the rest go through)."""
    result = read_articles(paths)
    print_issues(result.issues, title="articles skipped")
    for origin, article_id in result.duplicates:
        err.print(f"  {origin}: duplicate of article {article_id}, read once", soft_wrap=True)
    return result


def make_client(settings: Settings) -> LabelStudioClient:
    return LabelStudioClient(
        url=settings.url,
        api_key=settings.require_api_key(),
        key_source=settings.api_key_source,
        export_timeout=settings.export_timeout,
    )


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
    from quotegold import server

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
    from quotegold.tasks import iter_tasks, write_task_file

    with user_errors():
        result = read_reporting(articles)
        predictor = None if no_predictions else _predictor()
        count = write_task_file(iter_tasks(result.articles, predictor=predictor), out_file)
    out.print(f"wrote {count} task(s) to {out_file}")
    if result.issues:
        raise typer.Exit(1)


def _predictor() -> Predictor:
    from quotegold.predictions import predict_article

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
    from quotegold.push import gold_annotations, push_articles

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
    from quotegold.predictions import MODEL_VERSION, refresh_predictions

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
    from quotegold.export import ExportOptions, export_file, export_project

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
        err.print(f"[yellow]{len(report['problems'])} problem(s) kept records out; see the report")


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="gold JSONL file or Label Studio JSON export")],
) -> None:
    """Check a gold JSONL file or a Label Studio JSON export; exit 1 on any problem.

    Example: quotegold validate tasks/gold/seeds.jsonl
    """
    from quotegold.validate import validate_file

    with user_errors():
        checked, issues = validate_file(file)
    if issues:
        print_issues(issues, title=f"{file}: problems")
        raise typer.Exit(1)
    out.print(f"{file}: {checked} record(s), no problems")


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def evaluation_tables(figures: dict[str, Any]) -> list[Table]:
    """The figures of `Comparison.to_dict()` as rich tables: layers, then quote attributes."""
    layers = Table(title="Spans (micro-averaged)")
    for name in ("layer", "match", "gold", "predicted", "matched", "P", "R", "F1"):
        layers.add_column(name, justify="left" if name in ("layer", "match") else "right")
    for layer, modes in figures["layers"].items():
        for mode, score in modes.items():
            counts = (str(score[name]) for name in ("gold", "predicted", "matched"))
            ratios = (_figure(score[name]) for name in ("precision", "recall", "f1"))
            layers.add_row(layer if mode == "exact" else "", mode, *counts, *ratios)
        layers.add_section()
    quotes = Table(title="Quotes matched by token overlap")
    for name in ("figure", "gold", "predicted", "matched", "correct", "accuracy"):
        quotes.add_column(name, justify="left" if name == "figure" else "right")
    for name, accuracy in figures["quotes"].items():
        counts = (str(accuracy[key]) for key in ("gold", "predicted", "matched", "correct"))
        quotes.add_row(name.replace("_", " "), *counts, _figure(accuracy["accuracy"]))
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
    from quotegold.evaluate import evaluate_files, write_json

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


AGREEMENT_TABLES = {
    "layers": "Spans: F1 between annotators (summed over pairs)",
    "relations": "Relations: quote \u2192 speaker",
    "alpha": "Quote attributes: Krippendorff's alpha (nominal)",
    "annotators": "Per annotator (mean over their pairs)",
    "pairs": "Per pair of annotators",
}


def figures_table(title: str, rows: dict[str, Any]) -> Table:
    """A mapping of mappings as a table: one row per key, one column per inner key."""
    table = Table(title=title)
    table.add_column("")
    columns = list(dict.fromkeys(key for inner in rows.values() for key in inner))
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right")
    for name, inner in rows.items():
        cells = (inner.get(c) for c in columns)
        table.add_row(name, *(_figure(c) if isinstance(c, float | None) else str(c) for c in cells))
    return table


@app.command()
def agreement(
    export_file: Annotated[
        Path | None, typer.Argument(help="a Label Studio JSON export (instead of --project)")
    ] = None,
    project: Annotated[str | None, typer.Option("--project", help="project title")] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="also write the figures to this JSON file")
    ] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Measure how far annotators agree on the tasks they annotated in common.

    Per pair of annotators: span F1 per layer (exact and token overlap) and the share of
    quotes both marked with the same speaker; Krippendorff's alpha on stance, quote type and
    speaker name; per annotator and overall.

    Example: quotegold agreement --project "SCO quotes" --json agreement.json
    """
    from quotegold.agreement import agreement_of_file, agreement_of_project
    from quotegold.evaluate import write_json

    if (project is None) == (export_file is None):
        fail("give exactly one of --project TITLE or EXPORT.json")
    with user_errors():
        if export_file is not None:
            measured = agreement_of_file(export_file)
        else:
            settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
            with make_client(settings) as client, err.status("downloading the project…"):
                measured = agreement_of_project(client, str(project))
        figures = measured.to_dict()
        if json_file is not None:
            write_json(figures, json_file)
    summary = figures["summary"]
    out.print(
        f"{summary['tasks_compared']} of {summary['tasks']} task(s) annotated by two annotators "
        f"or more; {summary['annotators']} annotator(s), {summary['pairs']} pair(s), "
        f"{summary['quotes_compared']} quote(s) marked by several"
    )
    if measured.pairs:
        for key, title in AGREEMENT_TABLES.items():
            out.print(figures_table(title, figures[key]))
    if json_file is not None:
        out.print(f"figures written to {json_file}")
    if measured.issues:
        print_issues(list(measured.issues), title="left out of the agreement")
        raise typer.Exit(1)


@app.command()
def adjudicate(
    project: Annotated[str, typer.Option("--project", help="project title")],
    accept: Annotated[
        int | None,
        typer.Option(
            "--accept",
            metavar="ANNOTATION_ID",
            help="mark this annotation as its task's ground truth (unmarking any other)",
        ),
    ] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """List the tasks whose annotators disagree, with links; or accept one annotation.

    The choice is stored in Label Studio as the task's ground truth, so the next
    `quotegold export` takes it. An adjudicator may also submit their own annotation in
    Label Studio and accept that one.

    Example: quotegold adjudicate --project "SCO quotes" --accept 1234
    """
    from quotegold.adjudicate import accept_annotation, project_conflicts

    with user_errors():
        settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
        with make_client(settings) as client:
            if accept is not None:
                found = client.require_project(project)
                accepted = accept_annotation(client, accept, project=found)
                link = client.task_url(found.id, accepted.task_id)
                out.print(
                    f"annotation {accepted.annotation_id} is now the ground truth of task "
                    f"{accepted.task_id}: {link}"
                )
                if accepted.unmarked:
                    shown = ", ".join(map(str, accepted.unmarked))
                    out.print(f"  no longer ground truth: annotation(s) {shown}")
                return
            with err.status("downloading the project…"):
                _, conflicts = project_conflicts(client, project)
    print_conflicts(project, conflicts)


def print_conflicts(project: str, conflicts: list[Conflict]) -> None:
    out.print(f"project {project!r}: {len(conflicts)} task(s) in conflict")
    for conflict in conflicts:
        annotations = ", ".join(map(str, conflict.annotation_ids))
        annotators = ", ".join(map(str, conflict.annotator_ids))
        out.print(
            f"\ntask {conflict.task_id} (article {conflict.article_id}): {conflict.link}\n"
            f"  annotations {annotations} by annotator(s) {annotators} disagree on:"
        )
        for difference in conflict.differences:
            out.print(f"  - {difference}")
    if conflicts:
        out.print(
            f"\naccept one with: quotegold adjudicate --project {shlex.quote(project)} "
            "--accept ANNOTATION_ID"
        )


annotators_app = typer.Typer(
    help="Manage annotator accounts in Label Studio.", no_args_is_help=True
)
app.add_typer(annotators_app, name="annotators")


@annotators_app.command("add")
def annotators_add(
    email: Annotated[str, typer.Argument(help="the annotator's email; they log in with it")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="QUOTEGOLD_ANNOTATOR_PASSWORD",
            help="their password, 8 characters or more [asked when not given]",
        ),
    ],
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create an annotator account in Label Studio's organisation, as the invite link does.

    Example: quotegold annotators add ann@example.com
    """
    with user_errors():
        settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
        with make_client(settings) as client:
            created = client.sign_up(email, password)
    out.print(f"created annotator {created.email} (user id {created.id})")
    out.print(f"  they log in at {settings.url}/user/login/ with that email and password")


@annotators_app.command("list")
def annotators_list(
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """List the members of Label Studio's organisation.

    Example: quotegold annotators list
    """
    with user_errors():
        settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
        with make_client(settings) as client:
            users = client.list_users()
    table = Table(title=f"users at {settings.url}")
    for name in ("id", "email", "username"):
        table.add_column(name, justify="right" if name == "id" else "left")
    for user in users:
        table.add_row(str(user.id), user.email, user.username)
    out.print(table)


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
    from quotegold.report import write_report

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
    from quotegold.rendered import check_rendered, write_rendered

    with user_errors():
        if write:
            for path in write_rendered():
                out.print(f"wrote {path}")
            return
        stale = check_rendered()
    if stale:
        fail(f"out of date: {', '.join(map(str, stale))}; run `quotegold schema --write`")
    out.print(f"schema {SCHEMA.version}: rendered copies are up to date")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
