"""Title-Case names in the token sequence: where a name starts and ends, what kind of
entity it names, and where the personal name begins after titles.

"Defence Minister Rajnath Singh", "Suleiman al-Amr", "the Ministry of Defense",
"Shanghai Cooperation Organization (SCO)": names are runs of capitalised tokens joined by
particles ("al", "von"), glued hyphens, possessives and connectors ("of", "to the").
"""

from __future__ import annotations

from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.textview import QUOTE_MARKS, TextView

_RSQUO = "\N{RIGHT SINGLE QUOTATION MARK}"
POSSESSIVE = frozenset({"'s", f"{_RSQUO}s", "'", _RSQUO})
INNER_CONNECTORS = frozenset({"of", "for", "on", "in", "to", "de"})
_PLACE_AND_NAME = 3
_WEB = (".com", ".org", ".net", ".gov")
_NOT_PERSONAL = lex.TITLES | lex.PERSON_ROLES | lex.COUNTRIES | lex.ORG_HEADS


def is_capitalised(word: str) -> bool:
    """Whether the word starts with a capital and has a letter ("Singh", "U.S.")."""
    return word[:1].isupper() and any(char.isalpha() for char in word)


def is_lower_word(word: str) -> bool:
    """Whether the word is a lower-case word ("minister", "co-founder")."""
    return word[:1].islower() and word.replace("-", "").replace("'", "").isalpha()


def is_acronym(view: TextView, index: int) -> bool:
    """Whether the token is an all-capitals word of two or more letters ("SCO")."""
    word = view.words[index]
    return len(word) >= 2 and word.isupper() and word.isalpha()


def is_name_token(view: TextView, index: int) -> bool:
    """Whether the token can be part of a Title-Case name."""
    word = view.words[index]
    if not is_capitalised(word) or word in QUOTE_MARKS:
        return False
    lower = view.lower[index]
    if lower in lex.DAYS_MONTHS:
        return False
    if lower not in lex.SENTENCE_OPENERS:
        return True
    # "All" inside "Growth for All" is a name; "However" opening a sentence is not.
    return index > view.sents[view.sent[index]][0] and view.words[index - 1][:1].isalnum()


def _joins_left(view: TextView, index: int, low: int) -> bool:
    """Whether token `index` joins a name token (or particle) on its left to the name."""
    if index - 1 < low:
        return False
    left = index - 1
    left_name = is_name_token(view, left)
    word, lower = view.words[index], view.lower[index]
    if word == "-":
        return view.glued(left, index) and (left_name or view.lower[left] in lex.NAME_PARTICLES)
    if lower in POSSESSIVE:
        return left_name and view.glued(left, index)
    if lower in lex.NAME_PARTICLES or lower in lex.TITLES or lower in lex.PERSON_ROLES:
        return left_name  # "Suleiman al-Amr", "director General Suleiman"
    return False


def _connector_left(view: TextView, index: int, low: int) -> int | None:
    """The first token of a connector ("of", "to the") ending at `index` inside a name."""
    if view.lower[index] == "the" and index - 1 >= low:
        index -= 1
    if view.lower[index] not in INNER_CONNECTORS or index - 1 < low:
        return None
    return index if is_name_token(view, index - 1) else None


def _connector_right(view: TextView, index: int, high: int) -> int | None:
    """The token after a connector starting at `index` when a name token follows it."""
    if view.lower[index] not in INNER_CONNECTORS:
        return None
    after = index + 1
    if after < high and view.lower[after] == "the":
        after += 1
    return after if after < high and is_name_token(view, after) else None


def name_left(view: TextView, last: int, low: int) -> tuple[int, int] | None:
    """The Title-Case name ending at token `last` (not before `low`), as a token range."""
    end = last + 1
    if view.words[last] == ")" and last - 2 >= low and view.words[last - 2] == "(":
        if not is_acronym(view, last - 1):
            return None
        last -= 3  # "Shanghai Cooperation Organization (SCO)"
    if last < low or not is_name_token(view, last):
        return None
    start = index = last
    while index - 1 >= low:
        index -= 1
        if is_name_token(view, index) or _joins_left(view, index, low):
            start = index
            continue
        connector = _connector_left(view, index, low)
        if connector is None:
            break
        start = index = connector
    while view.lower[start] in lex.NAME_PARTICLES or view.words[start] == "-":
        start += 1
    return start, end


def name_right(view: TextView, first: int, high: int) -> tuple[int, int] | None:
    """The Title-Case name starting at token `first` (before `high`), as a token range."""
    if first >= high or not is_name_token(view, first):
        return None
    end = index = first + 1
    while index < high:
        word, lower = view.words[index], view.lower[index]
        if is_name_token(view, index):
            end = index = index + 1
            continue
        following = index + 1 < high and (
            is_name_token(view, index + 1) or view.lower[index + 1] in lex.NAME_PARTICLES
        )
        if following and (
            lower in lex.NAME_PARTICLES or (word == "-" and view.glued(index, index + 1))
        ):
            index += 1
            continue
        connector = _connector_right(view, index, high)
        if connector is None:
            break
        index = connector
    if end + 2 < high and view.words[end] == "(" and view.words[end + 2] == ")":
        end += 3 if is_acronym(view, end + 1) else 0
    return first, end


def name_kind(view: TextView, start: int, end: int) -> str:
    """organisation, country or person, from the words of a name: a personal name at the
    end makes a person ("Civil Defense Authority director General Suleiman al-Amr")."""
    lowers = view.lower[start:end]
    core = core_start(view, start, end)
    named = " ".join(view.lower[core:end])
    if named in lex.COUNTRY_PHRASES or named in lex.COUNTRIES:
        return "country"
    if core < end and not any(low in lex.ORG_HEADS for low in view.lower[core:end]):
        if end - core > 1 or not (is_acronym(view, core) or named.endswith(_WEB)):
            return "person"
        return "organisation"
    if any(low in lex.ORG_HEADS for low in lowers if low not in lex.PERSON_ROLES):
        return "organisation"
    whole = " ".join(low for low in lowers if low not in ("(", ")"))
    if whole in lex.COUNTRY_PHRASES or whole.removeprefix("the ") in lex.COUNTRIES:
        return "country"
    return "person"


def core_start(view: TextView, start: int, end: int) -> int:
    """The first token of the personal name after any titles ("Rajnath" in "Defence
    Minister Rajnath Singh"); `end` when there is none."""
    core = end
    for index in range(end - 1, start - 1, -1):
        lower = view.lower[index]
        if lower in _NOT_PERSONAL:
            break
        name_part = is_name_token(view, index) or lower in lex.NAME_PARTICLES
        if not (name_part or (view.words[index] == "-" and index > start)):
            break
        core = index
    while core < end and (view.lower[core] in lex.NAME_PARTICLES or view.words[core] == "-"):
        core += 1
    if core > start and view.lower[core - 1] in INNER_CONNECTORS | {"the"}:
        if end - core == 1:
            return end  # "Department of Agriculture": the last word belongs to the title
        if end - core >= _PLACE_AND_NAME:
            return core + 1  # "Governor of Washington Chris Gregoire"
    return core
