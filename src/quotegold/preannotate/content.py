"""Find the content of an attribution: what follows a cue or what precedes a speaker.

Content is a token range. Reported content runs to the end of its sentence without the
final punctuation; content inside quotation marks runs to the closing mark, even across
sentences, but never beyond its paragraph (marks are paired per paragraph).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.cues import Cue
from quotegold.preannotate.textview import QUOTE_MARKS, TextView

QuoteType = Literal["direct", "indirect", "mixed"]
How = Literal[
    "pair", "unclosed", "that", "zero", "object", "colon", "before", "before-pair", "rest"
]

_EDGE_PUNCT = frozenset(",;:.!?—\N{EN DASH}-")
_LEAD_PUNCT = frozenset(",;:—\N{EN DASH}-")
_ADVERBIAL_MAX = 12
_TEMPORAL = lex.DAYS_MONTHS | lex.words(
    "yesterday today tonight tomorrow earlier later recently week month year weekend "
    "morning afternoon evening night"
)
_OBJECT_PRONOUNS = lex.words("me him her us them you reporters journalists")
_TAIL_MAX = 10
_DATELINE_MAX = 8
_DASHES = frozenset({"-", "—", "\N{EN DASH}"})
_TAIL_ADVERBIAL = 8
_TAIL_OPENERS = lex.PARTICIPLE_CUES | lex.words(
    "as because while after before since although though when which who citing following "
    "amid despite"
)
_REQUEST_OBJECT_MAX = 10
_MIN_TOKENS = 3
_PREPOSITIONS = lex.words("to for at in on with about")
# After a comma these open a clause that is the writer's, not the speaker's.
_CONTRAST = lex.words("but while whereas although though however yet")


@dataclass(frozen=True)
class Content:
    """Content tokens `start`..`end - 1` (quotation marks excluded when they wrap it)."""

    start: int
    end: int
    quote_type: QuoteType
    how: How


def classify(view: TextView, start: int, end: int, how: How) -> Content | None:
    """Trim edge punctuation (and a dateline) and decide direct / mixed / indirect."""
    start = _after_dateline(view, start, end)
    while start < end and view.words[start] in _LEAD_PUNCT:
        start += 1
    if start < end and view.is_open(start):
        close = view.pairs[view.mark_pair[start]].close
        if close == end - 1 or (close is not None and _only_punct(view, close + 1, end)):
            return _direct(view, start, close, how)
    while end > start and view.words[end - 1] in _EDGE_PUNCT:
        end -= 1
    if end - start < _MIN_TOKENS:
        return None
    marked = any(view.words[index] in QUOTE_MARKS for index in range(start, end))
    return Content(start, end, "mixed" if marked else "indirect", how)


def _after_dateline(view: TextView, start: int, end: int) -> int:
    """Skip 'BERLIN (Reuters) -' or 'Taipei, Taiwan —' opening a paragraph."""
    if start >= end or start != view.paras[view.para[start]][0]:
        return start
    for index in range(start, min(end, start + _DATELINE_MAX)):
        word = view.words[index]
        if word in _DASHES:
            return index + 1 if index > start else start
        if not (word[:1].isupper() or word in (",", "(", ")")):
            return start
    return start


def _only_punct(view: TextView, start: int, end: int) -> bool:
    return all(view.words[index] in _EDGE_PUNCT for index in range(start, end))


def _direct(view: TextView, opened: int, closed: int, how: How) -> Content | None:
    start, end = opened + 1, closed
    while end > start and view.words[end - 1] in (",", ";", ":"):
        end -= 1  # '“We will,” she said': the comma belongs to the attribution
    if end <= start:
        return None
    return Content(
        start, end, "direct", "pair" if how in ("that", "zero", "rest", "object") else how
    )


def pair_content(view: TextView, opened: int, *, unclosed: bool = False) -> Content | None:
    """The direct content of the pair opened at token `opened`. An unclosed pair counts
    only when `unclosed` (a cue introduced it): it runs to the next quotation mark or the
    end of its paragraph, never further."""
    close = view.pairs[view.mark_pair[opened]].close
    if close is not None:
        return _direct(view, opened, close, "pair")
    if not unclosed:
        return None
    end = view.paras[view.para[opened]][1]
    for index in range(opened + 1, end):
        if view.words[index] in QUOTE_MARKS:
            end = index
            break
    content = _direct(view, opened, end, "unclosed")
    return content if content is not None and content.end - content.start >= _MIN_TOKENS else None


def _sentence_content(view: TextView, start: int, high: int, how: How) -> Content | None:
    """From `start` to the sentence end, extended to close a pair opened inside, cut
    before a clause that is no longer the reported content ('…, but critics …')."""
    end = high
    index = start
    while index < end:
        if view.is_open(index):
            close = view.pairs[view.mark_pair[index]].close
            if close is not None:
                end = max(end, close + 1)
                index = close + 1
                continue
        if _clause_break(view, index, end):
            end = index
            break
        index += 1
    return classify(view, start, end, how)


def _clause_break(view: TextView, index: int, end: int) -> bool:
    word = view.words[index]
    if word == ";":
        return True
    if view.lower[index] in lex.PARTICIPLE_CUES and index >= 2:
        # '…, adding that …' and '“fantasy,” adding …' start an attribution of their own
        before = view.words[index - 1]
        return before == "," or (view.is_close(index - 1) and view.words[index - 2] == ",")
    if word != "," or index + 1 >= end:
        return False
    following = view.lower[index + 1]
    if following in _CONTRAST:
        return True
    return following == "according" and index + 2 < end and view.lower[index + 2] == "to"


def skip_adverbial(view: TextView, index: int, high: int) -> int | None:
    """Skip "in a statement", "on Tuesday" after a cue: the index where content may start."""
    if index >= high:
        return None
    lower = view.lower[index]
    if lower in _TEMPORAL:
        return index + 1
    following = view.lower[index + 1] if index + 1 < high else ""
    if lower in ("on", "last", "this", "next") and following in _TEMPORAL:
        return index + 2
    if lower not in lex.PREPOSITIONS:
        return index
    for position in range(index, min(high, index + _ADVERBIAL_MAX)):
        word = view.words[position]
        if view.lower[position] == "that":
            return position
        if word in (",", ":") and position + 1 < high and view.is_open(position + 1):
            return position
        if view.is_open(position):
            return position  # 'writing in a blog post “…”'
        if word in QUOTE_MARKS or word in (".", ";", "!", "?"):
            return None
    return None


def after_cue(view: TextView, cue: Cue, index: int, high: int) -> Content | None:
    """The content after a cue (and its addressee), within the sentence ending at `high`."""
    position = skip_adverbial(view, index, high)
    if position is None or position >= high:
        return None
    word, lower = view.words[position], view.lower[position]
    if word in (",", ":") and position + 1 < len(view) and view.is_open(position + 1):
        return pair_content(view, position + 1, unclosed=True)
    if word == ":":
        return _sentence_content(view, position + 1, high, "colon")
    if view.is_open(position):
        return pair_content(view, position, unclosed=True)
    if lower == "that":
        return _sentence_content(view, position + 1, high, "that")
    return _bare_after(view, cue, position, high)


def _bare_after(view: TextView, cue: Cue, position: int, high: int) -> Content | None:
    word, lower = view.words[position], view.lower[position]
    if lower in lex.AUXILIARIES:
        return None  # "which she said would …": the content's subject is elsewhere
    starts_clause = (
        lower in lex.CLAUSE_STARTERS
        or lower in lex.CONTENT_WH
        or (word[:1].isupper() and lower not in lex.SENTENCE_OPENERS)
        or word[:1].isdigit()
    )
    strong = cue.verb in lex.ZERO_THAT_VERBS or cue.kind in ("tell", "participle", "quoted")
    auxiliary = _auxiliary_follows(view, position, high)
    weak_clause = lower in lex.SUBJECT_PRONOUNS or lower in lex.CONTENT_WH or auxiliary
    if lower not in _PREPOSITIONS and (
        (strong and (starts_clause or auxiliary))
        or (cue.verb in lex.WEAK_ZERO_THAT_VERBS and weak_clause)
    ):
        return _sentence_content(view, position, high, "zero")
    if cue.verb in ("ask", "asks", "asked", "wondered") and not _request(view, position, high):
        return None
    if cue.kind == "object" or cue.verb in lex.OBJECT_VERBS:
        if word in QUOTE_MARKS or word in _EDGE_PUNCT or lower in lex.PREPOSITIONS:
            return None
        return _sentence_content(view, position, high, "object")
    return None


def _auxiliary_follows(view: TextView, position: int, high: int) -> bool:
    """'says manufacturers could …': a short subject, then an auxiliary or modal."""
    for index in range(position + 1, min(high, position + 4)):
        if view.lower[index] in lex.AUXILIARIES:
            return all(view.words[i][:1].isalpha() for i in range(position, index))
    return False


def _request(view: TextView, position: int, high: int) -> bool:
    """'asked whether …', 'asked the governments … not to turn away boats': a question or
    a request, not 'asked him about the plan to …'."""
    if view.lower[position] in lex.WH_WORDS:
        return True
    for index in range(position, min(high, position + _REQUEST_OBJECT_MAX)):
        lower = view.lower[index]
        if lower == "to":
            return index > position
        if lower == "of":
            continue  # "the governments of South East Asia"
        if lower in lex.PREPOSITIONS or lower == "about" or not lower[:1].isalnum():
            return False
    return False


def skip_addressee(view: TextView, index: int, high: int) -> int | None:
    """After "told": skip "reporters", "him", "the court", "BBC News"; None if unclear."""
    if index >= high:
        return None
    lower = view.lower[index]
    if lower in _OBJECT_PRONOUNS:
        return index + 1
    if view.words[index][:1].isupper():
        position = index
        while position < high and view.words[position][:1].isupper():
            position += 1
        return position if position - index <= 5 else None
    for position in range(index, min(high, index + 6)):
        word = view.words[position]
        if view.lower[position] == "that" or word in (",", ":") or view.is_open(position):
            return position
    return None


def before_speaker(view: TextView, first: int, low: int) -> Content | None:
    """Content before an attribution that starts at token `first`: '“A,” X said' or
    'A, X said'; `low` is the sentence start."""
    position = first - 1
    if position < low:
        return None
    if view.words[position] == "," and position - 1 >= low and view.is_close(position - 1):
        position -= 1
    if view.is_close(position):
        opened = view.pairs[view.mark_pair[position]].open
        if opened <= low or _only_punct(view, low, opened):
            return _direct(view, opened, position, "before-pair")
        return classify(view, _sentence_start(view, opened), position + 1, "before")
    if view.words[position] != ",":
        return None
    return classify(view, low, position, "before")


def _sentence_start(view: TextView, index: int) -> int:
    return view.sents[view.sent[index]][0]


def tail_ok(view: TextView, index: int, high: int) -> bool:
    """Whether what follows an attribution in its sentence is the writer's: a short
    adverbial ("on Thursday"), then perhaps a clause of their own (", as demand fell")."""
    if any(view.words[position] in QUOTE_MARKS for position in range(index, high)):
        return False
    first = view.lower[index] if index < high else ""
    if first[:1].isalnum() and first not in lex.PREPOSITIONS and first not in _TEMPORAL:
        return False  # "Waters pointed out those features": an object, not an adverbial
    if high - index <= _TAIL_MAX:
        return True
    for position in range(index, min(high - 1, index + _TAIL_ADVERBIAL)):
        if view.words[position] == ",":
            return view.lower[position + 1] in _TAIL_OPENERS
    return False


def split_second(view: TextView, index: int, high: int) -> Content | None:
    """The second part of '“A,” X said, “B.”': a pair opened right after the comma."""
    if index + 1 >= len(view) or view.words[index] != "," or not view.is_open(index + 1):
        return None
    if view.para[index + 1] != view.para[index]:
        return None
    return pair_content(view, index + 1)
