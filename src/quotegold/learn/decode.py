"""Turn the model's tags into a suggested record: regions, links, names, types, stance.

- Spans are runs of B/I tags; a region's score is the mean marginal probability of its tags.
- A quote split by its attribution (`"We will," she said, "win."`) becomes one quote of two
  parts when only a cue, a speaker and punctuation stand between two quotes of a paragraph.
- Links follow the rules where the rules made one between the same regions; otherwise a
  quote takes the nearest cue of its paragraph (ending its sentence's attribution), and the
  cue's nearest speaker; a quote with no cue takes an adjacent speaker, or the speaker of
  the quote just before it in the same or previous paragraph (a continued quote).
- Speaker names are the rules' where the model's speaker meets one of theirs that the rules
  resolved (titles, surnames, pronouns); others are the span's own name (`naming`), and a
  pronoun of the model's own is resolved by the rules' `NameResolver`.
- The quote type comes from the quotation marks: inside marks is direct, with marks inside
  is mixed, else indirect; stance is the rules' lexicon stance over the quote's words.
- Initiatives are the model's where it has an initiative layer, else the rules'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from quotegold.gold import model
from quotegold.learn.features import MARKS, ArticleTokens
from quotegold.learn.naming import name_of_span
from quotegold.preannotate import Suggestion
from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.names import NameResolver
from quotegold.preannotate.speakers import Mention, speaker_left, speaker_right
from quotegold.preannotate.stance import TargetFinder, stance
from quotegold.schema.formats import JOINER

__all__ = ["TaggedSpan", "build_record", "spans_from_tags"]

_CUE_REACH = 12  # tokens between a quote and its cue
_SPEAKER_REACH = 10  # tokens between a cue and its speaker
_CHAR_MARKS = frozenset('"“”«»„')


@dataclass
class TaggedSpan:
    """A run of tokens `start`..`end - 1` tagged with one layer code, and its score."""

    code: str
    start: int
    end: int
    score: float


def spans_from_tags(
    tags: Sequence[str], marginals: Sequence[float], offset: int
) -> list[TaggedSpan]:
    """The B/I runs of a tag sequence (a stray I starts a span), token indices + `offset`."""
    spans: list[TaggedSpan] = []
    current: TaggedSpan | None = None
    probabilities: list[float] = []
    for index, tag in enumerate([*tags, "O"]):
        if tag == "O" and current is None:
            continue  # most tokens: nothing to end or begin
        prefix, _, code = tag.partition("-")
        continues = current is not None and prefix == "I" and code == current.code
        if current is not None and not continues:
            current.score = sum(probabilities) / len(probabilities)
            spans.append(current)
            current = None
        if prefix in ("B", "I") and not continues:
            current = TaggedSpan(code, offset + index, offset + index + 1, 0.0)
            probabilities = []
        if current is not None:
            current.end = offset + index + 1
            probabilities.append(marginals[index])
    return spans


def _balanced(words: Sequence[str], span: TaggedSpan) -> TaggedSpan:
    """A quote holding an odd number of quotation marks takes the mark that closes (or
    opens) it: the gold keeps both marks of a quoted phrase in a mixed quote."""
    marks = sum(words[index] in MARKS for index in range(span.start, span.end))
    if marks % 2 == 1:
        if span.end < len(words) and words[span.end] in MARKS:
            span.end += 1
        elif span.start > 0 and words[span.start - 1] in MARKS:
            span.start -= 1
    return span


def _gap(left: TaggedSpan | tuple[int, int], right: TaggedSpan | tuple[int, int]) -> int:
    a = (left.start, left.end) if isinstance(left, TaggedSpan) else left
    b = (right.start, right.end) if isinstance(right, TaggedSpan) else right
    return max(b[0] - a[1], a[0] - b[1], 0)


class _Builder:
    def __init__(
        self,
        tokens: ArticleTokens,
        rules: Suggestion,
        record: model.GoldRecord,
        targets: TargetFinder,
    ) -> None:
        self.tokens = tokens
        self.view = tokens.view
        self.rules = rules
        self.record = record
        self.targets = targets
        self.scores: dict[str, float] = {}

    def char_span(self, start: int, end: int) -> model.Span:
        first, last = self.view.starts[start], self.view.ends[end - 1]
        return {"start": first, "end": last, "text": self.view.text[first:last]}

    def rule_region(self, layer: str, span: TaggedSpan) -> model.GoldRegion | None:
        """The rules' region of a layer that overlaps the span most, if any."""
        chars = self.char_span(span.start, span.end)
        best, shared = None, 0
        for region in model.regions_of(self.rules.record, layer):
            for part in model.spans_of(region):
                common = min(part["end"], chars["end"]) - max(part["start"], chars["start"])
                if common > shared:
                    best, shared = region, common
        return best


def _merge_parts(
    view_para: Sequence[int],
    quotes: list[TaggedSpan],
    between: list[TaggedSpan],
    words: Sequence[str],
) -> list[list[TaggedSpan]]:
    """Group quote spans into quotes: consecutive spans of one paragraph split only by an
    attribution (a cue, maybe a speaker, and punctuation) are parts of one quote."""
    groups: list[list[TaggedSpan]] = []
    for quote in quotes:
        if groups:
            last = groups[-1][-1]
            inner = [s for s in between if last.end <= s.start and s.end <= quote.start]
            others = [
                words[i]
                for i in range(last.end, quote.start)
                if not any(s.start <= i < s.end for s in inner)
            ]
            if (
                view_para[last.start] == view_para[quote.start]
                and any(s.code == "C" for s in inner)
                and all(not w[:1].isalnum() for w in others)
                and any(w in MARKS for w in others)
            ):
                groups[-1].append(quote)
                continue
        groups.append([quote])
    return groups


def _quote_type(text: str, spans: Sequence[model.Span]) -> str:
    first, last = spans[0], spans[-1]
    before = text[: first["start"]].rstrip()[-1:]
    after = text[last["end"] :].lstrip()[:1]
    inner = any(char in _CHAR_MARKS for span in spans for char in span["text"])
    inner = inner or any("''" in span["text"] for span in spans)
    if (before in _CHAR_MARKS or text[: first["start"]].rstrip().endswith(("''", "``"))) and (
        after in _CHAR_MARKS or text[last["end"] :].lstrip().startswith("''")
    ):
        return "direct"
    return "mixed" if inner else "indirect"


def _form(view_lower: Sequence[str], words: Sequence[str], start: int, end: int) -> str:
    if end - start == 1 and view_lower[start] in lex.PRONOUNS:
        return "pronoun"
    return "name" if any(w[:1].isupper() for w in words[start:end]) else "description"


def build_record(
    tokens: ArticleTokens,
    rules: Suggestion,
    record: model.GoldRecord,
    spans: list[TaggedSpan],
    *,
    targets: TargetFinder,
    initiatives: list[TaggedSpan] | None,
) -> Suggestion:
    """Fill `record` (an empty record of the article) from the model's spans."""
    builder = _Builder(tokens, rules, record, targets)
    view = tokens.view
    speakers = [s for s in spans if s.code == "S"]
    cues = [s for s in spans if s.code == "C"]
    quote_spans = [_balanced(view.words, s) for s in spans if s.code == "Q"]
    speaker_ids = _add_speakers(builder, speakers)
    cue_ids: dict[int, str] = {}
    for number, cue in enumerate(cues, start=1):
        rid = f"c{number}"
        record["cues"].append({"id": rid, **builder.char_span(cue.start, cue.end)})
        builder.scores[rid] = round(cue.score, 3)
        cue_ids[id(cue)] = rid
    groups = _merge_parts(view.para, quote_spans, speakers + cues, view.words)
    previous: tuple[int, str | None] | None = None  # paragraph, speaker id of the last quote
    for number, parts in enumerate(groups, start=1):
        linked = _cue_of(view.para, parts, cues, quote_spans)
        speaker_id = _rules_speaker(builder, parts)
        if speaker_id is None:
            speaker = _speaker_of(view.para, parts, linked, speakers, quote_spans)
            speaker_id = speaker_ids.get(id(speaker)) if speaker is not None else None
        if speaker_id is None and linked is not None:
            speaker_id = _speaker_at_cue(builder, linked, parts)
        paragraph = view.para[parts[0].start]
        if speaker_id is None and previous is not None and paragraph - previous[0] <= 1:
            speaker_id = previous[1]
        _add_quote(builder, number, parts, cue_ids.get(id(linked)) if linked else None, speaker_id)
        previous = (view.para[parts[-1].start], speaker_id)
    _add_initiatives(builder, initiatives)
    return Suggestion(record, builder.scores)


def _speaker_name(
    builder: _Builder, resolver: NameResolver, span: TaggedSpan, form: str
) -> tuple[str, str]:
    """(name, kind) of a speaker span: the rules' where they resolved a name other than
    their span's words (a pronoun, a surname, a description), else the span's own name run,
    at its longest form in the article."""
    view = builder.view
    ruled = builder.rule_region("SPEAKER", span)
    if ruled is not None and "name" in ruled and ruled["name"] != ruled["text"]:
        return ruled["name"], ruled["kind"]
    if form != "name":
        text = view.span_text(span.start, span.end)
        kind = ruled["kind"] if ruled is not None and "kind" in ruled else "unnamed"
        return (ruled["name"] if ruled is not None and "name" in ruled else text), kind
    return name_of_span(view, resolver, span.start, span.end)


def _add_speakers(builder: _Builder, speakers: list[TaggedSpan]) -> dict[int, str]:
    view = builder.view
    resolver = NameResolver(view)
    pronouns: list[Mention] = []
    named: list[tuple[TaggedSpan, str, str]] = []
    for span in speakers:
        form = _form(view.lower, view.words, span.start, span.end)
        name, kind = _speaker_name(builder, resolver, span, form)
        named.append((span, name, kind))
        if form == "pronoun" and builder.rule_region("SPEAKER", span) is None:
            mention = Mention(span.start, span.end, "pronoun", kind, score=span.score)
            pronouns.append(mention)
    if pronouns:
        history = [
            Mention(span.start, span.end, "name", kind, name=name, score=span.score)
            for span, name, kind in named
            if _form(view.lower, view.words, span.start, span.end) == "name"
        ]
        NameResolver(view).resolve(sorted(history + pronouns, key=lambda m: m.start))
        resolved = {(m.start, m.end): m for m in pronouns if m.name}
        named = [
            (span, resolved[(span.start, span.end)].name, resolved[(span.start, span.end)].kind)
            if (span.start, span.end) in resolved
            else (span, name, kind)
            for span, name, kind in named
        ]
    ids: dict[int, str] = {}
    for number, (span, name, kind) in enumerate(named, start=1):
        rid = f"s{number}"
        chars = builder.char_span(span.start, span.end)
        region: model.Speaker = {"id": rid, **chars, "name": name, "kind": kind}
        builder.record["speakers"].append(region)
        builder.scores[rid] = round(span.score, 3)
        ids[id(span)] = rid
    return ids


def _rules_speaker(builder: _Builder, parts: list[TaggedSpan]) -> str | None:
    """The rules' speaker of the rules' quote the model's quote meets, added to the record
    (with the rules' score) unless a speaker of the model already covers it."""
    rule_quote = builder.rule_region("QUOTE", parts[0])
    if rule_quote is None or "speaker_id" not in rule_quote or not rule_quote["speaker_id"]:
        return None
    theirs = next(
        (s for s in builder.rules.record["speakers"] if s["id"] == rule_quote["speaker_id"]), None
    )
    if theirs is None:
        return None
    for ours in builder.record["speakers"]:
        if ours["start"] < theirs["end"] and theirs["start"] < ours["end"]:
            return ours["id"]
    rid = f"s{len(builder.record['speakers']) + 1}"
    covered = builder.tokens.token_range(theirs["start"], theirs["end"])
    name, kind = theirs["name"], theirs["kind"]
    if covered is not None:
        span = TaggedSpan("S", covered[0], covered[1], 0.0)
        form = _form(builder.view.lower, builder.view.words, span.start, span.end)
        name, kind = _speaker_name(builder, NameResolver(builder.view), span, form)
    builder.record["speakers"].append({**theirs, "id": rid, "name": name, "kind": kind})
    builder.scores[rid] = builder.rules.scores.get(theirs["id"], 0.5)
    return rid


def _speaker_at_cue(builder: _Builder, cue: TaggedSpan, parts: list[TaggedSpan]) -> str | None:
    """A speaker the model missed next to a cue it found: the rules' subject before the cue
    ("Bangladesh has confirmed"), else their mention after it ("according to a fire
    service statement"), added as a region; pronouns are left to the previous quote."""
    view = builder.view
    low, high = view.sents[view.sent[cue.start]]
    inside = [(p.start, p.end) for p in parts]
    mention = speaker_left(view, cue.start - 1, low)
    if mention is None or any(a <= mention.start < b for a, b in inside):
        mention = speaker_right(view, cue.end, high)
    if mention is None or mention.form == "pronoun":
        return None
    if any(a < mention.end and mention.start < b for a, b in inside):
        return None
    name, kind = name_of_span(view, NameResolver(view), mention.start, mention.end)
    rid = f"s{len(builder.record['speakers']) + 1}"
    chars = builder.char_span(mention.start, mention.end)
    builder.record["speakers"].append({"id": rid, **chars, "name": name, "kind": kind})
    builder.scores[rid] = round(cue.score * 0.8, 3)
    return rid


def _cue_of(
    para: Sequence[int], parts: list[TaggedSpan], cues: list[TaggedSpan], quotes: list[TaggedSpan]
) -> TaggedSpan | None:
    paragraph = {para[parts[0].start], para[parts[-1].start]}
    near = [
        cue
        for cue in cues
        if para[cue.start] in paragraph and min(_gap(part, cue) for part in parts) <= _CUE_REACH
    ]
    if not near:
        return None
    # A cue between the parts of a split quote is its own; else the nearest one, and on a
    # tie the one after the quote ("…," she said).
    return min(near, key=lambda c: (min(_gap(p, c) for p in parts), c.start < parts[0].start))


def _speaker_of(
    para: Sequence[int],
    parts: list[TaggedSpan],
    cue: TaggedSpan | None,
    speakers: list[TaggedSpan],
    quotes: list[TaggedSpan],
) -> TaggedSpan | None:
    anchor: TaggedSpan | list[TaggedSpan] = cue if cue is not None else parts
    reach = _SPEAKER_REACH if cue is not None else _CUE_REACH
    anchors = [anchor] if isinstance(anchor, TaggedSpan) else anchor
    near = [
        s
        for s in speakers
        if para[s.start] == para[anchors[0].start]
        and min(_gap(a, s) for a in anchors) <= reach
        and not any(q.start <= s.start < q.end for q in quotes)
    ]
    if not near:
        return None
    return min(near, key=lambda s: min(_gap(a, s) for a in anchors))


def _add_quote(
    builder: _Builder,
    number: int,
    parts: list[TaggedSpan],
    cue_id: str | None,
    speaker_id: str | None,
) -> None:
    rid = f"q{number}"
    spans = [builder.char_span(part.start, part.end) for part in parts]
    words = [w for part in parts for w in builder.view.lower[part.start : part.end]]
    position, target = stance(words, builder.targets)
    builder.record["quotes"].append(
        {
            "id": rid,
            "spans": spans,
            "text": JOINER.join(span["text"] for span in spans),
            "quote_type": _quote_type(builder.view.text, spans),
            "speaker_id": speaker_id,
            "no_speaker": False,
            "cue_id": cue_id,
            "stance": position,
            "stance_target": target,
        }
    )
    builder.scores[rid] = round(sum(p.score for p in parts) / len(parts), 3)


def _add_initiatives(builder: _Builder, initiatives: list[TaggedSpan] | None) -> None:
    if initiatives is None:
        _rules_initiatives(builder)
        return
    for number, span in enumerate(initiatives, start=1):
        rid = f"i{number}"
        ruled = builder.rule_region("INITIATIVE", span)
        status = ruled["status"] if ruled is not None and "status" in ruled else "mentioned"
        region: model.Initiative = {
            "id": rid,
            **builder.char_span(span.start, span.end),
            "status": status,
            "proponent_ids": [],
        }
        builder.record["initiatives"].append(region)
        builder.scores[rid] = round(span.score, 3)


def _rules_initiatives(builder: _Builder) -> None:
    """The rules' initiatives, their proponents mapped to the model's speakers that overlap."""
    ours = builder.record["speakers"]
    by_id = {s["id"]: s for s in builder.rules.record["speakers"]}
    for number, initiative in enumerate(builder.rules.record["initiatives"], start=1):
        rid = f"i{number}"
        proponents = []
        for old in initiative["proponent_ids"]:
            theirs = by_id.get(old)
            match = next(
                (
                    s["id"]
                    for s in ours
                    if theirs is not None
                    and s["start"] < theirs["end"]
                    and theirs["start"] < s["end"]
                ),
                None,
            )
            if match is not None:
                proponents.append(match)
        builder.record["initiatives"].append({**initiative, "id": rid, "proponent_ids": proponents})
        builder.scores[rid] = builder.rules.scores.get(initiative["id"], 0.5)
