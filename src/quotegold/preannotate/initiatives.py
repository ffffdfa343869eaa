"""Named initiatives: Title-Case programmes and treaties, quoted concepts, acronym names.

Three shapes are suggested: a Title-Case name built on a head noun such as Convention,
Treaty or Programme ("Comprehensive Convention on International Terrorism"); a name in
quotation marks after "the concept / idea / vision / slogan of"; and a Title-Case phrase
with its acronym in parentheses, introduced as an idea, scheme or proposal ("Security and
Growth for All in the Region (SAGAR)"). The status comes from the sentence's verbs.
"""

from __future__ import annotations

from dataclasses import dataclass

from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.propernames import is_name_token
from quotegold.preannotate.textview import TextView

_CONTEXT_BEFORE = 6
_STATUS_BEFORE = 12
_STATUS_AFTER = 8
_RAISE = lex.words("raise raises raised")
_CONTEXT_AFTER = 8
_TRAILING = frozenset(".,;:!?")
_CONNECTORS = frozenset({"of", "on", "for", "and", "the", "in", "against", "to"})
_ACRONYM_CONTEXT = lex.CONCEPT_NOUNS | lex.INITIATIVE_HEADS | frozenset({"proposal"})


@dataclass(frozen=True)
class _Scores:
    """How sure each rule is that its span is a named initiative."""

    # 'the concept of “…”': the article says outright that a name follows.
    quoted_concept: float = 0.75
    # 'Security and Growth for All (SAGAR)': initials that match, introduced as an idea.
    acronym_name: float = 0.65
    # 'Comprehensive Convention on …': Title Case around a head noun, which organisations
    # and events share.
    head_name: float = 0.6


_SCORES = _Scores()


@dataclass(frozen=True)
class Initiative:
    """An initiative over tokens `start`..`end - 1` with a status and a confidence."""

    start: int
    end: int
    status: str
    score: float


def find_initiatives(view: TextView) -> list[Initiative]:
    """Every initiative the three rules find, without overlaps, in text order."""
    found: list[Initiative] = []
    taken: set[int] = set()
    for rule in (_quoted_concepts, _acronym_names, _head_names):
        for start, end, score in rule(view):
            if taken.isdisjoint(range(start, end)) and not view.headline[view.para[start]]:
                found.append(Initiative(start, end, status(view, start, end), score))
                taken.update(range(start, end))
    return sorted(found, key=lambda item: item.start)


def status(view: TextView, start: int, end: int) -> str:
    """proposed / agreed / endorsed / mentioned, from the words of the sentence near the
    initiative ("agreed … to develop the concept of", "a scheme that India has suggested")."""
    low, high = view.sents[view.sent[start]]
    before = view.lower[max(low, start - _STATUS_BEFORE) : start]
    words = set(before) | set(view.lower[end : min(high, end + _STATUS_AFTER)])
    if words & lex.AGREE_WORDS:
        return "agreed"
    if words & lex.PROPOSE_WORDS:
        return "proposed"
    if words & _RAISE and words & _ACRONYM_CONTEXT:
        return "proposed"  # "raised the idea of …", not "raised funds"
    if words & lex.ENDORSE_WORDS:
        return "endorsed"
    return "mentioned"


def _quoted_concepts(view: TextView) -> list[tuple[int, int, float]]:
    spans = []
    for pair in view.pairs:
        opened, closed = pair.open, pair.close
        if closed is None or opened < 2 or view.lower[opened - 1] != "of":
            continue
        if view.lower[opened - 2] not in lex.CONCEPT_NOUNS:
            continue
        end = closed
        while end > opened + 1 and view.words[end - 1] in _TRAILING:
            end -= 1
        if end > opened + 1:
            spans.append((opened + 1, end, _SCORES.quoted_concept))
    return spans


def _title_run(view: TextView, first: int) -> int:
    """The end of the Title-Case run starting at `first` (connectors inside allowed)."""
    end = first + 1
    index = first + 1
    high = view.sents[view.sent[first]][1]
    while index < high:
        if is_name_token(view, index) or (
            view.words[index] == "-" and index + 1 < high and view.glued(index, index + 1)
        ):
            end = index + 1
        elif not (view.lower[index] in _CONNECTORS and index + 1 < high):
            break
        index += 1
    return end


def _acronym_names(view: TextView) -> list[tuple[int, int, float]]:
    spans = []
    opened = [index + 1 for index, word in enumerate(view.words) if word == "("]
    for index in opened:
        if index < 2 or index + 1 >= len(view.words) or view.words[index + 1] != ")":
            continue
        acronym = view.words[index]
        if not (len(acronym) >= 3 and acronym.isupper() and acronym.isalpha()):
            continue
        start = _run_start(view, index - 2)
        if start is None or view.lower[index - 2] in lex.ORG_HEADS:
            continue
        if not _initials_match(view.words[start : index - 1], acronym):
            continue
        if _has_context(view, start, index + 2):
            spans.append((start, index + 2, _SCORES.acronym_name))
    return spans


def _run_start(view: TextView, last: int, *, allow_single: bool = False) -> int | None:
    """The first token of the Title-Case run (connectors inside) ending at `last`."""
    if not is_name_token(view, last):
        return None
    low = view.sents[view.sent[last]][0]
    start = last
    index = last - 1
    while index >= low:
        if is_name_token(view, index):
            start = index
        elif view.lower[index] not in _CONNECTORS:
            break
        index -= 1
    return start if start < last or allow_single else None


def _initials_match(words: list[str], acronym: str) -> bool:
    initials = [word[0].upper() for word in words if word[:1].isalpha()]
    if not initials or initials[0] != acronym[0]:
        return False
    position = 0
    for letter in acronym:
        while position < len(initials) and initials[position] != letter:
            position += 1
        if position == len(initials):
            return False
        position += 1
    return True


def _has_context(view: TextView, start: int, end: int) -> bool:
    low, high = view.sents[view.sent[start]]
    before = view.lower[max(low, start - _CONTEXT_BEFORE) : start]
    after = view.lower[end : min(high, end + _CONTEXT_AFTER)]
    return bool(_ACRONYM_CONTEXT.intersection(before) or _ACRONYM_CONTEXT.intersection(after))


def _head_names(view: TextView) -> list[tuple[int, int, float]]:
    spans: list[tuple[int, int, float]] = []
    heads = [
        index
        for index, lower in enumerate(view.lower)
        if lower in lex.INITIATIVE_HEADS and view.words[index][:1].isupper()
    ]
    done = -1
    for head in heads:
        if head < done or not is_name_token(view, head):
            continue
        start = _run_start(view, head, allow_single=True)
        assert start is not None
        end = _title_run(view, start)
        span = _head_span(view, start, end)
        if span is not None:
            spans.append((*span, _SCORES.head_name))
        done = end
    return spans


def _head_span(view: TextView, start: int, end: int) -> tuple[int, int] | None:
    """A run such as 'Comprehensive Convention on International Terrorism': a head noun
    after a modifier, followed by nothing or by a prepositional phrase."""
    while end > start and view.lower[end - 1] in _CONNECTORS:
        end -= 1
    heads = [i for i in range(start + 1, end) if view.lower[i] in lex.INITIATIVE_HEADS]
    if not heads:
        return None
    head = heads[0]
    if head + 1 < end and view.lower[head + 1] not in _CONNECTORS:
        return None  # "Project Manager": the head noun is a modifier here
    if any(view.lower[i] in lex.ORG_HEADS for i in range(start, head)):
        return None
    return start, end
