"""Refresh the pre-annotations of a live project: every task gets one fresh prediction of
ours; annotations and other models' predictions stay.

Ours are the predictions whose `model_version` starts with `quotegold-rules-` or
`quotegold-model-`, so those of older pre-annotator versions and of trained models are
replaced too. It is safe to run again after an
interruption: each run ends with exactly one of ours per task.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path

from quotegold.articles.tasks import Predictor
from quotegold.errors import Issue, LabelStudioNotFound
from quotegold.gold.model import TaskData
from quotegold.labelstudio import LabelStudioClient, Project, StoredPrediction
from quotegold.preannotate.predictions import (
    DEFAULT_BATCH_SIZE,
    is_ours,
    predict_article,
    predict_tasks,
)
from quotegold.schema.definition import AnnotationSchema
from quotegold.workflows.projectschema import project_schema

__all__ = ["RefreshResult", "refresh_predictions"]


@dataclass
class RefreshResult:
    """What `refresh_predictions` did, for the CLI to report."""

    project: Project
    schema: AnnotationSchema
    tasks: int = 0
    refreshed: int = 0
    replaced: int = 0
    model_version: str | None = None  # the model's; None: the rules'
    issues: list[Issue] = field(default_factory=list)


def refresh_predictions(
    client: LabelStudioClient,
    project_title: str,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    predictor: Predictor | None = None,
    model: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> RefreshResult:
    """Give every task of the project one fresh prediction of ours, annotations untouched.

    The predictions propose the project's own stance targets (and only its kinds and
    statuses): its schema is read from its labelling config. `predictor` replaces the
    pre-annotator (its predictions are taken as they are); `model`, a model folder, makes
    them with that model for the project's schema.

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
    schema = project_schema(client, project)
    version = None
    if predictor is None and model is not None:
        from quotegold.learn.predictor import load_model, predict_with_model

        version = load_model(model, schema).model_version
        predictor = partial(predict_with_model, model=str(model), schema=schema)
    if predictor is None:
        predictor = partial(predict_article, schema=schema)
    tasks = list(client.iter_task_data(project.id))
    stored: dict[int, list[StoredPrediction]] = {}
    for prediction in client.list_predictions(project.id):
        stored.setdefault(prediction.task_id, []).append(prediction)
    result = RefreshResult(project, schema, tasks=len(tasks), model_version=version)
    for batch in _batches(tasks, batch_size):
        fresh = predict_tasks(batch, predictor, result.issues)
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
    tasks: Iterable[tuple[int, TaskData]], size: int
) -> Iterable[list[tuple[int, TaskData]]]:
    iterator = iter(tasks)
    while batch := list(islice(iterator, size)):
        yield batch


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
