"""Lexicon stance: the quoted speaker's position toward a schema target, or neutral.

A target is found by keywords; a stance needs a support or oppose word near a target
keyword, not negated. When nothing is clear the quote is neutral with no target.
"""

from __future__ import annotations

from collections.abc import Sequence

from quotegold.preannotate import lexicon as lex
from quotegold.schema.definition import STANCE_TARGETS

_TARGET_ORDER = tuple(choice.value for choice in STANCE_TARGETS)
_WINDOW = 10
_REGION_WINDOW = 6
_NEGATIONS = frozenset({"not", "n't", "never", "no", "nor", "without"})


_TERROR = lex.words(
    "terror terrorism terrorist terrorists extremism extremist extremists militant militants "
    "militancy radicalism radicalisation radicalization jihadist jihadists"
)
_POLICY = lex.words("policy policies law laws bill bills tax taxes legislation regulation reform")
_REGION = lex.words("region regional region's region\u2019s")
_SECURITY = lex.words("security stability peace peaceful stable secure")
_DEFENCE = lex.words("defence defense military army armed")
_COOPERATION = lex.words("cooperation co-operation ties partnership collaboration exercises")
_AFGHAN = lex.words("afghanistan afghan")
_SCO = lex.words("sco")

# Words that take a position. Fighting words oppose only terrorism.
_FIGHT = lex.words(
    "combat combating combatting combats fight fighting fought eradicate eradicating "
    "eradicated eliminate eliminating defeat defeating counter countering counter-terrorism "
    "zero-tolerance tolerance tackle tackling curb curbing confront confronting crush "
    "scourge menace root"
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


def _target_at(words: Sequence[str], index: int) -> str | None:
    word = words[index]
    if word in _TERROR:
        return "terrorism"
    if word in _SCO or (word == "shanghai" and index + 1 < len(words)):
        return "sco_cooperation"
    if word in _AFGHAN:
        return "afghanistan"
    near = words[max(0, index - _REGION_WINDOW) : index + _REGION_WINDOW + 1]
    if word in _SECURITY and any(other in _REGION for other in near):
        return "regional_security"
    if word in _COOPERATION and any(
        other in _DEFENCE for other in words[max(0, index - 3) : index]
    ):
        return "defence_cooperation"
    if word in _POLICY:
        return "government_policy"
    return None


def _stance_of(target: str, word: str) -> str | None:
    if target == "terrorism":
        return "oppose" if word in _FIGHT or word in _OPPOSE else None
    if word in _SUPPORT:
        return "support"
    return "oppose" if word in _OPPOSE else None


def _negated(words: Sequence[str], index: int) -> bool:
    return any(word in _NEGATIONS for word in words[max(0, index - 3) : index])


def stance(words: Sequence[str]) -> tuple[str, str | None]:
    """(stance, target) for a quote given as lower-cased tokens."""
    best: tuple[int, int, str, str] | None = None
    for index in range(len(words)):
        target = _target_at(words, index)
        if target is None:
            continue
        low, high = max(0, index - _WINDOW), min(len(words), index + _WINDOW + 1)
        for position in range(low, high):
            position_stance = _stance_of(target, words[position])
            if position_stance is None or _negated(words, position):
                continue
            rank = (abs(position - index), _TARGET_ORDER.index(target))
            if best is None or rank < best[:2]:
                best = (*rank, position_stance, target)
    if best is None:
        return "neutral", None
    return best[2], best[3]
