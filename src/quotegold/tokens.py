"""Tokens and BIO tags for the `tokens` configuration.

Tokens come from spaCy's blank English tokenizer (rules only, no model), minus the tokens
that are only whitespace. Offsets are Python str indices (code points), so
`text[token.start:token.end] == token.text` always holds.

Each span layer gets its own IOB2 column: a token is inside a span if it overlaps it at all
(a span may start or end inside a token), and the first token of every span (every part of
a split quote) is `B`. The single `ner_tags` column keeps, per token, the layer that comes
first in `PRECEDENCE`; where a higher layer interrupts a lower one (a SPEAKER inside a
QUOTE) the lower one resumes with `B-`, so the column is always valid IOB2. The per-layer
columns keep what the single column cannot.
"""

from __future__ import annotations

import multiprocessing
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, TypeVar

from quotegold.schema import SCHEMA, AnnotationSchema

# Short, specific layers win over the long ones they sit inside: a speaker or cue can sit in
# a quote's span, an initiative's name inside a quote.
PRECEDENCE: tuple[str, ...] = ("SPEAKER", "CUE", "INITIATIVE", "QUOTE")

LAYER_TAGS: tuple[str, ...] = ("O", "B", "I")

# Where a text's tokens start and where they end (see `token_bounds`).
Bounds = tuple[list[int], list[int]]
T = TypeVar("T")
# Texts per request to the helper process, and requests it may have waiting: enough to keep
# it busy, few enough that the items waiting for their tokens stay a handful.
_CHUNK = 32
_AHEAD = 6
# Two helpers: on two cores they and the caller (about half as busy) share both.
_HELPERS = 2

if TYPE_CHECKING:
    from spacy.tokenizer import Tokenizer


@dataclass(frozen=True)
class Token:
    """One token and where it is in the article text (code-point offsets)."""

    text: str
    start: int
    end: int


def ner_tag_names(schema: AnnotationSchema = SCHEMA) -> tuple[str, ...]:
    """The `ner_tags` class names: O, then B-/I- for each schema label, in schema order."""
    return ("O", *(f"{prefix}-{label}" for label in schema.label_values for prefix in "BI"))


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

    The same tokens as `tokenize`, read from spaCy's arrays in one call rather than one
    Python object per token: the export tokenizes every article, and this is most of it.
    """
    from spacy.attrs import IDX, IS_SPACE, LENGTH

    starts: list[int] = []
    ends: list[int] = []
    for start, length, space in _tokenizer()(text).to_array([IDX, LENGTH, IS_SPACE]).tolist():
        if not space:
            starts.append(start)
            ends.append(start + length)
    return starts, ends


def with_bounds(items: Iterable[T], text_of: Callable[[T], str]) -> Iterator[tuple[T, Bounds]]:
    """Each item with the `token_bounds` of its text, in the order given, lazily.

    Tokenizing is most of the cost of an export, and spaCy holds the GIL: so when there are
    more than a few items, a helper process (forked, where the system can fork) tokenizes
    while the caller works on the items, which run a few chunks ahead of it.
    """
    iterator = iter(items)
    chunk = list(islice(iterator, _CHUNK))
    if len(chunk) < _CHUNK or "fork" not in multiprocessing.get_all_start_methods():
        for item in chain(chunk, iterator):
            yield item, token_bounds(text_of(item))
        return
    _tokenizer()  # made before forking, so the helper starts with it
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=_HELPERS, mp_context=context) as helper:
        waiting: deque[tuple[list[T], Future[list[Bounds]]]] = deque()
        while chunk:
            waiting.append((chunk, helper.submit(_bounds_of, [text_of(i) for i in chunk])))
            if len(waiting) > _AHEAD:
                done, future = waiting.popleft()
                yield from zip(done, future.result(), strict=True)
            chunk = list(islice(iterator, _CHUNK))
        for done, future in waiting:
            yield from zip(done, future.result(), strict=True)


def _bounds_of(texts: list[str]) -> list[Bounds]:
    return [token_bounds(text) for text in texts]


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
    """One IOB2 tag per token from the per-layer tags, the layer first in PRECEDENCE winning."""
    tags: list[str] = []
    previous: str | None = None
    ordered = [(label, layers[label]) for label in PRECEDENCE]
    for index in range(length):
        winner = None
        for label, layer in ordered:
            if layer[index] != "O":
                winner = label
                break
        if winner is None:
            tags.append("O")
        elif layers[winner][index] == "B" or previous != winner:
            tags.append(f"B-{winner}")
        else:
            tags.append(f"I-{winner}")
        previous = winner
    return tags


def token_columns(
    text: str,
    spans: Mapping[str, Sequence[tuple[int, int]]],
    *,
    bounds: Bounds | None = None,
) -> dict[str, Any]:
    """The `tokens` configuration's columns for one article, from its spans keyed by label.

    `bounds` are the text's `token_bounds`, if already known.
    """
    starts, ends = bounds or token_bounds(text)
    layers = {
        label: _layer_tags(starts, ends, spans.get(label, ())) for label in SCHEMA.label_values
    }
    return {
        "tokens": [text[start:end] for start, end in zip(starts, ends, strict=True)],
        "token_starts": starts,
        "token_ends": ends,
        "ner_tags": ner_tags(layers, len(starts)),
        **{layer_column(label): tags for label, tags in layers.items()},
    }
