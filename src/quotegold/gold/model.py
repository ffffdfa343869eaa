"""The shapes of the data gold/ reads and writes, as typed dicts.

A gold record is JSON: read from files, written to files, validated by the JSON Schema that
`quotegold.schema.goldschema` renders. These `TypedDict`s are those very dicts, named for the
reader and the type checker (no conversion, so the same JSON goes in and out and a record
costs nothing extra on its way through validation). `tests/test_model.py` holds them to the
rendered schema, key for key.

A typed dict is a promise, not a check: a record read from a file only keeps it once
`quotegold.gold.validate` has accepted the record, and a record `gold.convert` made only when
it came with no issues. The closed vocabularies (`kind`, `quote_type`, `stance`,
`stance_target`, `status`) are plain strings here: the schema definition holds them, once.

The second half is a Label Studio task as quotegold reads it (an export's tasks, or the API's)
and as `articles.tasks` makes it. Label Studio may leave keys out, and a file may hold
anything, so those are `total=False` and their readers still check what they get.
"""

# No `from __future__ import annotations` here: Python 3.11 only tells a `NotRequired` key
# from a required one when the annotations are evaluated as the class is made.

from collections.abc import Mapping, Sequence
from typing import Any, Literal, NotRequired, TypedDict, cast, final

from quotegold.schema.formats import LAYER_KEYS

__all__ = [
    "Annotation",
    "AnnotationUser",
    "ArticleMeta",
    "BoilerplateFlag",
    "BoilerplateRange",
    "Cue",
    "GoldRecord",
    "GoldRegion",
    "Initiative",
    "NewTask",
    "Prediction",
    "Provenance",
    "Quote",
    "RegionItem",
    "RelationItem",
    "ResultItem",
    "ResultValue",
    "Span",
    "Speaker",
    "Task",
    "TaskData",
    "regions_of",
    "spans_of",
]


# -- the gold record --------------------------------------------------------------------------


class Span(TypedDict):
    """A stretch of the text: `text[start:end] == span["text"]` (str indices)."""

    start: int
    end: int
    text: str


# The regions are final so that `"spans" in region` tells a quote from the others.
@final
class Speaker(TypedDict):
    """A SPEAKER mention, with the canonical name and kind the annotator gave it."""

    id: str
    start: int
    end: int
    text: str
    name: str
    kind: str


@final
class Cue(TypedDict):
    """A CUE region: the words that attribute a quote ("said", "according to")."""

    id: str
    start: int
    end: int
    text: str


@final
class Quote(TypedDict):
    """A QUOTE: one span, or the parts of a quote split by its attribution, in order."""

    id: str
    spans: list[Span]
    text: str  # the spans' texts joined with `JOINER`
    quote_type: str
    speaker_id: str | None
    no_speaker: bool
    cue_id: str | None
    stance: str
    stance_target: str | None


@final
class Initiative(TypedDict):
    """An INITIATIVE region and the speakers (mention ids) who put it forward."""

    id: str
    start: int
    end: int
    text: str
    status: str
    proponent_ids: list[str]


GoldRegion = Speaker | Cue | Quote | Initiative


class BoilerplateRange(TypedDict):
    """A stretch of the text flagged as boilerplate when the article was read."""

    start: int
    end: int


class ArticleMeta(TypedDict):
    """What is known about the article besides its text; a field may be absent or null."""

    title: NotRequired[str | None]
    url: NotRequired[str | None]
    source: NotRequired[str | None]
    published: NotRequired[str | None]
    license: NotRequired[str | None]  # a Hub licence id, e.g. cc-by-2.5
    split: NotRequired[str | None]  # train, validation or test: the article is pinned to it
    boilerplate: list[BoilerplateRange]


class Provenance(TypedDict):
    """Where a record comes from: the project, task, annotations and annotators."""

    schema_version: str
    project_id: int | None
    project_title: str | None
    task_id: int | None
    annotation_ids: list[int]
    annotator_ids: list[int | str]  # user ids, or emails where the export gave those
    created_at: str | None
    updated_at: str | None


class GoldRecord(TypedDict):
    """One article with its speakers, cues, quotes and initiatives: a line of gold.jsonl."""

    id: str
    text: str
    meta: ArticleMeta
    speakers: list[Speaker]
    cues: list[Cue]
    quotes: list[Quote]
    initiatives: list[Initiative]
    provenance: Provenance


def regions_of(record: GoldRecord, label: str) -> Sequence[GoldRegion]:
    """The regions of one schema label (SPEAKER, CUE, QUOTE, INITIATIVE) of a record; none
    when a partial record (one being evaluated, say) leaves the list out."""
    # `LAYER_KEYS` says where each label's regions sit; a TypedDict is only indexed by a
    # literal key, so the record is read as the mapping of layers it also is.
    layers = cast("Mapping[str, Sequence[GoldRegion]]", record)
    return layers.get(LAYER_KEYS[label]) or []


def spans_of(region: GoldRegion) -> Sequence[Span]:
    """A quote's spans; any other region is one span."""
    # Not `.get("spans", [region])`: on a union of typed dicts only `in` narrows the type.
    return region["spans"] if "spans" in region else [region]  # noqa: SIM401


# -- a Label Studio task ----------------------------------------------------------------------


class BoilerplateFlag(TypedDict):
    """A boilerplate line as a task's data holds it: the range, its text and why."""

    start: int
    end: int
    text: str
    reason: str


class TaskData(TypedDict, total=False):
    """A task's `data`: the article. quotegold writes every key (missing metadata as "")."""

    text: str
    article_id: str | int  # quotegold writes a string; a hand-made task may hold a number
    article_key: str  # `articles.tasks.article_key` of the id; tasks pushed before lack it
    text_hash: str  # `articles.tasks.text_hash` of the text; tasks pushed before lack it
    title: str
    url: str
    source: str
    published: str
    license: str
    split: str
    boilerplate: list[BoilerplateFlag]
    control_chars_replaced: int  # only when some were (`schema.formats.replace_controls`)


class ResultValue(TypedDict, total=False):
    """The `value` of a region's result item; which keys it has depends on the control."""

    start: int
    end: int
    text: str | list[str]  # the span's text; a text area's lines
    labels: list[str]
    choices: list[str]


class RegionItem(TypedDict):
    """A result item that labels a span or sets one attribute of it (same `id`)."""

    id: str
    from_name: str
    to_name: str
    type: Literal["labels", "choices", "textarea"]
    value: ResultValue
    origin: NotRequired[str]
    score: NotRequired[float]  # a prediction's confidence in the region


class RelationItem(TypedDict):
    """A result item that links two regions by their ids."""

    type: Literal["relation"]
    from_id: str
    to_id: str
    direction: NotRequired[str]  # "right", "left" or "bi"
    labels: NotRequired[list[str]]


ResultItem = RegionItem | RelationItem


class AnnotationUser(TypedDict, total=False):
    """Who made an annotation, where Label Studio gives the user rather than their id."""

    id: int
    email: str


class Annotation(TypedDict, total=False):
    """One annotation of a task, as far as quotegold reads it."""

    id: int
    completed_by: int | str | AnnotationUser  # a user id in an export

    result: list[ResultItem]
    was_cancelled: bool  # a skip
    ground_truth: bool
    created_at: str
    updated_at: str
    task: int
    project: int


class Prediction(TypedDict, total=False):
    """A prediction stored on a task (never gold: quotegold reads only its model version)."""

    id: int
    model_version: str | None
    score: float | None
    result: list[ResultItem]
    task: int
    project: int


class Task(TypedDict, total=False):
    """A Label Studio task as an export (or the API) gives it; drafts are never read."""

    id: int
    project: int
    data: TaskData
    annotations: list[Annotation]
    predictions: list[Prediction]
    drafts: list[Mapping[str, object]]


class NewTask(TypedDict):
    """A task as quotegold imports it: the article, and maybe its one pre-annotation."""

    data: TaskData
    # What a `Predictor` made: the SDK payload, kept as plain JSON.
    predictions: NotRequired[list[dict[str, Any]]]
