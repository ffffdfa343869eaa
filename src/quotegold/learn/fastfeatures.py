"""The CRF's per-token label scores for the `full` feature set, without feature strings.

`features.token_features` gives each token about 31 strings, and the CRF scores a label by
summing the weights of the strings it knows. Here the same sums are made from tables read
once from the model (`crfmodel.CrfWeights`):

- per word (kept across articles): the summed weights of what the word gives itself (word,
  prefix, suffixes, shape, flags) and what it gives each neighbour up to three tokens away
  (`-1:w=…`, `-1:sh=…`, `+2:w=…`…), a matrix of 7 rows, one per offset;
- per value: the rule tag with the quotation state (`q`, `r`, `r+q`), the cue distance with
  the state (`cl`, `cl+q`), the mark and cue distance buckets, the neighbours' rule tags
  and states, the paragraph edges and the position flags;
- per pair of neighbouring words (`±1:w|w`): the model's pairs as sorted keys of two word
  numbers, searched for all tokens at once.

An article's tokens are scored at once with numpy, then cut into paragraphs. The sums equal
those of the strings up to the order of the additions (a test holds the tags and marginals
to CRFsuite's over the strings of `token_features`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from quotegold.learn import features as base
from quotegold.learn.crfmodel import CrfWeights, Floats
from quotegold.learn.features import INITIATIVE_LAYERS, MAIN_LAYERS, ArticleTokens

__all__ = ["FullScores"]

# What the rules tag a token with (`features.bio_tags` over the layers' codes): every value
# of `r=`, `±1:r=`, `±2:r=` and `ri=`.
_MAIN_TAGS = ["O", *(f"{bio}-{code}" for code in MAIN_LAYERS.values() for bio in "BI")]
_INITIATIVE_TAGS = ["O", *(f"{bio}-{code}" for code in INITIATIVE_LAYERS.values() for bio in "BI")]
_BUCKETS = ["none", "-1", "0", "1", "2", "3", "4-8", "9-20", "far"]
_BUCKET_CODE = {name: number for number, name in enumerate(_BUCKETS)}
_STATES = (0, 1, 2)  # `features._quotation_state`: outside, inside, a mark
# The word matrix's rows: the word's own features, then what it gives the token `d` after
# it (as that token's `-d` neighbour) and the token `d` before it (`+d`).
_OWN = 0
_GIVES = {
    f"{sign}{offset}": 1 + index
    for index, (sign, offset) in enumerate((sign, offset) for offset in (1, 2, 3) for sign in "-+")
}
_MAX_WORDS = 200_000


class FullScores:
    """Per-token label scores of the `full` feature set for one CRF's weights."""

    def __init__(self, weights: CrfWeights) -> None:
        self._weights = weights
        vector = weights.vector
        labels = len(weights.labels)
        self._labels = labels
        self._bias = vector("bias")
        self._rule_code = {tag: number for number, tag in enumerate(_MAIN_TAGS)}
        self._initiative_code = {tag: number for number, tag in enumerate(_INITIATIVE_TAGS)}
        self._rule_state = np.array(
            [
                [vector(f"q={q}") + vector(f"r={r}") + vector(f"r+q={r}|{q}") for q in _STATES]
                for r in _MAIN_TAGS
            ]
        )
        self._initiative = np.array([vector(f"ri={tag}") for tag in _INITIATIVE_TAGS])
        self._ml, self._mr, self._cr = (
            np.array([vector(f"{name}={bucket}") for bucket in _BUCKETS])
            for name in ("ml", "mr", "cr")
        )
        self._cue_state = np.array(
            [[vector(f"cl={b}") + vector(f"cl+q={b}|{q}") for q in _STATES] for b in _BUCKETS]
        )
        self._near1 = {
            sign: np.array(
                [
                    [vector(f"{sign}1:q={q}") + vector(f"{sign}1:r={r}") for q in _STATES]
                    for r in _MAIN_TAGS
                ]
            )
            for sign in "-+"
        }
        self._near2 = {
            sign: np.array([vector(f"{sign}2:r={r}") for r in _MAIN_TAGS]) for sign in "-+"
        }
        self._edge = {key: vector(text) for key, text in base._EDGE.items()}
        self._para_start, self._sent_start = vector("para_start"), vector("sent_start")
        self._paired, self._headline = vector("paired"), vector("headline")
        # Per word seen (its row): the summed weights of its strings by offset, the kind of
        # quotation mark it is (0: none), whether it is a cue word, and the number of its
        # lower case among the words of the model's word pairs (-1: none). At most
        # `_MAX_WORDS` words, emptied between articles.
        self._word_rows: dict[str, int] = {}
        self._word_scores: npt.NDArray[Any] = np.zeros((1024, 1 + len(_GIVES), labels))
        self._word_kind: npt.NDArray[Any] = np.zeros(1024, dtype=np.int8)
        self._word_cue: npt.NDArray[Any] = np.zeros(1024, dtype=bool)
        self._word_pair: npt.NDArray[Any] = np.full(1024, -1, dtype=np.int64)
        self._pair_words: dict[str, int] = {}
        self._pairs = {sign: self._pair_table(sign) for sign in "-+"}

    def _pair_table(self, sign: str) -> tuple[Ints, Ints]:
        """The model's `±1:w|w=a|b` attributes as sorted keys of (a, b) (word numbers in
        `_pair_words`) and their attribute ids. A word holding `|` makes the split ambiguous:
        every split is kept, each names the same string."""
        prefix = f"{sign}1:w|w="
        found: dict[int, int] = {}
        words = self._pair_words
        for name, number in self._weights.attributes.items():
            if not name.startswith(prefix):
                continue
            value = name[len(prefix) :]
            cut = value.find("|")
            while cut >= 0:
                pair = (value[:cut], value[cut + 1 :])
                first, second = (words.setdefault(word, len(words)) for word in pair)
                found[first * _PAIR_SPAN + second] = number
                cut = value.find("|", cut + 1)
        keys = np.array(sorted(found), dtype=np.int64)
        return keys, np.array([found[key] for key in keys.tolist()], dtype=np.intp)

    def __call__(self, tokens: ArticleTokens) -> list[Floats]:
        """Each paragraph's scores (tokens by labels), in `tokens.paragraphs` order."""
        paragraphs = tokens.paragraphs
        if not paragraphs:
            return []
        if len(self._word_rows) >= _MAX_WORDS:  # never during an article: rows in use
            self._word_rows.clear()
        view = tokens.view
        at = np.concatenate([np.arange(start, end) for start, end in paragraphs])
        positions = at.tolist()
        rows = self._rows(view.words, view.lower, positions)
        rule_of = self._rule_code
        rule_main = tokens.rule_main
        rules = np.array([rule_of[rule_main[index]] for index in positions], dtype=np.intp)
        initiative_of = self._initiative_code
        rule_initiative = tokens.rule_initiative
        initiatives = np.array(
            [initiative_of[rule_initiative[index]] for index in positions], dtype=np.intp
        )
        # Flat positions: each token's, its paragraph's first and last.
        count = len(at)
        flat = np.arange(count)
        lengths = np.array([end - start for start, end in paragraphs])
        first = np.repeat(np.cumsum(lengths) - lengths, lengths)
        last = first + np.repeat(lengths, lengths) - 1
        near, far = flat - first, last - flat  # tokens before and after it in its paragraph
        sent = np.array(view.sent)[at]
        sentences = np.array(view.sents).reshape(-1, 2)
        # A cue counts within the token's sentence (and paragraph): its flat bounds.
        sentence_first = np.maximum(first, flat - (at - sentences[sent, 0]))
        sentence_last = np.minimum(last, flat + (sentences[sent, 1] - 1 - at))
        kind = self._word_kind[rows]
        marks = kind > 0
        q = _quotation_state(marks, kind, first)
        marks_left, marks_right = _distances(marks, first, last)
        cues_left, cues_right = _distances(self._word_cue[rows], sentence_first, sentence_last)
        words_at = self._word_scores[rows]
        state = self._weights.state
        scores = (
            words_at[:, _OWN]
            + self._bias
            + self._rule_state[rules, q]
            + self._initiative[initiatives]
            + self._ml[marks_left]
            + self._mr[marks_right]
            + self._cue_state[cues_left, q]
            + self._cr[cues_right]
        )
        pair_word = self._word_pair[rows]
        for sign, step, room in (("-", -1, near), ("+", 1, far)):
            other = np.roll(pair_word, -step)
            keys, attributes = self._pairs[sign]
            wanted = other * _PAIR_SPAN + pair_word
            place = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
            if len(keys):
                known = (room > 0) & (other >= 0) & (pair_word >= 0) & (keys[place] == wanted)
                scores += state[attributes[place]] * known[:, None]
        flags = (
            (near == 0, self._para_start),
            (sentences[sent, 0] == at, self._sent_start),
            (np.array(view.inside)[at] >= 0, self._paired),
            (np.array(view.headline)[np.array(view.para)[at]], self._headline),
        )
        for holds, weights in flags:
            scores += holds[:, None] * weights
        for offset in (1, 2, 3):
            for sign, reach in (("-", near), ("+", far)):
                key = f"{sign}{offset}"
                given = words_at[:, _GIVES[key]]
                if offset == 1:
                    given = given + self._near1[sign][rules, q]
                elif offset == 2:
                    given = given + self._near2[sign][rules]
                shifted = np.roll(given, offset if sign == "-" else -offset, axis=0)
                scores += np.where((reach >= offset)[:, None], shifted, self._edge[key])
        cuts = np.cumsum(lengths)[:-1]
        return list(np.split(scores, cuts))

    def _rows(self, words: Sequence[str], lower: Sequence[str], positions: list[int]) -> Ints:
        """The word table's row of each token's word, made for new words."""
        found = self._word_rows
        rows: list[int] = []
        for index in positions:
            row = found.get(words[index])
            if row is None:
                row = self._add_word(words[index], lower[index])
            rows.append(row)
        return np.array(rows, dtype=np.intp)

    def _add_word(self, word: str, lower: str) -> int:
        found = self._word_rows
        row = len(found)
        if row >= len(self._word_scores):
            self._word_scores = _grown(self._word_scores, row, 0.0)
            self._word_kind = _grown(self._word_kind, row, 0)
            self._word_cue = _grown(self._word_cue, row, False)
            self._word_pair = _grown(self._word_pair, row, -1)
        info = base._word(word, lower)
        state, attributes = self._weights.state, self._weights.attributes
        for place, strings in (
            (_OWN, (*info.own, *info.flags)),
            *((place, info.near[key]) for key, place in _GIVES.items()),
        ):
            numbers = [attributes[text] for text in strings if text in attributes]
            self._word_scores[row, place] = state[numbers].sum(axis=0)
        self._word_kind[row] = (
            1
            if word in base.OPENERS
            else 2
            if word in base.CLOSERS
            else 3
            if word in base.TOGGLES
            else 0
        )
        self._word_cue[row] = lower in base._CUE_WORDS
        self._word_pair[row] = self._pair_words.get(lower, -1)
        found[word] = row
        return row


Ints = npt.NDArray[np.intp]
# Two word numbers make one pair key: first * _PAIR_SPAN + second.
_PAIR_SPAN = 1 << 31
_NONE = _BUCKET_CODE["none"]
# The bucket code of each distance up to 100 (the last, "far", for any beyond).
_CODES = np.array([_BUCKET_CODE[base._bucket(distance)] for distance in range(101)])


def _grown(table: npt.NDArray[Any], used: int, fill: Any) -> npt.NDArray[Any]:
    grown = np.full((2 * used, *table.shape[1:]), fill, dtype=table.dtype)
    grown[:used] = table[:used]
    return grown


def _distances(marked: npt.NDArray[np.bool_], first: Ints, last: Ints) -> tuple[Ints, Ints]:
    """The bucket codes of the distance from each token to the nearest marked token before
    it and after it, within flat bounds `first`..`last` (the "none" code when there is none):
    `features._mark_distances` and `_cue_distances`, for all paragraphs at once."""
    count = len(marked)
    flat = np.arange(count)
    seen = np.maximum.accumulate(np.where(marked, flat, -1))  # the last at or before
    coming = np.minimum.accumulate(np.where(marked, flat, count)[::-1])[::-1]
    before = np.concatenate(([-1], seen[:-1]))
    after = np.concatenate((coming[1:], [count]))
    left = np.where(before >= first, _CODES[np.minimum(flat - before, 100)], _NONE)
    right = np.where(after <= last, _CODES[np.minimum(after - flat, 100)], _NONE)
    return left, right


def _quotation_state(marks: npt.NDArray[np.bool_], kind: npt.NDArray[np.int8], first: Ints) -> Ints:
    """`features._quotation_state` for all paragraphs at once: 2 for a mark, 1 inside a
    quotation, 0 outside. Whether a quotation is open after each mark is followed mark by
    mark (few), then spread to the tokens up to the next mark of the paragraph."""
    places = np.flatnonzero(marks)
    if not len(places):
        return np.zeros(len(marks), dtype=np.intp)
    open_after: list[bool] = []
    inside, paragraph = False, -1
    for mark, start in zip(kind[places].tolist(), first[places].tolist(), strict=True):
        if start != paragraph:
            inside, paragraph = False, start
        inside = mark == 1 or (mark == 3 and not inside)
        open_after.append(inside)
    flat = np.arange(len(marks))
    seen = np.maximum.accumulate(np.where(marks, flat, -1))
    ordinal = np.cumsum(marks) - 1
    opened = np.array(open_after)[np.maximum(ordinal, 0)] & (seen >= first)
    return np.where(marks, 2, np.where(opened, 1, 0))
