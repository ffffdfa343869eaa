"""The report written beside a dataset (report.json), as typed dicts.

`quotegold.workflows.export` builds the report: what happened to every task (counts), the
problems that kept records out, the conflicts and rejected records with a link to each task,
and how far annotators agreed (`quotegold.measure.agreement` fills that part).
`quotegold.dataset.writer` adds this export's own counts under `export` when it writes the
file, and the dataset card and `quotegold.report.page` read it back. Like the gold record
(`quotegold.gold.model`), these are the very dicts written as JSON: a report read from disk
is only as good as its file, so its readers still check what they use.
"""

# No `from __future__ import annotations` here: Python 3.11 only tells a `NotRequired` key
# from a required one when the annotations are evaluated as the class is made.

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

from quotegold.dataset.changelog import Changelog
from quotegold.gold.adjudicate import Conflict

__all__ = [
    "AgreementFigures",
    "AgreementSummary",
    "AlphaFigures",
    "ConflictEntry",
    "ExportReport",
    "ExportedDataset",
    "LayerAgreement",
    "LicenceCount",
    "PairFigures",
    "ProblemEntry",
    "RejectedEntry",
    "SaidByAgreement",
    "SplitTally",
    "TaskCounts",
    "conflict_entry",
    "task_counts",
]


class TaskCounts(TypedDict):
    """How many tasks the export read, and what became of them."""

    tasks: int
    gold: int
    conflict: int
    invalid: int
    unannotated: int
    skipped: int


class ProblemEntry(TypedDict):
    """A located issue: the location fields that are set, and the message."""

    file: NotRequired[str]
    line: NotRequired[int]
    task: NotRequired[int | str]
    annotation: NotRequired[int | str]
    region: NotRequired[str]
    link: NotRequired[str]
    message: str


class ConflictEntry(TypedDict):
    """Annotations of one task that disagree (`gold.adjudicate.Conflict`), with a link."""

    task_id: int | str | None
    article_id: str | None
    annotation_ids: Sequence[int | str]
    annotator_ids: Sequence[int | str]
    differences: Sequence[str]
    link: str | None


class RejectedEntry(TypedDict):
    """A task whose record was kept out, and why."""

    task: int | None
    article_id: str | int | None
    annotation: int | str | None
    link: str | None
    reasons: list[str]


# -- agreement (made by `quotegold.measure.agreement.Agreement.to_dict`) -----------------------


class AgreementSummary(TypedDict):
    tasks: int
    tasks_compared: int
    annotators: int
    pairs: int
    quotes_compared: int


class LayerAgreement(TypedDict):
    """One layer's regions and F1 between annotators, summed over every pair."""

    regions: int
    matched_exact: int
    f1_exact: float | None
    matched_overlap: int
    f1_overlap: float | None
    f1_tokens: float | None


class SaidByAgreement(TypedDict):
    """Of the quotes both annotators of a pair marked, how many have the same speaker."""

    quote_pairs: int
    same_speaker: int
    agreement: float | None


class AlphaFigures(TypedDict):
    """Krippendorff's alpha over the units with values from two annotators or more."""

    alpha: float | None
    units: int
    values: int


# An annotator's or a pair's figures: task counts, then "<LAYER> f1_<mode>" and "said_by".
PairFigures = dict[str, int | float | None]


class AgreementFigures(TypedDict):
    summary: AgreementSummary
    layers: dict[str, LayerAgreement]
    relations: dict[str, SaidByAgreement]  # "said_by": quote → speaker
    alpha: dict[str, AlphaFigures]  # by quote attribute
    annotators: dict[str, PairFigures]  # by annotator label
    pairs: dict[str, PairFigures]  # by the pair's two annotator labels


# -- this export's own counts (added by `quotegold.dataset.writer`) ----------------------------


class SplitTally(TypedDict):
    """Records, tokens, regions per label and attribute values of one split (or all)."""

    articles: int
    tokens: int
    labels: dict[str, int]
    attributes: dict[str, dict[str, int]]  # attribute → value ("(none)" for null) → regions


class LicenceCount(TypedDict):
    """The articles under one licence, and how many come from each source."""

    articles: int
    sources: dict[str, int]


class ExportedDataset(TypedDict):
    """The dataset written: its settings, counts per split and in all, rows per file."""

    name: str
    schema_version: str
    license: str
    ratios: dict[str, float]
    splits: dict[str, SplitTally]
    total: SplitTally
    rows: dict[str, dict[str, int]]  # configuration → split → rows
    licenses: NotRequired[dict[str, LicenceCount]]  # each article's licence
    version: NotRequired[str]  # date + hash of gold.jsonl (dataset.changelog)
    changelog: NotRequired[Changelog]  # against the export this one replaced
    split_plan: NotRequired[dict[str, object]]  # pins, grouping and folds used
    formats: NotRequired[list[str]]  # training files written beside the data


# -- the report -------------------------------------------------------------------------------


class ExportReport(TypedDict):
    """report.json: what the export read, what it kept out and why."""

    name: str
    created_at: str
    schema_version: str
    source: dict[str, object]  # the export file, or the Label Studio URL and project
    strategy: str
    counts: TaskCounts
    problems: list[ProblemEntry]
    conflicts: list[ConflictEntry]
    rejected: list[RejectedEntry]
    agreement: NotRequired[AgreementFigures]  # when some tasks have several annotators
    export: NotRequired[ExportedDataset]  # in the file only: the dataset writer adds it


def task_counts(statuses: Mapping[str, int]) -> TaskCounts:
    """The report's counts from the number of tasks of each adjudication status."""
    return {
        "tasks": sum(statuses.values()),
        "gold": statuses.get("gold", 0),
        "conflict": statuses.get("conflict", 0),
        "invalid": statuses.get("invalid", 0),
        "unannotated": statuses.get("unannotated", 0),
        "skipped": statuses.get("skipped", 0),
    }


def conflict_entry(conflict: Conflict, link: str | None) -> ConflictEntry:
    """A conflict as the report lists it, with the link to its task."""
    return {
        "task_id": conflict.task_id,
        "article_id": conflict.article_id,
        "annotation_ids": conflict.annotation_ids,
        "annotator_ids": conflict.annotator_ids,
        "differences": conflict.differences,
        "link": link,
    }
