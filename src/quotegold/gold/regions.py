"""Read the result items of one Label Studio annotation into regions checked against the text.

Each labelled region becomes a `Region` with its attributes; relation items are passed on
as they are, for `quotegold.gold.convert` to resolve. Every problem is added to the `Context`,
located by task, annotation and region. A region whose offsets do not match the text is
broken (`Context.fail`): a shifted span is never exported as is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from quotegold.errors import Issue, Location
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import LABEL_VALUES, AnnotationSchema, Attribute
from quotegold.schema.formats import LABELS_NAME, TEXT_NAME

QUOTE_ATTRIBUTES = ("quote_type", "stance", "stance_target")
_BAD = object()
# Label Studio's editor stores a selection's text as the browser renders it: every line
# feed and carriage return written as a backslash and an `n`
# (`selection.toString().replace(/[\n\r]/g, "\\n")` in its frontend), and a run of spaces
# and tabs as one space (checked in Chromium). Its offsets are right.
_EDITOR_ESCAPED = re.compile(r"[\n\r]")
_EDITOR_SPACES = re.compile(r"[ \t]+")


def editor_text(text: str) -> str:
    """`text` as Label Studio's editor stores a selection of it."""
    return _EDITOR_ESCAPED.sub(r"\\n", _EDITOR_SPACES.sub(" ", text))


def stored_text_matches(stored: object, text: str) -> bool:
    """Whether a region's stored `text` is `text` (the slice of the task text at its
    offsets), as written by quotegold or by Label Studio's editor."""
    return stored == text or (isinstance(stored, str) and stored == editor_text(text))


@dataclass
class Region:
    id: str
    label: str
    start: int
    end: int
    text: str
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.start, self.end, self.id)


@dataclass
class Context:
    """One annotation being read: where it is, the schema its project has, what is wrong."""

    task: int | str | None
    annotation: int | str | None
    schema: AnnotationSchema = DEFAULT_SCHEMA
    issues: list[Issue] = field(default_factory=list)
    broken: bool = False
    # Regions with a relation to a broken region: what they lack is not worth reporting.
    near_broken: set[str] = field(default_factory=set)
    # Region id → how an annotator finds it (`region_names`).
    names: dict[str, str] = field(default_factory=dict)

    def name(self, rid: str) -> str:
        """The region as the annotator can find it: `QUOTE 3 'We will fight…'`."""
        return self.names.get(rid) or f"region {rid}"

    def add(self, message: str, region: str | None = None) -> None:
        location = Location(task=self.task, annotation=self.annotation, region=region)
        self.issues.append(Issue(location, message))

    def fail(self, message: str, region: str | None = None) -> None:
        self.broken = True
        self.add(message, region)


def is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def id_of(obj: object) -> int | str | None:
    value = obj.get("id") if isinstance(obj, Mapping) else None
    return value if is_int(value) or isinstance(value, str) else None


def show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "…" + shown[-1]


def kind_of(value: object) -> str:
    return "null" if value is None else type(value).__name__


_WORDS = 5  # how many of a region's first words name it


def first_words(text: str, count: int = _WORDS) -> str:
    """The first `count` words of `text` on one line, with `…` when there are more."""
    words = text.split()
    shown = " ".join(words[:count])
    return shown + ("…" if len(words) > count else "")


def region_names(result: list[Any], text: str) -> dict[str, str]:
    """Each region's name for messages: its label, its number in Label Studio's region
    list and its first words (`SPEAKER 3 'Khaled Al-Maeena'`).

    Label Studio numbers the regions of a loaded annotation in the order their ids first
    appear in the result, and shows those numbers in its Regions and Relations panels; the
    random ids it shows only in the Info panel of a selected region.
    """
    numbers: dict[str, int] = {}
    for item in result:
        rid = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(rid, str) and item.get("type") != "relation" and rid not in numbers:
            numbers[rid] = len(numbers) + 1
    names = {rid: f"region {number}" for rid, number in numbers.items()}
    for item in result:
        if not isinstance(item, Mapping) or item.get("from_name") != LABELS_NAME:
            continue
        rid, value = item.get("id"), item.get("value")
        if not isinstance(rid, str) or rid not in numbers or not isinstance(value, Mapping):
            continue
        labels = value.get("labels")
        label = labels[0] if isinstance(labels, list) and len(labels) == 1 else "region"
        # The region list shows the stored text (even when the offsets say otherwise).
        start, end, stored = value.get("start"), value.get("end"), value.get("text")
        if isinstance(stored, str):
            words = first_words(stored.replace("\\n", " "))
        elif is_int(start) and is_int(end) and 0 <= start < end <= len(text):
            words = first_words(text[start:end])
        else:
            words = ""
        shown = f" {words!r}" if words else ""
        names[rid] = f"{label if isinstance(label, str) else 'region'} {numbers[rid]}{shown}"
    return names


def parse_result(
    result: list[Any], text: str, ctx: Context
) -> tuple[dict[str, Region], set[str], list[Mapping[str, Any]]]:
    """Regions by id, the ids of regions already reported as broken, and relation items."""
    ctx.names.update(region_names(result, text))
    regions: dict[str, Region] = {}
    broken: set[str] = set()
    attributes: list[Mapping[str, Any]] = []
    relations: list[Mapping[str, Any]] = []
    for index, item in enumerate(result, start=1):
        kind = _classify(index, item, ctx)
        if kind == "relation":
            relations.append(item)
        elif kind == "attribute":
            attributes.append(item)
        elif kind == "label":
            region = _parse_label(item, text, ctx)
            if region is None:
                broken.add(item["id"])
            elif region.id in regions:
                ctx.add(f"two regions share the id {region.id}; delete one of them", region.id)
            else:
                regions[region.id] = region
    stray: dict[str, list[Mapping[str, Any]]] = {}
    for item in attributes:
        if item["id"] in broken:  # the region's own issue says it all
            continue
        region = regions.get(item["id"])
        if region is not None and region.label != ctx.schema.attribute(item["from_name"]).label:
            stray.setdefault(region.id, []).append(item)
        else:
            _apply_attribute(item, regions, ctx)
    for rid, items in stray.items():
        _report_stray(regions[rid], items, ctx)
    return regions, broken, relations


def _report_stray(region: Region, items: list[Mapping[str, Any]], ctx: Context) -> None:
    """One issue for the attributes of other labels on a region: what pressing a label key
    with a region selected leaves behind (it relabels the region and keeps its attributes),
    as does a choice key pressed with a region of another label selected."""
    owners: dict[str, list[str]] = {}
    keys: list[str] = []
    for item in items:
        attribute = ctx.schema.attribute(item["from_name"])
        value = item.get("value")
        choices = value.get("choices") if isinstance(value, Mapping) else None
        chosen = [c for c in choices if isinstance(c, str)] if isinstance(choices, list) else []
        what = f"{attribute.noun} {', '.join(chosen)}" if chosen else attribute.noun
        owners.setdefault(attribute.label, []).append(what)
        keys += [
            f"{choice.hotkey} ({choice.value})"
            for choice in attribute.choices
            if choice.value in chosen and choice.hotkey
        ]
    hotkeys = {label.value: label.hotkey for label in ctx.schema.labels}
    for owner, shown in owners.items():
        clear = f"press {', '.join(keys)} again to clear them, or " if keys else ""
        ctx.add(
            f"{owner} attributes on {ctx.name(region.id)} ({'; '.join(shown)}): the region was "
            f"relabelled, or a key was pressed with the wrong region selected? If it is a "
            f"{owner}, select it and press {hotkeys.get(owner, owner)} to relabel it back; if "
            f"it is a {region.label}, select it and {clear}delete it and mark it again",
            region.id,
        )


def _classify(index: int, item: object, ctx: Context) -> str | None:
    if not isinstance(item, Mapping):
        ctx.add(f"result item {index} is {kind_of(item)}, not an object; remove it")
        return None
    if item.get("type") == "relation":
        return "relation"
    region = item.get("id")
    if not isinstance(region, str) or not region:
        keys = ", ".join(sorted(map(str, item))) or "none"
        ctx.add(f"result item {index} is neither a region nor a relation (keys: {keys}); remove it")
        return None
    name = item.get("from_name")
    attributes = ctx.schema.attribute_names
    if name == LABELS_NAME:
        expected = "labels"
    elif isinstance(name, str) and name in attributes:
        expected = "textarea" if ctx.schema.attribute(name).kind == "text" else "choices"
    else:
        known = ", ".join([LABELS_NAME, *attributes])
        ctx.add(
            f"{ctx.name(region)}: unknown control {show(name)} (schema {ctx.schema.version} "
            f"has {known}); the project's labelling config does not match the schema — update "
            "it and redo this region",
            region,
        )
        return None
    if item.get("type") != expected or item.get("to_name") != TEXT_NAME:
        ctx.add(
            f"{ctx.name(region)}: result item {index} ({name}) has type "
            f"{show(item.get('type'))} and to_name {show(item.get('to_name'))}, expected "
            f"{expected!r} and {TEXT_NAME!r}; redo it",
            region,
        )
        return None
    return "label" if expected == "labels" else "attribute"


def _parse_label(item: Mapping[str, Any], text: str, ctx: Context) -> Region | None:
    rid: str = item["id"]
    value = item.get("value")
    if not isinstance(value, Mapping):
        ctx.fail(f"{ctx.name(rid)} has no value with start, end and text; mark it again", rid)
        return None
    span = _check_span(value, text, ctx, rid)
    label = _one_label(value.get("labels"), ctx, rid)
    if span is None or label is None:
        return None
    return Region(rid, label, *span)


def _check_span(
    value: Mapping[str, Any], text: str, ctx: Context, rid: str
) -> tuple[int, int, str] | None:
    start, end, stored = value.get("start"), value.get("end"), value.get("text")
    fix = "delete the region and mark it again in Label Studio"
    name = ctx.name(rid)
    if not is_int(start) or not is_int(end):
        ctx.fail(f"{name}: offsets {show(start)}-{show(end)} are not whole numbers; {fix}", rid)
        return None
    if start < 0:
        problem = f"start {start} is negative"
    elif end > len(text):
        problem = f"end {end} is past the end of the text ({len(text)} characters)"
    elif start >= end:
        problem = f"start {start} is not before end {end}"
    elif not stored_text_matches(stored, text[start:end]):
        ctx.fail(
            f"{name}: stored text {show(stored)} does not match text[{start}:{end}] "
            f"{show(text[start:end])} — the offsets are shifted; fix the region in Label Studio",
            rid,
        )
        return None
    else:
        # Rebuilt from the offsets: the stored copy may be escaped by the editor.
        return start, end, text[start:end]
    ctx.fail(f"{name}: {problem}; {fix}", rid)
    return None


def _one_label(labels: object, ctx: Context, rid: str) -> str | None:
    if isinstance(labels, list) and len(labels) == 1 and labels[0] in LABEL_VALUES:
        label: str = labels[0]
        return label  # the common case, before any message is made
    known = ", ".join(LABEL_VALUES)
    if labels is not None and not isinstance(labels, list):
        ctx.add(
            f"{ctx.name(rid)} has labels {show(labels)}, not a list; give it one of {known}", rid
        )
        return None
    if not isinstance(labels, list) or not labels:
        ctx.add(f"{ctx.name(rid)} has no label; give it one of {known}", rid)
        return None
    if len(labels) > 1:
        ctx.add(f"{ctx.name(rid)} has {len(labels)} labels {show(labels)}; keep exactly one", rid)
        return None
    ctx.add(
        f"unknown label {show(labels[0])} on {ctx.name(rid)}; relabel it as one of {known}", rid
    )
    return None


def _apply_attribute(item: Mapping[str, Any], regions: dict[str, Region], ctx: Context) -> None:
    rid: str = item["id"]
    attribute = ctx.schema.attribute(item["from_name"])
    region = regions.get(rid)
    if region is None:
        ctx.add(
            f"{attribute.noun} is set on {ctx.name(rid)}, which is not a labelled region; "
            "delete it",
            rid,
        )
        return
    value = item.get("value")
    where = (value.get("start"), value.get("end")) if isinstance(value, Mapping) else None
    if not isinstance(value, Mapping) or where != (region.start, region.end):
        shown = "missing" if where is None else f"{show(where[0])}-{show(where[1])}"
        ctx.add(
            f"the {attribute.noun} of {ctx.name(rid)} is stored at {shown} but the region is at "
            f"{region.start}-{region.end}; select the region and set its {attribute.noun} again",
            rid,
        )
        return
    parsed = _attribute_value(attribute, value, ctx, rid)
    if parsed is _BAD:
        return
    if attribute.name in region.attrs and region.attrs[attribute.name] != parsed:
        ctx.add(f"{ctx.name(rid)} has two values for its {attribute.noun}; keep one", rid)
    region.attrs.setdefault(attribute.name, parsed)


def _attribute_value(attribute: Attribute, value: Mapping[str, Any], ctx: Context, rid: str) -> Any:
    if attribute.kind == "text":
        raw = value.get("text")
        raw = [raw] if isinstance(raw, str) else raw
        if not isinstance(raw, list) or not all(isinstance(entry, str) for entry in raw):
            ctx.add(
                f"the {attribute.noun} of {ctx.name(rid)} is {show(raw)}, not text; retype it", rid
            )
            return _BAD
        entries = [entry.strip() for entry in raw if entry.strip()]
        if len(entries) > 1:
            ctx.add(f"{ctx.name(rid)} has several {attribute.noun}s {show(entries)}; keep one", rid)
            return _BAD
        return entries[0] if entries else None
    choices = value.get("choices")
    if (
        not isinstance(choices, list)
        or not all(c in attribute.values for c in choices)
        or (attribute.kind == "choice" and len(choices) > 1)
    ):
        allowed = ", ".join(attribute.values)
        ctx.add(
            f"the {attribute.noun} of {ctx.name(rid)} is {show(choices)}; choose one of {allowed}",
            rid,
        )
        return _BAD
    if attribute.kind == "flag":
        return bool(choices)
    return choices[0] if choices else None
