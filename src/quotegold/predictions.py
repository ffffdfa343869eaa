"""Label Studio predictions from the pre-annotator, and refreshing them in a project.

A prediction is `{"model_version", "score", "result"}`. The result is the suggested record
turned into result items by `quotegold.results.record_to_results` (relations kept), and every
region's items carry that region's `score`, which Label Studio shows in the region list. The
prediction's own `score` is the suggestion's overall confidence: annotators sort tasks by it
in the Data Manager.

`refresh_predictions` replaces our predictions on the tasks of a project, leaving annotations
and other models' predictions alone. Ours are those whose `model_version` starts with
`quotegold-rules-`, so predictions of older pre-annotator versions are replaced too. It is
safe to run again after an interruption: each run ends with exactly one of ours per task.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from quotegold.boilerplate import Boilerplate
from quotegold.errors import Issue, LabelStudioNotFound, Location
from quotegold.ingest import Article, article_id_for
from quotegold.labelstudio import LabelStudioClient, Project, StoredPrediction
from quotegold.preannotate import MODEL_VERSION, PREANNOTATOR_NAME, Suggestion, preannotate
from quotegold.results import record_to_results
from quotegold.tasks import ARTICLE_ID_FIELD, Predictor

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "MODEL_VERSION",
    "RefreshResult",
    "article_from_task",
    "is_ours",
    "predict_article",
    "refresh_predictions",
    "suggestion_to_prediction",
]

DEFAULT_BATCH_SIZE = 500
_OUR_PREFIX = f"{PREANNOTATOR_NAME}-"
_META_FIELDS = ("title", "url", "source", "published")


def suggestion_to_prediction(suggestion: Suggestion) -> dict[str, Any]:
    """One Label Studio prediction for a suggestion, with a score on every region's items.

    A region the suggestion gives no score (such as the later parts of a quote split in
    two, which get fresh ids here) takes the score of the part it continues, else the
    suggestion's overall score.
    """
    overall = float(suggestion.score)
    results = record_to_results(suggestion.record)
    scores = _region_scores(results, suggestion.scores, overall)
    for item in results:
        if item.get("type") != "relation":
            item["score"] = scores.get(item["id"], overall)
    return {"model_version": MODEL_VERSION, "score": overall, "result": results}


def _region_scores(
    results: Sequence[Mapping[str, Any]], given: Mapping[str, float], overall: float
) -> dict[str, float]:
    scores = {region: float(score) for region, score in given.items()}
    # `continues` relations come in chain order, so each part's score is known before the next.
    for item in results:
        if item.get("type") == "relation" and "continues" in item.get("labels", ()):
            scores.setdefault(item["to_id"], scores.get(item["from_id"], overall))
    return scores


def predict_article(article: Article) -> dict[str, Any]:
    """Pre-annotate one article and return its Label Studio prediction (a `Predictor`)."""
    return suggestion_to_prediction(preannotate(article))


def is_ours(model_version: str | None) -> bool:
    """Whether a prediction was made by any version of our pre-annotator."""
    return model_version is not None and model_version.startswith(_OUR_PREFIX)


def article_from_task(data: Mapping[str, Any], *, task_id: int | None = None) -> Article:
    """The article behind a task's data, as the pre-annotator needs it.

    The text is taken as stored, not normalised: a prediction's offsets must fit the text
    Label Studio shows. Raises `ValueError` when the data has no text.
    """
    text = data.get("text")
    if not isinstance(text, str) or not text:
        raise ValueError(f"task {task_id} has no text")
    given = data.get(ARTICLE_ID_FIELD)
    article_id = str(given) if isinstance(given, str | int) and str(given) else None
    meta = {name: _text_or_none(data.get(name)) for name in _META_FIELDS}
    return Article(
        id=article_id or article_id_for(text),
        text=text,
        origin=f"task {task_id}",
        boilerplate=_boilerplate(data.get("boilerplate"), text),
        **meta,
    )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _boilerplate(entries: object, text: str) -> tuple[Boilerplate, ...]:
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        start, end = entry.get("start"), entry.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            reason = entry.get("reason")
            found.append(
                Boilerplate(start, end, text[start:end], reason if isinstance(reason, str) else "")
            )
    return tuple(found)


@dataclass
class RefreshResult:
    """What `refresh_predictions` did, for the CLI to report."""

    project: Project
    tasks: int = 0
    refreshed: int = 0
    replaced: int = 0
    issues: list[Issue] = field(default_factory=list)


def refresh_predictions(
    client: LabelStudioClient,
    project_title: str,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    predictor: Predictor = predict_article,
    on_progress: Callable[[int, int], None] | None = None,
) -> RefreshResult:
    """Give every task of the project one fresh prediction of ours, annotations untouched.

    Per batch of tasks: pre-annotate their texts first (so a failure leaves the old
    predictions in place), delete our old predictions of those tasks, then store the new
    ones in one request. `on_progress(handled, total)` is called after each batch. Tasks
    without text are left alone and listed in `issues`.

    Which predictions are ours is read once, at the start: a prediction another model adds
    to a task holding only ours while this runs goes with ours (see `_delete_ours`).
    """
    project = client.find_project(project_title)
    if project is None:
        raise LabelStudioNotFound(
            f"no project titled {project_title!r} at {client.url}; create it and import the "
            f"articles with `quotegold push ARTICLES --project {project_title!r}`",
            url=client.url,
        )
    tasks = list(client.iter_task_data(project.id))
    stored: dict[int, list[StoredPrediction]] = {}
    for prediction in client.list_predictions(project.id):
        stored.setdefault(prediction.task_id, []).append(prediction)
    result = RefreshResult(project, tasks=len(tasks))
    for batch in _batches(tasks, batch_size):
        fresh = _predict_batch(batch, predictor, result.issues)
        old = {task_id: stored.get(task_id, []) for task_id in fresh}
        result.replaced += _delete_ours(client, project.id, old)
        client.create_predictions(
            project.id, [{"task": task_id, **prediction} for task_id, prediction in fresh.items()]
        )
        result.refreshed += len(fresh)
        if on_progress is not None:
            on_progress(len(batch), len(tasks))
    return result


def _batches(
    tasks: Iterable[tuple[int, dict[str, Any]]], size: int
) -> Iterable[list[tuple[int, dict[str, Any]]]]:
    iterator = iter(tasks)
    while batch := list(islice(iterator, size)):
        yield batch


def _predict_batch(
    batch: list[tuple[int, dict[str, Any]]],
    predictor: Predictor,
    issues: list[Issue],
) -> dict[int, dict[str, Any]]:
    fresh: dict[int, dict[str, Any]] = {}
    for task_id, data in batch:
        try:
            article = article_from_task(data, task_id=task_id)
        except ValueError:
            message = "the task has no text to pre-annotate; left as it was"
            issues.append(Issue(Location(task=task_id), message))
            continue
        fresh[task_id] = predictor(article)
    return fresh


def _delete_ours(
    client: LabelStudioClient, project_id: int, per_task: Mapping[int, list[StoredPrediction]]
) -> int:
    """Delete our predictions of some tasks; returns how many went."""
    # A task holding only ours is cleared in one bulk request; on a task that also holds
    # other models' predictions ours go one by one (about 150 ms each), sparing the others.
    only_ours = {
        task_id
        for task_id, stored in per_task.items()
        if stored and all(is_ours(prediction.model_version) for prediction in stored)
    }
    client.delete_all_task_predictions(project_id, sorted(only_ours))
    singles = [
        prediction
        for task_id, stored in per_task.items()
        if task_id not in only_ours
        for prediction in stored
        if is_ours(prediction.model_version)
    ]
    for prediction in singles:
        client.delete_prediction(prediction.id)
    return sum(len(per_task[task_id]) for task_id in only_ours) + len(singles)
