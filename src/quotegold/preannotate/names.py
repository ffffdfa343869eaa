"""Canonical names for speaker mentions: full names, titles stripped, pronouns resolved.

A person's canonical name is the longest title-free form of the name that the article uses
("Singh" → "Rajnath Singh"). A description takes the name of the last named person with
the same role ("the defense minister" → "Rajnath Singh"). A pronoun takes the last
compatible speaker: he/she a person (not one already called by the other pronoun or
title), they a group, it an organisation or country.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.propernames import core_start, is_name_token, name_kind, name_left
from quotegold.preannotate.speakers import Mention
from quotegold.preannotate.textview import TextView

_GROUP_KINDS = frozenset({"organisation", "unnamed", "country"})
_NOT_PERSONAL = lex.TITLES | lex.PERSON_ROLES | lex.COUNTRIES | lex.ORG_HEADS
_MAX_NAME_WORDS = 3
_LOOKBACK = 400
_HISTORY = 30  # how many earlier mentions a description or pronoun looks back on
_GENDER_TITLES = {"mr": "he", "mr.": "he", "mrs": "she", "mrs.": "she", "ms": "she", "ms.": "she"}
_GENDER_TITLES |= {"miss": "she", "sir": "he", "dame": "she", "king": "he", "queen": "she"}


@dataclass(frozen=True)
class _Scores:
    """How sure a speaker mention stays once its name is resolved (lowered, never raised)."""

    # A lone word never given a first name, taken for an organisation: it may be a person.
    lone_word_organisation: float = 0.6
    # A pronoun given the nearest earlier person, with no closer clue: a guess.
    pronoun_by_distance: float = 0.5


_SCORES = _Scores()


class NameResolver:
    """Resolves mentions in text order; remembers who was mentioned before."""

    def __init__(self, view: TextView) -> None:
        self.view = view
        self._full: dict[str, str] = {}
        self._gender: dict[str, str] = {}
        self._people: set[str] = set()
        self._surnames: dict[str, str] = {}

    def resolve(self, mentions: Iterable[Mention]) -> list[Mention]:
        """Fill in `name` and `kind`; mentions that cannot be resolved are left out."""
        history: list[Mention] = []
        for mention in sorted(mentions, key=lambda m: m.start):
            if mention.form == "name":
                self._name(mention, history)
            elif mention.form == "description":
                self._description(mention, history)
            elif not self._pronoun(mention, history):
                continue
            if mention.name:
                history.append(mention)
        return history

    def _text(self, start: int, end: int) -> str:
        return self.view.span_text(start, end)

    def _name(self, mention: Mention, history: list[Mention]) -> None:
        view = self.view
        start = mention.start + (view.lower[mention.start] == "the")
        core = core_start(view, start, mention.end)
        if mention.kind != "person" or core >= mention.end:
            mention.name = self._text(start, mention.end)
            return
        mention.name = self.full_name(core, mention.end)
        single = mention.end - core == 1 and " " not in mention.name and not mention.titles
        if single and mention.name not in self._people:
            # Journalists introduce people by full name; a lone word never given a first
            # name is more likely a company or a group ("Microsoft said").
            mention.kind = "organisation"
            mention.score = min(mention.score, _SCORES.lone_word_organisation)
        if mention.kind == "person":
            self._people.add(mention.name)
            self._surnames[mention.name.split()[-1]] = mention.name
        for title in mention.titles:
            if title in _GENDER_TITLES:
                self._gender.setdefault(mention.name, _GENDER_TITLES[title])

    def full_name(self, core: int, end: int) -> str:
        """The longest title-free form in the article of the name ending with token end-1."""
        surname = self.view.words[end - 1]
        if surname not in self._full:
            best = self._text(core, end)
            for index in self._occurrences(surname):
                if self.view.headline[self.view.para[index]]:
                    continue  # Title Case headlines capitalise every word
                candidate = self._text(self._walk_left(index), index + 1)
                if len(candidate) > len(best):
                    best = candidate
            self._full[surname] = best
        return self._full[surname]

    def _occurrences(self, word: str) -> list[int]:
        return self.view.capitalised_at(word)

    def _walk_left(self, index: int) -> int:
        view = self.view
        low = view.sents[view.sent[index]][0]
        start, words = index, 1
        position = index - 1
        while position >= low:
            if view.lower[position] in _NOT_PERSONAL:
                break
            lower = view.lower[position]
            if is_name_token(view, position):
                if words == _MAX_NAME_WORDS:
                    # A longer run ("University of Texas Arlington Amneh Jafari") is a
                    # place or organisation before the name: keep first and last name.
                    return self._walk_left_short(index)
                start, words = position, words + 1
            elif not (lower in lex.NAME_PARTICLES or view.words[position] == "-"):
                if lower in ("of", "for", "from") and words == _MAX_NAME_WORDS:
                    return self._walk_left_short(index)  # "Governor of Washington Chris …"
                break
            position -= 1
        while start < index and (
            view.lower[start] in lex.NAME_PARTICLES or view.words[start] == "-"
        ):
            start += 1
        return start

    def _walk_left_short(self, index: int) -> int:
        view = self.view
        start = index - 1
        while start > 0 and not is_name_token(view, start):
            start -= 1
        return start

    def _description(self, mention: Mention, history: list[Mention]) -> None:
        view = self.view
        head = view.lower[mention.end - 1]
        roles = {word for word in mention.titles if word in lex.PERSON_ROLES} or {head}
        for earlier in reversed(history[-_HISTORY:]):
            if earlier.kind == "person" and earlier.form == "name" and roles & earlier.titles:
                mention.name, mention.kind = earlier.name, "person"
                return
        start = mention.start
        if view.lower[start] in ("the", "a", "an"):
            start += 1
        mention.name = self._text(start, mention.end) if start < mention.end else "unnamed"

    def _pronoun(self, mention: Mention, history: list[Mention]) -> bool:
        lower = self.view.lower[mention.start]
        if lower in lex.PERSON_PRONOUNS:
            return self._personal(mention, lower, history)
        wanted = {"organisation", "country"} if lower == "it" else _GROUP_KINDS
        for earlier in reversed(history[-_HISTORY:]):
            if earlier.kind in wanted and earlier.name:
                mention.name, mention.kind = earlier.name, earlier.kind
                return True
        return False

    def _personal(self, mention: Mention, pronoun: str, history: list[Mention]) -> bool:
        subject = self._sentence_person(mention.start)
        if subject and self._gender.get(subject, pronoun) == pronoun:
            # "Berg announced a programme, which she said …": the person named earlier in
            # the same sentence comes before the last speaker.
            mention.name, mention.kind = subject, "person"
            self._gender[subject] = pronoun
            return True
        for earlier in reversed(history[-_HISTORY:]):
            named = earlier.form == "name" or earlier.name in self._gender
            if earlier.kind != "person" or not named:
                continue
            if self._gender.get(earlier.name, pronoun) != pronoun:
                continue
            mention.name, mention.kind = earlier.name, "person"
            self._gender[earlier.name] = pronoun
            return True
        found = self._earlier_person(mention.start)
        if found and self._gender.get(found, pronoun) == pronoun:
            mention.name, mention.kind = found, "person"
            mention.score = _SCORES.pronoun_by_distance
            return True
        return False

    def _sentence_person(self, before: int) -> str:
        """A person already named in the article, mentioned earlier in this sentence."""
        view = self.view
        low = view.sents[view.sent[before]][0]
        for index in range(before - 1, low - 1, -1):
            if is_name_token(view, index) and view.words[index] in self._surnames:
                return self._surnames[view.words[index]]
        return ""

    def _earlier_person(self, before: int) -> str:
        """The nearest full personal name (two or more words) before token `before`."""
        view = self.view
        index = before - 1
        while index >= 0 and before - index < _LOOKBACK:
            last_of_name = is_name_token(view, index) and not (
                index + 1 < len(view) and is_name_token(view, index + 1)
            )
            if not last_of_name:
                index -= 1
                continue
            low = view.sents[view.sent[index]][0]
            span = name_left(view, index, low)
            if span is None:
                index -= 1
                continue
            if name_kind(view, *span) == "person":
                core = core_start(view, span[0], span[1])
                if span[1] - core >= 2 and core >= low:
                    return self.full_name(core, span[1])
            index = span[0] - 1
        return ""
