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
batches the pre-annotation runs in worker processes (`quotegold.preannotate.pool`), on other
cores.

The push is a pipeline of four steps, batch by batch: read and dedupe (`_read`), start
pre-annotating (`_preannotating`), import while the next batch's tasks are made
(`_imported`), record what was made (`_record`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Literal

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
from quotegold.labelstudio.records import StoredArticle
from quotegold.preannotate.bounds import skipped_reason
from quotegold.preannotate.pool import PredictionPool
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema
from quotegold.schema.formats import text_hash
from quotegold.workflows.locks import project_lock
from quotegold.workflows.projectschema import sync_project

DEFAULT_BATCH_SIZE = 1000


# What a push does with an article whose id the project holds with another text.
ON_CHANGED = ("skip", "update", "new-version")
OnChanged = Literal["skip", "update", "new-version"]
# How a new version of an article is named: `ID~v2`, `ID~v3`, … (the first free one).
VERSION_MARK = "~v"


@dataclass(frozen=True)
class ChangedArticle:
    """An article whose id the project held with another text, and what the push did.

    `outcome` is "skipped", "updated", "refused" (`detail` says why), "new version" (imported
    as `detail`, its new id) or "version there" (`detail` already holds this text).
    """

    article_id: str
    task_id: int
    outcome: str
    detail: str = ""


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
    changed: list[ChangedArticle] = field(default_factory=list)
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
    on_changed: OnChanged = "skip",
    on_wait: Callable[[Path], None] | None = None,
) -> PushResult:
    """Make sure every article has exactly one task in the project titled `project_title`.

    The project is created from `schema` (its labelling config and instructions), or its
    config updated when `schema` changed; a change that drops values its annotations use is
    a `SchemaChangeError`, and then nothing is changed or imported. The `predictor` should
    propose that schema's values (`partial(predict_article, schema=schema)`).

    `task_extras` adds keys (such as `annotations` or `predictions`) to the task of an article
    id. `predictor` gives each new task one prediction (extras win over it); when it fails,
    `PreannotationError` names the article. A push imports at most `batch_size` articles a
    request (fewer while worker processes pre-annotate: `PredictionPool.batch_sizes`).
    `on_progress` is called with the number of articles handled after each batch.
    `annotators_per_task` has every task annotated by that many people (None leaves the
    project's setting as is).

    An article whose id the project holds with another text is never counted as already
    there: it is listed in `PushResult.changed`, and `on_changed` says what happens to it:
    "skip" leaves the task as it is; "update" replaces the task's data (and its predictions)
    when the task has no annotations, and refuses otherwise; "new-version" imports it as a
    new article `ID~vN` (the first N from 2 not taken; none if a version holds this text).

    The whole push holds this machine's lock on (server, title) (`workflows.locks`), so two
    pushes on one machine never make two projects or two tasks of one article; and just
    before each import, the project is asked again whether tasks appeared meanwhile.
    `on_wait` is called with the lock file when another process holds it.
    """
    with (
        project_lock(client.url, project_title, on_wait=on_wait),
        # Left in reverse order: on an error or Ctrl-C the workers are killed at once, before
        # the import under way is waited for. The workers start here, so that they load the
        # pre-annotator while the project is synced and the first batch looked up.
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="quotegold-import") as importer,
        PredictionPool(predictor, articles=len(articles), batch_size=batch_size) as pool,
    ):
        sync = sync_project(client, project_title, schema, annotators_per_task=annotators_per_task)
        result = PushResult(
            sync.project, sync.created, sync.config_updated, overlap_updated=sync.overlap_updated
        )
        project = _Project(
            client,
            sync.project.id,
            attempts=attempts,
            backoff=backoff,
            on_changed=on_changed,
            new_project=sync.created,
        )
        batches = _read(articles, pool.batch_sizes(), project, task_extras or {})
        for handled, done in _imported(_preannotating(batches, pool), project, importer, pool):
            _record(result, handled, done, on_progress)
    return result


@dataclass
class _Plan:
    """What to do with a batch's articles, from what the project held when it was asked."""

    new: list[Article] = field(default_factory=list)  # to import (new versions included)
    updates: list[tuple[StoredArticle, Article]] = field(default_factory=list)
    changed: list[ChangedArticle] = field(default_factory=list)  # all but updates' outcome


@dataclass
class _Batch:
    """Articles pushed together: the ids given earlier in this push, and the plan for the
    others, made from what the project held when they were looked up."""

    articles: list[Article]
    earlier: set[str]
    extras: Mapping[str, Mapping[str, Any]]
    plan: _Plan = field(default_factory=_Plan)
    predictor: Predictor | None = None
    # Kept across the batch's retries: each article is pre-annotated once.
    made: dict[str, dict[str, Any]] = field(default_factory=dict)
    unsuggested: list[tuple[Article, str]] = field(default_factory=list)
    controls_replaced: int = 0

    def ids(self) -> list[str]:
        return [article.id for article in self.articles]

    def unique(self) -> list[Article]:
        """The articles not given in an earlier batch, each id once (the first given)."""
        first: dict[str, Article] = {}
        for article in self.articles:
            if article.id not in self.earlier:
                first.setdefault(article.id, article)
        return list(first.values())

    def to_make(self) -> list[Article]:
        """The articles whose tasks are made: the new ones and the updates."""
        return self.plan.new + [article for _, article in self.plan.updates]

    def tasks(self) -> list[dict[str, Any]]:
        """The tasks of the new articles, each made once."""
        return [self.task(article) for article in self.plan.new]

    def task(self, article: Article) -> dict[str, Any]:
        if article.id not in self.made:
            task = article_to_task(article, predictor=self.predictor)
            if self.predictor is not None and "predictions" not in task:
                self.unsuggested.append((article, skipped_reason(article)))
            self.controls_replaced += article.control_chars_replaced
            self.made[article.id] = {**task, **self.extras.get(article.id, {})}
        return self.made[article.id]


@dataclass
class _Done:
    """What importing a batch did."""

    created: list[int]
    new: int  # articles imported under their own id
    changed: list[ChangedArticle]
    # Made without suggestions (too long or too slow to pre-annotate, with why), and the
    # control characters replaced in the texts of the tasks made.
    unsuggested: list[tuple[Article, str]] = field(default_factory=list)
    controls_replaced: int = 0


class _Project:
    """The project pushed into: what it holds, and imports with retries.

    Never used by two threads at once: `_imported` looks a batch up before the import of
    the one before it starts.
    """

    def __init__(
        self,
        client: LabelStudioClient,
        project_id: int,
        *,
        attempts: int,
        backoff: float,
        on_changed: OnChanged,
        new_project: bool = False,
    ) -> None:
        self._client = client
        self._id = project_id
        self._attempts = attempts
        self._backoff = backoff
        self._on_changed = on_changed
        self.created = 0  # tasks this push has imported
        # The task count the project should have if nobody else changed it.
        self._expected: int | None = None
        # Tasks without a key (pushed before keys were kept): read once, again if their
        # number changes. A new project has none.
        self._keyless: dict[str, StoredArticle] = {}
        self._keyless_count = 0 if new_project else -1

    def plan(self, batch: _Batch) -> None:
        """Look the batch's articles up and decide what to do with each."""
        batch.plan = self._retrying()(self._plan, batch)

    def _plan(self, batch: _Batch) -> _Plan:
        articles = batch.unique()
        count = self._client.task_count(self._id)
        self._expected = count
        if count == self.created:
            # The project holds just the tasks this push created, none of them in a batch
            # not yet imported (`_read` catches repeats): nothing to look up. Looking up
            # filters every task's data, so a 100,000-task push would cost O(N²).
            return _Plan(new=articles)
        return self._planned(articles)

    def _planned(self, articles: list[Article]) -> _Plan:
        found = self._lookup([article.id for article in articles])
        plan = _Plan()
        versions: list[tuple[StoredArticle, Article]] = []
        for article in articles:
            stored = found.get(article.id)
            if stored is None:
                plan.new.append(article)
            elif stored.text_hash != text_hash(article.text):
                if self._on_changed == "skip":
                    plan.changed.append(ChangedArticle(article.id, stored.task_id, "skipped"))
                elif self._on_changed == "update":
                    plan.updates.append((stored, article))
                else:
                    versions.append((stored, article))
        self._plan_versions(versions, plan)
        return plan

    def _lookup(self, ids: list[str]) -> dict[str, StoredArticle]:
        """The tasks holding these ids, by id: by key, then among the keyless tasks."""
        found = {stored.article_id: stored for stored in self._client.find_articles(self._id, ids)}
        keyless = self._keyless_tasks()
        for article_id in ids:
            if article_id not in found and article_id in keyless:
                found[article_id] = keyless[article_id]
        return found

    def _keyless_tasks(self) -> dict[str, StoredArticle]:
        count = self._client.keyless_count(self._id)
        if count != self._keyless_count:
            stored = self._client.keyless_articles(self._id)
            self._keyless = {task.article_id: task for task in reversed(stored)}
            self._keyless_count = count
        return self._keyless

    def _plan_versions(self, versions: list[tuple[StoredArticle, Article]], plan: _Plan) -> None:
        """Name each changed article's new version: the first `ID~vN` not taken, unless one
        already holds its text."""
        number = 2
        while versions:
            names = {article.id: _versioned(article.id, number) for _, article in versions}
            found = self._lookup(list(names.values()))
            pending = []
            for stored, article in versions:
                name = names[article.id]
                there = found.get(name)
                if there is None:
                    plan.new.append(replace(article, id=name))
                    outcome = "new version"
                elif there.text_hash == text_hash(article.text):
                    outcome = "version there"
                else:
                    pending.append((stored, article))
                    continue
                plan.changed.append(ChangedArticle(article.id, stored.task_id, outcome, name))
            versions, number = pending, number + 1

    def import_batch(self, batch: _Batch) -> _Done:
        """Import the batch's new tasks and apply its updates."""
        self._retrying()(self._recheck_count, batch)
        retrying = self._retrying().copy(before=partial(self._recheck, batch))
        created = retrying(self._import, batch)
        self.created += len(created)
        if self._expected is not None:
            self._expected += len(created)
        changed = list(batch.plan.changed)
        for stored, article in batch.plan.updates:
            changed.append(self._update(stored, batch.task(article)))
        versions = sum(1 for entry in batch.plan.changed if entry.outcome == "new version")
        return _Done(
            created,
            len(batch.plan.new) - versions,
            changed,
            unsuggested=batch.unsuggested,
            controls_replaced=batch.controls_replaced,
        )

    def _recheck_count(self, batch: _Batch) -> None:
        # Just before the import: if the project's task count is not what this push
        # expects, someone else imported (or deleted) meanwhile; look the batch up again.
        count = self._client.task_count(self._id)
        if count != self._expected:
            self._replan(batch)
            self._expected = count

    def _recheck(self, batch: _Batch, attempt: RetryCallState) -> None:
        # A failed import may have stored some tasks: a retry asks afresh what arrived.
        if attempt.attempt_number > 1:
            self._replan(batch)
            self._expected = self._client.task_count(self._id)

    def _replan(self, batch: _Batch) -> None:
        """Drop from the plan the new articles the project now holds. Only ever drops: the
        tasks of the batch were made (and pre-annotated) for the articles planned first."""
        plan = batch.plan
        found = self._lookup([article.id for article in plan.new])
        for article in [article for article in plan.new if article.id in found]:
            plan.new.remove(article)
            stored = found[article.id]
            version = next((c for c in plan.changed if c.detail == article.id), None)
            if version is not None:
                plan.changed.remove(version)
                plan.changed.append(replace(version, outcome="version there"))
            elif stored.text_hash != text_hash(article.text):
                plan.changed.append(ChangedArticle(article.id, stored.task_id, "skipped"))

    def _import(self, batch: _Batch) -> list[int]:
        tasks = batch.tasks()
        try:
            return self._client.import_tasks(self._id, tasks) if tasks else []
        except LabelStudioTooLarge as exc:
            raise _too_large(exc, batch.plan.new) from exc

    def _update(self, stored: StoredArticle, task: Mapping[str, Any]) -> ChangedArticle:
        """Replace a changed article's task data, unless it has annotations by now."""
        annotations = self._client.annotation_count(stored.task_id)
        if annotations:
            return ChangedArticle(
                stored.article_id,
                stored.task_id,
                "refused",
                f"task {stored.task_id} has {annotations} annotation(s), made on the old text; "
                "use --on-changed new-version, or delete them in Label Studio first",
            )
        self._client.update_task_data(stored.task_id, task["data"])
        # Predictions point into the old text: replace them with the new task's, if any.
        self._client.delete_all_task_predictions(self._id, [stored.task_id])
        predictions = [{**p, "task": stored.task_id} for p in task.get("predictions", [])]
        self._client.create_predictions(self._id, predictions)
        return ChangedArticle(stored.article_id, stored.task_id, "updated")

    def _retrying(self) -> Retrying:
        return Retrying(
            retry=retry_if_exception_type(LabelStudioUnavailable),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._backoff, max=30),
            reraise=True,
        )


def _versioned(article_id: str, number: int) -> str:
    return f"{article_id}{VERSION_MARK}{number}"


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
    sizes: Iterator[int],
    project: _Project,
    extras: Mapping[str, Mapping[str, Any]],
) -> Iterator[_Batch]:
    """Step 1, read and dedupe: batches of the `sizes` in turn, each looked up as it is
    drawn."""
    seen: set[str] = set()  # ids of the batches before: duplicates in the input
    iterator = iter(articles)
    while chunk := list(islice(iterator, next(sizes))):
        ids = [article.id for article in chunk]
        batch = _Batch(chunk, seen.intersection(ids), extras)
        seen.update(ids)
        project.plan(batch)
        yield batch


def _preannotating(batches: Iterable[_Batch], pool: PredictionPool) -> Iterator[_Batch]:
    """Step 2: start pre-annotating each batch's new articles (at once, in the workers)."""
    for batch in batches:
        batch.predictor = pool.start(batch.to_make())
        yield batch


def _imported(
    batches: Iterable[_Batch], project: _Project, importer: ThreadPoolExecutor, pool: PredictionPool
) -> Iterator[tuple[int, _Done]]:
    """Step 3: import each batch in the `importer` thread; yield how many articles it had
    and what its import did (not the batch, whose tasks can then go: at most two batches
    of tasks are held at once).

    While a batch imports, the next is pre-annotated: in the workers, which have had it since
    it was drawn, or else here. So a push takes about as long as the longer of the two, not
    their sum. The next batch is drawn, and so looked up, before the import starts: the
    client is never used by both threads at once. Tasks are made here, not in the importer,
    so that Ctrl-C stops the pre-annotation or the wait for the workers.
    """
    pending = iter(batches)
    current = next(pending, None)
    while current is not None:
        following = next(pending, None)
        _make_all(current)  # made already, made now, or their predictions fetched
        importing = importer.submit(project.import_batch, current)
        if following is not None and not pool.in_worker:
            _make_all(following)
        yield len(current.articles), importing.result()
        current = following


def _make_all(batch: _Batch) -> None:
    for article in batch.to_make():
        batch.task(article)


def _record(
    result: PushResult,
    handled: int,
    done: _Done,
    on_progress: Callable[[int], None] | None,
) -> None:
    """Step 4: count what a batch of `handled` articles made, and report progress."""
    result.task_ids.extend(done.created)
    result.created += len(done.created)
    result.changed += done.changed
    result.already_present += handled - done.new - len(done.changed)
    result.unsuggested += done.unsuggested
    result.control_chars_replaced += done.controls_replaced
    if on_progress is not None:
        on_progress(handled)
