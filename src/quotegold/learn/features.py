"""What the model sees of an article: tokens, their features, and the gold tags to learn.

The tokens are the rules' own (`PreAnnotator.view`: spaCy's blank English tokenizer, one
paragraph per line, boilerplate left out), so the model and the rules agree on every offset.
A paragraph is one sequence for the CRF. Each token's features are strings (CRFsuite
treats each as a binary feature):

- the word, its lower case, prefixes and suffixes, its shape, and the same for up to three
  words either side;
- where it stands: paragraph start, sentence start, inside a pair of quotation marks (also
  doubled apostrophes `''…''` and TeX-style ``` ``…'' ```, which the rules do not pair), how
  far the nearest mark is on each side;
- what the rule pre-annotator made of it: its layer tag at the token and at its neighbours
  (a speaker, a cue, a quote's first or inner word), so the model learns where the rules are
  right and covers what they miss.

`gold_tags` gives the BIO tags of a gold record over the same tokens: one joint sequence for
SPEAKER, CUE and QUOTE (they do not overlap in the gold), another for INITIATIVE.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from quotegold.gold.model import GoldRecord, regions_of, spans_of
from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.textview import TextView

__all__ = [
    "INITIATIVE_LAYERS",
    "MAIN_LAYERS",
    "MARKS",
    "ArticleTokens",
    "bio_tags",
    "gold_tags",
    "token_features",
]

# The joint layers of the first CRF, and their one-letter tag codes.
MAIN_LAYERS: dict[str, str] = {"SPEAKER": "S", "CUE": "C", "QUOTE": "Q"}
INITIATIVE_LAYERS: dict[str, str] = {"INITIATIVE": "I"}
# Quotation marks as tokens: straight, curly, guillemets, doubled apostrophes, TeX openers.
OPENERS = frozenset({"“", "«", "„", "``", "\u2018\u2018"})
CLOSERS = frozenset({"”", "»", "\u2019\u2019"})
TOGGLES = frozenset({'"', "''"})
MARKS = OPENERS | CLOSERS | TOGGLES
_WINDOW = 3
_CUE_WORDS = lex.SAY_VERBS | lex.STRONG_CUES | lex.TELL_VERBS | lex.PARTICIPLE_CUES


@dataclass
class ArticleTokens:
    """An article's tokens (from the rules' view) and the rules' tags over them."""

    view: TextView
    # The rules' tag of each token per joint layer ("B-S", "I-Q", "O"…), and initiatives.
    rule_main: list[str]
    rule_initiative: list[str]

    @property
    def paragraphs(self) -> list[tuple[int, int]]:
        return self.view.paras

    def token_range(self, start: int, end: int) -> tuple[int, int] | None:
        """The tokens a character span covers (first, last + 1); None if it covers none."""
        first = bisect_right(self.view.ends, start)
        last = bisect_left(self.view.starts, end)
        return (first, last) if first < last else None


def bio_tags(
    tokens: ArticleTokens, spans: Iterable[tuple[str, int, int]], *, count: int | None = None
) -> list[str]:
    """BIO tags over the tokens for `(code, start, end)` character spans; an earlier span
    keeps the tokens it has (so a later overlapping one loses them)."""
    tags = ["O"] * (count if count is not None else len(tokens.view.words))
    for code, start, end in spans:
        covered = tokens.token_range(start, end)
        if covered is None:
            continue
        first, last = covered
        free = [index for index in range(first, last) if tags[index] == "O"]
        for position, index in enumerate(free):
            tags[index] = (
                f"{'B' if position == 0 or free[position - 1] != index - 1 else 'I'}-{code}"
            )
    return tags


def region_spans(record: GoldRecord, layers: dict[str, str]) -> list[tuple[str, int, int]]:
    """Every span of the record's regions of `layers`, as `(code, start, end)`, quotes first
    (so a stray speaker inside a quote does not cut it)."""
    ordered = sorted(layers, key=lambda label: label != "QUOTE")
    return [
        (layers[label], span["start"], span["end"])
        for label in ordered
        for region in regions_of(record, label)
        for span in spans_of(region)
    ]


def gold_tags(tokens: ArticleTokens, record: GoldRecord) -> tuple[list[str], list[str]]:
    """The joint SPEAKER/CUE/QUOTE tags and the INITIATIVE tags of a gold record."""
    return (
        bio_tags(tokens, region_spans(record, MAIN_LAYERS)),
        bio_tags(tokens, region_spans(record, INITIATIVE_LAYERS)),
    )


@lru_cache(maxsize=100_000)
def _shape(word: str) -> str:
    shape: list[str] = []
    for char in word[:6]:
        kind = "X" if char.isupper() else "x" if char.islower() else "d" if char.isdigit() else char
        if not shape or shape[-1] != kind:
            shape.append(kind)
    return "".join(shape)


def _bucket(distance: int | None) -> str:
    if distance is None:
        return "none"
    if distance <= 3:
        return str(distance)
    return "4-8" if distance <= 8 else "9-20" if distance <= 20 else "far"


def _quotation_state(words: Sequence[str], start: int, end: int) -> list[int]:
    """For each token of a paragraph: 1 inside a quotation, 2 a mark, 0 outside."""
    state = [0] * (end - start)
    inside = False
    for index in range(start, end):
        word = words[index]
        if word in MARKS:
            state[index - start] = 2
            inside = word in OPENERS or (word in TOGGLES and not inside)
        elif inside:
            state[index - start] = 1
    return state


def _mark_distances(
    words: Sequence[str], start: int, end: int
) -> list[tuple[int | None, int | None]]:
    distances: list[tuple[int | None, int | None]] = []
    last: int | None = None
    for index in range(start, end):
        distances.append((None if last is None else index - last, None))
        if words[index] in MARKS:
            last = index
    following: int | None = None
    for index in range(end - 1, start - 1, -1):
        left, _ = distances[index - start]
        distances[index - start] = (left, None if following is None else following - index)
        if words[index] in MARKS:
            following = index
    return distances


def _cue_distances(view: TextView, start: int, end: int) -> list[tuple[int | None, int | None]]:
    """For each token of a paragraph: how far the nearest cue word of its sentence is, to
    the left and to the right (None: there is none)."""
    lower, sent = view.lower, view.sent
    found: list[tuple[int | None, int | None]] = []
    last: int | None = None
    for index in range(start, end):
        if last is not None and sent[last] != sent[index]:
            last = None
        found.append((None if last is None else index - last, None))
        if lower[index] in _CUE_WORDS:
            last = index
    following: int | None = None
    for index in range(end - 1, start - 1, -1):
        if following is not None and sent[following] != sent[index]:
            following = None
        left, _ = found[index - start]
        found[index - start] = (left, None if following is None else following - index)
        if lower[index] in _CUE_WORDS:
            following = index
    return found


def _own(lower: str, shape: str) -> list[str]:
    return [f"w={lower}", f"p3={lower[:3]}", f"s2={lower[-2:]}", f"s3={lower[-3:]}", f"sh={shape}"]


@dataclass(frozen=True)
class _Word:
    """The feature strings of one word that do not depend on its context, made once per
    word (a dict lookup per token instead of a dozen f-strings): its own features, its
    flags, and what it gives its neighbours (`-1:w=…`, `+1:sh=…`)."""

    own: tuple[str, ...]
    flags: tuple[str, ...]
    lower: str
    near: dict[str, tuple[str, ...]]  # "-1" -> ("-1:w=…", "-1:sh=…"), "+2" -> ("+2:w=…",)…


# Per set of known attributes (None: all), by identity (comparing two sets of a model's
# attributes would cost more than the features), the set and the words seen (at most
# `_WORDS_MAX`).
_WORDS: dict[int, tuple[frozenset[str] | None, dict[str, _Word]]] = {}
_WORDS_MAX = 200_000


def _words(known: frozenset[str] | None) -> dict[str, _Word]:
    found = _WORDS.get(id(known))
    if found is None or found[0] is not known:
        if len(_WORDS) >= 8:  # models come and go (cross-validation): keep a few
            _WORDS.clear()
        found = _WORDS[id(known)] = (known, {})
    return found[1]


def _word(word: str, lower: str, known: frozenset[str] | None = None) -> _Word:
    """The word's strings; with `known` (a model's attributes), only those the model knows:
    CRFsuite ignores the others, so leaving them out changes no score and saves their
    conversion and look-up."""
    words = _words(known)
    found = words.get(word)
    if found is None:
        if len(words) >= _WORDS_MAX:
            words.clear()
        shape = _shape(word)
        flags = [
            name
            for name, holds in (
                ("title", word[:1].isupper()),
                ("upper", word.isupper() and len(word) > 1),
                ("cueword", lower in _CUE_WORDS),
                ("pronoun", lower in lex.PRONOUNS),
            )
            if holds
        ]
        near: dict[str, tuple[str, ...]] = {
            f"{sign}{offset}": strings
            for sign in "-+"
            for offset, strings in (
                (1, (f"{sign}1:w={lower}", f"{sign}1:sh={shape}")),
                (2, (f"{sign}2:w={lower}",)),
                (3, (f"{sign}3:w={lower}",)),
            )
        }
        own = tuple(_own(lower, shape))
        if known is not None:
            own = tuple(f for f in own if f in known)
            near = {key: tuple(f for f in strings if f in known) for key, strings in near.items()}
        found = words[word] = _Word(own, tuple(flags), lower, near)
    return found


class _Lookup(dict[object, str]):
    """`name=value` strings made once per value: `table[value]`."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __missing__(self, value: object) -> str:
        text = self[value] = f"{self.name}={value}"
        return text


class _PairLookup(dict[tuple[object, object], str]):
    """`name=a|b` strings made once per pair of values: `table[a, b]`."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __missing__(self, values: tuple[object, object]) -> str:
        text = self[values] = f"{self.name}={values[0]}|{values[1]}"
        return text


# Per set of known attributes (by identity, as `_WORDS`) and side: the word-pair string of
# two lower-case words, or "" when the model does not know it (at most `_WORDS_MAX` pairs).
_PAIRS: dict[tuple[int, str], tuple[frozenset[str] | None, dict[tuple[str, str], str]]] = {}


def _pairs(known: frozenset[str] | None, sign: str) -> dict[tuple[str, str], str]:
    found = _PAIRS.get((id(known), sign))
    if found is None or found[0] is not known:
        if len(_PAIRS) >= 16:
            _PAIRS.clear()
        found = _PAIRS[id(known), sign] = (known, {})
    return found[1]


def _pair(sign: str, other: str, word: str, known: frozenset[str] | None) -> str:
    """The `±1:w|w` string of a word and its neighbour ("" if the model does not know it)."""
    table = _pairs(known, sign)
    if len(table) >= _WORDS_MAX:
        table.clear()
    text = f"{sign}1:w|w={other}|{word}"
    found = table[other, word] = text if known is None or text in known else ""
    return found


_BUCKETS: dict[int | None, str] = {
    None: "none",
    **{distance: _bucket(distance) for distance in range(-1, 100)},
}
_Q, _ML, _MR, _R, _RI, _CL, _CR = (
    _Lookup(name) for name in ("q", "ml", "mr", "r", "ri", "cl", "cr")
)
_RQ, _CLQ = _PairLookup("r+q"), _PairLookup("cl+q")
_NEAR_Q = {sign: _Lookup(f"{sign}1:q") for sign in "-+"}
_NEAR_R = {f"{sign}{offset}": _Lookup(f"{sign}{offset}:r") for sign in "-+" for offset in (1, 2)}
_PAIR = {sign: _Lookup(f"{sign}1:w|w") for sign in "-+"}
_EDGE = {f"{sign}{offset}": f"{sign}{offset}:edge" for sign in "-+" for offset in (1, 2, 3)}


def position_flags(view: TextView, index: int, *, first: bool) -> list[str]:
    """Where token `index` stands: first of its paragraph, of its sentence, inside paired
    quotation marks, in a headline."""
    flags = ["para_start"] if first else []
    if index == view.sents[view.sent[index]][0]:
        flags.append("sent_start")
    if view.inside[index] >= 0:
        flags.append("paired")
    if view.headline[view.para[index]]:
        flags.append("headline")
    return flags


def _bucketed(distance: int | None) -> str:
    if distance is None:
        return "none"
    return _BUCKETS.get(distance) or _bucket(distance)


def token_features(
    tokens: ArticleTokens, start: int, end: int, known: frozenset[str] | None = None
) -> list[list[str]]:
    """The feature strings of each token of one paragraph (tokens `start`..`end - 1`);
    with `known`, only those among it (a model's attributes: the others score nothing).

    The same strings, in the same order, as the plain definition in `_reference_features`
    (a test holds them equal); made from per-word and per-value tables and from what each
    token gives its neighbours, made once a token. Training uses them; a prediction with a
    `full` model sums their weights from tables instead (`fastfeatures`), tested equal.
    """
    view = tokens.view
    words, lower = view.words, view.lower
    rule_main, rule_initiative = tokens.rule_main, tokens.rule_initiative
    state = _quotation_state(words, start, end)
    distances = _mark_distances(words, start, end)
    cue_distances = _cue_distances(view, start, end)
    seen = _words(known)
    infos = [
        seen.get(words[index]) or _word(words[index], lower[index], known)
        for index in range(start, end)
    ]
    count = end - start
    # What token i gives the token after it (as its -1 neighbour) and the one before it
    # (+1), at distances 1, 2 and 3.
    rules = rule_main[start:end]
    gives: dict[str, list[tuple[str, ...]]] = {}
    for sign in "-+":
        q_near, r1, r2 = _NEAR_Q[sign], _NEAR_R[f"{sign}1"], _NEAR_R[f"{sign}2"]
        one, two, three = f"{sign}1", f"{sign}2", f"{sign}3"
        gives[one] = [
            (*info.near[one], q_near[quoted], r1[rule])
            for info, quoted, rule in zip(infos, state, rules, strict=True)
        ]
        gives[two] = [(*info.near[two], r2[rule]) for info, rule in zip(infos, rules, strict=True)]
        gives[three] = [info.near[three] for info in infos]
    edge = {key: (text,) for key, text in _EDGE.items()}
    before, after = gives["-1"], gives["+1"]
    pairs_before, pairs_after = _pairs(known, "-"), _pairs(known, "+")
    # Each token's strings that depend only on itself, one column at a time.
    cls = [_BUCKETS.get(left) or _bucket(left) for left, _ in cue_distances]
    columns = zip(
        [_Q[quoted] for quoted in state],
        [_ML[_BUCKETS.get(left) or _bucket(left)] for left, _ in distances],
        [_MR[_BUCKETS.get(right) or _bucket(right)] for _, right in distances],
        [_R[rule] for rule in rules],
        [_RI[rule] for rule in rule_initiative[start:end]],
        [_RQ[rule, quoted] for rule, quoted in zip(rules, state, strict=True)],
        [_CL[cl] for cl in cls],
        [_CR[_BUCKETS.get(right) or _bucket(right)] for _, right in cue_distances],
        [_CLQ[cl, quoted] for cl, quoted in zip(cls, state, strict=True)],
        strict=True,
    )
    sequence: list[list[str]] = []
    for local, column in enumerate(columns):
        index = start + local
        info = infos[local]
        feats = ["bias", *info.own, *column, *info.flags]
        feats += position_flags(view, index, first=local == 0)
        if local >= 1:
            feats += before[local - 1]
            pair = pairs_before.get((infos[local - 1].lower, info.lower))
            if pair is None:
                pair = _pair("-", infos[local - 1].lower, info.lower, known)
            if pair:
                feats.append(pair)
        else:
            feats += edge["-1"]
        if local + 1 < count:
            feats += after[local + 1]
            pair = pairs_after.get((infos[local + 1].lower, info.lower))
            if pair is None:
                pair = _pair("+", infos[local + 1].lower, info.lower, known)
            if pair:
                feats.append(pair)
        else:
            feats += edge["+1"]
        feats += gives["-2"][local - 2] if local >= 2 else edge["-2"]
        feats += gives["+2"][local + 2] if local + 2 < count else edge["+2"]
        feats += gives["-3"][local - 3] if local >= 3 else edge["-3"]
        feats += gives["+3"][local + 3] if local + 3 < count else edge["+3"]
        sequence.append(feats)
    return sequence


def _reference_features(tokens: ArticleTokens, start: int, end: int) -> list[list[str]]:
    """The feature strings of each token of one paragraph (tokens `start`..`end - 1`)."""
    view = tokens.view
    words, lower = view.words, view.lower
    state = _quotation_state(words, start, end)
    distances = _mark_distances(words, start, end)
    cue_distances = _cue_distances(view, start, end)
    shapes = [_shape(words[index]) for index in range(start, end)]
    base = [_own(lower[index], shapes[index - start]) for index in range(start, end)]
    sequence: list[list[str]] = []
    for index in range(start, end):
        local = index - start
        word = words[index]
        left, right = distances[local]
        rule, rule_init = tokens.rule_main[index], tokens.rule_initiative[index]
        feats = [
            "bias",
            *base[local],
            f"q={state[local]}",
            f"ml={_bucket(left)}",
            f"mr={_bucket(right)}",
            f"r={rule}",
            f"ri={rule_init}",
            f"r+q={rule}|{state[local]}",
            f"cl={_bucket(cue_distances[local][0])}",
            f"cr={_bucket(cue_distances[local][1])}",
            f"cl+q={_bucket(cue_distances[local][0])}|{state[local]}",
        ]
        if word[:1].isupper():
            feats.append("title")
        if word.isupper() and len(word) > 1:
            feats.append("upper")
        if lower[index] in _CUE_WORDS:
            feats.append("cueword")
        if lower[index] in lex.PRONOUNS:
            feats.append("pronoun")
        feats += position_flags(view, index, first=local == 0)
        for offset in range(1, _WINDOW + 1):
            for sign, other in (("-", index - offset), ("+", index + offset)):
                if not start <= other < end:
                    feats.append(f"{sign}{offset}:edge")
                    continue
                feats.append(f"{sign}{offset}:w={lower[other]}")
                if offset == 1:
                    feats.append(f"{sign}1:sh={shapes[other - start]}")
                    feats.append(f"{sign}1:q={state[other - start]}")
                    feats.append(f"{sign}1:r={tokens.rule_main[other]}")
                    feats.append(f"{sign}1:w|w={lower[other]}|{lower[index]}")
                if offset == 2:
                    feats.append(f"{sign}2:r={tokens.rule_main[other]}")
        sequence.append(feats)
    return sequence
