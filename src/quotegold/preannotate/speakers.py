"""Find speaker mentions next to a cue.

A mention is a proper name ("Defence Minister Rajnath Singh", "the Kazakh Ministry of
Defense"), a pronoun ("he", "they"), or a description whose head is a known role, group
or unnamed source ("the defense minister", "officials involved in …"). Anything else is
not taken for a speaker: a missing suggestion costs an annotator less than a wrong one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.propernames import (
    POSSESSIVE,
    core_start,
    is_acronym,
    is_capitalised,
    is_lower_word,
    is_name_token,
    name_kind,
    name_left,
    name_right,
)
from quotegold.preannotate.textview import QUOTE_MARKS, TextView

Form = Literal["name", "pronoun", "description"]

_BOUNDARY_WORDS = lex.words(
    "and but or while as because when where after before though although since so then "
    "also yesterday today that which who whom"
)
_APPOSITIVE_MAX = 30
_APPOSITIVE_HOPS = 3
_DESCRIPTION_MAX = 7
_ROLE_MODIFIERS = 3
_POSTMODIFIED_MAX = 10
_LINKS = lex.words("of at from for with")
_NUMBERS = lex.words("two three four five six seven eight nine ten several many some few")
_ISSUED = lex.words("issued released published")
_SOURCE_HEADS = lex.words(
    "source sources official officials people person diplomat diplomats insider insiders"
)
_POSTMODIFIERS = frozenset(
    {
        ("familiar", "with"),
        ("close", "to"),
        ("involved", "in"),
        ("with", "knowledge"),
        ("with", "direct"),
        ("briefed", "on"),
        ("speaking", "on"),
        ("close", "with"),
    }
)
_RIGHT_CHUNK_MAX = 10
_HEAD_STOPS = lex.PREPOSITIONS | frozenset({"of", "by", "from", "about", "among", "who", "which"})
_PUNCT_STOP = frozenset(",.;:!?()[]—\N{EN DASH}-") | QUOTE_MARKS
_NOT_DETERMINERS = frozenset({"that", "this", "these", "those"})


@dataclass(frozen=True)
class _Scores:
    """How sure a mention is to be the speaker, by its form: names beat roles and pronouns."""

    # 'Rajnath Singh', 'the Kazakh Ministry of Defense': a name of several words.
    name: float = 0.9
    # 'the defence minister, Rajnath Singh,': a role with its name in apposition.
    apposed_name: float = 0.85
    # 'Singh': one word, a surname or perhaps a company (`names` decides).
    one_word_name: float = 0.8
    # 'the ministers of the SCO': a description that says whose.
    described_of: float = 0.75
    # 'the Secretary of Defense': titles without a name.
    titles_only: float = 0.7
    # 'the defense minister', 'a source familiar with …': a role the article may never name.
    description: float = 0.7
    # 'he', 'they': resolved later, to the last compatible speaker.
    pronoun: float = 0.7


_SCORES = _Scores()


@dataclass
class Mention:
    """A speaker mention over tokens `start`..`end - 1`."""

    start: int
    end: int
    form: Form
    kind: str = "person"
    name: str = ""
    score: float = field(kw_only=True)
    # Lower-cased title and role words said of this person ("defence", "minister").
    titles: frozenset[str] = field(default_factory=frozenset)

    @property
    def key(self) -> tuple[int, int]:
        return (self.start, self.end)


def _name_mention(view: TextView, start: int, end: int) -> Mention:
    if start > 0 and view.lower[start - 1] == "the":
        start -= 1
    kind = name_kind(view, start, end)
    mention = Mention(start, end, "name", kind, score=_SCORES.name)
    if kind == "person":
        core = core_start(view, start, end)
        mention.titles = frozenset(view.lower[start:core])
        if core >= end:
            mention.form = "description"  # only titles: "the Secretary of Defense"
            mention.score = _SCORES.titles_only
        elif end - core == 1:
            mention.score = _SCORES.one_word_name
    return mention


def _lone_capital(view: TextView, start: int, end: int, low: int) -> bool:
    """A single capitalised word opening the sentence and never capitalised elsewhere
    ("Estimates suggest …") is a common noun, not a name."""
    if end - start != 1 or start != low or is_acronym(view, start):
        return False
    return not view.capitalised_inside(view.words[start])


# -- descriptions --------------------------------------------------------------------------


def _head_known(lower: str) -> bool:
    return lower in lex.PERSON_ROLES or lower in lex.UNNAMED_PLURALS or lower in lex.ORG_NOUNS


def _description_left(view: TextView, last: int, low: int) -> tuple[int, int] | None:
    word = view.words[last]
    if not _head_known(view.lower[last]):
        return None
    if not (is_lower_word(word) or (last == low and word.isalpha())):
        return None
    start = index = last
    possessor = False
    while index - 1 >= low and last - index < _DESCRIPTION_MAX:
        index -= 1
        word, lower = view.words[index], view.lower[index]
        if lower in lex.DETERMINERS and lower not in _NOT_DETERMINERS:
            return index, last + 1
        if lower in POSSESSIVE and index - 1 >= low and is_name_token(view, index - 1):
            possessor = True  # "Obama's spokesman": the possessor determines the head
        modifier = is_lower_word(word) and lower not in lex.ADVERBS | _BOUNDARY_WORDS
        if not (lower in POSSESSIVE or modifier or is_name_token(view, index)):
            break
        start = index
    if possessor or view.lower[last] in lex.UNNAMED_PLURALS or view.lower[last] == "police":
        return start, last + 1  # bare plurals: "Saudi officials said"
    return None


def _description_kind(view: TextView, start: int, head: int) -> str:
    lower = view.lower[head]
    if lower in lex.UNNAMED_PLURALS or view.lower[start] in ("a", "an", "one", "some", "several"):
        return "unnamed"
    if lower in lex.ORG_NOUNS:
        return "organisation"
    return "person"


def _description(view: TextView, start: int, end: int, head: int) -> Mention:
    kind = _description_kind(view, start, head)
    titles = frozenset({view.lower[head]})
    return Mention(start, end, "description", kind, score=_SCORES.description, titles=titles)


def _extend_of(view: TextView, mention: Mention, low: int) -> Mention:
    """'the defense ministers' + 'of the SCO', 'analysts' + 'at Bank Nordwest': take the
    description before the preposition."""
    start = mention.start
    if start - 2 < low or view.lower[start - 1] not in _LINKS:
        return mention
    outer = _description_left(view, start - 2, low)
    if outer is None:
        return mention
    extended = _description(view, outer[0], mention.end, outer[1] - 1)
    extended.score = _SCORES.described_of
    return extended


def speaker_left(view: TextView, last: int, low: int) -> Mention | None:
    """The speaker mention that ends at token `last`, the subject of a cue after it:
    adverbs ("also") and appositives (", the State Department spokesperson,") skipped."""
    while last >= low and view.lower[last] in lex.ADVERBS:
        last -= 1
    if last < low:
        return None
    appositive: set[str] = set()
    mention = None if view.words[last] == "," else _subject(view, last, low)
    comma = last
    hops = 0
    while mention is None and view.words[comma] == "," and hops < _APPOSITIVE_HOPS:
        previous = _previous_comma(view, comma, low)
        if previous is None:
            return None
        mention = _apposed_name(view, previous, comma, low)
        if mention is None:
            appositive.update(view.lower[previous + 1 : comma])
            mention = _subject(view, previous - 1, low, apposed=True)
        comma, hops = previous, hops + 1
    if mention is None:
        return None
    mention.titles = mention.titles | appositive
    return mention


def _apposed_name(view: TextView, left: int, right: int, low: int) -> Mention | None:
    """'The spokeswoman for the ministry, Ana Ruiz, said': the name between the commas is
    the mention nearest the cue; the description before it gives its titles."""
    span = name_left(view, right - 1, left + 1)
    if span is None or span[0] != left + 1 or name_kind(view, *span) != "person":
        return None
    if span[1] - core_start(view, *span) < 2:
        return None
    mention = _name_mention(view, *span)
    mention.titles = mention.titles | frozenset(view.lower[max(low, left - 6) : left])
    described = _description_left(view, left - 1, low) if left - 1 >= low else None
    if described is not None and view.lower[described[1] - 1] not in lex.ORG_NOUNS:
        mention.start = described[0]  # "one resident, Ana Silva"
    return mention


def _subject(view: TextView, last: int, low: int, *, apposed: bool = False) -> Mention | None:
    mention = _left_mention(view, last, low, apposed=apposed)
    if mention is None or not _subject_boundary(view, mention.start, low):
        return None
    return mention


def _left_mention(view: TextView, last: int, low: int, *, apposed: bool = False) -> Mention | None:
    if view.lower[last] in lex.PRONOUNS:
        return Mention(last, last + 1, "pronoun", score=_SCORES.pronoun)
    span = name_left(view, last, low)
    # An appositive after a lone capitalised word ("Lopez, who took office …,") makes
    # it a name.
    if span is not None and (apposed or not _lone_capital(view, *span, low)):
        mention = _name_mention(view, *span)
        start = _role_start(view, mention.start, low)
        if start < mention.start:
            roles = frozenset(view.lower[start : mention.start])
            mention.start, mention.titles = start, mention.titles | roles
        return _extend_of(view, mention, low)
    span = _description_left(view, last, low)
    if span is not None:
        return _extend_of(view, _description(view, span[0], span[1], span[1] - 1), low)
    return _postmodified_left(view, last, low)


def _quantifier(lower: str) -> bool:
    return lower in lex.DETERMINERS or lower in _NUMBERS or lower.isdigit()


def _postmodified_left(view: TextView, last: int, low: int) -> Mention | None:
    """'A source familiar with the matter', 'people close to the talks': an unnamed
    source with a fixed post-modifier, ending at token `last`."""
    for head in range(last - 2, max(low, last - _POSTMODIFIED_MAX) - 1, -1):
        if view.lower[head] not in _SOURCE_HEADS:
            continue
        if (view.lower[head + 1], view.lower[head + 2]) not in _POSTMODIFIERS:
            continue
        if any(not view.words[i][:1].isalnum() for i in range(head + 1, last + 1)):
            return None
        first = (_description_left(view, head, low) or (head, head + 1))[0]
        if first == head and head - 1 >= low and _quantifier(view.lower[head - 1]):
            first -= 1  # "Two people familiar with …"
        return Mention(first, last + 1, "description", "unnamed", score=_SCORES.description)
    return None


_POSSESSIVES = frozenset({"'s", "\u2019s"})


def _role_start(view: TextView, start: int, low: int) -> int:
    """'team member Rodaba Noori', 'His father Mohamed …': a lower-case role (and its
    modifiers and determiner) right before a name belongs to the mention."""
    role = start - 1
    if role < low or view.lower[role] not in lex.PERSON_ROLES:
        return start
    if not is_lower_word(view.words[role]):
        return start
    first = index = role
    while index - 1 >= low and role - index < _ROLE_MODIFIERS:
        index -= 1
        word, lower = view.words[index], view.lower[index]
        if lower in lex.DETERMINERS and lower not in _NOT_DETERMINERS:
            return index
        if lower in _POSSESSIVES and index > low and is_name_token(view, index - 1):
            # "Tunisia's coach Nabil Maaloul": a named possessor is part of the role
            while index - 1 >= low and is_name_token(view, index - 1):
                index -= 1
            return index
        hyphen = word == "-" and index > low and view.glued(index - 1, index)
        modifier = is_lower_word(word) and lower not in _BOUNDARY_WORDS | lex.ADVERBS
        if not (hyphen or modifier or is_name_token(view, index)):
            break
        first = index
    return first


def _previous_comma(view: TextView, last: int, low: int) -> int | None:
    for index in range(last - 1, max(low, last - _APPOSITIVE_MAX) - 1, -1):
        word = view.words[index]
        if word == ",":
            return index if index > low else None
        if word in QUOTE_MARKS or word in (".", ";", ":"):
            return None
    return None


def _subject_boundary(view: TextView, start: int, low: int) -> bool:
    if start <= low:
        return True
    before, lower = view.words[start - 1], view.lower[start - 1]
    if before in _PUNCT_STOP or before[:1].isdigit():
        return True
    if start - 1 == low and lower in lex.SENTENCE_OPENERS:
        return True  # "Later she said"
    return lower in _BOUNDARY_WORDS or lower in lex.ADVERBS  # "and he said", "also …"


def speaker_right(view: TextView, first: int, high: int, *, whole: bool = True) -> Mention | None:
    """The speaker mention that starts at token `first` ("said the minister", "according
    to officials involved in …"), stopping before `high`; `whole` takes a description up
    to the next punctuation, else only up to its head noun."""
    if first >= high:
        return None
    lower = view.lower[first]
    if lower in lex.PRONOUNS:
        return Mention(first, first + 1, "pronoun", score=_SCORES.pronoun)
    start = first + 1 if lower == "the" else first
    span = name_right(view, start, high)
    end = span[1] if span is not None else start
    while (
        span and end < high and end - first < _RIGHT_CHUNK_MAX and view.lower[end] in lex.ORG_NOUNS
    ):
        end += 1  # "Yonhap news agency"
    if span is not None and not (end < high and view.lower[end] in POSSESSIVE):
        mention = _name_mention(view, span[0], end)
        if mention.kind == "person" and end > span[1]:
            mention.kind = "organisation"
        if lower == "the":
            mention.start = first
        return mention
    description = _description_right(view, first, high, whole=whole)
    return None if description is None else _with_appositive_name(view, description, high)


def _description_right(
    view: TextView, first: int, high: int, *, whole: bool = True
) -> Mention | None:
    chunk_end = first
    while chunk_end < high and view.words[chunk_end] not in _PUNCT_STOP:
        chunk_end += 1
    head = None
    for index in range(first, min(chunk_end, first + 6)):
        lower, word = view.lower[index], view.words[index]
        if lower in lex.DOCUMENT_NOUNS:
            return _document_source(view, index + 1, chunk_end)
        if lower in _HEAD_STOPS and head is not None:
            break
        if _head_known(lower):
            head = index
        elif not (is_lower_word(word) or is_capitalised(word) or lower in POSSESSIVE):
            break
    if head is None:
        return None
    end = chunk_end if whole and chunk_end - first <= _RIGHT_CHUNK_MAX else head + 1
    return _description(view, first, end, head)


def _with_appositive_name(view: TextView, mention: Mention, high: int) -> Mention:
    """'the Afghan team's coach, Alireza Mehraban,': the name belongs to the mention."""
    comma = mention.end
    if comma + 1 >= high or view.words[comma] != ",":
        return mention
    span = name_right(view, comma + 1, high)
    if span is None or name_kind(view, *span) != "person":
        return mention
    if span[1] < high and view.words[span[1]] not in (",", ".", ";"):
        return mention
    return Mention(
        mention.start, span[1], "name", "person", score=_SCORES.apposed_name, titles=mention.titles
    )


def _document_source(view: TextView, index: int, high: int) -> Mention | None:
    """'a statement from the Kazakh Ministry of Defense', 'a report released by …': the
    source after the document (not 'a memo seen by Reuters': Reuters only saw it)."""
    if index < high and view.lower[index] in _ISSUED:
        index += 1
    if index + 1 >= high or view.lower[index] not in ("from", "by", "of"):
        return None
    inner = speaker_right(view, index + 1, high)
    if inner is None or inner.form == "pronoun":
        return None
    return inner


def subject_at(view: TextView, first: int, high: int) -> Mention | None:
    """The sentence subject starting at `first`, for cues like ", saying …"."""
    mention = speaker_right(view, first, high, whole=False)
    if mention is None or mention.end >= high:
        return None
    return mention
