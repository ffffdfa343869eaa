"""Push articles into a Label Studio project: create or update it, import only new articles.

With a `predictor`, each new task is imported with its pre-annotation. It runs batch by batch
and only on the articles a batch actually imports, so a second push costs no pre-annotation
and a large corpus is never pre-annotated all at once before the first task arrives.

Label Studio has no upsert and reuses task ids, so the article id kept in each task's data is
the key. Before every batch the project is asked which of its article ids it already holds, so
a second push creates nothing and an interrupted push resumes where it stopped. That lookup
filters the data of every task in the project, so it is skipped while the project's task count
shows that every task in it came from this push: their ids are known already. A batch whose
import fails midway is retried only after checking again what arrived. While one batch is
imported, the next is pre-annotated: the server's work and ours overlap, and with several
batches the pre-annotation runs in a worker process (`quotegold.preannotate.pool`), on another core.

The push is a pipeline of four steps, batch by batch: read and dedupe (`_read`), start
pre-annotating (`_preannotating`), import while the next batch's tasks are made
(`_imported`), record what was made (`_record`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from quotegold.articles.ingest import Article
from quotegold.articles.tasks import Predictor, article_to_task
from quotegold.errors import LabelStudioTooLarge, LabelStudioUnavailable, ValidationError
from quotegold.gold.exportfile import read_gold_jsonl
from quotegold.gold.results import record_to_results
from quotegold.gold.validate import other_schema_issue, validator_for
from quotegold.labelstudio import LabelStudioClient, Project
from quotegold.preannotate.bounds import skipped_reason
from quotegold.preannotate.pool import PredictionPool
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema
from quotegold.workflows.projectschema import sync_project

DEFAULT_BATCH_SIZE = 1000


@dataclass
class PushResult:
    """What a push did, for the CLI to report."""

    project: Project
    project_created: bool
    config_updated: bool
    created: int = 0
    overlap_updated: bool = False
    already_present: int = 0
    task_ids: list[int] = field(default_factory=list)
    # Imported without suggestions: too long, or too slow, to pre-annotate (with why).
    unsuggested: list[tuple[Article, str]] = field(default_factory=list)
    # Control characters replaced by spaces in the texts of the tasks created.
    control_chars_replaced: int = 0


def gold_annotations(
    path: Path, *, schema: AnnotationSchema = DEFAULT_SCHEMA, source: str = "the built-in schema"
) -> dict[str, dict[str, Any]]:
    """Task extras that import a gold JSONL file's records as annotations, by article id.

    The records must have been made with `schema` (the project's, from `source`) and pass
    validation first: Label Studio would store anything. They are imported with
    `ground_truth` false on purpose (imported annotations default to true), so a later
    adjudicated annotation can still be marked as the ground truth.
    """
    gold = read_gold_jsonl(path)
    same, other = other_schema_issue(gold.records, schema, source=source)
    issues = list(gold.issues) + ([other] if other else [])
    validator = validator_for(schema)
    for record, where in same:
        issues += validator.validate(record, location=where)
    if issues:
        raise ValidationError(issues)
    return {
        record["id"]: {
            "annotations": [
                {"result": record_to_results(record), "ground_truth": False, "was_cancelled": False}
            ]
        }
        for record, _ in gold.records
    }


def push_articles(
    client: LabelStudioClient,
    articles: Sequence[Article],
    *,
    project_title: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    task_extras: Mapping[str, Mapping[str, Any]] | None = None,
    on_progress: Callable[[int], None] | None = None,
    predictor: Predictor | None = None,
    annotators_per_task: int | None = None,
    attempts: int = 4,
    backoff: float = 2.0,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> PushResult:
    """Make sure every article has exactly one task in the project titled `project_title`.

    The project is created from `schema` (its labelling config and instructions), or its
    config updated when `schema` changed; a change that drops values its annotations use is
    a `SchemaChangeError`, and then nothing is changed or imported. The `predictor` should
    propose that schema's values (`partial(predict_article, schema=schema)`).

    `task_extras` adds keys (such as `annotations` or `predictions`) to the task of an article
    id. `predictor` gives each new task one prediction (extras win over it); when it fails,
    `PreannotationError` names the article. A push imports at most `batch_size` articles a
    request (half that while a worker process pre-annotates). `on_progress` is called with
    the number of articles handled after each batch. `annotators_per_task` has every task
    annotated by that many people (None leaves the project's setting as is).
    """
    sync = sync_project(client, project_title, schema, annotators_per_task=annotators_per_task)
    result = PushResult(
        sync.project, sync.created, sync.config_updated, overlap_updated=sync.overlap_updated
    )
    project = _Project(client, sync.project.id, attempts=attempts, backoff=backoff)
    # Left in reverse order: on an error or Ctrl-C the worker is killed at once, before the
    # import under way is waited for.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="quotegold-import") as importer,
        PredictionPool(predictor, articles=len(articles), batch_size=batch_size) as pool,
    ):
        batches = _read(articles, pool.batch_size, project, task_extras or {})
        for handled, created, (unsuggested, replaced) in _imported(
            _preannotating(batches, pool), project, importer, pool
        ):
            _record(result, handled, created, on_progress)
            result.unsuggested += unsuggested
            result.control_chars_replaced += replaced
    return result


@dataclass
class _Batch:
    """Articles pushed together: the ids the project held when they were looked up (or
    given earlier in this push), and the tasks made for the others."""

    articles: list[Article]
    present: set[str]
    earlier: set[str]
    extras: Mapping[str, Mapping[str, Any]]
    predictor: Predictor | None = None
    # Kept across the batch's retries: each article is pre-annotated once.
    made: dict[str, dict[str, Any]] = field(default_factory=dict)
    unsuggested: list[tuple[Article, str]] = field(default_factory=list)
    controls_replaced: int = 0

    def ids(self) -> list[str]:
        return [article.id for article in self.articles]

    def new(self) -> list[Article]:
        return _new(self.articles, self.present)

    def tasks(self) -> list[dict[str, Any]]:
        """The tasks of the new articles, each made once."""
        return [self._task(article) for article in self.new()]

    def _task(self, article: Article) -> dict[str, Any]:
        if article.id not in self.made:
            task = article_to_task(article, predictor=self.predictor)
            if self.predictor is not None and "predictions" not in task:
                self.unsuggested.append((article, skipped_reason(article)))
            self.controls_replaced += article.control_chars_replaced
            self.made[article.id] = {**task, **self.extras.get(article.id, {})}
        return self.made[article.id]


def _new(articles: list[Article], present: set[str]) -> list[Article]:
    """The articles not present, each id once (the first article given with it)."""
    new: dict[str, Article] = {}
    for article in articles:
        if article.id not in present:
            new.setdefault(article.id, article)
    return list(new.values())


class _Project:
    """The project pushed into: what it holds, and imports with retries.

    Never used by two threads at once: `_imported` looks a batch up before the import of
    the one before it starts.
    """

    def __init__(
        self, client: LabelStudioClient, project_id: int, *, attempts: int, backoff: float
    ) -> None:
        self._client = client
        self._id = project_id
        self._attempts = attempts
        self._backoff = backoff
        self.created = 0  # tasks this push has imported

    def present(self, ids: list[str]) -> set[str]:
        """Which of these ids the project holds. Looking them up filters every task's data, so
        a 100,000-task push would cost O(N²); counting is cheap. While the project holds just
        the tasks this push created, none of them is in a batch not yet imported (`_read`
        catches repeats), so there is nothing to look up. Anything else in the project (a
        resumed push, another pusher, a failed import that stored part of a batch) makes the
        counts differ, and then every batch is looked up."""
        return self._retrying()(self._present, ids)

    def _present(self, ids: list[str]) -> set[str]:
        if self._client.task_count(self._id) == self.created:
            return set()
        return self._client.existing_article_ids(self._id, ids)

    def import_batch(self, batch: _Batch) -> list[int]:
        """Import the batch's new tasks; the ids of the tasks created."""
        retrying = self._retrying().copy(before=partial(self._recheck, batch))
        created = retrying(self._import, batch)
        self.created += len(created)
        return created

    def _recheck(self, batch: _Batch, attempt: RetryCallState) -> None:
        # A failed import may have stored some tasks: a retry asks afresh what arrived.
        if attempt.attempt_number > 1:
            batch.present = self._client.existing_article_ids(self._id, batch.ids()) | batch.earlier

    def _import(self, batch: _Batch) -> list[int]:
        tasks = batch.tasks()
        try:
            return self._client.import_tasks(self._id, tasks) if tasks else []
        except LabelStudioTooLarge as exc:
            raise _too_large(exc, batch.new()) from exc

    def _retrying(self) -> Retrying:
        return Retrying(
            retry=retry_if_exception_type(LabelStudioUnavailable),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._backoff, max=30),
            reraise=True,
        )


def _too_large(exc: LabelStudioTooLarge, articles: list[Article]) -> LabelStudioTooLarge:
    """The refusal of a batch as too large, naming its largest article and the fixes."""
    largest = max(articles, key=lambda article: len(article.text))
    return LabelStudioTooLarge(
        f"{exc}. The largest article of the {len(articles)} sent is {largest.id!r} "
        f"({largest.origin}, {len(largest.text):,} characters): split it into smaller "
        "articles, or push it with --batch-size 1 or --no-predictions",
        url=exc.url,
        status=exc.status,
    )


def _read(
    articles: Sequence[Article],
    size: int,
    project: _Project,
    extras: Mapping[str, Mapping[str, Any]],
) -> Iterator[_Batch]:
    """Step 1, read and dedupe: batches of `size`, each looked up as it is drawn."""
    seen: set[str] = set()  # ids of the batches before: duplicates in the input
    iterator = iter(articles)
    while chunk := list(islice(iterator, size)):
        ids = [article.id for article in chunk]
        earlier = seen.intersection(ids)
        seen.update(ids)
        yield _Batch(chunk, project.present(ids) | earlier, earlier, extras)


def _preannotating(batches: Iterable[_Batch], pool: PredictionPool) -> Iterator[_Batch]:
    """Step 2: start pre-annotating each batch's new articles (at once, in a worker)."""
    for batch in batches:
        batch.predictor = pool.start(batch.new())
        yield batch


def _imported(
    batches: Iterable[_Batch], project: _Project, importer: ThreadPoolExecutor, pool: PredictionPool
) -> Iterator[tuple[int, list[int], tuple[list[tuple[Article, str]], int]]]:
    """Step 3: import each batch in the `importer` thread; yield how many articles it had,
    the ids of the tasks it created, and the articles it imported without suggestions and
    the control characters replaced in them (not the batch, whose tasks can then go: at
    most two batches of tasks are held at once).

    While a batch imports, the next is pre-annotated: in the worker, which has had it since
    it was drawn, or else here. So a push takes about as long as the longer of the two, not
    their sum. The next batch is drawn, and so looked up, before the import starts: the
    client is never used by both threads at once. Tasks are made here, not in the importer,
    so that Ctrl-C stops the pre-annotation or the wait for the worker.
    """
    pending = iter(batches)
    current = next(pending, None)
    while current is not None:
        following = next(pending, None)
        current.tasks()  # made already, made now, or their predictions fetched from the worker
        importing = importer.submit(project.import_batch, current)
        if following is not None and not pool.in_worker:
            following.tasks()
        created = importing.result()
        yield len(current.articles), created, (current.unsuggested, current.controls_replaced)
        current = following


def _record(
    result: PushResult,
    handled: int,
    created: list[int],
    on_progress: Callable[[int], None] | None,
) -> None:
    """Step 4: count what a batch of `handled` articles made, and report progress."""
    result.task_ids.extend(created)
    result.created += len(created)
    result.already_present += handled - len(created)
    if on_progress is not None:
        on_progress(handled)
