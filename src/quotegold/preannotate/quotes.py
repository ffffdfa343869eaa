"""Attribute content to speakers around each cue, then keep a consistent set of quotes.

For every cue outside quotation marks the rules try, in order: the inverted order after
content ('“A,” said X' / 'A, said the minister'), the speaker before the cue with the
content after it ('X said (that) A', 'X told reporters: “A”', 'X urged Y to …') or before
it ('A, X said'), and 'according to X'. Overlapping candidates are settled outermost
first; 'according to' yields to a reporting verb inside its content.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.content import (
    Content,
    after_cue,
    before_speaker,
    classify,
    skip_addressee,
    split_second,
    tail_ok,
)
from quotegold.preannotate.cues import Cue, find_cues
from quotegold.preannotate.speakers import Mention, speaker_left, speaker_right, subject_at
from quotegold.preannotate.textview import TextView


@dataclass(frozen=True)
class _Scores:
    """How sure an attribution is (`make_found`): its content rule's score, times a factor
    for a mixed quote and one each for the cue and the speaker (`base + weight * score`)."""

    # By content rule (`Content.how`): quotation marks fix where a quote ends, clauses less so.
    content: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(
            {
                "pair": 0.92,  # in marks next to its cue
                "before-pair": 0.92,  # in marks, the cue after it
                "that": 0.8,  # 'said that …': the clause is the content
                "colon": 0.75,  # 'said: …' without marks: may run past the quote
                "before": 0.72,  # '…, X said' without marks: where it starts is a guess
                "rest": 0.7,  # the rest of a sentence the cue interrupts
                "zero": 0.65,  # 'said …' with no 'that': what follows may not be a clause
                "unclosed": 0.6,  # a mark never closed: ends at the next mark or paragraph
                "object": 0.55,  # 'called for …': often a demand, not words said
            }
        )
    )
    # A quote partly in marks: where the quoted part ends is often wrong.
    mixed: float = 0.9
    # ', saying …' taking the speaker of an earlier attribution in the sentence.
    borrowed_speaker: float = 0.85
    # Who said it matters more than the cue that says so: an uncertain speaker lowers a
    # quote by up to 40 %, a weak cue by 15 % at most.
    cue_base: float = 0.85
    cue_weight: float = 0.15
    speaker_base: float = 0.6
    speaker_weight: float = 0.4
    # ', saying …' before its speaker is known: an ordinary mention's (a borrowed one keeps it).
    unknown_speaker: float = 0.8


_SCORES = _Scores()
_MIN_REST = 5
# Group 0 is decided first: reporting verbs beat 'according to', which beats participles.
_GROUPS = {"according": 1, "participle": 2}


@dataclass
class Found:
    """One attributed quote: content parts in text order, speaker, cue, confidence."""

    parts: list[Content]
    speaker: Mention
    cue: Cue | None
    score: float
    group: int = 0

    @property
    def start(self) -> int:
        return self.parts[0].start

    @property
    def end(self) -> int:
        return self.parts[-1].end

    @property
    def quote_type(self) -> str:
        kinds = {part.quote_type for part in self.parts}
        return kinds.pop() if len(kinds) == 1 else "mixed"


def make_found(parts: list[Content], speaker: Mention, cue: Cue | None) -> Found:
    """A found quote with its confidence: the content rule's, lowered for a mixed quote,
    a weak cue or an uncertain speaker."""
    base = min(_SCORES.content[part.how] for part in parts)
    if any(part.quote_type == "mixed" for part in parts):
        base *= _SCORES.mixed
    cue_factor = 1.0 if cue is None else _SCORES.cue_base + _SCORES.cue_weight * cue.score
    speaker_factor = _SCORES.speaker_base + _SCORES.speaker_weight * speaker.score
    score = base * speaker_factor * cue_factor
    group = _GROUPS.get(cue.kind, 0) if cue is not None else 3
    return Found(parts, speaker, cue, round(min(score, 1.0), 3), group)


def find_attributions(view: TextView) -> list[Found]:
    """Every attribution the cue rules find, overlaps settled."""
    candidates: list[Found] = []
    for number, (low, high) in enumerate(view.sents):
        headline = view.headline[view.para[low]]
        for cue in find_cues(view, low, high):
            found = _attribute(view, cue, low, high)
            if found is None or (headline and found.quote_type != "direct"):
                continue
            if found.cue is not None and found.cue.kind == "participle":
                found = _participle_speaker(view, found, candidates, number)
            if found is not None:
                candidates.append(found)
    return settle(candidates)


def settle(candidates: list[Found]) -> list[Found]:
    """Keep candidates whose content, cue and speaker do not clash with a kept one."""
    kept: list[Found] = []
    taken: set[int] = set()
    for found in sorted(candidates, key=lambda f: (f.group, f.cue.start if f.cue else f.start)):
        ranges = [(part.start, part.end) for part in found.parts]
        own = [*ranges, found.speaker.key]
        if found.cue is not None:
            own.append(found.cue.key)
        if any(index in taken for start, end in own for index in range(start, end)):
            continue
        kept.append(found)
        taken.update(index for start, end in ranges for index in range(start, end))
    return sorted(kept, key=lambda f: f.start)


def _attribute(view: TextView, cue: Cue, low: int, high: int) -> Found | None:
    if cue.kind == "according":
        return _according(view, cue, low, high)
    if cue.kind == "participle":
        content = after_cue(view, cue, cue.end, high)
        if content is None or not _after_comma(view, cue.start, low):
            return None
        placeholder = Mention(cue.start, cue.start, "pronoun", score=_SCORES.unknown_speaker)
        return make_found([content], placeholder, cue)
    return _inverted(view, cue, low, high) or _subject_first(view, cue, low, high)


def _after_comma(view: TextView, index: int, low: int) -> bool:
    """Whether token `index` follows a comma, perhaps inside a closing mark (',”')."""
    if index - 1 < low:
        return False
    if view.words[index - 1] == ",":
        return True
    return index - 2 >= low and view.is_close(index - 1) and view.words[index - 2] == ","


def _inverted(view: TextView, cue: Cue, low: int, high: int) -> Found | None:
    """'“A,” said X.' and 'A, said the minister.'"""
    before = cue.start - 1
    if cue.kind == "tell" or before < low:
        return None  # '…, told the Guardian': after "told" comes the addressee
    if not (view.words[before] == "," or view.is_close(before)):
        return None
    speaker = speaker_right(view, cue.end, high)
    if speaker is None:
        return None
    content = before_speaker(view, cue.start, low)
    if content is None:
        return None
    if content.quote_type != "direct" and not tail_ok(view, speaker.end, high):
        return None
    return _with_split(view, make_found([content], speaker, cue), speaker.end, high)


def _subject_first(view: TextView, cue: Cue, low: int, high: int) -> Found | None:
    """'“A,” X said (, “B”)', 'X said (that) A', 'X told reporters “A”', 'A, X said.'"""
    speaker = speaker_left(view, cue.start - 1, low)
    if speaker is None or _passive(view, cue, low):
        return None
    index: int | None = cue.end
    if cue.kind == "tell":
        index = skip_addressee(view, cue.end, high)
    tail = index if index is not None else cue.end
    before = before_speaker(view, speaker.start, low) if speaker.start > low else None
    if before is not None and before.quote_type == "direct":
        return _with_split(view, make_found([before], speaker, cue), tail, high)
    content = after_cue(view, cue, index, high) if index is not None else None
    if content is not None and content.start >= cue.end:
        return make_found([content], speaker, cue)
    if before is None or before.quote_type != "indirect" or not tail_ok(view, tail, high):
        return None  # content with stray marks before the speaker is too unclear
    return make_found([before], speaker, cue)


def _passive(view: TextView, cue: Cue, low: int) -> bool:
    """'was told', 'is said to': the subject is not the speaker."""
    if cue.kind == "quoted" or cue.start - 1 < low:
        return False
    return view.lower[cue.start - 1] in lex.PASSIVE_AUX


def _with_split(view: TextView, found: Found, index: int, high: int) -> Found:
    """Add the second part of '“A,” X said, “B.”' to a direct first part."""
    if found.parts[0].quote_type != "direct":
        return found
    second = split_second(view, index, high)
    if second is not None:
        found.parts.append(second)
    return found


def _according(view: TextView, cue: Cue, low: int, high: int) -> Found | None:
    speaker = speaker_right(view, cue.end, high)
    if speaker is None or speaker.form == "pronoun":
        return None
    after = speaker.end + 1 if speaker.end < high and view.words[speaker.end] == "," else None
    leading = cue.start == low or (
        view.words[cue.start - 1] == "," and _is_intro(view, low, cue.start - 1)
    )
    parts: list[Content] = []
    if not leading:
        first = classify(view, low, cue.start, "before")
        if first is None:
            return None
        parts.append(first)
    start = after if after is not None else (speaker.end if leading else None)
    if start is not None and start < high and (leading or _continues_content(view, start, high)):
        rest = classify(view, start, high, "rest")
        if rest is not None:
            parts.append(rest)
    if not parts:
        return None
    return make_found(parts, speaker, cue)


def _continues_content(view: TextView, start: int, high: int) -> bool:
    """'A, according to X, B': B goes on with the content unless it is another
    attribution ('…, as reported by the media')."""
    if high - start <= _MIN_REST or view.lower[start] in ("as", "who", "which"):
        return False
    return not find_cues(view, start, high)


def _is_intro(view: TextView, low: int, comma: int) -> bool:
    """'Wikinews has learned that, according to …': a short lead-in before the cue."""
    return comma - low <= 4


def _participle_speaker(
    view: TextView, found: Found, candidates: list[Found], sentence: int
) -> Found | None:
    """', saying …' takes the speaker of the sentence's earlier attribution, or its subject."""
    for earlier in reversed(candidates):
        if earlier.cue is None or view.sent[earlier.cue.start] < sentence:
            break
        if view.sent[earlier.cue.start] == sentence:
            found.speaker = earlier.speaker
            found.score = round(found.score * _SCORES.borrowed_speaker, 3)
            return found
    low, _ = view.sents[sentence]
    assert found.cue is not None
    subject = subject_at(view, low, found.cue.start)
    if subject is None:
        return None
    return make_found(found.parts, subject, found.cue)
