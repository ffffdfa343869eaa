"""Tokens and BIO tags for the `tokens` configuration.

Tokens come from spaCy's blank English tokenizer (rules only, no model), minus the tokens
that are only whitespace. Offsets are Python str indices (code points), so
`text[token.start:token.end] == token.text` always holds.

How it works, in more detail: docs/design.md, "dataset.tokens".
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from quotegold.schema.definition import LABEL_VALUES

# Short, specific layers sit on top of the long ones they are inside (a speaker or cue can sit
# in a quote's span, an initiative's name inside a quote): the report draws them so.
PRECEDENCE: tuple[str, ...] = ("SPEAKER", "CUE", "INITIATIVE", "QUOTE")
# In the one combined `ner_tags` column, a quote is one entity from its first token to its
# last: a speaker or an initiative named inside it does not cut it in two (each layer's own
# column keeps them). Outside quotes, the short specific layers come first.
NER_PRECEDENCE: tuple[str, ...] = ("QUOTE", "SPEAKER", "CUE", "INITIATIVE")

LAYER_TAGS: tuple[str, ...] = ("O", "B", "I")

# Where a text's tokens start and where they end (see `token_bounds`).
Bounds = tuple[list[int], list[int]]

if TYPE_CHECKING:
    from spacy.tokenizer import Tokenizer


@dataclass(frozen=True)
class Token:
    """One token and where it is in the article text (code-point offsets)."""

    text: str
    start: int
    end: int


def ner_tag_names() -> tuple[str, ...]:
    """The `ner_tags` class names: O, then B-/I- for each schema label, in schema order."""
    return ("O", *(f"{prefix}-{label}" for label in LABEL_VALUES for prefix in "BI"))


def layer_column(label: str) -> str:
    """The name of a label's own tag column, e.g. `quote_tags` for QUOTE."""
    return f"{label.lower()}_tags"


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    # Imported here: spaCy is slow to import and only an export needs it.
    import spacy

    return spacy.blank("en").tokenizer


def tokenize(text: str) -> list[Token]:
    """The non-whitespace tokens of `text`, in order."""
    starts, ends = token_bounds(text)
    return [Token(text[start:end], start, end) for start, end in zip(starts, ends, strict=True)]


def token_bounds(text: str) -> Bounds:
    """Where the non-whitespace tokens of `text` start and end, as two lists.

    The same tokens as spaCy's tokenizer on the whole text, made faster. spaCy splits the
    text at whitespace first and tokenizes every run between whitespace on its own, so a
    run's tokens never depend on its neighbours: each distinct run is tokenized once and
    remembered. (spaCy's own cache stops caching once a text contains any special case,
    which almost every news article does: this is ten times faster on them.)
    """
    starts: list[int] = []
    ends: list[int] = []
    for run in _RUN.finditer(text):
        pieces = _run_pieces(run.group())
        if pieces is None:  # most runs are a single token
            starts.append(run.start())
            ends.append(run.end())
        else:
            base = run.start()
            starts.extend([base + offset for offset in pieces[0]])
            ends.extend([base + end for end in pieces[1]])
    return starts, ends


# Python's `\S` is exactly what spaCy splits on (both use the Unicode `isspace`).
_RUN = re.compile(r"\S+")


@lru_cache(maxsize=2**16)  # bounded: memory stays flat however many articles are exported
def _run_pieces(run: str) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Where spaCy's tokens of one run of non-whitespace start and end in it, or None when
    the run is one token."""
    from spacy.attrs import IDX, LENGTH

    pieces = _tokenizer()(run).to_array([IDX, LENGTH]).tolist()
    if len(pieces) == 1:
        return None
    return tuple(offset for offset, _ in pieces), tuple(offset + size for offset, size in pieces)


def layer_tags(tokens: Sequence[Token], spans: Sequence[tuple[int, int]]) -> list[str]:
    """`O`/`B`/`I` for one layer: each token overlapping a span, `B` on a span's first token."""
    return _layer_tags([token.start for token in tokens], [token.end for token in tokens], spans)


def _layer_tags(
    starts: Sequence[int], ends: Sequence[int], spans: Sequence[tuple[int, int]]
) -> list[str]:
    tags = ["O"] * len(starts)
    for start, end in sorted(spans):
        # Tokens do not overlap, so their ends rise: the first with end > start overlaps.
        index = bisect_right(ends, start)
        first = True
        while index < len(starts) and starts[index] < end:
            if first:
                tags[index] = "B"
                first = False
            elif tags[index] == "O":
                tags[index] = "I"
            index += 1
    return tags


def ner_tags(layers: Mapping[str, Sequence[str]], length: int) -> list[str]:
    """One IOB2 tag per token from the per-layer tags, the layer first in NER_PRECEDENCE
    winning."""
    names = {label: (f"B-{label}", f"I-{label}") for label in NER_PRECEDENCE}
    columns = [layers[label][:length] for label in NER_PRECEDENCE]
    tags: list[str] = []
    previous: str | None = None
    for marks in zip(*columns, strict=True):
        if marks.count("O") == len(marks):  # most tokens: a quick way out
            tags.append("O")
            previous = None
            continue
        first = 0
        while marks[first] == "O":
            first += 1
        label, mark = NER_PRECEDENCE[first], marks[first]
        begin, inside = names[label]
        tags.append(begin if mark == "B" or previous != label else inside)
        previous = label
    return tags


def token_columns(text: str, spans: Mapping[str, Sequence[tuple[int, int]]]) -> dict[str, Any]:
    """The `tokens` configuration's columns for one article, from its spans keyed by label."""
    starts, ends = token_bounds(text)
    layers = {label: _layer_tags(starts, ends, spans.get(label, ())) for label in LABEL_VALUES}
    return {
        "tokens": [text[start:end] for start, end in zip(starts, ends, strict=True)],
        "token_starts": starts,
        "token_ends": ends,
        "ner_tags": ner_tags(layers, len(starts)),
        **{layer_column(label): tags for label, tags in layers.items()},
    }
