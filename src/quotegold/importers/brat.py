"""Read brat standoff (`NAME.txt` beside `NAME.ann`) into gold-record-shaped records.

What is read from an `.ann` file:

- `T` lines, text-bound annotations, with discontinuous spans (`T3\\tContent 0 5;9 20\\t…`):
  their offsets must lie in the text and their text must be the text's (fragments joined by
  a space, as brat writes them);
- `E` lines, events whose arguments tie roles (`E1\\tCue:T2 Source:T1 Content:T3`): the
  trigger and each argument are regions, linked by what their layers fit;
- `R` lines, relations between two regions (`R1\\tAttr Arg1:T3 Arg2:T1`);
- `A` lines, attributes of a region (`A1\\tType T3 Direct`).

A `BratMapping` says which brat types become SPEAKER, CUE, QUOTE and INITIATIVE; other
types are skipped and counted. Links become what the schema's relations are: a quote and a
speaker are `said_by` (the quote's `speaker_id`), a quote and a cue `cued_by` (`cue_id`),
and a discontinuous quote's fragments are the parts of one quote (`continues`).

Nothing is invented: a speaker's name and kind, a quote's stance, an initiative's status,
unless an attribute gives them, are null and listed under the record's `import.absent`;
training and evaluation skip what is absent. A quote's type may be derived from the
quotation marks around it (`import.derived`). Such records are imported gold, not gold
that `quotegold validate` accepts (that needs every attribute).

Several annotators: `.ann` files for one text in sub-folders (`DIR/ANNOTATOR/NAME.ann`
beside or under `DIR/NAME.txt`) become separate records, `NAME@ANNOTATOR`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotegold.errors import Issue, Location
from quotegold.schema.formats import JOINER

__all__ = ["LAYERS", "BratImport", "BratMapping", "read_brat_folder"]

LAYERS = ("SPEAKER", "CUE", "QUOTE", "INITIATIVE")
_MARKS = ('"', "“", "”", "«", "»", "''", "``")
_FRAGMENT = re.compile(r"^(\d+) (\d+)$")


@dataclass(frozen=True)
class BratMapping:
    """brat type → layer, brat attribute → (record field, value map)."""

    types: dict[str, str]
    # e.g. {"Type": ("quote_type", {"Direct": "direct", "Indirect": "indirect"})}
    attributes: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    derive_quote_type: bool = True


@dataclass
class _Region:
    brat_id: str
    layer: str
    spans: list[tuple[int, int]]
    attributes: dict[str, str] = field(default_factory=dict)
    speaker: str | None = None
    cue: str | None = None


@dataclass
class BratImport:
    """The records read, what was skipped (by brat type), and located problems."""

    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    issues: list[Issue] = field(default_factory=list)
    files: int = 0


def read_brat_folder(folder: Path, mapping: BratMapping) -> BratImport:
    """Every `.ann` file under `folder` with its text, as records."""
    result = BratImport()
    anns = sorted(folder.rglob("*.ann"))
    stems = Counter(path.stem for path in anns)
    for ann in anns:
        text_path = _text_for(ann, folder)
        where = Location(file=str(ann))
        if text_path is None:
            result.issues.append(Issue(where, f"no {ann.stem}.txt beside it or in {folder}"))
            continue
        text = text_path.read_text(encoding="utf-8")
        annotator = ann.parent.name if ann.parent != text_path.parent else None
        record_id = ann.stem if stems[ann.stem] == 1 else f"{ann.stem}@{annotator or 'main'}"
        record = _read_ann(ann, text, record_id, annotator, mapping, result)
        if record is not None:
            result.records.append(record)
            result.files += 1
    return result


def _text_for(ann: Path, folder: Path) -> Path | None:
    for base in (ann.parent, ann.parent.parent, folder):
        candidate = base / f"{ann.stem}.txt"
        if candidate.is_file():
            return candidate
    return None


def _read_ann(
    ann: Path,
    text: str,
    record_id: str,
    annotator: str | None,
    mapping: BratMapping,
    result: BratImport,
) -> dict[str, Any] | None:
    regions: dict[str, _Region] = {}
    links: list[tuple[str, str, int]] = []
    attributes: list[tuple[str, str, str, int]] = []
    before = len(result.issues)
    for number, line in enumerate(ann.read_text(encoding="utf-8").splitlines(), start=1):
        where = Location(file=str(ann), line=number)
        if not line.strip() or line[0] in "#N*":
            continue
        try:
            kind = line[0]
            if kind == "T":
                _text_bound(line, text, mapping, regions, result.skipped)
            elif kind == "E":
                links += _event(line, number)
            elif kind == "R":
                links += _relation(line, number)
            elif kind == "A" or kind == "M":
                attributes.append((*_attribute(line), number))
            else:
                raise ValueError(f"unknown annotation kind {kind!r}")
        except ValueError as exc:
            result.issues.append(Issue(where, f"{exc}; fix the line"))
    for first, second, _ in links:
        _link(regions, first, second)
    for target, name, value, _ in attributes:
        if target in regions:  # else an attribute of a skipped type
            regions[target].attributes[name] = value
    if len(result.issues) > before:
        return None
    return _record(record_id, text, annotator, regions, mapping, ann)


def _text_bound(
    line: str, text: str, mapping: BratMapping, regions: dict[str, _Region], skipped: Counter[str]
) -> None:
    parts = line.split("\t")
    if len(parts) < 2:
        raise ValueError("a T line needs an id, a type with offsets, and the text, tab-separated")
    brat_id, middle = parts[0], parts[1]
    given = parts[2] if len(parts) > 2 else None
    type_name, _, offsets = middle.partition(" ")
    spans = []
    for fragment in offsets.split(";"):
        found = _FRAGMENT.match(fragment.strip())
        if not found:
            raise ValueError(f"{brat_id}: offsets {offsets!r} are not 'start end[;start end]'")
        start, end = int(found.group(1)), int(found.group(2))
        if not 0 <= start < end <= len(text):
            raise ValueError(
                f"{brat_id}: span {start}-{end} is outside the text ({len(text)} characters)"
            )
        spans.append((start, end))
    if given is not None:
        actual = " ".join(text[start:end] for start, end in spans)
        if actual != given:
            raise ValueError(
                f"{brat_id}: the text at {offsets} is {actual[:40]!r}, not {given[:40]!r}"
            )
    layer = mapping.types.get(type_name)
    if layer is None:
        skipped[type_name] += 1
        return
    regions[brat_id] = _Region(brat_id, layer, spans)


def _arguments(fields: list[str], number: int) -> list[tuple[str, str]]:
    pairs = []
    for item in fields:
        role, sep, target = item.partition(":")
        if not sep or not target:
            raise ValueError(f"argument {item!r} is not ROLE:ID")
        pairs.append((role, target))
    return pairs


def _event(line: str, number: int) -> list[tuple[str, str, int]]:
    parts = line.split("\t")
    if len(parts) < 2:
        raise ValueError("an E line needs an id and TYPE:TRIGGER ROLE:ID …")
    arguments = _arguments(parts[1].split(), number)
    ids = [target for _, target in arguments]
    return [(a, b, number) for i, a in enumerate(ids) for b in ids[i + 1 :]]


def _relation(line: str, number: int) -> list[tuple[str, str, int]]:
    parts = line.split("\t")
    fields = parts[1].split() if len(parts) > 1 else []
    if len(fields) != 3:
        raise ValueError("an R line needs an id and TYPE Arg1:ID Arg2:ID")
    (_, first), (_, second) = _arguments(fields[1:], number)
    return [(first, second, number)]


def _attribute(line: str) -> tuple[str, str, str]:
    parts = line.split("\t")
    fields = parts[1].split() if len(parts) > 1 else []
    if len(fields) not in (2, 3):
        raise ValueError("an A line needs an id and NAME TARGET [VALUE]")
    return fields[1], fields[0], fields[2] if len(fields) == 3 else "true"


def _link(regions: dict[str, _Region], first: str, second: str) -> None:
    a, b = regions.get(first), regions.get(second)
    if a is None or b is None:
        return  # a skipped type, or an event trigger that is no region
    if b.layer == "QUOTE":
        a, b = b, a
    if a.layer != "QUOTE":
        return
    if b.layer == "SPEAKER":
        a.speaker = b.brat_id
    elif b.layer == "CUE":
        a.cue = b.brat_id
    elif b.layer == "QUOTE" and a is not b:
        # Two quote regions linked: the later one continues the earlier.
        head, tail = sorted((a, b), key=lambda region: region.spans[0])
        head.spans = sorted(head.spans + tail.spans)
        tail.spans = []
        if head.speaker is None:
            head.speaker = tail.speaker
        if head.cue is None:
            head.cue = tail.cue


def _span(text: str, start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text[start:end]}


def _quote_type(text: str, spans: list[tuple[int, int]]) -> str:
    before = text[: spans[0][0]].rstrip()
    after = text[spans[-1][1] :].lstrip()
    if before.endswith(_MARKS) and after.startswith(_MARKS):
        return "direct"
    inner = " ".join(text[s:e] for s, e in spans)
    return "mixed" if any(mark in inner for mark in _MARKS) else "indirect"


def _mapped(region: _Region, mapping: BratMapping, name: str) -> str | None:
    for brat_name, (field_name, values) in mapping.attributes.items():
        if field_name == name and brat_name in region.attributes:
            value = region.attributes[brat_name]
            return values.get(value, value)
    return None


def _record(
    record_id: str,
    text: str,
    annotator: str | None,
    regions: dict[str, _Region],
    mapping: BratMapping,
    ann: Path,
) -> dict[str, Any]:
    ids: dict[str, str] = {}
    absent: set[str] = set()
    derived: set[str] = set()
    record: dict[str, Any] = {
        "id": record_id,
        "text": text,
        "meta": {
            "title": None,
            "url": None,
            "source": str(ann),
            "published": None,
            "boilerplate": [],
        },
        "speakers": [],
        "cues": [],
        "quotes": [],
        "initiatives": [],
        "provenance": {
            "schema_version": "brat",
            "project_id": None,
            "project_title": None,
            "task_id": None,
            "annotation_ids": [],
            "annotator_ids": [annotator or "brat"],
            "created_at": None,
            "updated_at": None,
        },
    }
    ordered = sorted((r for r in regions.values() if r.spans), key=lambda r: r.spans[0])
    for region in ordered:
        if region.layer in ("SPEAKER", "CUE", "INITIATIVE") and len(region.spans) > 1:
            region.spans = [(region.spans[0][0], region.spans[-1][1])]
    for layer, key, prefix in (("SPEAKER", "speakers", "s"), ("CUE", "cues", "c")):
        for region in (r for r in ordered if r.layer == layer):
            rid = ids[region.brat_id] = f"{prefix}{len(record[key]) + 1}"
            start, end = region.spans[0]
            item: dict[str, Any] = {"id": rid, **_span(text, start, end)}
            if layer == "SPEAKER":
                item["name"] = _mapped(region, mapping, "name")
                item["kind"] = _mapped(region, mapping, "kind")
                absent.update(f"speakers.{k}" for k in ("name", "kind") if item[k] is None)
            record[key].append(item)
    for region in (r for r in ordered if r.layer == "QUOTE"):
        rid = f"q{len(record['quotes']) + 1}"
        spans = [_span(text, s, e) for s, e in region.spans]
        quote_type = _mapped(region, mapping, "quote_type")
        if quote_type is None and mapping.derive_quote_type:
            quote_type = _quote_type(text, region.spans)
            derived.add("quotes.quote_type")
        stance = _mapped(region, mapping, "stance")
        target = _mapped(region, mapping, "stance_target")
        absent.update(
            f"quotes.{k}"
            for k, v in (("stance", stance), ("stance_target", target), ("quote_type", quote_type))
            if v is None
        )
        record["quotes"].append(
            {
                "id": rid,
                "spans": spans,
                "text": JOINER.join(span["text"] for span in spans),
                "quote_type": quote_type,
                "speaker_id": ids.get(region.speaker) if region.speaker else None,
                "no_speaker": False,
                "cue_id": ids.get(region.cue) if region.cue else None,
                "stance": stance,
                "stance_target": target,
            }
        )
    for region in (r for r in ordered if r.layer == "INITIATIVE"):
        start, end = region.spans[0]
        status = _mapped(region, mapping, "status")
        if status is None:
            absent.add("initiatives.status")
        record["initiatives"].append(
            {
                "id": f"i{len(record['initiatives']) + 1}",
                **_span(text, start, end),
                "status": status,
                "proponent_ids": [],
            }
        )
    if "INITIATIVE" not in mapping.types.values():
        del record["initiatives"]  # not annotated at all: absent, not "none here"
        absent.add("initiatives")
    record["import"] = {"format": "brat", "absent": sorted(absent), "derived": sorted(derived)}
    return record
