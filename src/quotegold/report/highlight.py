"""An article's text as HTML with its spans highlighted, overlapping spans included.

A gold record's regions become marks (`record_marks`): each quote is followed by a badge with
its stance and a link to the mention of its speaker, each initiative by its status and links
to who put it forward. Region ids become HTML ids with `region_anchors`.

How it works, in more detail: docs/design.md, "report.highlight".
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape as html_escape
from typing import Any

from quotegold.dataset.rows import speaker_key
from quotegold.dataset.tokens import PRECEDENCE
from quotegold.gold.model import Cue, GoldRecord, Initiative, Quote, Speaker, regions_of
from quotegold.schema.formats import LAYER_KEYS, replace_controls


def escape(value: str, quote: bool = True) -> str:
    """`value` for an HTML page: escaped, and control characters (a NUL, an ESC) shown as
    spaces, one for one, so that offsets into an article's text still fit."""
    return html_escape(replace_controls(value)[0], quote=quote)


__all__ = ["Mark", "anchor_ids", "record_marks", "region_anchors", "render"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class Mark:
    """One highlighted span: `text[start:end]` in layer `layer`, drawn at depth `rank`."""

    start: int
    end: int
    layer: str
    rank: int
    attributes: tuple[tuple[str, str], ...] = ()
    anchor: str | None = None
    after: str = ""


def anchor_ids(prefix: str, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Unique HTML ids for (layer, region id) keys: `prefix-regionid`, made safe for a URL."""
    anchors: dict[tuple[str, str], str] = {}
    used: set[str] = set()
    for key in keys:
        if key in anchors:
            continue
        base = candidate = f"{prefix}-{_UNSAFE.sub('_', key[1])}"
        number = 2
        while candidate in used:
            candidate, number = f"{base}-{number}", number + 1
        anchors[key] = candidate
        used.add(candidate)
    return anchors


def _nested(marks: Iterable[Mark], length: int) -> list[Mark]:
    """The marks cut where they cross, in document order: outer before inner."""
    queue = [
        (mark.start, -mark.end, mark.rank, order, mark)
        for order, mark in enumerate(marks)
        if 0 <= mark.start < mark.end <= length
    ]
    heapq.heapify(queue)
    order = len(queue)
    stack: list[Mark] = []
    pieces: list[Mark] = []
    while queue:
        *_, mark = heapq.heappop(queue)
        while stack and stack[-1].end <= mark.start:
            stack.pop()
        if stack and mark.end > stack[-1].end:
            tail = replace(mark, start=stack[-1].end, anchor=None)
            heapq.heappush(queue, (tail.start, -tail.end, tail.rank, order, tail))
            order += 1
            mark = replace(mark, end=stack[-1].end, after="")
        pieces.append(mark)
        stack.append(mark)
    return pieces


def _open(mark: Mark) -> str:
    attributes = [("class", f"l-{_UNSAFE.sub('_', mark.layer)}"), *mark.attributes]
    if mark.anchor is not None:
        attributes.insert(0, ("id", mark.anchor))
    shown = "".join(f' {name}="{escape(value, quote=True)}"' for name, value in attributes)
    return f"<mark{shown}>"


def render(text: str, marks: Sequence[Mark]) -> str:
    """`text` as escaped HTML with every mark highlighted; the marks may overlap and cross."""
    out: list[str] = []
    position = 0
    stack: list[Mark] = []

    def close_to(limit: int) -> None:
        nonlocal position
        while stack and stack[-1].end <= limit:
            piece = stack.pop()
            out.append(escape(text[position : piece.end], quote=False) + "</mark>" + piece.after)
            position = piece.end

    for piece in _nested(marks, len(text)):
        close_to(piece.start)
        out.append(escape(text[position : piece.start], quote=False) + _open(piece))
        position = piece.start
        stack.append(piece)
    close_to(len(text))
    out.append(escape(text[position:], quote=False))
    return "".join(out)


# --- gold records ---------------------------------------------------------------------------

# Drawn outermost first: boilerplate, then the long layers, then the short ones inside them.
RANKS = {layer: rank for rank, layer in enumerate(("boilerplate", *reversed(PRECEDENCE)))}
STANCE_GLYPHS = {"support": "+", "oppose": "\u2212", "neutral": "="}


def region_anchors(prefix: str, record: GoldRecord) -> dict[tuple[str, str], str]:
    """The HTML id of every region of a record, keyed by (label, region id)."""
    keys = [(label, region["id"]) for label in LAYER_KEYS for region in regions_of(record, label)]
    return anchor_ids(prefix, keys)


def _name(speaker: Speaker) -> str:
    return " ".join(speaker["name"].split()) or speaker["text"]


def _said(
    quote: Quote, speakers: Mapping[str, Speaker], href: Mapping[tuple[str, str], str]
) -> str:
    """The badge after a quote: its stance, and a link to the mention of its speaker."""
    stance, target = quote["stance"], quote["stance_target"]
    position = f"{stance} \u2192 {target}" if target else f"{stance}, no target"
    glyph = STANCE_GLYPHS.get(stance, "\u00b7")
    classes = f"said st-{_UNSAFE.sub('_', stance)}"
    speaker = speakers.get(quote["speaker_id"] or "")
    if speaker is None:
        tip = escape(f"no identifiable speaker \u00b7 {position}", quote=True)
        return f'<sup class="{classes} none" title="{tip}">{glyph}\u202fno speaker</sup>'
    tip = escape(
        f"said by {_name(speaker)} ({speaker['kind']}) \u00b7 {position} \u00b7 "
        f"{quote['quote_type']}",
        quote=True,
    )
    link = href[("SPEAKER", speaker["id"])]
    shown = escape(_name(speaker), quote=False)
    return f'<sup class="{classes}"><a href="#{link}" title="{tip}">{glyph}\u202f{shown}</a></sup>'


def _put_forward(
    initiative: Initiative, speakers: Mapping[str, Speaker], href: Mapping[tuple[str, str], str]
) -> str:
    """The badge after an initiative: its status, and links to who put it forward."""
    # Two mentions of one speaker may both put it forward: name the speaker once.
    first: dict[tuple[str, str], str] = {}
    for sid in initiative["proponent_ids"]:
        if sid in speakers:
            first.setdefault(speaker_key(speakers[sid]), sid)
    links = [
        f'<a href="#{href[("SPEAKER", sid)]}">{escape(_name(speakers[sid]), quote=False)}</a>'
        for sid in first.values()
    ]
    by = f" by {', '.join(links)}" if links else ""
    return f'<sup class="by">{escape(initiative["status"], quote=False)}{by}</sup>'


def _region(label: str, region: Speaker | Cue | Initiative, title: str, **extra: Any) -> Mark:
    return Mark(
        region["start"],
        region["end"],
        label,
        RANKS[label],
        (("data-region", region["id"]), ("data-part", "0"), ("title", title)),
        **extra,
    )


def record_marks(record: GoldRecord, href: Mapping[tuple[str, str], str]) -> list[Mark]:
    """Every span of a gold record as a mark, with the badges of quotes and initiatives."""
    speakers = {speaker["id"]: speaker for speaker in record["speakers"]}
    marks = [
        Mark(b["start"], b["end"], "boilerplate", RANKS["boilerplate"], (("title", "boilerplate"),))
        for b in record["meta"].get("boilerplate", [])
    ]
    for s in record["speakers"]:
        title = f"SPEAKER {s['id']}: {_name(s)} ({s['kind']})"
        marks.append(_region("SPEAKER", s, title, anchor=href[("SPEAKER", s["id"])]))
    for c in record["cues"]:
        marks.append(_region("CUE", c, f"CUE {c['id']}", anchor=href[("CUE", c["id"])]))
    for i in record["initiatives"]:
        after = _put_forward(i, speakers, href)
        title = f"INITIATIVE {i['id']}: {i['status']}"
        marks.append(
            _region("INITIATIVE", i, title, anchor=href[("INITIATIVE", i["id"])], after=after)
        )
    for q in record["quotes"]:
        marks += _quote_marks(q, speakers, href)
    return marks


def _quote_marks(
    quote: Quote, speakers: Mapping[str, Speaker], href: Mapping[tuple[str, str], str]
) -> list[Mark]:
    target = quote["stance_target"] or "no target"
    speaker = speakers.get(quote["speaker_id"] or "")
    who = f"said by {_name(speaker)}" if speaker else "no speaker"
    title = f"QUOTE {quote['id']} ({quote['quote_type']}): {quote['stance']} \u2192 {target}, {who}"
    last = max(range(len(quote["spans"])), key=lambda index: quote["spans"][index]["end"])
    return [
        Mark(
            span["start"],
            span["end"],
            "QUOTE",
            RANKS["QUOTE"],
            (("data-region", quote["id"]), ("data-part", str(index)), ("title", title)),
            anchor=href[("QUOTE", quote["id"])] if index == 0 else None,
            after=_said(quote, speakers, href) if index == last else "",
        )
        for index, span in enumerate(quote["spans"])
    ]
