"""What every `quotegold` command shares: the two consoles, the common options, turning a
`QuotegoldError` into one line and an exit code, and the Label Studio client from settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from quotegold.errors import Issue, QuotegoldError
from quotegold.labelstudio import LabelStudioClient
from quotegold.settings import Settings

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


def print_issues(issues: list[Issue], *, title: str, limit: int | None = None) -> None:
    """Each issue on a line of its own under `title`; past `limit`, only how many more."""
    if not issues:
        return
    err.print(f"[yellow]{title} ({len(issues)}):[/yellow]")
    for issue in issues[:limit]:
        err.print(f"  {issue}", soft_wrap=True)
    if limit is not None and len(issues) > limit:
        err.print(f"  … and {len(issues) - limit} more")


def make_client(settings: Settings) -> LabelStudioClient:
    return LabelStudioClient(
        url=settings.url,
        api_key=settings.require_api_key(),
        key_source=settings.api_key_source,
        export_timeout=settings.export_timeout,
    )


def figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
