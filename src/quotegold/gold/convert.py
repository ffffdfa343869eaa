"""Turn one Label Studio annotation into one gold record (`quotegold.gold.results` goes back).

Regions, per-region attributes and relations are joined by region id; spans keep exact
Python offsets; problems become located issues, never a half-made record.

How it works, in more detail: docs/design.md, "gold.convert".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from quotegold.errors import Issue
from quotegold.gold.model import (
    Annotation,
    ArticleMeta,
    BoilerplateRange,
    Cue,
    GoldRecord,
    Initiative,
    Provenance,
    Quote,
    Span,
    Speaker,
    Task,
    TaskData,
)
from quotegold.gold.regions import (
    QUOTE_ATTRIBUTES,
    Context,
    Region,
    id_of,
    is_int,
    kind_of,
    parse_result,
    show,
)
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import RELATIONS, AnnotationSchema
from quotegold.schema.formats import JOINER, TEXT_NAME, strip_controls

_PAIRS = {(relation.source, relation.target): relation.value for relation in RELATIONS}
_ALLOWED = ", ".join(f"{r.source}-{r.target} ({r.value})" for r in RELATIONS)
_NEEDS_TARGET = ("support", "oppose")
_LINKED = ("speaker", "cue")  # what `_agreed` lists by region


@dataclass(frozen=True)
class ProjectRef:
    """The Label Studio project an annotation comes from, recorded in the provenance."""

    id: int | None
    title: str | None


# Resolved relations: kind → source region id → target region ids.
_Links = dict[str, dict[str, set[str]]]


def annotation_to_record(
    task: Task,
    annotation: Annotation,
    *,
    project: ProjectRef | None = None,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> tuple[GoldRecord | None, list[Issue]]:
    """Convert one annotation of one task into a gold record, with located issues.

    `schema` is the one the project's annotators were shown: choices outside its lists are
    issues, and the record's provenance carries its version. The record is `None` when the
    task has no text or article id, or when any span's offsets do not match the text. It is
    gold only when the issue list is empty: until then a field may hold what the annotation
    gave instead (a missing name is None).
    """
    ctx = Context(id_of(task), id_of(annotation), schema)
    data = task.get("data") if isinstance(task, Mapping) else None
    if not isinstance(data, Mapping):
        ctx.fail("the task has no 'data' object; export the project again as JSON")
        return None, ctx.issues
    text, article_id = _text_and_id(data, ctx)
    result = annotation.get("result") if isinstance(annotation, Mapping) else None
    if not isinstance(result, list):
        ctx.fail(f"the annotation's result is {kind_of(result)}, not a list; export it again")
        return None, ctx.issues
    if text is None or article_id is None:
        return None, ctx.issues
    regions, broken, relations = parse_result(result, text, ctx)
    links = _resolve_relations(relations, regions, broken, ctx)
    record: GoldRecord = {
        "id": article_id,
        "text": text,
        "meta": _meta(data, text, ctx),
        "speakers": _speakers(regions, ctx),
        "cues": [_cue(region) for region in _sorted(regions, "CUE")],
        "quotes": _quotes(regions, links, ctx),
        "initiatives": _initiatives(regions, links, ctx),
        "provenance": _provenance(task, annotation, project, schema.version),
    }
    return (None if ctx.broken else record), ctx.issues


def _text_and_id(data: TaskData, ctx: Context) -> tuple[str | None, str | None]:
    text = data.get(TEXT_NAME)
    if not isinstance(text, str) or not text:
        ctx.fail(f"the task's data has no '{TEXT_NAME}'; re-import the article with quotegold")
        text = None
    article_id = data.get("article_id")
    if is_int(article_id):
        article_id = str(article_id)
    if not isinstance(article_id, str) or not article_id:
        ctx.fail("the task's data has no 'article_id'; re-import the article with quotegold")
        article_id = None
    return text, article_id


def _resolve_relations(
    items: list[Mapping[str, Any]], regions: dict[str, Region], broken: set[str], ctx: Context
) -> _Links:
    links: _Links = {relation.value: {} for relation in RELATIONS}
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


def _end(rid: object, regions: dict[str, Region], broken: set[str], ctx: Context) -> Region | None:
    if isinstance(rid, str) and rid in regions:
        return regions[rid]
    if not (isinstance(rid, str) and rid in broken):  # a broken region has its own issue
        where = rid if isinstance(rid, str) else None
        ctx.add(f"a relation points at region {show(rid)}, which does not exist; delete it", where)
    return None


def _pair(
    a: Region, b: Region, item: Mapping[str, Any], ctx: Context
) -> tuple[str, str, str] | None:
    name = f"the relation {ctx.name(a.id)} → {ctx.name(b.id)}"
    if a is b:
        ctx.add(f"{name} links a region to itself; delete it", a.id)
        return None
    kind = _PAIRS.get((a.label, b.label))
    source, target = (a, b) if kind else (b, a)
    kind = kind or _PAIRS.get((b.label, a.label))
    if kind is None:
        ctx.add(f"{name} joins a {a.label} and a {b.label}; allowed: {_ALLOWED}; delete it", a.id)
        return None
    # A relation's label may be left out: its ends say what it is.
    labels = item.get("labels") or []
    if not isinstance(labels, list) or any(label != kind for label in labels):
        ends = f"joins a {a.label} and a {b.label}, so it can only be {kind}"
        ctx.add(f"{name} is labelled {show(labels)} but {ends}; fix or clear its label", a.id)
    direction = item.get("direction")
    if direction not in ("right", "left", "bi", None):
        ctx.add(f"{name} has an unknown direction {show(direction)}; redraw it", a.id)
    if kind == "continues":
        if direction == "left":
            source, target = b, a
        elif direction != "right":
            source, target = sorted((a, b), key=lambda region: region.key)
    return kind, source.id, target.id


def _sorted(regions: dict[str, Region], label: str) -> list[Region]:
    return sorted((r for r in regions.values() if r.label == label), key=lambda r: r.key)


def _cue(region: Region) -> Cue:
    return {"id": region.id, "start": region.start, "end": region.end, "text": region.text}


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


def _quote_span(region: Region) -> Span:
    head, tail = trim_unpaired_marks(region.text)
    text = region.text[head : len(region.text) - tail]
    return {"start": region.start + head, "end": region.end - tail, "text": text}


def _required(value: Any, name: str, rid: str, ctx: Context) -> Any:
    if value is None:
        attribute = ctx.schema.attribute(name)
        how = "type it" if attribute.kind == "text" else f"choose {', '.join(attribute.values)}"
        ctx.add(f"{ctx.name(rid)} has no {attribute.noun}; select it and {how}", rid)
    return value


def _speakers(regions: dict[str, Region], ctx: Context) -> list[Speaker]:
    return [
        {
            "id": region.id,
            "start": region.start,
            "end": region.end,
            "text": region.text,
            "name": _clean(
                _required(region.attrs.get("speaker_name"), "speaker_name", region.id, ctx)
            ),
            "kind": _required(region.attrs.get("speaker_kind"), "speaker_kind", region.id, ctx),
        }
        for region in _sorted(regions, "SPEAKER")
    ]


def _initiatives(regions: dict[str, Region], links: _Links, ctx: Context) -> list[Initiative]:
    initiatives: list[Initiative] = []
    for region in _sorted(regions, "INITIATIVE"):
        status = _required(
            region.attrs.get("initiative_status"), "initiative_status", region.id, ctx
        )
        proponents = links["put_forward_by"].get(region.id, set())
        proponent_ids = sorted(proponents, key=lambda i: regions[i].key)
        initiatives.append(
            {
                "id": region.id,
                "start": region.start,
                "end": region.end,
                "text": region.text,
                "status": status,
                "proponent_ids": proponent_ids,
            }
        )
    return initiatives


def _quotes(regions: dict[str, Region], links: _Links, ctx: Context) -> list[Quote]:
    parts = _sorted(regions, "QUOTE")
    quotes = [_quote(chain, links, ctx) for chain in _chains(parts, links["continues"], ctx)]
    return sorted(quotes, key=lambda q: (q["spans"][0]["start"], q["spans"][0]["end"], q["id"]))


def _chains(
    parts: list[Region], continues: dict[str, set[str]], ctx: Context
) -> list[list[Region]]:
    following: dict[str, str] = {}
    preceding: dict[str, str] = {}
    for first, then in sorted((first, then) for first, ts in continues.items() for then in ts):
        if first in following or then in preceding:
            ends = f"{ctx.name(first)} or {ctx.name(then)}"
            ctx.add(f"quote part {ends} continues in two ways; keep one chain", first)
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
        names = ", ".join(map(ctx.name, cycle))
        ctx.add(f"continues relations between {names} form a cycle; delete one of them", cycle[0])
    return chains


def _agreed(pairs: Iterable[tuple[str, Any]], what: str, qid: str, ctx: Context) -> Any:
    carriers: dict[Any, list[str]] = {}
    for part, value in pairs:
        if value is not None:
            carriers.setdefault(value, []).append(part)
    if len(carriers) > 1:
        listing = " vs ".join(
            f"{ctx.name(value) if what in _LINKED else value} ({', '.join(map(ctx.name, ids))})"
            for value, ids in carriers.items()
        )
        ctx.add(f"{ctx.name(qid)} has more than one {what}: {listing}; keep one", qid)
    return next(iter(carriers), None)


def _quote(chain: list[Region], links: _Links, ctx: Context) -> Quote:
    qid = chain[0].id
    values = {
        name: _agreed(
            ((r.id, r.attrs.get(name)) for r in chain), ctx.schema.attribute(name).noun, qid, ctx
        )
        for name in QUOTE_ATTRIBUTES
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
    qid: str, values: dict[str, Any], speaker: str | None, no_speaker: bool, ctx: Context
) -> None:
    _required(values["quote_type"], "quote_type", qid, ctx)
    _required(values["stance"], "stance", qid, ctx)
    stance, targets = values["stance"], ctx.schema.attribute("stance_target").values
    if stance in _NEEDS_TARGET and values["stance_target"] is None:
        # Not `required` in the labelling config: it cannot say "only for support or oppose".
        ctx.add(
            f"{ctx.name(qid)} has the stance {stance} but no stance target, which a support "
            f"or oppose stance needs; select it and choose {', '.join(targets)} (or make the "
            "stance neutral)",
            qid,
        )
    flag = "'no identifiable speaker'"
    name = ctx.name(qid)
    if speaker is None and not no_speaker and qid not in ctx.near_broken:
        ctx.add(
            f"{name} has no speaker; select it, press Alt+R and click its SPEAKER (a said_by "
            f"relation), or tick {flag} when the text names no one",
            qid,
        )
    if speaker is not None and no_speaker:
        ctx.add(f"{name} has a speaker ({ctx.name(speaker)}) and {flag}; keep one", qid)


def _meta(data: TaskData, text: str, ctx: Context) -> ArticleMeta:
    # In this order: each field's issue comes before the boilerplate's.
    meta: ArticleMeta = {
        "title": _meta_text(data, "title", ctx),
        "url": _meta_text(data, "url", ctx),
        "source": _meta_text(data, "source", ctx),
        "published": _meta_text(data, "published", ctx),
        "boilerplate": _boilerplate(data, text, ctx),
    }
    # Only when given, so records of articles without them stay as they were.
    license, split = _meta_text(data, "license", ctx), _meta_text(data, "split", ctx)
    if license is not None:
        meta["license"] = license
    if split is not None:
        meta["split"] = split
    return meta


def _meta_text(data: TaskData, name: str, ctx: Context) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        ctx.add(f"the task's {name} is {kind_of(value)}, not text; re-import the article")
        value = None
    return _clean(value) or None


def _clean(value: Any) -> Any:
    """Text without control characters (one rule for every short field), else as it is."""
    return strip_controls(value) if isinstance(value, str) else value


def _boilerplate(data: TaskData, text: str, ctx: Context) -> list[BoilerplateRange]:
    # Read as untyped JSON: a hand-made task may hold one entry, or anything else.
    boilerplate: object = data.get("boilerplate") or []
    ranges: list[BoilerplateRange] = []
    for entry in boilerplate if isinstance(boilerplate, list) else [boilerplate]:
        start, end = (
            (entry.get("start"), entry.get("end")) if isinstance(entry, Mapping) else (0, 0)
        )
        if not (is_int(start) and is_int(end) and 0 <= start < end <= len(text)):
            ctx.add(f"the task's boilerplate entry {show(entry)} is not a span of the text")
            continue
        ranges.append({"start": start, "end": end})
    return ranges


def _annotator(value: object) -> int | str | None:
    if isinstance(value, Mapping):
        value = value.get("id") if is_int(value.get("id")) else value.get("email")
    if is_int(value):
        return value
    return value if isinstance(value, str) and value else None


def _provenance(
    task: Task, annotation: Annotation, project: ProjectRef | None, version: str
) -> Provenance:
    project_id = project.id if project else task.get("project")
    annotation_id, annotator = annotation.get("id"), _annotator(annotation.get("completed_by"))
    return {
        "schema_version": version,
        "project_id": project_id if is_int(project_id) else None,
        "project_title": project.title if project else None,
        "task_id": task.get("id") if is_int(task.get("id")) else None,
        "annotation_ids": [annotation_id] if is_int(annotation_id) else [],
        "annotator_ids": [] if annotator is None else [annotator],
        "created_at": _stamp(annotation.get("created_at")),
        "updated_at": _stamp(annotation.get("updated_at")),
    }


def _stamp(value: object) -> str | None:
    return value if isinstance(value, str) else None
