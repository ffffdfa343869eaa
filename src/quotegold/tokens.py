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

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from quotegold.schema import SCHEMA, AnnotationSchema

# Short, specific layers win over the long ones they sit inside: a speaker or cue can sit in
# a quote's span, an initiative's name inside a quote.
PRECEDENCE: tuple[str, ...] = ("SPEAKER", "CUE", "INITIATIVE", "QUOTE")

LAYER_TAGS: tuple[str, ...] = ("O", "B", "I")

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
    return [
        Token(token.text, token.idx, token.idx + len(token.text))
        for token in _tokenizer()(text)
        if not token.text.isspace()
    ]


def layer_tags(tokens: Sequence[Token], spans: Sequence[tuple[int, int]]) -> list[str]:
    """`O`/`B`/`I` for one layer: each token overlapping a span, `B` on a span's first token."""
    tags = ["O"] * len(tokens)
    ends = [token.end for token in tokens]
    for start, end in sorted(spans):
        # Tokens do not overlap, so their ends rise: the first with end > start overlaps.
        index = bisect_right(ends, start)
        first = True
        while index < len(tokens) and tokens[index].start < end:
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
    for index in range(length):
        winner = next((label for label in PRECEDENCE if layers[label][index] != "O"), None)
        if winner is None:
            tags.append("O")
        elif layers[winner][index] == "B" or previous != winner:
            tags.append(f"B-{winner}")
        else:
            tags.append(f"I-{winner}")
        previous = winner
    return tags


def token_columns(text: str, spans: Mapping[str, Sequence[tuple[int, int]]]) -> dict[str, Any]:
    """The `tokens` configuration's columns for one article, from its spans keyed by label."""
    tokens = tokenize(text)
    layers = {label: layer_tags(tokens, spans.get(label, ())) for label in SCHEMA.label_values}
    return {
        "tokens": [token.text for token in tokens],
        "token_starts": [token.start for token in tokens],
        "token_ends": [token.end for token in tokens],
        "ner_tags": ner_tags(layers, len(tokens)),
        **{layer_column(label): tags for label, tags in layers.items()},
    }
