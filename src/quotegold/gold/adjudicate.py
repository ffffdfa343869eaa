"""Choose the gold annotation of a task that may have several.

Only submitted annotations count. A ground truth wins; else annotations that agree make the
gold; else the task is a conflict, listed with what differs.

How it works, in more detail: docs/design.md, "gold.adjudicate".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, TypeVar

from quotegold.errors import Issue, Location, SettingsError
from quotegold.gold.convert import ProjectRef, annotation_to_record
from quotegold.gold.model import Annotation, GoldRecord, GoldRegion, Provenance, Task, spans_of
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema

Status = Literal["gold", "conflict", "unannotated", "invalid", "skipped"]
STRATEGIES = ("default", "latest")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

RegionKey = tuple[str, tuple[tuple[int, int], ...]]
# The attributes of a region that agreement compares, by name.
Attributes = dict[str, str | bool | None]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Conflict:
    """Annotations of one task that disagree, and a short human list of the differences."""

    task_id: int | str | None
    article_id: str | None
    annotation_ids: tuple[int | str, ...]
    annotator_ids: tuple[int | str, ...]
    differences: tuple[str, ...]
    # Where the task opens in Label Studio, when known.
    link: str | None = None

    def __str__(self) -> str:
        ids = ", ".join(map(str, self.annotation_ids))
        head = f"task {self.task_id} (article {self.article_id}): annotations {ids} disagree"
        return "\n  ".join([head, *self.differences])


@dataclass(frozen=True)
class Choice:
    """What adjudication decided for one task."""

    status: Status
    record: GoldRecord | None = None
    annotation_id: int | str | None = None
    conflict: Conflict | None = None
    issues: list[Issue] = field(default_factory=list)


def choose_annotation(
    task: Task,
    *,
    strategy: str = "default",
    project: ProjectRef | None = None,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> Choice:
    """Pick the gold record of a task, or say why there is none; its annotations are read
    against `schema`, the project's."""
    if strategy not in STRATEGIES:
        raise SettingsError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    annotations = task.get("annotations", [])
    task_id = _plain_id(task.get("id"))
    if not isinstance(annotations, list) or not all(isinstance(a, Mapping) for a in annotations):
        message = "the task's annotations are not a list of objects; export the project again"
        return Choice("invalid", issues=[Issue(Location(task=task_id), message)])
    if not annotations:
        return Choice("unannotated")
    submitted = [a for a in annotations if not a.get("was_cancelled")]
    if not submitted:
        return Choice("skipped")
    if strategy == "latest":
        return _decide(task, [_latest(submitted)], project, schema)
    ground_truth = [a for a in submitted if a.get("ground_truth") is True]
    return _decide(task, ground_truth or submitted, project, schema)


def _plain_id(value: object) -> int | str | None:
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def _stamp(annotation: Annotation) -> datetime:
    for name in ("updated_at", "created_at"):
        value = annotation.get(name)
        try:
            stamp = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            stamp = None
        if stamp is not None:
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return _EPOCH


def recency(annotation: Annotation) -> tuple[datetime, int]:
    """A sort key: later `updated_at` (or `created_at`) last, then the higher id."""
    number = annotation.get("id")
    return _stamp(annotation), number if isinstance(number, int) else -1


def _latest(annotations: list[Annotation]) -> Annotation:
    return max(annotations, key=recency)


def _decide(
    task: Task, candidates: list[Annotation], project: ProjectRef | None, schema: AnnotationSchema
) -> Choice:
    candidates = sorted(candidates, key=recency, reverse=True)
    single = _plain_id(candidates[0].get("id")) if len(candidates) == 1 else None
    records: dict[int | str, GoldRecord] = {}
    issues: list[Issue] = []
    for number, annotation in enumerate(candidates, start=1):
        record, found = annotation_to_record(task, annotation, project=project, schema=schema)
        issues += found
        if record is not None:
            aid = _plain_id(annotation.get("id"))
            records[f"#{number}" if aid is None else aid] = record
    if issues or len(records) < len(candidates):
        return Choice("invalid", annotation_id=single, issues=issues)
    differences = describe_differences(records) if len(records) > 1 else []
    if differences:
        return Choice("conflict", conflict=_conflict(task, records, differences))
    chosen = next(iter(records))
    return Choice("gold", record=_merged(list(records.values())), annotation_id=chosen)


def _conflict(task: Task, records: dict[int | str, GoldRecord], differences: list[str]) -> Conflict:
    first = next(iter(records.values()))
    return Conflict(
        task_id=_plain_id(task.get("id")),
        article_id=first["id"],
        annotation_ids=tuple(records),
        annotator_ids=tuple(_unique(r["provenance"]["annotator_ids"] for r in records.values())),
        differences=tuple(differences),
    )


def _unique(lists: Iterable[Iterable[_T]]) -> list[_T]:
    return list(dict.fromkeys(value for values in lists for value in values))


def _merged(records: list[GoldRecord]) -> GoldRecord:
    """The first (most recent) record, with every agreeing annotation in its provenance."""
    first = records[0]
    provenance: Provenance = {
        **first["provenance"],
        "annotation_ids": _unique(r["provenance"]["annotation_ids"] for r in records),
        "annotator_ids": _unique(r["provenance"]["annotator_ids"] for r in records),
    }
    return {**first, "provenance": provenance}


def _span_key(label: str, region: GoldRegion) -> RegionKey:
    return label, tuple((span["start"], span["end"]) for span in spans_of(region))


def _regions(record: GoldRecord) -> dict[RegionKey, Attributes]:
    regions: dict[RegionKey, Attributes] = {}
    for speaker in record["speakers"]:
        regions[_span_key("SPEAKER", speaker)] = {"name": speaker["name"], "kind": speaker["kind"]}
    for cue in record["cues"]:
        regions[_span_key("CUE", cue)] = {}
    for quote in record["quotes"]:
        regions[_span_key("QUOTE", quote)] = {
            "quote_type": quote["quote_type"],
            "stance": quote["stance"],
            "stance_target": quote["stance_target"],
            "no_speaker": quote["no_speaker"],
        }
    for initiative in record["initiatives"]:
        regions[_span_key("INITIATIVE", initiative)] = {"status": initiative["status"]}
    return regions


def _relations(record: GoldRecord) -> set[tuple[str, RegionKey, RegionKey]]:
    keys = {s["id"]: _span_key("SPEAKER", s) for s in record["speakers"]}
    keys |= {c["id"]: _span_key("CUE", c) for c in record["cues"]}
    relations = set()
    for quote in record["quotes"]:
        for target, kind in ((quote["speaker_id"], "said_by"), (quote["cue_id"], "cued_by")):
            if target in keys:
                relations.add((kind, _span_key("QUOTE", quote), keys[target]))
    for initiative in record["initiatives"]:
        for speaker in initiative["proponent_ids"]:
            if speaker in keys:
                key = _span_key("INITIATIVE", initiative)
                relations.add(("put_forward_by", key, keys[speaker]))
    return relations


def _describe(key: RegionKey) -> str:
    label, spans = key
    return f"{label} " + "+".join(f"{start}-{end}" for start, end in spans)


def _only_in(ids: list[int | str]) -> str:
    names = ", ".join(map(str, ids))
    return f"only in annotation {names}" if len(ids) == 1 else f"only in annotations {names}"


def describe_differences(records: Mapping[int | str, GoldRecord]) -> list[str]:
    """What differs between converted records of one task (keyed by annotation id);
    empty when they agree."""
    per = {aid: _regions(record) for aid, record in records.items()}
    lines = []
    for key in sorted(set().union(*per.values()), key=lambda k: (k[1], k[0])):
        having = [aid for aid, regions in per.items() if key in regions]
        if len(having) < len(per):
            lines.append(f"{_describe(key)} {_only_in(having)}")
            continue
        for name in per[having[0]][key]:
            lines += _attribute_difference(name, key, {aid: per[aid][key][name] for aid in per})
    relations = {aid: _relations(record) for aid, record in records.items()}
    for kind, source, target in sorted(set().union(*relations.values())):
        having = [aid for aid, found in relations.items() if (kind, source, target) in found]
        if len(having) < len(relations):
            lines.append(f"{kind} {_describe(source)} → {_describe(target)} {_only_in(having)}")
    return lines


def _attribute_difference(
    name: str, key: RegionKey, values: dict[int | str, str | bool | None]
) -> list[str]:
    groups: dict[str | bool | None, list[str]] = {}
    for aid, value in values.items():
        groups.setdefault(value, []).append(str(aid))
    if len(groups) < 2:
        return []
    shown = " vs ".join(
        f"{'none' if v is None else v} ({', '.join(ids)})" for v, ids in groups.items()
    )
    return [f"{name} of {_describe(key)}: {shown}"]


# -- adjudicating in Label Studio ----------------------------------------------------------


def find_conflicts(
    tasks: Iterable[Task],
    *,
    project: ProjectRef | None = None,
    link: Callable[[int | str], str] | None = None,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> list[Conflict]:
    """The tasks whose annotations disagree with no ground truth to settle them, in order;
    `link` gives each task's address in Label Studio."""
    found = []
    for task in tasks:
        conflict = choose_annotation(task, project=project, schema=schema).conflict
        if conflict is not None:
            where = None if link is None or conflict.task_id is None else link(conflict.task_id)
            found.append(replace(conflict, link=where))
    return found
