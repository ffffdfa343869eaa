"""Getting articles annotated: `tasks` (task files), `push` (into a project) and `predict`
(refresh a project's suggestions)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
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
    ModelOption,
    NoPredictionsOption,
    ProjectOption,
    RulesOption,
    UrlOption,
    err,
    fail,
    make_client,
    out,
    print_issues,
    progress_bar,
    project_file,
    project_title,
    shipped_or,
    user_errors,
)
from quotegold.settings import load_settings

if TYPE_CHECKING:
    from quotegold.articles.tasks import Predictor
    from quotegold.schema.definition import AnnotationSchema
    from quotegold.workflows.push import ChangedArticle

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
    model: ModelOption = None,
    rules: RulesOption = False,
    config: ConfigOption = None,
) -> None:
    """Write Label Studio task JSON for articles (importable by hand in the UI too).

    Each task carries one prediction, proposing the project file's stance targets, unless
    --no-predictions is given: from the shipped model (a CRF trained on the project's gold,
    with the rules' suggestions among its features), the model folder given with --model,
    or the rules alone with --rules.

    Example: quotegold tasks tasks/seeds --out tasks/seeds.tasks.json --model models/team
    """
    from quotegold.articles.tasks import iter_tasks, write_task_file

    project = project_file(config)
    with user_errors():
        chosen = chosen_model(model, rules)
        predictor = None if no_predictions else _predictor(project.schema, chosen)
        result = read_reporting(articles)
        count = write_task_file(iter_tasks(result.articles, predictor=predictor), out_file)
    out.print(f"wrote {count} task(s) to {out_file}")
    if result.issues:
        raise typer.Exit(1)


def chosen_model(model: Path | None, rules: bool) -> Path | None:
    """The model folder to pre-annotate with: --model's, else the shipped one; None for the
    rules alone (--rules, or a quotegold installed without its model)."""
    from quotegold.learn.predictor import SHIPPED_MODEL

    if rules:
        if model is not None:
            fail("give one of --model PATH or --rules, not both")
        return None
    if model is not None:
        return shipped_or(model)
    return SHIPPED_MODEL if SHIPPED_MODEL.is_dir() else None


def _predictor(schema: AnnotationSchema, model: Path | None = None) -> Predictor:
    """The pre-annotator (the rules, or the model folder `model`, loaded here so that a
    missing or damaged one fails at once), proposing `schema`'s values; a worker process
    can be sent it."""
    from functools import partial

    from quotegold.preannotate.predictions import predict_article

    if model is None:
        return partial(predict_article, schema=schema)
    from quotegold.learn.predictor import load_model, predict_with_model

    load_model(model, schema)
    return partial(predict_with_model, model=str(model), schema=schema)


def print_changed(changed: Sequence[ChangedArticle]) -> None:
    """One line per changed article: its id, its task and what the push did with it."""
    for entry in changed:
        what = {
            "skipped": f"skipped, task {entry.task_id} keeps the old text; "
            "--on-changed update or new-version to store it",
            "updated": f"task {entry.task_id} updated",
            "refused": f"not updated: {entry.detail}",
            "new version": f"imported as {entry.detail!r} (task {entry.task_id} kept)",
            "version there": f"already there as {entry.detail!r}",
        }[entry.outcome]
        out.print(f"changed: {entry.article_id} ({what})", markup=False, highlight=False)


def changed_counts(changed: Sequence[ChangedArticle]) -> str:
    counts = Counter(entry.outcome for entry in changed)
    return ", ".join(f"{number} {outcome}" for outcome, number in sorted(counts.items()))


def push(
    articles: ArticlesArgument,
    project: ProjectOption = None,
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 1000,
    annotations: Annotated[
        Path | None,
        typer.Option(help="gold JSONL whose records are imported as annotations of new tasks"),
    ] = None,
    no_predictions: NoPredictionsOption = False,
    model: ModelOption = None,
    rules: RulesOption = False,
    annotators_per_task: Annotated[
        int | None,
        typer.Option(
            "--annotators-per-task",
            min=1,
            help="have each task annotated by N people (the project keeps this setting) "
            "[quotegold.toml's project.annotators_per_task]",
        ),
    ] = None,
    on_changed: Annotated[
        str,
        typer.Option(
            "--on-changed",
            metavar="skip|update|new-version",
            help="an article whose id the project holds with other text: skip it and list it "
            "(default); update the task's data if it has no annotations; or import it as a "
            "new version ID~v2 (the next free number)",
        ),
    ] = "skip",
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Push articles into a Label Studio project; articles already there are skipped.

    The project's labelling screen offers the stance targets, speaker kinds and initiative
    statuses of quotegold.toml (or --config); when they changed, the project is updated,
    unless that would drop a value its annotations use. New tasks get one prediction from
    the shipped model (or the --model folder, or the rules alone with --rules) unless
    --no-predictions is given; `quotegold predict` refreshes them later. With
    --annotators-per-task N, Label Studio hands each task to N annotators before it counts
    as done.

    Example: quotegold push tasks/seeds --project "SCO quotes" --annotators-per-task 2

    Example: quotegold push tasks/seeds --project "SCO quotes" --model models/team
    """
    from quotegold.workflows.push import ON_CHANGED, gold_annotations, push_articles

    if on_changed not in ON_CHANGED:
        fail(f"--on-changed {on_changed!r}: use one of {', '.join(ON_CHANGED)}")
    found = project_file(config)
    title = project_title(project, found, default=DEFAULT_PROJECT)
    schema = found.schema
    with user_errors():
        settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
        chosen = chosen_model(model, rules)
        predictor = None if no_predictions else _predictor(schema, chosen)
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
                predictor=predictor,
                annotators_per_task=annotators_per_task or found.defaults.annotators_per_task,
                on_progress=lambda n: bar.advance(job, n),
                schema=schema,
                on_changed=on_changed,  # type: ignore[arg-type]  # checked above
                on_wait=lambda lock: err.print(
                    f"waiting for another quotegold push to {title!r} on this machine to "
                    f"finish (lock {lock})…",
                    markup=False,
                ),
            )
    state = "created" if pushed.project_created else "updated" if pushed.config_updated else "found"
    out.print(f"project {title!r} {state}: {pushed.project.url}")
    out.print(f"schema {schema.version} from {found.source}")
    print_changed(pushed.changed)
    summary = f"{pushed.created} task(s) created, {pushed.already_present} already there"
    if pushed.changed:
        summary += f", {len(pushed.changed)} changed ({changed_counts(pushed.changed)})"
    out.print(summary)
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
    model: ModelOption = None,
    rules: RulesOption = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Refresh the pre-annotations of every task in a project; annotations are not touched.

    Each task's predictions from any quotegold-rules version or quotegold model are
    replaced by one new one made from its text (by the shipped model, the --model folder,
    or the rules alone with --rules),
    proposing the stance targets the project's labelling screen offers (read from the
    project, not from quotegold.toml); other models' predictions stay.

    Example: quotegold predict --project "SCO quotes"

    Example: quotegold predict --project "SCO quotes" --model models/team
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
                model=chosen_model(model, rules),
                on_progress=lambda n, total: bar.update(job, advance=n, total=total),
            )
    out.print(f"project {project!r}: {refreshed.project.url} (schema {refreshed.schema.version})")
    out.print(
        f"{refreshed.refreshed} of {refreshed.tasks} task(s) refreshed with "
        f"{refreshed.model_version or MODEL_VERSION}, "
        f"{refreshed.replaced} earlier prediction(s) replaced"
    )
    if refreshed.issues:
        print_issues(refreshed.issues, title="tasks left as they were")
        raise typer.Exit(1)
