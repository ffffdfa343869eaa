"""Where the `sentences` configuration cuts an article: at sentence ends, never after a title,
an initial or dotted letters."""

from __future__ import annotations

import pytest

from quotegold.dataset.sentences import sentence_ranges
from quotegold.dataset.tokens import token_bounds


def sentences(text: str) -> list[str]:
    starts, ends = token_bounds(text)
    return [text[starts[r.start] : ends[r.stop - 1]] for r in sentence_ranges(text, starts, ends)]


@pytest.mark.parametrize(
    "text",
    [
        "U.S. Secretary of State Antony Blinken said so.",
        "He met Mr. Singh and Dr. Patel in Delhi.",
        "Johnnie Wilson, of Springfield, Va., said he had fought. Nobody doubted him.",
        "The senator, John F. Kennedy, spoke first.",
        "Talks between the U.S. and the U.K. resumed on Monday.",
    ],
)
def test_no_cut_after_a_title_an_initial_or_dotted_letters(text: str) -> None:
    first_sentence = text.split(". Nobody")[0] + ("." if ". Nobody" in text else "")
    assert sentences(text)[0] == first_sentence


def test_sentences_still_end_at_full_stops_and_line_breaks() -> None:
    text = 'He said it. "We will go," she replied! Why?\nA new line starts here'
    assert sentences(text) == [
        "He said it.",
        '"We will go," she replied!',
        "Why?",
        "A new line starts here",
    ]
