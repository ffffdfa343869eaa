"""Label Studio predictions from the pre-annotator.

A prediction is `{"model_version", "score", "result"}`. The result is the suggested record
turned into result items by `quotegold.gold.results.record_to_results` (relations kept), and every
region's items carry that region's `score`, which Label Studio shows in the region list. The
prediction's own `score` is the suggestion's overall confidence: annotators sort tasks by it
in the Data Manager.

`predict_tasks` pre-annotates the tasks of a project as read back from Label Studio;
`quotegold.workflows.predict` stores the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from quotegold.articles.boilerplate import Boilerplate
from quotegold.articles.ingest import Article, article_id_for
from quotegold.articles.tasks import Predictor
from quotegold.errors import Issue, Location
from quotegold.gold.model import ResultItem, TaskData
from quotegold.gold.results import record_to_results
from quotegold.preannotate import MODEL_VERSION, PREANNOTATOR_NAME, Suggestion, preannotate
from quotegold.preannotate.bounds import skipped_reason, within_bounds
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema
from quotegold.schema.formats import ARTICLE_ID_FIELD

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "MODEL_VERSION",
    "article_from_task",
    "is_ours",
    "predict_article",
    "predict_tasks",
    "suggestion_to_prediction",
]

DEFAULT_BATCH_SIZE = 500
# The rules' predictions, and those of models `quotegold train` made (`quotegold.learn`).
_OUR_PREFIXES = (f"{PREANNOTATOR_NAME}-", "quotegold-model-")
_FALLBACK_STANCE = "neutral"


def suggestion_to_prediction(
    suggestion: Suggestion, *, schema: AnnotationSchema = DEFAULT_SCHEMA
) -> dict[str, Any]:
    """One Label Studio prediction for a suggestion, with a score on every region's items.

    It is the JSON the SDK takes (a `Predictor`'s output): `model_version`, `score`, `result`.
    A stance is suggested only when the rules found a position: their neutral fallback is
    left out. A choice `schema` does not offer (a speaker kind the project does not have,
    say) is left out: Label Studio would store it, and show annotators a value they cannot
    choose.

    A region the suggestion gives no score (such as the later parts of a quote split in
    two, which get fresh ids here) takes the score of the part it continues, else the
    suggestion's overall score.
    """
    overall = float(suggestion.score)
    results = [
        item
        for item in record_to_results(suggestion.record)
        if _offered(item, schema) and not _stance_without_evidence(item)
    ]
    scores = _region_scores(results, suggestion.scores, overall)
    for item in results:
        if item["type"] != "relation":
            item["score"] = scores.get(item["id"], overall)
    return {"model_version": MODEL_VERSION, "score": overall, "result": results}


def _stance_without_evidence(item: ResultItem) -> bool:
    """Whether the item is a stance the rules fell back to: they say neutral only when they
    found no position (`preannotate.stance`). Left out, the stance stays empty on the
    screen and, being required, makes the annotator decide instead of accepting a guess."""
    return (
        item["type"] == "choices"
        and item["from_name"] == "stance"
        and (item["value"].get("choices") == [_FALLBACK_STANCE])
    )


def _offered(item: ResultItem, schema: AnnotationSchema) -> bool:
    """Whether the project's screen offers what a result item holds."""
    if item["type"] != "choices":
        return True
    offered = schema.attribute(item["from_name"]).values
    return all(value in offered for value in item["value"].get("choices", ()))


def _region_scores(
    results: Sequence[ResultItem], given: Mapping[str, float], overall: float
) -> dict[str, float]:
    scores = {region: float(score) for region, score in given.items()}
    # `continues` relations come in chain order, so each part's score is known before the next.
    for item in results:
        if item["type"] == "relation" and "continues" in item.get("labels", ()):
            scores.setdefault(item["to_id"], scores.get(item["from_id"], overall))
    return scores


def predict_article(
    article: Article, *, schema: AnnotationSchema = DEFAULT_SCHEMA
) -> dict[str, Any]:
    """Pre-annotate one article and return its Label Studio prediction (a `Predictor` once
    its project's schema is bound: `partial(predict_article, schema=…)`, which a worker
    process can be sent)."""
    return suggestion_to_prediction(preannotate(article, schema=schema), schema=schema)


def is_ours(model_version: str | None) -> bool:
    """Whether a prediction was made by any version of our pre-annotator (rules or model)."""
    return model_version is not None and model_version.startswith(_OUR_PREFIXES)


def article_from_task(data: TaskData, *, task_id: int | None = None) -> Article:
    """The article behind a task's data, as the pre-annotator needs it.

    The text is taken as stored, not normalised: a prediction's offsets must fit the text
    Label Studio shows. Raises `ValueError` when the data has no text.
    """
    text = data.get("text")
    if not isinstance(text, str) or not text:
        raise ValueError(f"task {task_id} has no text")
    given = data.get(ARTICLE_ID_FIELD)
    article_id = str(given) if isinstance(given, str | int) and str(given) else None
    return Article(
        id=article_id or article_id_for(text),
        text=text,
        title=_text_or_none(data.get("title")),
        url=_text_or_none(data.get("url")),
        source=_text_or_none(data.get("source")),
        published=_text_or_none(data.get("published")),
        origin=f"task {task_id}",
        boilerplate=_boilerplate(data.get("boilerplate"), text),
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


def predict_tasks(
    batch: list[tuple[int, TaskData]],
    predictor: Predictor,
    issues: list[Issue],
) -> dict[int, dict[str, Any]]:
    """Predictions for a batch of `(task id, task data)`, by task id; a task without text,
    or beyond the bounds of `preannotate.bounds`, is left out and listed in `issues`."""
    fresh: dict[int, dict[str, Any]] = {}
    for task_id, data in batch:
        try:
            article = article_from_task(data, task_id=task_id)
        except ValueError:
            message = "the task has no text to pre-annotate; left as it was"
            issues.append(Issue(Location(task=task_id), message))
            continue
        prediction = within_bounds(article, predictor)
        if prediction is None:
            message = f"article {article.id!r}: {skipped_reason(article)}; left as it was"
            issues.append(Issue(Location(task=task_id), message))
            continue
        fresh[task_id] = prediction
    return fresh
