"""Quotation-mark pairs no cue claimed: unclosed quotes, quotes after a colon or before a
dash, and quotes that continue the previous speaker's quote. Everything else in marks is
left alone: short phrases are scare quotes or titles, long ones lack a speaker."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.content import Content, pair_content
from quotegold.preannotate.cues import find_cues
from quotegold.preannotate.propernames import name_right
from quotegold.preannotate.quotes import Found, make_found
from quotegold.preannotate.speakers import speaker_left
from quotegold.preannotate.textview import SENTENCE_END, Pair, TextView

_SCARE_MAX_WORDS = 4
_DASHES = frozenset({"-", "—", "\N{EN DASH}"})


@dataclass(frozen=True)
class _Factors:
    """How much less sure a quote no cue claimed is than one with a cue: its score, made as
    for a cued quote, is multiplied by the factor of the rule that found it."""

    # An unclosed mark's quote, taken to end where the next attribution starts: a guess.
    unclosed: float = 0.65
    # A quote continuing the previous speaker's: nothing in it names the speaker.
    continuation: float = 0.6
    # '“…” - Name' closing a paragraph: no verb says that the name spoke.
    dash: float = 0.7


_FACTORS = _Factors()


def find_orphans(view: TextView, founds: list[Found]) -> list[Found]:
    """Quotes from pairs that no attribution in `founds` covers, in text order."""
    state = _State(founds)
    added: list[Found] = []
    for pair in view.pairs:
        if view.headline[view.para[pair.open]] or state.covers(pair):
            continue
        rule = _unclosed if pair.close is None else _closed
        found = rule(view, pair, state)
        if found is not None:
            added.append(found)
            state.add(found)
    return added


class _State:
    """The attributions so far, indexed for the questions the orphan rules ask."""

    def __init__(self, founds: list[Found]) -> None:
        self.taken: set[int] = set()
        self.by_end: list[Found] = []
        # Attributions whose speaker opens a sentence ('Singh was quoted as saying …').
        self.opening: dict[int, Found] = {}
        for found in founds:
            self.add(found)
            if found.cue is not None:
                self.opening.setdefault(found.speaker.start, found)

    def add(self, found: Found) -> None:
        for part in found.parts:
            self.taken.update(range(part.start, part.end))
        self.taken.update(range(found.speaker.start, found.speaker.end))
        bisect.insort(self.by_end, found, key=lambda item: item.end)

    def covers(self, pair: Pair) -> bool:
        end = pair.open + 1 if pair.close is None else pair.close + 1
        return any(index in self.taken for index in range(pair.open, end))

    def last_before(self, index: int) -> Found | None:
        """The attribution whose content ends last at or before token `index`."""
        position = bisect.bisect_right(self.by_end, index, key=lambda item: item.end)
        return self.by_end[position - 1] if position else None


def _unclosed(view: TextView, pair: Pair, state: _State) -> Found | None:
    """'“A. B. Singh was quoted as saying …': the quote ends before the attribution."""
    opened = pair.open
    if opened != view.sents[view.sent[opened]][0]:
        return None
    _, para_end = view.paras[view.para[opened]]
    for sentence in range(view.sent[opened] + 1, view.sent[para_end - 1] + 1):
        low = view.sents[sentence][0]
        found = state.opening.get(low)
        if found is None or found.cue is None:
            continue
        if found.start <= opened:
            return None
        content = Content(opened + 1, low, "direct", "pair")
        own_cue = found.parts[0].how == "pair" and found.cue.end <= found.start
        result = make_found([content], found.speaker, None if own_cue else found.cue)
        result.score = round(result.score * _FACTORS.unclosed, 3)
        return result
    return None


def _closed(view: TextView, pair: Pair, state: _State) -> Found | None:
    assert pair.close is not None
    opened, closed = pair.open, pair.close
    words = sum(1 for word in view.words[opened + 1 : closed] if word[:1].isalnum())
    if words <= _SCARE_MAX_WORDS or _named(view, opened):
        return None
    content = pair_content(view, opened)
    if content is None:
        return None
    return (
        _after_colon(view, opened, content)
        or _before_dash(view, closed, content)
        or _continuation(view, pair, content, state)
    )


def _named(view: TextView, opened: int) -> bool:
    """'a group called “…”', 'the concept of “…”': a name, not a quote."""
    before = view.lower[opened - 1] if opened > 0 else ""
    if before in lex.NAMING_WORDS:
        return True
    return before == "of" and opened > 1 and view.lower[opened - 2] in lex.CONCEPT_NOUNS


def _after_colon(view: TextView, opened: int, content: Content) -> Found | None:
    """'He said:' closing a paragraph, the quote opening the next."""
    colon = opened - 1
    if colon < 0 or view.words[colon] != ":" or view.para[colon] == view.para[opened]:
        return None
    low, high = view.sents[view.sent[colon]]
    for cue in find_cues(view, low, high):
        if cue.kind in ("according", "participle"):
            continue
        speaker = speaker_left(view, cue.start - 1, low)
        if speaker is not None:
            colon_content = Content(content.start, content.end, "direct", "colon")
            return make_found([colon_content], speaker, cue)
    return None


def _before_dash(view: TextView, closed: int, content: Content) -> Found | None:
    """'“…” - Matthew Ingram' at the end of a paragraph."""
    dash = closed + 1
    if dash + 1 >= len(view) or view.words[dash] not in _DASHES:
        return None
    _, para_end = view.paras[view.para[closed]]
    span = name_right(view, dash + 1, para_end)
    if span is None or span[1] != para_end:
        return None
    speaker = speaker_left(view, span[1] - 1, dash + 1)
    if speaker is None:
        return None
    result = make_found([content], speaker, None)
    result.score = round(result.score * _FACTORS.dash, 3)
    return result


def _continuation(view: TextView, pair: Pair, content: Content, state: _State) -> Found | None:
    """A quote of whole sentences right after another quote: the same speaker goes on."""
    assert pair.close is not None
    sentence = view.sent[pair.open]
    if pair.open != view.sents[sentence][0] or not _ends_sentence(view, pair.close):
        return None
    last = state.last_before(pair.open)
    if last is None:
        return None
    if last.quote_type == "indirect" or (last.speaker.form == "pronoun" and last.cue is None):
        return None
    attribution_end = max(last.end, last.speaker.end, last.cue.end if last.cue else 0)
    if view.sent[attribution_end - 1] != sentence - 1:
        return None
    result = make_found([content], last.speaker, None)
    result.score = round(result.score * _FACTORS.continuation, 3)
    return result


def _ends_sentence(view: TextView, closed: int) -> bool:
    _, high = view.sents[view.sent[closed]]
    rest = view.words[closed + 1 : high]
    return all(word in SENTENCE_END for word in rest)
