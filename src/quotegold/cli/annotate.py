"""Getting articles annotated: `tasks` (task files), `push` (into a project) and `predict`
(refresh a project's suggestions)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from quotegold.articles.ingest import IngestResult, read_articles
from quotegold.cli.support import (
    ArticlesArgument,
    ConfigOption,
    DataDirOption,
    KeyOption,
    NoPredictionsOption,
    ProjectOption,
    UrlOption,
    err,
    fail,
    make_client,
    out,
    print_issues,
    progress_bar,
    project_file,
    project_title,
    user_errors,
)
from quotegold.settings import load_settings

if TYPE_CHECKING:
    from quotegold.articles.tasks import Predictor
    from quotegold.schema.definition import AnnotationSchema

# The project pushed to and refreshed when neither --project nor quotegold.toml names one.
DEFAULT_PROJECT = "quotegold"


def read_reporting(paths: list[Path]) -> IngestResult:
    """Read articles, reporting unreadable ones (which are skipped, the rest go through)."""
    result = read_articles(paths)
    print_issues(result.issues, title="articles skipped")
    for origin, article_id in result.duplicates:
        err.print(f"  {origin}: duplicate of article {article_id}, read once", soft_wrap=True)
    return result


def tasks(
    articles: ArticlesArgument,
    out_file: Annotated[Path, typer.Option("--out", help="task JSON file to write")],
    no_predictions: NoPredictionsOption = False,
    config: ConfigOption = None,
) -> None:
    """Write Label Studio task JSON for articles (importable by hand in the UI too).

    Each task carries one prediction from the rule-based pre-annotator, proposing the
    project file's stance targets, unless --no-predictions is given.

    Example: quotegold tasks tasks/seeds --out tasks/seeds.tasks.json
    """
    from quotegold.articles.tasks import iter_tasks, write_task_file

    project = project_file(config)
    with user_errors():
        result = read_reporting(articles)
        predictor = None if no_predictions else _predictor(project.schema)
        count = write_task_file(iter_tasks(result.articles, predictor=predictor), out_file)
    out.print(f"wrote {count} task(s) to {out_file}")
    if result.issues:
        raise typer.Exit(1)


def _predictor(schema: AnnotationSchema) -> Predictor:
    """The pre-annotator, proposing `schema`'s values; a worker process can be sent it."""
    from functools import partial

    from quotegold.preannotate.predictions import predict_article

    return partial(predict_article, schema=schema)


def push(
    articles: ArticlesArgument,
    project: ProjectOption = None,
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
            help="have each task annotated by N people (the project keeps this setting) "
            "[quotegold.toml's project.annotators_per_task]",
        ),
    ] = None,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Push articles into a Label Studio project; articles already there are skipped.

    The project's labelling screen offers the stance targets, speaker kinds and initiative
    statuses of quotegold.toml (or --config); when they changed, the project is updated,
    unless that would drop a value its annotations use. New tasks get one prediction from
    the rule-based pre-annotator unless --no-predictions is given; `quotegold predict`
    refreshes them later. With --annotators-per-task N, Label Studio hands each task to N
    annotators before it counts as done.

    Example: quotegold push tasks/seeds --project "SCO quotes" --annotators-per-task 2
    """
    from quotegold.workflows.push import gold_annotations, push_articles

    found = project_file(config)
    title = project_title(project, found, default=DEFAULT_PROJECT)
    schema = found.schema
    with user_errors():
        settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
        extras = (
            gold_annotations(annotations, schema=schema, source=found.source)
            if annotations
            else None
        )
        result = read_reporting(articles)
        if not result.articles:
            # Nothing to push: no project is made for it.
            fail(f"no article could be read from {', '.join(map(str, articles))}; nothing pushed")
        with make_client(settings) as client, progress_bar() as bar:
            client.check_connection()
            job = bar.add_task("pushing", total=len(result.articles))
            pushed = push_articles(
                client,
                result.articles,
                project_title=title,
                batch_size=batch_size,
                task_extras=extras,
                predictor=None if no_predictions else _predictor(schema),
                annotators_per_task=annotators_per_task or found.defaults.annotators_per_task,
                on_progress=lambda n: bar.advance(job, n),
                schema=schema,
            )
    state = "created" if pushed.project_created else "updated" if pushed.config_updated else "found"
    out.print(f"project {title!r} {state}: {pushed.project.url}")
    out.print(f"schema {schema.version} from {found.source}")
    out.print(f"{pushed.created} task(s) created, {pushed.already_present} already there")
    if pushed.control_chars_replaced:
        out.print(
            f"{pushed.control_chars_replaced} control character(s) replaced by spaces in the "
            f"new tasks' texts (offsets unchanged; counted in each task's control_chars_replaced)"
        )
    for article, why in pushed.unsuggested:
        named = escape(f"article {article.id!r} ({article.origin})")
        err.print(
            f"[yellow]warning:[/yellow] {named} imported without suggestions: {escape(why)}",
            soft_wrap=True,
        )
    if pushed.project.annotators_per_task > 1 or pushed.overlap_updated:
        out.print(f"each task is annotated by {pushed.project.annotators_per_task} people")
    if result.issues:
        raise typer.Exit(1)


def predict(
    project: ProjectOption = None,
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 500,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Refresh the pre-annotations of every task in a project; annotations are not touched.

    Each task's predictions from any quotegold-rules version are replaced by one new one
    made from its text, proposing the stance targets the project's labelling screen offers
    (read from the project, not from quotegold.toml); other models' predictions stay.

    Example: quotegold predict --project "SCO quotes"
    """
    from quotegold.preannotate.predictions import MODEL_VERSION
    from quotegold.workflows.predict import refresh_predictions

    project = project_title(project, project_file(config), default=DEFAULT_PROJECT)
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
    out.print(f"project {project!r}: {refreshed.project.url} (schema {refreshed.schema.version})")
    out.print(
        f"{refreshed.refreshed} of {refreshed.tasks} task(s) refreshed with {MODEL_VERSION}, "
        f"{refreshed.replaced} earlier prediction(s) replaced"
    )
    if refreshed.issues:
        print_issues(refreshed.issues, title="tasks left as they were")
        raise typer.Exit(1)
