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
- per pair of neighbouring words (`±1:w|w`), looked up as the strings were.

An article's tokens are scored at once with numpy, then cut into paragraphs. The sums equal
those of the strings up to the order of the additions (a test holds the tags and marginals
to CRFsuite's over the strings of `token_features`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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
        # Words seen: row in `_word_scores`; pairs seen (`(sign, neighbour, word)`, known to the
        # model or not): row in `_pair_scores` (0: none). At most `_MAX_WORDS` each.
        self._word_rows: dict[str, int] = {}
        self._word_scores = np.zeros((1024, 1 + len(_GIVES), labels))
        self._pair_rows: dict[tuple[str, str, str], int] = {}
        self._pair_scores = np.zeros((256, labels))
        self._pairs_made = 1

    def __call__(self, tokens: ArticleTokens) -> list[Floats]:
        """Each paragraph's scores (tokens by labels), in `tokens.paragraphs` order."""
        paragraphs = tokens.paragraphs
        if not paragraphs:
            return []
        # The tables are bounded: emptied between articles (never during one, whose rows
        # would then point at others' scores).
        if len(self._word_rows) >= _MAX_WORDS:
            self._word_rows.clear()
        if len(self._pair_rows) >= _MAX_WORDS:
            self._pair_rows.clear()
            self._pairs_made = 1
        view = tokens.view
        words, lower = view.words, view.lower
        rule_main, rule_initiative = tokens.rule_main, tokens.rule_initiative
        positions: list[int] = []
        local: list[int] = []
        left_out: list[int] = []  # tokens to the paragraph's end
        states: list[int] = []
        marks_left: list[int] = []
        marks_right: list[int] = []
        cues_left: list[int] = []
        cues_right: list[int] = []
        code = _bucket_codes
        for start, end in paragraphs:
            count = end - start
            positions += range(start, end)
            local += range(count)
            left_out += range(count - 1, -1, -1)
            states += base._quotation_state(words, start, end)
            for left, right in base._mark_distances(words, start, end):
                marks_left.append(code(left))
                marks_right.append(code(right))
            for left, right in base._cue_distances(view, start, end):
                cues_left.append(code(left))
                cues_right.append(code(right))
        rows = self._rows(words, lower, positions)
        before = self._pairs(lower, positions, local, "-", -1)
        after = self._pairs(lower, positions, left_out, "+", 1)
        rule_of = self._rule_code
        rules = np.array([rule_of[rule_main[index]] for index in positions])
        initiative_of = self._initiative_code
        initiatives = np.array([initiative_of[rule_initiative[index]] for index in positions])
        q = np.array(states)
        at = np.array(positions)
        near = np.array(local)
        far = np.array(left_out)
        words_at = self._word_scores[rows]
        scores = (
            words_at[:, _OWN]
            + self._bias
            + self._rule_state[rules, q]
            + self._initiative[initiatives]
            + self._ml[marks_left]
            + self._mr[marks_right]
            + self._cue_state[cues_left, q]
            + self._cr[cues_right]
            + self._pair_scores[before]
            + self._pair_scores[after]
        )
        sentence_starts = np.array([first for first, _ in view.sents])
        flags = (
            (near == 0, self._para_start),
            (sentence_starts[np.array(view.sent)[at]] == at, self._sent_start),
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
                shifted = np.empty_like(given)
                if sign == "-":
                    shifted[offset:] = given[:-offset]
                    shifted[:offset] = 0.0
                else:
                    shifted[:-offset] = given[offset:]
                    shifted[-offset:] = 0.0
                scores += np.where((reach >= offset)[:, None], shifted, self._edge[key])
        cuts = np.cumsum([end - start for start, end in paragraphs])[:-1]
        return list(np.split(scores, cuts))

    def _rows(self, words: Sequence[str], lower: Sequence[str], positions: list[int]) -> list[int]:
        """The word matrix's row of each token's word, made for new words."""
        found = self._word_rows
        rows: list[int] = []
        for index in positions:
            row = found.get(words[index])
            if row is None:
                row = self._add_word(words[index], lower[index])
            rows.append(row)
        return rows

    def _add_word(self, word: str, lower: str) -> int:
        found = self._word_rows
        row = len(found)
        if row >= len(self._word_scores):
            grown = np.zeros((2 * row, *self._word_scores.shape[1:]))
            grown[:row] = self._word_scores[:row]
            self._word_scores = grown
        info = base._word(word, lower)
        vector = self._weights.vector
        self._word_scores[row, _OWN] = sum(
            (vector(text) for text in (*info.own, *info.flags)), np.zeros(self._labels)
        )
        for key, place in _GIVES.items():
            self._word_scores[row, place] = sum(
                (vector(text) for text in info.near[key]), np.zeros(self._labels)
            )
        found[word] = row
        return row

    def _pairs(
        self, lower: Sequence[str], positions: list[int], room: list[int], sign: str, step: int
    ) -> list[int]:
        """Each token's row in the pair matrix for its `±1:w|w` string (0: at the paragraph's
        edge, or a pair the model does not know)."""
        found = self._pair_rows
        rows: list[int] = []
        for index, space in zip(positions, room, strict=True):
            if not space:
                rows.append(0)
                continue
            key = (sign, lower[index + step], lower[index])
            row = found.get(key)
            if row is None:
                row = self._add_pair(key)
            rows.append(row)
        return rows

    def _add_pair(self, key: tuple[str, str, str]) -> int:
        found = self._pair_rows
        sign, other, word = key
        number = self._weights.attributes.get(f"{sign}1:w|w={other}|{word}")
        row = 0
        if number is not None:
            row = self._pairs_made
            self._pairs_made += 1
            if row >= len(self._pair_scores):
                grown = np.zeros((2 * row, self._labels))
                grown[:row] = self._pair_scores[:row]
                self._pair_scores = grown
            self._pair_scores[row] = self._weights.state[number]
        found[key] = row
        return row


_CODES: dict[int | None, int] = {
    None: _BUCKET_CODE["none"],
    **{distance: _BUCKET_CODE[base._bucket(distance)] for distance in range(-1, 100)},
}


def _bucket_codes(distance: int | None) -> int:
    found = _CODES.get(distance)
    return found if found is not None else _BUCKET_CODE[base._bucket(distance)]
