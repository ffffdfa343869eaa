"""Turn one Label Studio annotation into one gold record, and a gold record back into results.

Decisions worth knowing:

- Relations are resolved by the labels of their two ends, not by the arrow: QUOTE-SPEAKER
  is `said_by` whichever way it points, QUOTE-CUE is `cued_by`, INITIATIVE-SPEAKER is
  `put_forward_by`. An explicit relation label that contradicts its ends is still reported.
- QUOTE-QUOTE is `continues`; its direction gives the order of the parts (`right`: from is
  first, `left`: to is first, `bi` or none: the earlier span is first). A chain of parts
  becomes one quote: `spans` in chain order, `id` the first part's id, `text` the span texts
  joined with `JOINER` (" … "). Speaker, cue and attributes may sit on any part.
- Every span is checked against the task text. If any offset is wrong the record is `None`:
  a shifted span is never exported as is.
- A quotation mark left unpaired at either edge of a QUOTE span is dropped from the span
  (Label Studio's word snapping pulls a closing mark into a selection that ends in a full
  stop; the guidelines keep wrapping marks outside quotes). Paired marks inside a mixed
  quote stay. Single marks are left alone: they double as apostrophes.
- Any other problem leaves a best-effort record for diagnosis. A record is gold only when
  the list of issues is empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, TypeGuard

from quotegold.errors import Issue, Location
from quotegold.schema import LABELS_NAME, SCHEMA, SCHEMA_VERSION, TEXT_NAME, Attribute

JOINER = " … "
_ATTRIBUTES = {attribute.name: attribute for attribute in SCHEMA.attributes}
_PAIRS = {(relation.source, relation.target): relation.value for relation in SCHEMA.relations}
_ALLOWED = ", ".join(f"{r.source}-{r.target} ({r.value})" for r in SCHEMA.relations)
_QUOTE_ATTRIBUTES = ("quote_type", "stance", "stance_target")
_NEEDS_TARGET = ("support", "oppose")
_META_FIELDS = ("title", "url", "source", "published")
_BAD = object()


@dataclass(frozen=True)
class ProjectRef:
    """The Label Studio project an annotation comes from, recorded in the provenance."""

    id: int | None
    title: str | None


@dataclass
class _Region:
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
class _Context:
    task: int | str | None
    annotation: int | str | None
    issues: list[Issue] = field(default_factory=list)
    broken: bool = False
    # Regions with a relation to a broken region: what they lack is not worth reporting.
    near_broken: set[str] = field(default_factory=set)

    def add(self, message: str, region: str | None = None) -> None:
        location = Location(task=self.task, annotation=self.annotation, region=region)
        self.issues.append(Issue(location, message))

    def fail(self, message: str, region: str | None = None) -> None:
        self.broken = True
        self.add(message, region)


# Resolved relations: kind → source region id → target region ids.
_Links = dict[str, dict[str, set[str]]]


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _id_of(obj: object) -> int | str | None:
    value = obj.get("id") if isinstance(obj, Mapping) else None
    return value if _is_int(value) or isinstance(value, str) else None


def _show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "…" + shown[-1]


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def annotation_to_record(
    task: Mapping[str, Any], annotation: Mapping[str, Any], *, project: ProjectRef | None = None
) -> tuple[dict[str, Any] | None, list[Issue]]:
    """Convert one annotation of one task into a gold record, with located issues.

    The record is `None` when the task has no text or article id, or when any span's
    offsets do not match the text. It is gold only when the issue list is empty.
    """
    ctx = _Context(_id_of(task), _id_of(annotation))
    data = task.get("data") if isinstance(task, Mapping) else None
    if not isinstance(data, Mapping):
        ctx.fail("the task has no 'data' object; export the project again as JSON")
        return None, ctx.issues
    text, article_id = _text_and_id(data, ctx)
    result = annotation.get("result") if isinstance(annotation, Mapping) else None
    if not isinstance(result, list):
        ctx.fail(f"the annotation's result is {_kind(result)}, not a list; export it again")
        return None, ctx.issues
    if text is None or article_id is None:
        return None, ctx.issues
    regions, broken, relations = _parse_result(result, text, ctx)
    links = _resolve_relations(relations, regions, broken, ctx)
    record = {
        "id": article_id,
        "text": text,
        "meta": _meta(data, text, ctx),
        "speakers": _speakers(regions, ctx),
        "cues": [_span(region, with_id=True) for region in _sorted(regions, "CUE")],
        "quotes": _quotes(regions, links, ctx),
        "initiatives": _initiatives(regions, links, ctx),
        "provenance": _provenance(task, annotation, project),
    }
    return (None if ctx.broken else record), ctx.issues


def _text_and_id(data: Mapping[str, Any], ctx: _Context) -> tuple[str | None, str | None]:
    text = data.get(TEXT_NAME)
    if not isinstance(text, str) or not text:
        ctx.fail(f"the task's data has no '{TEXT_NAME}'; re-import the article with quotegold")
        text = None
    article_id = data.get("article_id")
    if _is_int(article_id):
        article_id = str(article_id)
    if not isinstance(article_id, str) or not article_id:
        ctx.fail("the task's data has no 'article_id'; re-import the article with quotegold")
        article_id = None
    return text, article_id


def _parse_result(
    result: list[Any], text: str, ctx: _Context
) -> tuple[dict[str, _Region], set[str], list[Mapping[str, Any]]]:
    """Regions by id, the ids of regions already reported as broken, and relation items."""
    regions: dict[str, _Region] = {}
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
                ctx.add(f"two regions share the id {region.id}; delete one", region.id)
            else:
                regions[region.id] = region
    for item in attributes:
        if item["id"] not in broken:  # the region's own issue says it all
            _apply_attribute(item, regions, ctx)
    return regions, broken, relations


def _classify(index: int, item: object, ctx: _Context) -> str | None:
    if not isinstance(item, Mapping):
        ctx.add(f"result item {index} is {_kind(item)}, not an object; remove it")
        return None
    if item.get("type") == "relation":
        return "relation"
    region = item.get("id")
    if not isinstance(region, str) or not region:
        keys = ", ".join(sorted(map(str, item))) or "none"
        ctx.add(f"result item {index} is neither a region nor a relation (keys: {keys}); remove it")
        return None
    name = item.get("from_name")
    if name == LABELS_NAME:
        expected = "labels"
    elif isinstance(name, str) and name in _ATTRIBUTES:
        expected = "textarea" if _ATTRIBUTES[name].kind == "text" else "choices"
    else:
        known = ", ".join([LABELS_NAME, *_ATTRIBUTES])
        ctx.add(
            f"unknown control {_show(name)} (schema {SCHEMA_VERSION} has {known}); the project's "
            "labelling config does not match the schema — update it and redo this region",
            region,
        )
        return None
    if item.get("type") != expected or item.get("to_name") != TEXT_NAME:
        ctx.add(
            f"result item {index} ({name}) has type {_show(item.get('type'))} and to_name "
            f"{_show(item.get('to_name'))}, expected {expected!r} and {TEXT_NAME!r}; redo it",
            region,
        )
        return None
    return "label" if expected == "labels" else "attribute"


def _parse_label(item: Mapping[str, Any], text: str, ctx: _Context) -> _Region | None:
    rid: str = item["id"]
    value = item.get("value")
    if not isinstance(value, Mapping):
        ctx.fail(f"region {rid} has no value with start, end and text; mark it again", rid)
        return None
    span = _check_span(value, text, ctx, rid)
    label = _one_label(value.get("labels"), ctx, rid)
    if span is None or label is None:
        return None
    return _Region(rid, label, *span)


def _check_span(
    value: Mapping[str, Any], text: str, ctx: _Context, rid: str
) -> tuple[int, int, str] | None:
    start, end, stored = value.get("start"), value.get("end"), value.get("text")
    fix = "delete the region and mark it again in Label Studio"
    if not _is_int(start) or not _is_int(end):
        ctx.fail(f"offsets {_show(start)}-{_show(end)} are not whole numbers; {fix}", rid)
        return None
    if start < 0:
        problem = f"start {start} is negative"
    elif end > len(text):
        problem = f"end {end} is past the end of the text ({len(text)} characters)"
    elif start >= end:
        problem = f"start {start} is not before end {end}"
    elif stored != text[start:end]:
        ctx.fail(
            f"stored text {_show(stored)} does not match text[{start}:{end}] "
            f"{_show(text[start:end])} — the offsets are shifted; fix the region in Label Studio",
            rid,
        )
        return None
    else:
        return start, end, stored
    ctx.fail(f"{problem}; {fix}", rid)
    return None


def _one_label(labels: object, ctx: _Context, rid: str) -> str | None:
    if isinstance(labels, list) and len(labels) == 1 and labels[0] in SCHEMA.label_values:
        label: str = labels[0]
        return label  # the common case, before any message is made
    known = ", ".join(SCHEMA.label_values)
    if labels is not None and not isinstance(labels, list):
        ctx.add(f"region {rid} has labels {_show(labels)}, not a list; give it one of {known}", rid)
        return None
    if not isinstance(labels, list) or not labels:
        ctx.add(f"region {rid} has no label; give it one of {known}", rid)
        return None
    if len(labels) > 1:
        ctx.add(f"region {rid} has {len(labels)} labels {_show(labels)}; keep exactly one", rid)
        return None
    ctx.add(f"unknown label {_show(labels[0])} on region {rid}; relabel it as one of {known}", rid)
    return None


def _apply_attribute(item: Mapping[str, Any], regions: dict[str, _Region], ctx: _Context) -> None:
    rid: str = item["id"]
    attribute = _ATTRIBUTES[item["from_name"]]
    region = regions.get(rid)
    if region is None:
        ctx.add(f"{attribute.name} is set on {rid}, which is not a labelled region; delete it", rid)
        return
    if region.label != attribute.label:
        ctx.add(
            f"{attribute.name} belongs to {attribute.label} regions but {rid} is a "
            f"{region.label}; remove it in Label Studio",
            rid,
        )
        return
    value = item.get("value")
    where = (value.get("start"), value.get("end")) if isinstance(value, Mapping) else None
    if not isinstance(value, Mapping) or where != (region.start, region.end):
        shown = "missing" if where is None else f"{_show(where[0])}-{_show(where[1])}"
        ctx.add(
            f"the {attribute.name} of region {rid} is stored at {shown} but the region is at "
            f"{region.start}-{region.end}; select the region and set {attribute.name} again",
            rid,
        )
        return
    parsed = _attribute_value(attribute, value, ctx, rid)
    if parsed is _BAD:
        return
    if attribute.name in region.attrs and region.attrs[attribute.name] != parsed:
        ctx.add(f"region {rid} has two values for {attribute.name}; keep one", rid)
    region.attrs.setdefault(attribute.name, parsed)


def _attribute_value(
    attribute: Attribute, value: Mapping[str, Any], ctx: _Context, rid: str
) -> Any:
    if attribute.kind == "text":
        raw = value.get("text")
        raw = [raw] if isinstance(raw, str) else raw
        if not isinstance(raw, list) or not all(isinstance(entry, str) for entry in raw):
            ctx.add(f"{attribute.name} of region {rid} is {_show(raw)}, not text; retype it", rid)
            return _BAD
        entries = [entry.strip() for entry in raw if entry.strip()]
        if len(entries) > 1:
            ctx.add(f"region {rid} has several {attribute.name}s {_show(entries)}; keep one", rid)
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
            f"{attribute.name} of region {rid} is {_show(choices)}; choose one of {allowed}", rid
        )
        return _BAD
    if attribute.kind == "flag":
        return bool(choices)
    return choices[0] if choices else None


def _resolve_relations(
    items: list[Mapping[str, Any]], regions: dict[str, _Region], broken: set[str], ctx: _Context
) -> _Links:
    links: _Links = {kind: {} for kind in SCHEMA.relation_values}
    for item in items:
        ends = [_end(item.get(key), regions, broken, ctx) for key in ("from_id", "to_id")]
        if any(
            isinstance(e, str) and e in broken for e in (item.get("from_id"), item.get("to_id"))
        ):
            ctx.near_broken.update(end.id for end in ends if end is not None)
        resolved = _pair(ends[0], ends[1], item, ctx) if ends[0] and ends[1] else None
        if resolved is not None:
            kind, source, target = resolved
            links[kind].setdefault(source, set()).add(target)
    return links


def _end(
    rid: object, regions: dict[str, _Region], broken: set[str], ctx: _Context
) -> _Region | None:
    if isinstance(rid, str) and rid in regions:
        return regions[rid]
    if not (isinstance(rid, str) and rid in broken):  # a broken region has its own issue
        where = rid if isinstance(rid, str) else None
        ctx.add(f"a relation points at region {_show(rid)}, which does not exist; delete it", where)
    return None


def _pair(
    a: _Region, b: _Region, item: Mapping[str, Any], ctx: _Context
) -> tuple[str, str, str] | None:
    name = f"relation {a.id} → {b.id}"
    if a is b:
        ctx.add(f"{name} links a region to itself; delete it", a.id)
        return None
    kind = _PAIRS.get((a.label, b.label))
    source, target = (a, b) if kind else (b, a)
    kind = kind or _PAIRS.get((b.label, a.label))
    if kind is None:
        ctx.add(f"{name} joins a {a.label} and a {b.label}; allowed: {_ALLOWED}; delete it", a.id)
        return None
    labels = item.get("labels") or []
    if not isinstance(labels, list) or any(label != kind for label in labels):
        ends = f"joins a {a.label} and a {b.label}, so it can only be {kind}"
        ctx.add(f"{name} is labelled {_show(labels)} but {ends}; fix its label", a.id)
    direction = item.get("direction")
    if direction not in ("right", "left", "bi", None):
        ctx.add(f"{name} has an unknown direction {_show(direction)}; redraw it", a.id)
    if kind == "continues":
        if direction == "left":
            source, target = b, a
        elif direction != "right":
            source, target = sorted((a, b), key=lambda region: region.key)
    return kind, source.id, target.id


def _sorted(regions: dict[str, _Region], label: str) -> list[_Region]:
    return sorted((r for r in regions.values() if r.label == label), key=lambda r: r.key)


def _span(region: _Region, *, with_id: bool = False) -> dict[str, Any]:
    span = {"start": region.start, "end": region.end, "text": region.text}
    return {"id": region.id, **span} if with_id else span


# (opening, closing) marks whose unpaired copies are trimmed from quote edges.
_MARK_PAIRS = (("“", "”"), ("«", "»"), ('"', '"'))


def trim_unpaired_marks(text: str) -> tuple[int, int]:
    """How many characters to drop from the start and the end of a quote's text."""
    head, tail = 0, len(text)
    for opening, closing in _MARK_PAIRS:
        part = text[head:tail]
        if opening == closing:
            unpaired = part.count(opening) % 2 == 1
            if unpaired and part.endswith(closing) and len(part) > 1:
                tail -= 1
            elif unpaired and part.startswith(opening) and len(part) > 1:
                head += 1
            continue
        if part.endswith(closing) and part.count(closing) > part.count(opening) and len(part) > 1:
            tail -= 1
        part = text[head:tail]
        if part.startswith(opening) and part.count(opening) > part.count(closing) and len(part) > 1:
            head += 1
    return head, len(text) - tail


def _quote_span(region: _Region) -> dict[str, Any]:
    head, tail = trim_unpaired_marks(region.text)
    text = region.text[head : len(region.text) - tail]
    return {"start": region.start + head, "end": region.end - tail, "text": text}


def _required(value: Any, name: str, rid: str, ctx: _Context) -> Any:
    if value is None:
        attribute = _ATTRIBUTES[name]
        how = "type it" if attribute.kind == "text" else f"choose {', '.join(attribute.values)}"
        ctx.add(f"{attribute.label} {rid} has no {name}; {how}", rid)
    return value


def _speakers(regions: dict[str, _Region], ctx: _Context) -> list[dict[str, Any]]:
    return [
        {
            **_span(region, with_id=True),
            "name": _required(region.attrs.get("speaker_name"), "speaker_name", region.id, ctx),
            "kind": _required(region.attrs.get("speaker_kind"), "speaker_kind", region.id, ctx),
        }
        for region in _sorted(regions, "SPEAKER")
    ]


def _initiatives(regions: dict[str, _Region], links: _Links, ctx: _Context) -> list[dict[str, Any]]:
    initiatives = []
    for region in _sorted(regions, "INITIATIVE"):
        status = _required(
            region.attrs.get("initiative_status"), "initiative_status", region.id, ctx
        )
        proponents = links["put_forward_by"].get(region.id, set())
        proponent_ids = sorted(proponents, key=lambda i: regions[i].key)
        initiatives.append(
            {**_span(region, with_id=True), "status": status, "proponent_ids": proponent_ids}
        )
    return initiatives


def _quotes(regions: dict[str, _Region], links: _Links, ctx: _Context) -> list[dict[str, Any]]:
    parts = _sorted(regions, "QUOTE")
    quotes = [_quote(chain, links, ctx) for chain in _chains(parts, links["continues"], ctx)]
    return sorted(quotes, key=lambda q: (q["spans"][0]["start"], q["spans"][0]["end"], q["id"]))


def _chains(
    parts: list[_Region], continues: dict[str, set[str]], ctx: _Context
) -> list[list[_Region]]:
    following: dict[str, str] = {}
    preceding: dict[str, str] = {}
    for first, then in sorted((first, then) for first, ts in continues.items() for then in ts):
        if first in following or then in preceding:
            ctx.add(f"quote part {first} or {then} continues in two ways; keep one chain", first)
            continue
        following[first], preceding[then] = then, first
    by_id = {part.id: part for part in parts}
    chains, placed = [], set()
    for head in (part for part in parts if part.id not in preceding):
        chain = [head]
        while chain[-1].id in following and following[chain[-1].id] not in placed:
            chain.append(by_id[following[chain[-1].id]])
            placed.add(chain[-1].id)
        placed.add(head.id)
        chains.append(chain)
    cycle = [part.id for part in parts if part.id not in placed]
    if cycle:
        ids = ", ".join(cycle)
        ctx.add(f"continues relations between {ids} form a cycle; delete one of them", cycle[0])
    return chains


def _agreed(pairs: Iterable[tuple[str, Any]], what: str, qid: str, ctx: _Context) -> Any:
    carriers: dict[Any, list[str]] = {}
    for part, value in pairs:
        if value is not None:
            carriers.setdefault(value, []).append(part)
    if len(carriers) > 1:
        listing = " vs ".join(f"{value} ({', '.join(ids)})" for value, ids in carriers.items())
        ctx.add(f"QUOTE {qid} has more than one {what}: {listing}; keep one", qid)
    return next(iter(carriers), None)


def _quote(chain: list[_Region], links: _Links, ctx: _Context) -> dict[str, Any]:
    qid = chain[0].id
    values = {
        name: _agreed(((r.id, r.attrs.get(name)) for r in chain), name, qid, ctx)
        for name in _QUOTE_ATTRIBUTES
    }
    said = ((r.id, s) for r in chain for s in sorted(links["said_by"].get(r.id, ())))
    cued = ((r.id, c) for r in chain for c in sorted(links["cued_by"].get(r.id, ())))
    speaker = _agreed(said, "speaker", qid, ctx)
    cue = _agreed(cued, "cue", qid, ctx)
    no_speaker = any(r.attrs.get("no_speaker") is True for r in chain)
    if any(part.id in ctx.near_broken for part in chain):
        ctx.near_broken.add(qid)
    _check_quote(qid, values, speaker, no_speaker, ctx)
    spans = [_quote_span(r) for r in chain]
    return {
        "id": qid,
        "spans": spans,
        "text": JOINER.join(span["text"] for span in spans),
        "quote_type": values["quote_type"],
        "speaker_id": speaker,
        "no_speaker": no_speaker,
        "cue_id": cue,
        "stance": values["stance"],
        "stance_target": values["stance_target"],
    }


def _check_quote(
    qid: str, values: dict[str, Any], speaker: str | None, no_speaker: bool, ctx: _Context
) -> None:
    _required(values["quote_type"], "quote_type", qid, ctx)
    _required(values["stance"], "stance", qid, ctx)
    if values["stance"] in _NEEDS_TARGET:
        _required(values["stance_target"], "stance_target", qid, ctx)
    flag = "'no identifiable speaker'"
    if speaker is None and not no_speaker and qid not in ctx.near_broken:
        ctx.add(f"QUOTE {qid} has no speaker; draw a said_by relation or tick {flag}", qid)
    if speaker is not None and no_speaker:
        ctx.add(f"QUOTE {qid} has a speaker ({speaker}) and {flag}; keep one", qid)


def _meta(data: Mapping[str, Any], text: str, ctx: _Context) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for name in _META_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            ctx.add(f"the task's {name} is {_kind(value)}, not text; re-import the article")
            value = None
        meta[name] = value or None
    boilerplate = data.get("boilerplate") or []
    meta["boilerplate"] = []
    for entry in boilerplate if isinstance(boilerplate, list) else [boilerplate]:
        start, end = (
            (entry.get("start"), entry.get("end")) if isinstance(entry, Mapping) else (0, 0)
        )
        if not (_is_int(start) and _is_int(end) and 0 <= start < end <= len(text)):
            ctx.add(f"the task's boilerplate entry {_show(entry)} is not a span of the text")
            continue
        meta["boilerplate"].append({"start": start, "end": end})
    return meta


def _annotator(value: object) -> int | str | None:
    if isinstance(value, Mapping):
        value = value.get("id") if _is_int(value.get("id")) else value.get("email")
    if _is_int(value):
        return value
    return value if isinstance(value, str) and value else None


def _provenance(
    task: Mapping[str, Any], annotation: Mapping[str, Any], project: ProjectRef | None
) -> dict[str, Any]:
    project_id = project.id if project else task.get("project")
    annotation_id, annotator = annotation.get("id"), _annotator(annotation.get("completed_by"))
    stamps = {name: annotation.get(name) for name in ("created_at", "updated_at")}
    return {
        "schema_version": SCHEMA_VERSION,
        "project_id": project_id if _is_int(project_id) else None,
        "project_title": project.title if project else None,
        "task_id": task.get("id") if _is_int(task.get("id")) else None,
        "annotation_ids": [annotation_id] if _is_int(annotation_id) else [],
        "annotator_ids": [] if annotator is None else [annotator],
        **{name: value if isinstance(value, str) else None for name, value in stamps.items()},
    }


def record_to_results(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Label Studio result items for a gold record: the inverse of `annotation_to_record`.

    Continued quotes become one region per span, joined by `continues` relations; the
    parts after the first get fresh ids. Attributes and relations sit on the first part.
    """
    taken = {
        r["id"] for name in ("speakers", "cues", "quotes", "initiatives") for r in record[name]
    }
    results: list[dict[str, Any]] = []
    for speaker in record["speakers"]:
        attrs = {"speaker_name": speaker["name"], "speaker_kind": speaker["kind"]}
        results += _region_items(speaker["id"], "SPEAKER", speaker, attrs)
    for cue in record["cues"]:
        results += _region_items(cue["id"], "CUE", cue, {})
    for quote in record["quotes"]:
        results += _quote_items(quote, taken)
    for initiative in record["initiatives"]:
        results += _region_items(
            initiative["id"], "INITIATIVE", initiative, {"initiative_status": initiative["status"]}
        )
        results += [
            _relation(initiative["id"], s, "put_forward_by") for s in initiative["proponent_ids"]
        ]
    return results


def _quote_items(quote: Mapping[str, Any], taken: set[str]) -> list[dict[str, Any]]:
    ids = [quote["id"]]
    for number in range(2, len(quote["spans"]) + 1):
        candidate = f"{quote['id']}-{number}"
        while candidate in taken:
            candidate += "x"
        taken.add(candidate)
        ids.append(candidate)
    attrs = {name: quote[name] for name in (*_QUOTE_ATTRIBUTES, "no_speaker")}
    items = _region_items(ids[0], "QUOTE", quote["spans"][0], attrs)
    for rid, span in zip(ids[1:], quote["spans"][1:], strict=True):
        items += _region_items(rid, "QUOTE", span, {})
    items += [_relation(first, then, "continues") for first, then in pairwise(ids)]
    for name, kind in (("speaker_id", "said_by"), ("cue_id", "cued_by")):
        if quote[name] is not None:
            items.append(_relation(ids[0], quote[name], kind))
    return items


def _region_items(
    rid: str, label: str, span: Mapping[str, Any], attrs: Mapping[str, Any]
) -> list[dict[str, Any]]:
    where = {"start": span["start"], "end": span["end"], "text": span["text"]}
    items = [_item(rid, LABELS_NAME, "labels", {**where, "labels": [label]})]
    for name, value in attrs.items():
        attribute = _ATTRIBUTES[name]
        if attribute.kind == "text" and value is not None:
            items.append(_item(rid, name, "textarea", {**where, "text": [value]}))
        elif attribute.kind == "flag" and value:
            items.append(_item(rid, name, "choices", {**where, "choices": [*attribute.values]}))
        elif attribute.kind == "choice" and value is not None:
            items.append(_item(rid, name, "choices", {**where, "choices": [value]}))
    return items


def _item(rid: str, name: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"id": rid, "from_name": name, "to_name": TEXT_NAME, "type": kind, "value": value}


def _relation(source: str, target: str, label: str) -> dict[str, Any]:
    return dict(type="relation", from_id=source, to_id=target, direction="right", labels=[label])
