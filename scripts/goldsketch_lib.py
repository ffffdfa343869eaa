"""The logic of scripts/goldsketch: gold records from hand-written sketches, and back.

A sketch is one JSON file per article, `<dir>/<article id>.json`, whose regions are anchored
by their text instead of character offsets:

    {"id": "wn-...",
     "speakers": [{"id": "s1", "text": "Prime Minister Boris Johnson", "name": "Boris Johnson",
                   "kind": "person"}],
     "cues": [{"id": "c1", "text": "said", "in": "Johnson said on Monday"}],
     "quotes": [{"id": "q1", "spans": [{"text": "We will leave"}], "type": "direct",
                 "speaker": "s1", "cue": "c1", "no_speaker": false,
                 "stance": "support", "target": "governance"}],
     "initiatives": [{"id": "i1", "text": "Green New Deal", "status": "proposed", "by": ["s1"]}],
     "notes": "free text"}

Anchors (`resolve_anchor`, the one rule for every region and quote span): `text` alone must
occur exactly once in the article; otherwise give `in`, a context that occurs exactly once
in the article and holds `text` exactly once, or `at`, the 1-based occurrence of `text` (with
`in`, the occurrence inside the context). Matching is exact (offsets are Python str indices,
i.e. code points, into the text as quotegold's ingest normalises it); a near miss (other
spaces, quotation marks, dashes or case) is reported with the exact text to copy.

A quote with one span may give `text`/`in`/`at` directly instead of `spans`. A sketch may
carry `created_at` (from-gold keeps it) so that editing old gold keeps its creation date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT / "src") not in sys.path:  # run from a clone without an installed quotegold
    sys.path.insert(0, str(_ROOT / "src"))

from quotegold.articles.ingest import Article, read_articles  # noqa: E402
from quotegold.errors import QuotegoldError  # noqa: E402
from quotegold.gold.validate import validator_for  # noqa: E402
from quotegold.preannotate.record import empty_record  # noqa: E402
from quotegold.schema.defaults import DEFAULT_SCHEMA  # noqa: E402
from quotegold.schema.definition import AnnotationSchema  # noqa: E402
from quotegold.schema.formats import JOINER  # noqa: E402
from quotegold.schema.projectfile import find_project_file  # noqa: E402

__all__ = [
    "ANNOTATOR",
    "Anchor",
    "AnchorError",
    "BuildResult",
    "Problem",
    "anchor_for",
    "build_record",
    "main",
    "occurrences",
    "record_to_sketch",
    "render_inline",
    "resolve_anchor",
]

ANNOTATOR = "quotegold-team"
REGION_LISTS = ("speakers", "cues", "quotes", "initiatives")
_SKETCH_KEYS = frozenset({"id", "notes", "created_at", *REGION_LISTS})
_ANCHOR_KEYS = frozenset({"text", "in", "at"})
_REGION_KEYS = {
    "speakers": frozenset({"id", "name", "kind", *_ANCHOR_KEYS}),
    "cues": frozenset({"id", *_ANCHOR_KEYS}),
    "quotes": frozenset(
        {"id", "spans", "type", "speaker", "cue", "no_speaker", "stance", "target", *_ANCHOR_KEYS}
    ),
    "initiatives": frozenset({"id", "status", "by", *_ANCHOR_KEYS}),
}
_ID_PREFIX = {"speakers": "s", "cues": "c", "quotes": "q", "initiatives": "i"}
# Double quotation marks, straight, curly, low, guillemets and double prime (escaped, as
# some look like other characters); single marks double as apostrophes.
_QUOTE_MARKS = '"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u2033'
_SINGLE_MARKS = "'\u2018\u2019\u201a\u201b\u2032`"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015"
_LABEL_STUDIO_FIX = "; fix the gold record, or fix the annotation in Label Studio and export again"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_MAX_CONTEXT_WORDS = 40


# -- problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One located problem: an error refuses the record, a warning only asks for a look."""

    file: str
    region: str | None
    message: str
    error: bool = True

    def __str__(self) -> str:
        where = self.file if self.region is None else f"{self.file}, region {self.region}"
        return f"{'error' if self.error else 'warning'}: {where}: {self.message}"


class AnchorError(Exception):
    """An anchor that names no region, or more than one."""


class SketchError(Exception):
    """A sketch or gold file that cannot be read at all."""


# -- anchors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """A region given by its text, with an optional context (`in`) or occurrence (`at`)."""

    text: str
    context: str | None = None
    at: int | None = None


def occurrences(haystack: str, needle: str) -> list[int]:
    """Every start index of `needle` in `haystack`, overlapping ones included."""
    found: list[int] = []
    index = haystack.find(needle)
    while index >= 0 and needle:
        found.append(index)
        index = haystack.find(needle, index + 1)
    return found


def _show(text: str, limit: int = 70) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(shown, ensure_ascii=False)


def _loose_pattern(needle: str) -> re.Pattern[str]:
    """A pattern that also matches other spacing, quotation marks, dashes and case."""
    parts: list[str] = []
    for char in needle:
        if char.isspace():
            if not parts or parts[-1] != r"\s+":
                parts.append(r"\s+")
        elif char in _QUOTE_MARKS:
            parts.append(f"[{re.escape(_QUOTE_MARKS)}]")
        elif char in _SINGLE_MARKS:
            parts.append(f"[{re.escape(_SINGLE_MARKS)}]")
        elif char in _DASHES:
            parts.append(rf"\s*[{re.escape(_DASHES)}]\s*")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE)


def _near_miss(text: str, needle: str) -> str:
    match = _loose_pattern(needle).search(text)
    if match is None:
        return (
            "copy it exactly from the article text (quotegold's normalised text: "
            "`goldsketch show` prints it)"
        )
    return (
        f"the article has {_show(match.group(), 200)} (other spaces, quotation marks, dashes "
        "or case); copy that exactly"
    )


def _context_hint(text: str, start: int, end: int) -> str:
    """`"in": "…"` for one occurrence, as a hint in a message."""
    anchor = anchor_for(text, start, end)
    if "in" in anchor:
        return f'"in": {_show(anchor["in"], 100)}'
    return f'"at": {anchor.get("at", 1)}'


def resolve_anchor(text: str, anchor: Anchor) -> tuple[int, int]:
    """The (start, end) of the one region `anchor` names in `text`; AnchorError otherwise."""
    needle = anchor.text
    if not needle:
        raise AnchorError('"text" is empty; give the words of the region')
    if anchor.at is not None and anchor.at < 1:
        raise AnchorError(f'"at" is {anchor.at}; occurrences count from 1')
    if anchor.context is not None:
        return _resolve_in_context(text, anchor, anchor.context)
    hits = occurrences(text, needle)
    if not hits:
        raise AnchorError(f"{_show(needle)} is not in the article text; {_near_miss(text, needle)}")
    if anchor.at is not None:
        if anchor.at > len(hits):
            raise AnchorError(
                f'"at" is {anchor.at} but {_show(needle)} occurs {_times(len(hits))} in the '
                'article; fix the number, or use "in" with a few surrounding words'
            )
        start = hits[anchor.at - 1]
        return start, start + len(needle)
    if len(hits) > 1:
        examples = "; ".join(
            f"#{number}: {_context_hint(text, hit, hit + len(needle))}"
            for number, hit in enumerate(hits[:4], start=1)
        )
        more = f" (and {len(hits) - 4} more)" if len(hits) > 4 else ""
        raise AnchorError(
            f'{_show(needle)} occurs {_times(len(hits))}; add "in" with a few surrounding '
            f'words, or "at" (1-based occurrence). Unique contexts: {examples}{more}'
        )
    return hits[0], hits[0] + len(needle)


def _resolve_in_context(text: str, anchor: Anchor, context: str) -> tuple[int, int]:
    needle = anchor.text
    if not context:
        raise AnchorError('"in" is empty; give a few words around the region, or drop it')
    spots = occurrences(text, context)
    if not spots:
        raise AnchorError(
            f'the "in" context {_show(context)} is not in the article text; '
            f"{_near_miss(text, context)}"
        )
    if len(spots) > 1:
        raise AnchorError(
            f'the "in" context {_show(context)} occurs {_times(len(spots))}; add words to it '
            "until it occurs once"
        )
    inner = occurrences(context, needle)
    if not inner:
        raise AnchorError(
            f'{_show(needle)} is not inside its "in" context {_show(context)}; '
            f"{_near_miss(context, needle)}"
        )
    if anchor.at is not None:
        if anchor.at > len(inner):
            raise AnchorError(
                f'"at" is {anchor.at} but {_show(needle)} occurs {_times(len(inner))} inside '
                f'its "in" context; fix the number'
            )
        offset = inner[anchor.at - 1]
    elif len(inner) > 1:
        raise AnchorError(
            f'{_show(needle)} occurs {_times(len(inner))} inside its "in" context '
            f'{_show(context)}; narrow the context, or add "at" (occurrence inside the context)'
        )
    else:
        offset = inner[0]
    start = spots[0] + offset
    return start, start + len(needle)


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _word_starts_before(text: str, start: int, limit: int) -> list[int]:
    found: list[int] = []
    index = start - 1
    while index >= 0 and len(found) < limit:
        if not text[index].isspace() and (index == 0 or text[index - 1].isspace()):
            found.append(index)
        index -= 1
    return found


def _word_ends_after(text: str, end: int, limit: int) -> list[int]:
    found: list[int] = []
    index = end + 1
    while index <= len(text) and len(found) < limit:
        if not text[index - 1].isspace() and (index == len(text) or text[index].isspace()):
            found.append(index)
        index += 1
    return found


def anchor_for(text: str, start: int, end: int) -> dict[str, Any]:
    """The shortest anchor of text[start:end]: the text alone when it is unique, else the
    smallest unique window of whole words around it as `in`, else `at`."""
    needle = text[start:end]
    hits = occurrences(text, needle)
    if len(hits) == 1:
        return {"text": needle}
    lefts = [start, *_word_starts_before(text, start, _MAX_CONTEXT_WORDS)]
    rights = [end, *_word_ends_after(text, end, _MAX_CONTEXT_WORDS)]
    newlines = needle.count("\n")
    for allow_newlines in (False, True):
        for added in range(1, len(lefts) + len(rights) - 1):
            # Balanced windows first, then ones that reach further right ("X said").
            splits = sorted(
                range(max(0, added - len(rights) + 1), min(added, len(lefts) - 1) + 1),
                key=lambda left: (abs(2 * left - added), left),
            )
            for left in splits:
                low, high = lefts[left], rights[added - left]
                context = text[low:high]
                if not allow_newlines and context.count("\n") > newlines:
                    continue
                if len(occurrences(context, needle)) == 1 and len(occurrences(text, context)) == 1:
                    return {"text": needle, "in": context}
    return {"text": needle, "at": hits.index(start) + 1}


# -- sketch -> gold ------------------------------------------------------------------------


@dataclass
class BuildResult:
    """A built record (None when the sketch could not be read) and its problems."""

    record: dict[str, Any] | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.record is not None and not any(p.error for p in self.problems)


class _Builder:
    def __init__(
        self, sketch: dict[str, Any], article: Article, file: str, schema: AnnotationSchema
    ) -> None:
        self.sketch, self.article, self.file, self.schema = sketch, article, file, schema
        self.text = article.text
        self.problems: list[Problem] = []

    def error(self, region: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, region, message))

    def warn(self, region: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, region, message, error=False))

    def regions(self, name: str) -> list[dict[str, Any]]:
        value = self.sketch.get(name, [])
        if not isinstance(value, list):
            self.error(None, f'"{name}" must be a list of regions, not {_kind(value)}')
            return []
        kept: list[dict[str, Any]] = []
        for number, region in enumerate(value, start=1):
            if not isinstance(region, dict):
                self.error(None, f'item {number} of "{name}" is {_kind(region)}, not an object')
                continue
            rid = region.get("id")
            if not isinstance(rid, str) or not rid:
                prefix = _ID_PREFIX[name]
                self.error(
                    None, f'item {number} of "{name}" has no "id"; give one like "{prefix}1"'
                )
                continue
            unknown = sorted(set(region) - _REGION_KEYS[name])
            if unknown:
                allowed = ", ".join(sorted(_REGION_KEYS[name]))
                self.error(rid, f"unknown key(s) {', '.join(unknown)}; allowed: {allowed}")
            kept.append(region)
        return kept

    def span(self, spec: dict[str, Any], rid: str, what: str) -> dict[str, Any] | None:
        text, context, at = spec.get("text"), spec.get("in"), spec.get("at")
        if not isinstance(text, str):
            self.error(rid, f'{what} needs "text": the exact words of the region')
            return None
        if context is not None and not isinstance(context, str):
            self.error(rid, f'"in" of {what} must be a string')
            return None
        if at is not None and (not isinstance(at, int) or isinstance(at, bool)):
            self.error(rid, f'"at" of {what} must be a whole number (1 for the first occurrence)')
            return None
        try:
            start, end = resolve_anchor(self.text, Anchor(text, context, at))
        except AnchorError as exc:
            self.error(rid, f"{what}: {exc}")
            return None
        if text != text.strip():
            self.warn(rid, f"{what} {_show(text)} starts or ends with whitespace; trim it")
        for item in self.article.boilerplate:
            if start < item.end and item.start < end:
                self.warn(rid, f"{what} lies in inserted boilerplate; do not mark it")
        return {"start": start, "end": end, "text": text}

    def build(self, date: str, annotator: str) -> dict[str, Any]:
        sketch, article = self.sketch, self.article
        unknown = sorted(set(sketch) - _SKETCH_KEYS)
        if unknown:
            allowed = ", ".join(sorted(_SKETCH_KEYS))
            self.error(None, f"unknown top-level key(s) {', '.join(unknown)}; allowed: {allowed}")
        speakers = [s for s in map(self.speaker, self.regions("speakers")) if s]
        cues = [c for c in map(self.cue, self.regions("cues")) if c]
        quotes = [q for q in map(self.quote, self.regions("quotes")) if q]
        initiatives = [i for i in map(self.initiative, self.regions("initiatives")) if i]
        created = sketch.get("created_at")
        if created is not None and not isinstance(created, str):
            self.error(None, '"created_at" must be a timestamp string like "2026-11-23T00:00:00Z"')
            created = None
        record = empty_record(article, annotator, self.schema.version)
        record["speakers"] = _by_position(speakers)
        record["cues"] = _by_position(cues)
        record["quotes"] = sorted(
            quotes, key=lambda q: (q["spans"][0]["start"], q["spans"][0]["end"])
        )
        record["initiatives"] = _by_position(initiatives)
        record["provenance"]["created_at"] = created or date
        record["provenance"]["updated_at"] = date
        self.lint(record)
        return record

    def speaker(self, region: dict[str, Any]) -> dict[str, Any] | None:
        rid = region["id"]
        span = self.span(region, rid, "speaker")
        name, kind = region.get("name"), region.get("kind")
        if name is None:
            self.error(rid, 'no "name"; type the canonical name ("He" -> "Rajnath Singh")')
        elif not isinstance(name, str) or not name.strip():
            self.error(rid, '"name" must be a non-empty string')
        kinds = self.schema.attribute("speaker_kind").values
        if kind not in kinds:
            self.error(rid, f'"kind" is {_show(str(kind))}; choose {", ".join(kinds)}')
        if span is None:
            return None
        return {"id": rid, **span, "name": name, "kind": kind}

    def cue(self, region: dict[str, Any]) -> dict[str, Any] | None:
        rid = region["id"]
        span = self.span(region, rid, "cue")
        if span is not None and re.match(r"also\s", span["text"], re.IGNORECASE):
            self.warn(rid, 'a cue leaves out a leading "also" (settled call)')
        return None if span is None else {"id": rid, **span}

    def quote(self, region: dict[str, Any]) -> dict[str, Any] | None:
        rid = region["id"]
        given = region.get("spans")
        if given is not None and _ANCHOR_KEYS & set(region):
            self.error(rid, 'give either "spans" or one span\'s "text"/"in"/"at", not both')
            return None
        if given is None:
            given = [{key: region[key] for key in _ANCHOR_KEYS if key in region}]
        if not isinstance(given, list) or not given:
            self.error(rid, '"spans" must be a non-empty list like [{"text": "…"}]')
            return None
        spans: list[dict[str, Any]] = []
        for number, spec in enumerate(given, start=1):
            what = "quote" if len(given) == 1 else f"quote span {number}"
            if not isinstance(spec, dict) or set(spec) - _ANCHOR_KEYS:
                self.error(rid, f'{what} must be an object with "text" and optional "in"/"at"')
                continue
            span = self.span(spec, rid, what)
            if span is not None:
                spans.append(span)
        quote_type = region.get("type")
        types = self.schema.attribute("quote_type").values
        if quote_type not in types:
            self.error(rid, f'"type" is {_show(str(quote_type))}; choose {", ".join(types)}')
        if "stance" not in region:
            self.error(rid, 'no "stance"; choose support, oppose or neutral')
        no_speaker = region.get("no_speaker", False)
        if len(spans) != len(given):
            return None
        starts = [span["start"] for span in spans]
        if starts != sorted(starts):
            self.warn(rid, "its spans are not in text order; check the parts")
        return {
            "id": rid,
            "spans": spans,
            "text": JOINER.join(span["text"] for span in spans),
            "quote_type": quote_type,
            "speaker_id": region.get("speaker"),
            "no_speaker": no_speaker,
            "cue_id": region.get("cue"),
            "stance": region.get("stance"),
            "stance_target": region.get("target"),
        }

    def initiative(self, region: dict[str, Any]) -> dict[str, Any] | None:
        rid = region["id"]
        span = self.span(region, rid, "initiative")
        by = region.get("by", [])
        if not isinstance(by, list) or not all(isinstance(item, str) for item in by):
            self.error(rid, '"by" must be a list of speaker ids like ["s1"]')
            by = []
        if span is None:
            return None
        return {"id": rid, **span, "status": region.get("status"), "proponent_ids": by}

    def lint(self, record: dict[str, Any]) -> None:
        """Guideline checks a validator cannot make; warnings only."""
        for quote in record["quotes"]:
            rid, spans = quote["id"], quote["spans"]
            first, last = spans[0]["text"], spans[-1]["text"]
            if quote["quote_type"] == "direct" and (
                first[:1] in _QUOTE_MARKS or last[-1:] in _QUOTE_MARKS
            ):
                self.warn(rid, "a direct quote leaves its wrapping quotation marks outside")
            if quote["quote_type"] == "indirect" and last.endswith("."):
                self.warn(rid, "an indirect quote leaves out the sentence-final full stop")
        used = {q["speaker_id"] for q in record["quotes"]}
        used |= {pid for item in record["initiatives"] for pid in item["proponent_ids"]}
        for speaker in record["speakers"]:
            if speaker["id"] not in used:
                self.warn(speaker["id"], "no quote or initiative refers to this speaker")
        cued = {q["cue_id"] for q in record["quotes"]}
        for cue in record["cues"]:
            if cue["id"] not in cued:
                self.warn(cue["id"], "no quote refers to this cue")


def _by_position(regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(regions, key=lambda region: (region["start"], region["end"]))


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    return names.get(type(value), "a list" if isinstance(value, list) else "an object")


def build_record(
    sketch: dict[str, Any],
    article: Article,
    *,
    file: str = "<sketch>",
    date: str = "1970-01-01T00:00:00Z",
    annotator: str = ANNOTATOR,
    validate: bool = True,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> BuildResult:
    """The gold record a sketch describes, made with `schema` (the project's), with every
    problem located in `file`."""
    builder = _Builder(sketch, article, file, schema)
    record = builder.build(date, annotator)
    if validate and not any(p.error for p in builder.problems):
        for issue in validator_for(schema).validate(record):
            message = issue.message.removesuffix(_LABEL_STUDIO_FIX) + "; fix the sketch"
            builder.error(issue.location.region, message)
    return BuildResult(record, builder.problems)


# -- gold -> sketch ------------------------------------------------------------------------


def _anchored(text: str, span: dict[str, Any], rid: str) -> dict[str, Any]:
    start, end = span["start"], span["end"]
    if text[start:end] != span["text"]:
        raise SketchError(
            f"region {rid}: span {start}-{end} text {_show(span['text'])} does not match the "
            f"article text {_show(text[start:end])}; fix the gold record first"
        )
    return anchor_for(text, start, end)


def record_to_sketch(record: dict[str, Any], *, keep_created: bool = True) -> dict[str, Any]:
    """The sketch of a gold-shaped record (gold, or a pre-annotator suggestion)."""
    text = record["text"]
    sketch: dict[str, Any] = {"id": record["id"]}
    sketch["speakers"] = [
        {
            "id": s["id"],
            **_anchored(text, s, s["id"]),
            "name": s.get("name"),
            "kind": s.get("kind"),
        }
        for s in record["speakers"]
    ]
    sketch["cues"] = [{"id": c["id"], **_anchored(text, c, c["id"])} for c in record["cues"]]
    sketch["quotes"] = [
        {
            "id": q["id"],
            "spans": [_anchored(text, span, q["id"]) for span in q["spans"]],
            "type": q["quote_type"],
            "speaker": q["speaker_id"],
            "cue": q["cue_id"],
            "no_speaker": q["no_speaker"],
            "stance": q["stance"],
            "target": q["stance_target"],
        }
        for q in record["quotes"]
    ]
    sketch["initiatives"] = [
        {
            "id": i["id"],
            **_anchored(text, i, i["id"]),
            "status": i["status"],
            "by": list(i["proponent_ids"]),
        }
        for i in record["initiatives"]
    ]
    created = (record.get("provenance") or {}).get("created_at")
    if keep_created and created:
        sketch["created_at"] = created
    sketch["notes"] = ""
    return sketch


def dump_sketch(sketch: dict[str, Any]) -> str:
    """A sketch as JSON with one region a line: easy to read, edit and diff."""

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = ["{"]
    items = list(sketch.items())
    for number, (key, value) in enumerate(items):
        comma = "," if number < len(items) - 1 else ""
        if key in REGION_LISTS and isinstance(value, list) and value:
            lines.append(f"  {one(key)}: [")
            lines += [
                f"    {one(item)}{',' if index < len(value) - 1 else ''}"
                for index, item in enumerate(value)
            ]
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {one(key)}: {one(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- files ---------------------------------------------------------------------------------


def load_articles(paths: Sequence[Path]) -> dict[str, Article]:
    result = read_articles(paths)
    for issue in result.issues:
        print(f"warning: {issue}", file=sys.stderr)
    return {article.id: article for article in result.articles}


def read_gold(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SketchError(f"{path}: cannot read ({exc.strerror or exc})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SketchError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict) or "id" not in record or "text" not in record:
            raise SketchError(f"{path}:{number}: not a gold record (no id or text)")
        records.append(record)
    return records


def read_sketch(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SketchError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise SketchError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise SketchError(f"{path}: a sketch is one JSON object, not {_kind(data)}")
    if not isinstance(data.get("id"), str):
        raise SketchError(f'{path}: no "id"; give the article id as "id"')
    return data


def sketch_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.glob("*.json") if not p.name.startswith("."))
        else:
            yield path


def sketch_path(folder: Path, article_id: str) -> Path:
    if not article_id or "/" in article_id or os.sep in article_id or article_id.startswith("."):
        raise SketchError(f"article id {article_id!r} cannot be a file name")
    return folder / f"{article_id}.json"


def write_atomic(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def gold_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


# -- show ----------------------------------------------------------------------------------


def render_inline(record: dict[str, Any]) -> str:
    """The text with regions marked: [s1 mention|name] {c1 cue} «q1 quote» <i1 initiative>,
    the parts of a split quote as «q1.1 …» «q1.2 …», boilerplate as ⟦…⟧."""
    text = record["text"]
    marks: list[tuple[int, int, int, str]] = []  # (position, order, tiebreak, mark)

    def region(start: int, end: int, opening: str, closing: str) -> None:
        # At one position closings come before openings; outer regions open first and
        # close last.
        marks.append((start, 1, -end, opening))
        marks.append((end, 0, -start, closing))

    for item in record["meta"].get("boilerplate", []):
        region(item["start"], item["end"], "⟦", "⟧")
    for speaker in record["speakers"]:
        name = speaker.get("name")
        tail = "" if name in (None, speaker["text"]) else f"|{name}"
        region(speaker["start"], speaker["end"], f"[{speaker['id']} ", f"{tail}]")
    for cue in record["cues"]:
        region(cue["start"], cue["end"], f"{{{cue['id']} ", "}")
    for quote in record["quotes"]:
        many = len(quote["spans"]) > 1
        for number, span in enumerate(quote["spans"], start=1):
            label = f"{quote['id']}.{number}" if many else quote["id"]
            region(span["start"], span["end"], f"«{label} ", "»")
    for initiative in record["initiatives"]:
        region(initiative["start"], initiative["end"], f"<{initiative['id']} ", ">")
    marks.sort(key=lambda mark: mark[:3])
    pieces: list[str] = []
    position = 0
    for at, _, _, mark in marks:
        pieces += [text[position:at], mark]
        position = at
    pieces.append(text[position:])
    return "".join(pieces)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def render_tables(record: dict[str, Any]) -> str:
    speakers = {s["id"]: s for s in record["speakers"]}
    cues = {c["id"]: c for c in record["cues"]}
    out = [
        f"{len(record['quotes'])} quotes, {len(record['speakers'])} speakers, "
        f"{len(record['cues'])} cues, {len(record['initiatives'])} initiatives"
    ]
    if record["quotes"]:
        rows = [["quote", "type", "speaker", "name (kind)", "cue", "stance", "target", "text"]]
        for q in record["quotes"]:
            speaker = speakers.get(q["speaker_id"] or "")
            who = "(no speaker)" if q["no_speaker"] else str(q["speaker_id"])
            name = f"{speaker['name']} ({speaker['kind']})" if speaker else "-"
            cue = cues.get(q["cue_id"] or "")
            rows.append(
                [
                    q["id"],
                    str(q["quote_type"]),
                    f"{who} {_show(speaker['text'], 30)}" if speaker else who,
                    name,
                    f"{q['cue_id']} {_show(cue['text'], 25)}" if cue else "-",
                    str(q["stance"]),
                    str(q["stance_target"] or "-"),
                    _show(q["text"], 60),
                ]
            )
        out += ["", _table(rows)]
    if record["initiatives"]:
        rows = [["initiative", "status", "by", "text"]]
        for i in record["initiatives"]:
            by = ", ".join(
                f"{pid} ({speakers[pid]['name']})" if pid in speakers else pid
                for pid in i["proponent_ids"]
            )
            rows.append([i["id"], str(i["status"]), by or "-", _show(i["text"], 60)])
        out += ["", _table(rows)]
    return "\n".join(out)


def suggest_sketch(article: Article, schema: AnnotationSchema = DEFAULT_SCHEMA) -> dict[str, Any]:
    """The pre-annotator's suggestion for an article as a sketch; it proposes `schema`'s
    stance targets."""
    from quotegold.preannotate import preannotate

    suggestion = preannotate(article, schema=schema)
    sketch = record_to_sketch(suggestion.record, keep_created=False)
    sketch["notes"] = "suggested by the rule pre-annotator; not reviewed yet"
    return sketch


# -- commands ------------------------------------------------------------------------------


def cmd_suggest(args: argparse.Namespace) -> int:
    articles = load_articles(args.articles)
    status = 0
    for article_id in args.ids:
        article = articles.get(article_id)
        if article is None:
            print(f"error: no article {article_id!r} in {_paths(args.articles)}", file=sys.stderr)
            status = 1
            continue
        path = sketch_path(args.out, article_id)
        if path.exists():
            print(f"skipped {path}: it exists (suggest never overwrites a sketch)")
            continue
        sketch = suggest_sketch(article, project_schema(args))
        write_atomic(path, dump_sketch(sketch))
        print(
            f"wrote {path}: {len(sketch['quotes'])} quotes, {len(sketch['speakers'])} speakers, "
            f"{len(sketch['cues'])} cues, {len(sketch['initiatives'])} initiatives (suggested)"
        )
    return status


def _paths(paths: Sequence[Path]) -> str:
    return ", ".join(map(str, paths))


def timestamp(value: str | None) -> str:
    if value is None:
        return f"{dt.datetime.now(dt.UTC).date().isoformat()}T00:00:00Z"
    if _STAMP.fullmatch(value):
        return value
    if _DATE.fullmatch(value):
        dt.date.fromisoformat(value)
        return f"{value}T00:00:00Z"
    raise argparse.ArgumentTypeError(f"{value!r}: give YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")


def build_all(
    files: Iterable[Path],
    articles: dict[str, Article],
    *,
    date: str,
    annotator: str = ANNOTATOR,
    validate: bool = True,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> tuple[list[dict[str, Any]], list[Problem], int]:
    """(valid records, problems, records refused) of the sketches in `files`."""
    built: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    refused = 0
    seen: dict[str, Path] = {}
    for path in files:
        try:
            sketch = read_sketch(path)
        except SketchError as exc:
            problems.append(Problem(str(path), None, str(exc).removeprefix(f"{path}: ")))
            refused += 1
            continue
        article_id = sketch["id"]
        if article_id in seen:
            problems.append(
                Problem(str(path), None, f"id {article_id!r} also in {seen[article_id]}")
            )
            refused += 1
            continue
        seen[article_id] = path
        if path.stem != article_id:
            problems.append(
                Problem(
                    str(path),
                    None,
                    f"the file is named {path.name} but its id is "
                    f"{article_id!r}; name it {article_id}.json",
                    error=False,
                )
            )
        article = articles.get(article_id)
        if article is None:
            problems.append(Problem(str(path), None, f"no article {article_id!r} in --articles"))
            refused += 1
            continue
        result = build_record(
            sketch,
            article,
            file=str(path),
            date=date,
            annotator=annotator,
            validate=validate,
            schema=schema,
        )
        problems += result.problems
        if result.ok and result.record is not None:
            built[article_id] = result.record
        else:
            refused += 1
    return [built[key] for key in sorted(built)], problems, refused


def cmd_build(args: argparse.Namespace) -> int:
    articles = load_articles(args.articles)
    records, problems, refused = build_all(
        sketch_files(args.sketches),
        articles,
        date=args.date,
        annotator=args.annotator,
        validate=not args.no_validate,
        schema=project_schema(args),
    )
    for problem in problems:
        print(problem, file=sys.stderr)
    write_atomic(args.out, "".join(gold_line(record) + "\n" for record in records))
    warnings = sum(not p.error for p in problems)
    print(
        f"wrote {len(records)} record(s) to {args.out}; refused {refused}; "
        f"{len(problems) - warnings} error(s), {warnings} warning(s)"
    )
    return 1 if refused else 0


def cmd_from_gold(args: argparse.Namespace) -> int:
    status = 0
    for record in read_gold(args.gold):
        path = sketch_path(args.out, record["id"])
        if path.exists() and not args.force:
            print(f"skipped {path}: it exists (give --force to overwrite)")
            continue
        try:
            sketch = record_to_sketch(record)
        except SketchError as exc:
            print(f"error: {args.gold}, record {record['id']}: {exc}", file=sys.stderr)
            status = 1
            continue
        write_atomic(path, dump_sketch(sketch))
        print(f"wrote {path}")
    return status


def cmd_show(args: argparse.Namespace) -> int:
    source: Path = args.file
    problems: list[Problem] = []
    if source.suffix == ".json":
        if not args.articles:
            raise SketchError("showing a sketch needs --articles (the article file)")
        sketch = read_sketch(source)
        if args.id and args.id != sketch["id"]:
            raise SketchError(f"{source} is the sketch of {sketch['id']!r}, not {args.id!r}")
        article = load_articles(args.articles).get(sketch["id"])
        if article is None:
            raise SketchError(f"no article {sketch['id']!r} in {_paths(args.articles)}")
        result = build_record(
            sketch,
            article,
            file=str(source),
            validate=not args.no_validate,
            schema=project_schema(args),
        )
        assert result.record is not None
        records, problems = [result.record], result.problems
    else:
        records = read_gold(source)
        if args.id:
            records = [r for r in records if r["id"] == args.id]
            if not records:
                raise SketchError(f"no record {args.id!r} in {source}")
    for problem in problems:  # first, so that a long article does not hide them
        print(problem)
    for record in records:
        meta = record.get("meta", {})
        print(f"=== {record['id']}: {meta.get('title')}")
        print(render_inline(record))
        print()
        print(render_tables(record))
        print()
    errors = sum(p.error for p in problems)
    if problems:
        print(f"{errors} error(s), {len(problems) - errors} warning(s): listed at the top")
    return 1 if errors else 0


def project_schema(args: argparse.Namespace) -> AnnotationSchema:
    """The schema of --config (else ./quotegold.toml, else the built-in lists)."""
    try:
        return find_project_file(args.config).schema
    except QuotegoldError as exc:
        raise SketchError(str(exc)) from exc


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="goldsketch",
        description="Write gold records as sketches anchored by text, not offsets.",
    )
    commands = main_parser.add_subparsers(dest="command", required=True)

    def articles_option(sub: argparse.ArgumentParser, *, required: bool) -> None:
        sub.add_argument(
            "--config",
            type=Path,
            help="the project's quotegold.toml (default: ./quotegold.toml, else the built-in "
            "lists): the stance targets, speaker kinds and initiative statuses",
        )
        sub.add_argument(
            "--articles",
            type=Path,
            action="append",
            required=required,
            help="article file (.jsonl/.txt) or folder, read with quotegold's ingest; repeatable",
        )

    suggest = commands.add_parser("suggest", help="write pre-annotator suggestions as sketches")
    articles_option(suggest, required=True)
    suggest.add_argument("--out", type=Path, required=True, help="sketch folder")
    suggest.add_argument("ids", nargs="+", help="article ids")
    suggest.set_defaults(run=cmd_suggest)

    build = commands.add_parser("build", help="build and validate gold records from sketches")
    articles_option(build, required=True)
    build.add_argument("--out", type=Path, required=True, help="gold JSONL file to write")
    build.add_argument(
        "--date", type=timestamp, default=timestamp(None), help="YYYY-MM-DD (default: today)"
    )
    build.add_argument("--annotator", default=ANNOTATOR, help=f"annotator id ({ANNOTATOR})")
    build.add_argument("--no-validate", action="store_true", help="skip quotegold's validator")
    build.add_argument("sketches", type=Path, nargs="+", help="sketch files or folders")
    build.set_defaults(run=cmd_build)

    from_gold = commands.add_parser("from-gold", help="write sketches of gold records")
    from_gold.add_argument("gold", type=Path, help="gold JSONL file")
    from_gold.add_argument("--out", type=Path, required=True, help="sketch folder")
    from_gold.add_argument("--force", action="store_true", help="overwrite existing sketches")
    from_gold.set_defaults(run=cmd_from_gold)

    show = commands.add_parser("show", help="print a record with its regions marked")
    show.add_argument("file", type=Path, help="gold JSONL file or sketch .json")
    show.add_argument("id", nargs="?", help="article id (default: every record)")
    articles_option(show, required=False)
    show.add_argument("--no-validate", action="store_true", help="skip quotegold's validator")
    show.set_defaults(run=cmd_show)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except SketchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status
