"""What every `quotegold` command shares: the two consoles, the common options, turning a
`QuotegoldError` into one line and an exit code, the project file (quotegold.toml) and the
Label Studio client from settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from quotegold.errors import Issue, QuotegoldError
from quotegold.labelstudio import LabelStudioClient
from quotegold.schema.projectfile import ProjectFile, find_project_file
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
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="PATH",
        help="the project file: stance targets, speaker kinds, initiative statuses and "
        "defaults [quotegold.toml in this folder; else the built-in lists]",
    ),
]
ProjectOption = Annotated[
    str | None,
    typer.Option("--project", help="project title [quotegold.toml's project.title]"),
]
ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        metavar="PATH",
        help="pre-annotate with this model folder `quotegold train` wrote (e.g. "
        "models/NAME; `shipped`: the model quotegold ships) [the shipped model, rules + CRF]",
    ),
]
RulesOption = Annotated[
    bool,
    typer.Option("--rules", help="pre-annotate with the rules alone, not the model"),
]
NoPredictionsOption = Annotated[
    bool,
    typer.Option(
        "--no-predictions", help="leave out the pre-annotations (one prediction per task)"
    ),
]


def shipped_or(model: Path) -> Path:
    """`--model shipped` is the model quotegold ships (unless a folder of that name exists)."""
    if str(model) == "shipped" and not model.exists():
        from quotegold.learn.predictor import SHIPPED_MODEL

        return SHIPPED_MODEL
    return model


def fail(message: str, code: int = 1) -> NoReturn:
    # Messages may hold brackets ("[project] title"): printed as they are, not as markup.
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
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
    err.print(f"[yellow]{escape(title)} ({len(issues)}):[/yellow]")
    for issue in issues[:limit]:
        err.print(f"  {escape(str(issue))}", soft_wrap=True)
    if limit is not None and len(issues) > limit:
        err.print(f"  … and {len(issues) - limit} more")


def project_file(config: Path | None) -> ProjectFile:
    """The project file `--config` names, else ./quotegold.toml, else the built-in lists;
    a malformed one is one located error line and exit code 1."""
    with user_errors():
        return find_project_file(config)
    raise AssertionError("unreachable")  # pragma: no cover  (user_errors exits)


def project_title(given: str | None, project: ProjectFile, *, default: str | None) -> str:
    """The project title: the flag, else the project file's, else `default` (or an error
    saying how to give one)."""
    title = given or project.defaults.title or default
    if title is None:
        fail("give --project TITLE, or set title under [project] in quotegold.toml")
    return title


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
