"""Rows of the `sentences` configuration: the `tokens` of one sentence, with their spaces.

Whole-article rows are too long for most encoders (hundreds of articles pass 512 tokens), so
each article is cut into sentences: at every line break, and after a token ending in `.`, `!`,
`?` or `…` (with the closing quotation marks and brackets after it) when the next token starts
a new sentence (a capital, a digit or an opening mark), except after an abbreviation (a title
such as `Mr.` or `Sen.`, an initial such as `J.`, or dotted letters such as `U.S.`): one
sentence too long is harmless, one cut in the middle of a name is not. A sentence longer
than `MAX_TOKENS` is cut into pieces of at most that many tokens. Each token keeps the exact
whitespace after it (`spaces`), so `"".join(t + s for t, s in zip(tokens, spaces)) == text`
for every row and the rows of an article in order give back its text from the first token
on. Tags are the article's, cut the same way; a span crossing a row boundary begins again
with `B` in the next row, so every row is valid IOB2 on its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from quotegold.dataset.tokens import layer_column

__all__ = ["MAX_TOKENS", "sentence_ranges", "sentence_rows"]

MAX_TOKENS = 512

_ENDS = (".", "!", "?", "…")
_CLOSERS = frozenset("\"'\u201d\u2019»)]}")  # with the curly closing quotes
_OPENERS = frozenset("\"'\u201c\u2018«([{")  # with the curly opening quotes


# Titles and abbreviations that stand before a name or a place, rarely at a sentence's end.
_ABBREVIATION_WORDS = (
    "mr mrs ms dr prof sen rep gov gen col lt sgt capt adm st jr sr rev hon pres inc "
    "corp co ltd vs no mt ft jan feb mar apr jun jul aug sep sept oct nov dec ala "
    "ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo "
    "mont neb nev okla ore pa tenn tex va vt wash wis wyo"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())


def _is_abbreviation(token: str) -> bool:
    stem = token[:-1] if token.endswith(".") else ""
    if not stem:
        return False
    if stem.lower() in _ABBREVIATIONS:
        return True
    letters = stem.split(".")  # `U.S` of `U.S.`, `J` of `J.`
    return all(len(part) == 1 and part.isalpha() for part in letters)


def _starts_sentence(token: str) -> bool:
    first = token[0]
    return first.isupper() or not first.isalpha() or first in _OPENERS


def _ends_sentence(text: str, starts: Sequence[int], ends: Sequence[int], index: int) -> bool:
    token = text[starts[index] : ends[index]]
    if token.endswith(_ENDS):
        return not _is_abbreviation(token)
    before = text[starts[index - 1] : ends[index - 1]] if index else ""
    return all(mark in _CLOSERS for mark in token) and before.endswith(_ENDS)


def sentence_ranges(text: str, starts: Sequence[int], ends: Sequence[int]) -> Iterator[range]:
    """The token index ranges of the sentences of `text` (see the module docstring)."""
    begin, count = 0, len(starts)
    for index in range(count):
        if index + 1 < count:
            gap = text[ends[index] : starts[index + 1]]
            following = text[starts[index + 1] : ends[index + 1]]
            boundary = "\n" in gap or (
                bool(gap)
                and _ends_sentence(text, starts, ends, index)
                and _starts_sentence(following)
            )
            if not boundary:
                continue
        for piece in range(begin, index + 1, MAX_TOKENS):
            yield range(piece, min(piece + MAX_TOKENS, index + 1))
        begin = index + 1


def _next_start(starts: Sequence[int], index: int, length: int) -> int:
    return starts[index + 1] if index + 1 < len(starts) else length


def _restart(tags: list[str]) -> list[str]:
    """Tags of a row: a span carried over from the previous row begins again here."""
    if tags and tags[0] == "I":
        tags[0] = "B"
    return tags


def sentence_rows(
    article_id: str, text: str, columns: Mapping[str, Any], layers: Sequence[str]
) -> list[dict[str, Any]]:
    """The `sentences` rows of one article from its `tokens` columns (`token_columns`)."""
    starts, ends = columns["token_starts"], columns["token_ends"]
    rows = []
    for number, tokens in enumerate(sentence_ranges(text, starts, ends)):
        first, last = tokens.start, tokens.stop - 1
        stop = starts[last + 1] if last + 1 < len(starts) else len(text)
        spaces = [
            text[ends[i] : starts[i + 1] if i + 1 < len(starts) else len(text)] for i in tokens
        ]
        ner = list(columns["ner_tags"][first : last + 1])
        if ner and ner[0].startswith("I-"):
            ner[0] = "B-" + ner[0][2:]
        row: dict[str, Any] = {
            "id": f"{article_id}:{number}",
            "article_id": article_id,
            "sentence": number,
            "start": starts[first],
            "end": stop,
            "text": text[starts[first] : stop],
            "tokens": columns["tokens"][first : last + 1],
            "spaces": spaces,
            "ner_tags": ner,
        }
        for label in layers:
            column = layer_column(label)
            row[column] = _restart(list(columns[column][first : last + 1]))
        rows.append(row)
    return rows
