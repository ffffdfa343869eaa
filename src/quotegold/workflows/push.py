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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from quotegold.articles.ingest import Article
from quotegold.articles.tasks import Predictor, article_to_task
from quotegold.errors import LabelStudioUnavailable, ValidationError
from quotegold.gold.exportfile import read_gold_jsonl
from quotegold.gold.results import record_to_results
from quotegold.gold.validate import default_validator
from quotegold.labelstudio import LabelStudioClient, Project
from quotegold.preannotate.pool import PredictionWorker, can_run_in_worker, predict
from quotegold.schema.definition import SCHEMA
from quotegold.schema.labelconfig import render_instructions, render_label_config

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


def project_description() -> str:
    return (
        f"Who said what: speakers, cues, quotes and initiatives (quotegold schema {SCHEMA.version})"
    )


def gold_annotations(path: Path) -> dict[str, dict[str, Any]]:
    """Task extras that import a gold JSONL file's records as annotations, by article id.

    The records must pass validation first: Label Studio would store anything. They are
    imported with `ground_truth` false on purpose (imported annotations default to true),
    so a later adjudicated annotation can still be marked as the ground truth.
    """
    gold = read_gold_jsonl(path)
    issues = list(gold.issues)
    validator = default_validator()
    for record, where in gold.records:
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


def _batches(articles: Iterable[Article], size: int) -> Iterable[list[Article]]:
    iterator = iter(articles)
    while batch := list(islice(iterator, size)):
        yield batch


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
) -> PushResult:
    """Make sure every article has exactly one task in the project titled `project_title`.

    `task_extras` adds keys (such as `annotations` or `predictions`) to the task of an article
    id. `predictor` gives each new task one prediction (extras win over it); when it fails,
    `PreannotationError` names the article. A push imports at most `batch_size` articles a
    request (half that while a worker process pre-annotates). `on_progress` is called with
    the number of articles handled after each batch. `annotators_per_task` has every task
    annotated by that many people (None leaves the project's setting as is).
    """
    sync = client.ensure_project(
        project_title,
        label_config=render_label_config(),
        instructions=render_instructions(),
        description=project_description(),
        annotators_per_task=annotators_per_task,
    )
    result = PushResult(
        sync.project, sync.created, sync.config_updated, overlap_updated=sync.overlap_updated
    )
    extras = task_extras or {}
    project_id = sync.project.id
    seen: set[str] = set()  # article ids of the batches before: duplicates in the input
    ready: _Ready | None = None

    def finish(batch: _Ready, importing: Future[list[int]] | None) -> None:
        created = importing.result() if importing else _import(client, project_id, batch)
        result.task_ids.extend(created)
        result.created += len(created)
        result.already_present += len(batch.articles) - len(created)
        if on_progress is not None:
            on_progress(len(batch.articles))

    # Pipelined: batch k is imported in a thread while batch k+1 is pre-annotated, so a push
    # takes about as long as the longer of the two, not their sum. The client is never used
    # by both at once: a batch is looked up before the previous one starts importing.
    with ExitStack() as stack:
        importer = stack.enter_context(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="quotegold-import")
        )
        # A worker process pre-annotates every batch but the first, which is pre-annotated
        # here while the worker starts: that takes seconds, so a push of one batch is quicker
        # without. With a worker, batches are half size: the first import starts sooner, and
        # the worker, a batch ahead, keeps up even on a busy machine (measured at 2,000
        # articles: 22-23 s, against 25 s with whole batches and 19.5 s for the bare import).
        # A predictor that cannot be sent to a process (a lambda) runs here, and overlaps
        # the imports only a little.
        # Entered last, left first: on an error or Ctrl-C the worker is killed, which fails
        # the batch the importer may be waiting for, so the importer stops too.
        worker = None
        size = batch_size
        if predictor is not None and len(articles) > batch_size and can_run_in_worker(predictor):
            worker = stack.enter_context(PredictionWorker(predictor))
            size = max(1, batch_size // 2)
        for number, articles_batch in enumerate(_batches(articles, size)):
            ids = [article.id for article in articles_batch]
            retrying = _retrying(attempts, backoff)
            present = retrying(lambda i=ids: _present(client, project_id, i, result.created))
            earlier = seen.intersection(ids)
            seen.update(ids)
            known = present | earlier
            new = _new(articles_batch, known)
            batch_predictor: Predictor | None = None
            if predictor is not None and worker is not None and number > 0 and new:
                batch_predictor = worker.submit(new)  # starts now: its import waits for it
            elif predictor is not None:
                batch_predictor = partial(predict, predictor)
            # One cache per batch, kept across its retries: each article is pre-annotated once.
            task_for = partial(_task, extras=extras, predictor=batch_predictor, made={})
            after = _Ready(articles_batch, task_for, known, earlier, retrying)
            importing = None
            if ready is not None:
                if worker is not None:
                    # Here, not in the importer, so that Ctrl-C stops it: batch 0 is
                    # pre-annotated while the worker starts, the others' predictions fetched.
                    ready.make_tasks()
                importing = importer.submit(_import, client, project_id, ready)
            if worker is None:
                after.make_tasks()  # pre-annotate now, while the import runs
            if ready is not None:
                finish(ready, importing)
            ready = after
        if ready is not None:
            finish(ready, None)
    return result


def _present(
    client: LabelStudioClient, project_id: int, ids: list[str], created_here: int
) -> set[str]:
    """Which of these ids the project holds. Looking them up filters every task's data, so
    a 100,000-task push would cost O(N²); counting is cheap. While the project holds just
    the tasks this push created, none of them is in a batch not yet imported (`seen`
    catches repeats), so there is nothing to look up. Anything else in the project (a
    resumed push, another pusher, a failed import that stored part of a batch) makes the
    counts differ, and then every batch is looked up."""
    if client.task_count(project_id) == created_here:
        return set()
    return client.existing_article_ids(project_id, ids)


def _retrying(attempts: int, backoff: float) -> Retrying:
    return Retrying(
        retry=retry_if_exception_type(LabelStudioUnavailable),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff, max=30),
        reraise=True,
    )


@dataclass
class _Ready:
    """A batch whose tasks are made: the ids present when it was looked up (or given
    earlier in the same push), and how it retries its import."""

    articles: list[Article]
    task_for: Callable[[Article], dict[str, Any]]
    present: set[str]
    earlier: set[str]
    retrying: Retrying

    def new(self) -> list[Article]:
        return _new(self.articles, self.present)

    def make_tasks(self) -> None:
        for article in self.new():
            self.task_for(article)


def _new(articles: list[Article], present: set[str]) -> list[Article]:
    """The articles not present, each id once (the first article given with it)."""
    new: dict[str, Article] = {}
    for article in articles:
        if article.id not in present:
            new.setdefault(article.id, article)
    return list(new.values())


def _import(client: LabelStudioClient, project_id: int, batch: _Ready) -> list[int]:
    """Import a ready batch; a retry asks afresh what arrived (a failed import may have
    stored some tasks)."""
    first = True

    def attempt() -> list[int]:
        nonlocal first
        if not first:
            ids = [article.id for article in batch.articles]
            batch.present = client.existing_article_ids(project_id, ids) | batch.earlier
        first = False
        new_tasks = [batch.task_for(article) for article in batch.new()]
        return client.import_tasks(project_id, new_tasks) if new_tasks else []

    return batch.retrying(attempt)


def _task(
    article: Article,
    *,
    extras: Mapping[str, Mapping[str, Any]],
    predictor: Predictor | None,
    made: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    if article.id not in made:
        made[article.id] = {
            **article_to_task(article, predictor=predictor),
            **extras.get(article.id, {}),
        }
    return made[article.id]
