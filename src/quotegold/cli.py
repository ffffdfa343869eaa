"""The `quotegold` command: a thin layer over the library.

Each command builds settings, calls one library function, prints the outcome and turns a
`QuotegoldError` into one readable line on stderr and a non-zero exit. Anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from quotegold import __version__
from quotegold.errors import Issue, QuotegoldError
from quotegold.ingest import IngestResult, read_articles
from quotegold.labelstudio import LabelStudioClient
from quotegold.schema import SCHEMA
from quotegold.settings import Settings, load_settings

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
        url=settings.url, api_key=settings.require_api_key(), key_source=settings.api_key_source
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
            out.print(f"Label Studio runs at {info.url} (pid {info.pid})")
            return
        with err.status("starting Label Studio (a fresh data folder takes about 30 s)…"):
            info = server.start_server(data_dir=settings.data_dir, port=port)
    verb = "started" if info.started else "already running"
    out.print(f"Label Studio {verb} at [bold]{info.url}[/bold] (pid {info.pid})")
    out.print(f"  log in as {info.username}; password and API key are in {info.credentials_file}")
    out.print(f"  stop it with: quotegold serve --stop --data-dir {info.data_dir}")


@app.command()
def tasks(
    articles: ArticlesArgument,
    out_file: Annotated[Path, typer.Option("--out", help="task JSON file to write")],
) -> None:
    """Write Label Studio task JSON for articles (importable by hand in the UI too).

    Example: quotegold tasks tasks/seeds --out tasks/seeds.tasks.json
    """
    from quotegold.tasks import iter_tasks, write_task_file

    with user_errors():
        result = read_reporting(articles)
        count = write_task_file(iter_tasks(result.articles), out_file)
    out.print(f"wrote {count} task(s) to {out_file}")
    if result.issues:
        raise typer.Exit(1)


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
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Push articles into a Label Studio project; articles already there are skipped.

    Example: quotegold push tasks/seeds --project "SCO quotes"
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
                on_progress=lambda n: bar.advance(job, n),
            )
    state = "created" if pushed.project_created else "updated" if pushed.config_updated else "found"
    out.print(f"project {project!r} {state}: {pushed.project.url}")
    out.print(f"{pushed.created} task(s) created, {pushed.already_present} already there")
    if result.issues:
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
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export validated gold data as a Hugging Face dataset folder.

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
            settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
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
