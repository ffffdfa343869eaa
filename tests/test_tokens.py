"""Tokens and BIO tags: exact offsets, hand-checked tags, overlap precedence."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotegold.schema import SCHEMA
from quotegold.tokens import (
    PRECEDENCE,
    layer_column,
    layer_tags,
    ner_tag_names,
    ner_tags,
    token_columns,
    tokenize,
)


def span(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


@pytest.mark.parametrize(
    "text",
    [
        "Plain words, and punctuation.",
        "🇮🇳🤝🇨🇳 Новости 北京 \U0001d518\U0001d52b\U0001d526 said: «yes»",
        "👩\u200d👩\u200d👧 family of code points, e\u0301 combining",
        "non\u00a0breaking\tspace\r\nand  double  spaces\n\n\nnew paragraph",
        "  leading and trailing  \n",
        'U.S. officials\' "plan"—said it',
    ],
    ids=["latin", "astral-and-scripts", "zwj-and-combining", "odd-whitespace", "edges", "glued"],
)
def test_tokens_map_back_and_skip_whitespace(text: str) -> None:
    tokens = tokenize(text)
    assert tokens
    for token in tokens:
        assert text[token.start : token.end] == token.text
        assert not token.text.isspace()
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)
    # Tokens do not overlap, and every character that is not whitespace is in one.
    assert all(a.end <= b.start for a, b in pairwise(tokens))
    covered = {i for token in tokens for i in range(token.start, token.end)}
    assert {i for i, char in enumerate(text) if not char.isspace()} <= covered


@settings(deadline=None, database=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_tokens_map_back_for_any_text(text: str) -> None:
    for token in tokenize(text):
        assert text[token.start : token.end] == token.text
        assert not token.text.isspace()


def test_hand_checked_tags_with_an_initiative_inside_a_quote() -> None:
    text = 'Singh said "the SCO plan works" today.'
    spans = {
        "SPEAKER": [span(text, "Singh")],
        "CUE": [span(text, "said")],
        "QUOTE": [span(text, "the SCO plan works")],
        "INITIATIVE": [span(text, "SCO plan")],
    }
    columns = token_columns(text, spans)
    assert columns["tokens"] == [
        "Singh",
        "said",
        '"',
        "the",
        "SCO",
        "plan",
        "works",
        '"',
        "today",
        ".",
    ]
    assert columns["ner_tags"] == [
        "B-SPEAKER",
        "B-CUE",
        "O",
        "B-QUOTE",
        "B-INITIATIVE",
        "I-INITIATIVE",
        "B-QUOTE",  # the quote resumes after the initiative: a new B keeps the column IOB2
        "O",
        "O",
        "O",
    ]
    assert columns["speaker_tags"] == ["B", "O", "O", "O", "O", "O", "O", "O", "O", "O"]
    assert columns["cue_tags"] == ["O", "B", "O", "O", "O", "O", "O", "O", "O", "O"]
    assert columns["quote_tags"] == ["O", "O", "O", "B", "I", "I", "I", "O", "O", "O"]
    assert columns["initiative_tags"] == ["O", "O", "O", "O", "B", "I", "O", "O", "O", "O"]
    assert columns["token_starts"] == [0, 6, 11, 12, 16, 20, 25, 30, 32, 37]
    assert columns["token_ends"] == [5, 10, 12, 15, 19, 24, 30, 31, 37, 38]


def test_hand_checked_tags_of_a_quote_split_by_its_attribution() -> None:
    text = '"We agree," he said, "on everything."'
    spans = {
        "SPEAKER": [span(text, "he")],
        "CUE": [span(text, "said")],
        "QUOTE": [span(text, "We agree,"), span(text, "on everything.")],
    }
    columns = token_columns(text, spans)
    assert columns["tokens"] == [
        '"',
        "We",
        "agree",
        ",",
        '"',
        "he",
        "said",
        ",",
        '"',
        "on",
        "everything",
        ".",
        '"',
    ]
    assert columns["ner_tags"] == [
        "O",
        "B-QUOTE",
        "I-QUOTE",
        "I-QUOTE",
        "O",
        "B-SPEAKER",
        "B-CUE",
        "O",
        "O",
        "B-QUOTE",  # the second part is a span of its own
        "I-QUOTE",
        "I-QUOTE",
        "O",
    ]
    assert columns["initiative_tags"] == ["O"] * 13


def test_a_speaker_inside_a_quote_wins_and_the_quote_resumes() -> None:
    text = "The plan, Singh said, is ready now"
    spans = {
        "SPEAKER": [span(text, "Singh")],
        "QUOTE": [span(text, "The plan, Singh said, is ready")],
    }
    columns = token_columns(text, spans)
    assert columns["tokens"] == ["The", "plan", ",", "Singh", "said", ",", "is", "ready", "now"]
    assert columns["ner_tags"] == [
        "B-QUOTE",
        "I-QUOTE",
        "I-QUOTE",
        "B-SPEAKER",
        "B-QUOTE",
        "I-QUOTE",
        "I-QUOTE",
        "I-QUOTE",
        "O",
    ]
    assert columns["quote_tags"] == ["B", "I", "I", "I", "I", "I", "I", "I", "O"]


@pytest.mark.parametrize(
    ("winner", "loser"),
    [("SPEAKER", "CUE"), ("CUE", "INITIATIVE"), ("INITIATIVE", "QUOTE"), ("SPEAKER", "QUOTE")],
)
def test_precedence_on_the_same_token(winner: str, loser: str) -> None:
    text = "alpha beta"
    columns = token_columns(text, {loser: [(0, 10)], winner: [(0, 5)]})
    assert columns["ner_tags"] == [f"B-{winner}", f"B-{loser}"]
    assert columns[layer_column(loser)] == ["B", "I"]
    assert columns[layer_column(winner)] == ["B", "O"]


def test_a_span_starting_or_ending_inside_a_token_takes_the_whole_token() -> None:
    text = 'the "plan"—said it'
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["the", '"', 'plan"—said', "it"]
    assert layer_tags(tokens, [span(text, "plan")]) == ["O", "O", "B", "O"]
    assert layer_tags(tokens, [span(text, "he")]) == ["B", "O", "O", "O"]


def test_adjacent_spans_of_one_layer_each_begin() -> None:
    tokens = tokenize("one two three four")
    assert layer_tags(tokens, [(0, 7), (8, 18)]) == ["B", "I", "B", "I"]
    # A span ending inside the token where the next one starts: the later span's B wins.
    assert layer_tags(tokens, [(0, 5), (5, 13)]) == ["B", "B", "I", "O"]


def test_a_span_over_whitespace_only_tags_nothing() -> None:
    text = "one   two"
    assert layer_tags(tokenize(text), [(3, 6)]) == ["O", "O"]
    assert ner_tags({label: ["O", "O"] for label in SCHEMA.label_values}, 2) == ["O", "O"]


def test_an_article_without_tokens() -> None:
    columns = token_columns(" \n\t ", {})
    assert columns["tokens"] == [] and columns["ner_tags"] == []


def test_precedence_and_tag_names_follow_the_schema() -> None:
    assert sorted(PRECEDENCE) == sorted(SCHEMA.label_values)
    assert len(PRECEDENCE) == len(set(PRECEDENCE))
    assert ner_tag_names() == (
        "O",
        "B-SPEAKER",
        "I-SPEAKER",
        "B-CUE",
        "I-CUE",
        "B-QUOTE",
        "I-QUOTE",
        "B-INITIATIVE",
        "I-INITIATIVE",
    )
    assert set(token_columns("a", {})) == {
        "tokens",
        "token_starts",
        "token_ends",
        "ner_tags",
        *(layer_column(label) for label in SCHEMA.label_values),
    }
