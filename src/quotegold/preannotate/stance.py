"""Lexicon stance: the quoted speaker's position toward one of the project's stance targets.

A target is found by its keywords: the words and phrases its project gave it, or else the
words of its value and hint (`other` has none unless given). A stance needs a support, oppose
or fighting word near a target keyword, not negated; the nearest wins, then the target listed
first. When nothing is clear the quote is neutral with no target.

Words are compared in pieces: lower-cased, split at hyphens, so "counter-terrorism" holds
"terrorism" and the keyword "covid-19" matches however the tokenizer cut it. A keyword's last
word also matches with a final "s" or "es".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from quotegold.preannotate import lexicon as lex
from quotegold.schema.definition import OTHER_TARGET, Choice

_WINDOW = 10
_NEGATIONS = frozenset({"not", "n't", "never", "no", "nor", "without"})
_PIECE = re.compile(r"[\w']+")
_PLURALS = ("s", "es")

# Words a target's hint has that say nothing about its topic.
_STOPWORDS = lex.words(
    "a an the and or nor of in on at to for with by from as about above below over under "
    "into onto not no any anything this that these those it its their his her our your is "
    "are was were be been being other others etc such than then there here which who whom "
    "what when where how all some more most less least covered list between within "
    "a's government's leader's"
)

# Words that take a position. Fighting words oppose what they fight.
_FIGHT = lex.words(
    "combat combating combatting combats fight fighting fought eradicate eradicating "
    "eradicated eliminate eliminating defeat defeating counter countering zero-tolerance "
    "tolerance tackle tackling curb curbing confront confronting crush scourge menace root"
)
_OPPOSE = lex.words(
    "oppose opposes opposed opposing against reject rejects rejected rejecting condemn "
    "condemns condemned condemning criticise criticises criticised criticize criticizes "
    "criticized scrap repeal unfair unjust wrong harmful"
)
_SUPPORT = lex.words(
    "strengthen strengthening strengthened committed commitment support supports supported "
    "supporting welcome welcomes welcomed promote promoting promoted enhance enhancing "
    "deepen deepening expand expanding boost boosting prioritize prioritise preserve "
    "preserving ensure ensuring dedication dedicated essential vital endorse endorses "
    "endorsed favour favor backing praise praised important"
)


def pieces(words: Sequence[str]) -> list[str]:
    """Lower-cased word pieces of tokens or text, split at hyphens and punctuation."""
    return [piece for word in words for piece in _PIECE.findall(word.lower())]


def _position_of(word: str) -> str | None:
    if word in _SUPPORT:
        return "support"
    if word in _OPPOSE or word in _FIGHT:
        return "oppose"
    return None


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    rank: int  # the target's place in the project's list
    target: str

    def matches(self, text: Sequence[str], at: int) -> bool:
        end = at + len(self.words)
        if end > len(text):
            return False
        *head, last = self.words
        word = text[end - 1]
        if list(text[at : end - 1]) != head:
            return False
        return word == last or any(word == last + plural for plural in _PLURALS)


def keywords_of(target: Choice) -> tuple[str, ...]:
    """The keywords the pre-annotator uses for a target: its own, or its value's and hint's
    words (none for `other`, which is never proposed unless it has keywords of its own)."""
    if target.keywords:
        return target.keywords
    if target.value == OTHER_TARGET.value:
        return ()
    words = pieces([target.value.replace("_", " "), target.hint])
    return tuple(dict.fromkeys(w for w in words if len(w) > 2 and w not in _STOPWORDS))


@dataclass(frozen=True)
class TargetFinder:
    """A project's stance targets as keyword phrases, by their first word piece."""

    phrases: dict[str, tuple[_Phrase, ...]] = field(default_factory=dict)

    @classmethod
    def for_targets(cls, targets: Sequence[Choice]) -> TargetFinder:
        found: dict[str, list[_Phrase]] = {}
        for rank, target in enumerate(targets):
            for keyword in keywords_of(target):
                words = tuple(pieces([keyword]))
                if not words:
                    continue
                phrase = _Phrase(words, rank, target.value)
                starts = [words[0]]
                if len(words) == 1:  # its last word is its first: plurals start it too
                    starts += [words[0] + plural for plural in _PLURALS]
                for start in starts:
                    found.setdefault(start, []).append(phrase)
        return cls({start: tuple(phrases) for start, phrases in found.items()})

    def at(self, words: Sequence[str], index: int) -> list[tuple[_Phrase, int]]:
        """The phrases that start at `index`, each with the index just after it."""
        return [
            (phrase, index + len(phrase.words))
            for phrase in self.phrases.get(words[index], ())
            if phrase.matches(words, index)
        ]


def _negated(words: Sequence[str], index: int) -> bool:
    return any(word in _NEGATIONS for word in words[max(0, index - 3) : index])


def stance(tokens: Sequence[str], finder: TargetFinder) -> tuple[str, str | None]:
    """(stance, target) for a quote given as tokens; ("neutral", None) when nothing is clear."""
    words = pieces(tokens)
    best: tuple[int, int, str, str] | None = None
    for index in range(len(words)):
        for phrase, end in finder.at(words, index):
            low, high = max(0, index - _WINDOW), min(len(words), end + _WINDOW)
            for position in range(low, high):
                if index <= position < end:
                    continue  # the keyword itself takes no position
                found = _position_of(words[position])
                if found is None or _negated(words, position):
                    continue
                distance = index - position if position < index else position - end + 1
                rank = (distance, phrase.rank)
                if best is None or rank < best[:2]:
                    best = (*rank, found, phrase.target)
    if best is None:
        return "neutral", None
    return best[2], best[3]
