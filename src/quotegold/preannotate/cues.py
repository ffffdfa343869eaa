"""Find attribution cues in a sentence: reporting verbs, "according to", "was quoted as
saying", and a few verb + particle phrases ("pointed out", "called for")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.textview import TextView

CueKind = Literal["say", "tell", "object", "participle", "according", "quoted", "colon"]


@dataclass(frozen=True)
class _Scores:
    """How sure a cue is that it reports what someone said."""

    # "said", "told", "wrote", "according to", "was quoted as saying": nothing else they mean.
    strong: float = 0.9
    # Other reporting verbs ("added", "warned"): sometimes used for things, not speech.
    ordinary: float = 0.8
    # "called for", ", saying": what follows is often a demand or a paraphrase.
    weak: float = 0.65


_SCORES = _Scores()

# Verb + particle cues and how their content is found.
_PHRASES: dict[tuple[str, str], CueKind] = {
    ("pointed", "out"): "say",
    ("points", "out"): "say",
    ("point", "out"): "say",
    ("brought", "up"): "object",
    ("called", "for"): "object",
    ("calls", "for"): "object",
    ("called", "on"): "object",
    ("calls", "on"): "object",
}
_QUOTED_GAP = 8  # "was quoted by the media as saying"
# Every word a cue can start with, for a fast first test.
_TRIGGERS = (
    lex.SAY_VERBS
    | lex.TELL_VERBS
    | lex.PARTICIPLE_CUES
    | lex.PASSIVE_AUX
    | {"according"}
    | {first for first, _ in _PHRASES}
)


@dataclass(frozen=True)
class Cue:
    """A cue over tokens `start`..`end - 1`; `verb` is its main word, lower-cased."""

    start: int
    end: int
    verb: str
    kind: CueKind
    score: float

    @property
    def key(self) -> tuple[int, int]:
        return (self.start, self.end)


def _cue_score(verb: str, kind: CueKind) -> float:
    if verb in lex.STRONG_CUES or kind in ("according", "quoted"):
        return _SCORES.strong
    if kind in ("object", "participle"):
        return _SCORES.weak
    return _SCORES.ordinary


def find_cues(view: TextView, start: int, end: int) -> list[Cue]:
    """The cues in tokens `start`..`end - 1` that are not inside quotation marks."""
    found: list[Cue] = []
    lower = view.lower
    index = start
    while index < end:
        if lower[index] not in _TRIGGERS:
            index += 1
            continue
        cue = _cue_at(view, index, end)
        if cue is None:
            index += 1
            continue
        found.append(cue)
        index = cue.end
    return found


def _cue_at(view: TextView, index: int, end: int) -> Cue | None:
    if view.inside[index] >= 0:
        return None
    lower = view.lower[index]
    following = view.lower[index + 1] if index + 1 < end else ""
    kind: CueKind | None = None
    stop = index + 1
    if lower == "according" and following == "to":
        kind, stop = "according", index + 2
    elif lower in lex.PASSIVE_AUX and following == "quoted":
        stop = _quoted_end(view, index + 2, end)
        kind = "quoted" if stop else None
    elif (lower, following) in _PHRASES:
        kind, stop = _PHRASES[(lower, following)], index + 2
    elif lower in lex.TELL_VERBS:
        kind = "tell"
    elif lower in lex.PARTICIPLE_CUES:
        kind = "participle"
    elif lower in lex.SAY_VERBS:
        kind = "object" if lower in lex.OBJECT_VERBS and lower not in lex.ZERO_THAT_VERBS else "say"
    if kind is None or (not view.words[index][:1].islower() and kind != "according"):
        return None
    verb = " ".join(view.lower[index:stop]) if kind != "quoted" else "saying"
    return Cue(index, stop, verb, kind, _cue_score(verb, kind))


def _quoted_end(view: TextView, index: int, end: int) -> int:
    """The end of "quoted [by …] as saying", or 0."""
    for position in range(index, min(end - 1, index + _QUOTED_GAP)):
        if view.lower[position] == "as" and view.lower[position + 1] == "saying":
            return position + 2
        if view.words[position] in (",", ".", ";", ":"):
            return 0
    return 0
