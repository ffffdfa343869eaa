"""Tokens and BIO tags: exact offsets, hand-checked tags, overlap precedence."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotegold.dataset.tokens import (
    NER_PRECEDENCE,
    PRECEDENCE,
    _tokenizer,
    layer_column,
    layer_tags,
    ner_tag_names,
    ner_tags,
    token_bounds,
    token_columns,
    tokenize,
)
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA

ROOT = Path(__file__).resolve().parents[1]


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
        "I-QUOTE",  # the initiative inside the quote does not cut it (initiative_tags has it)
        "I-QUOTE",
        "I-QUOTE",
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


def test_a_speaker_inside_a_quote_does_not_restart_the_quote() -> None:
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
        "I-QUOTE",  # Singh: in speaker_tags, not in the one combined column
        "I-QUOTE",
        "I-QUOTE",
        "I-QUOTE",
        "I-QUOTE",
        "O",
    ]
    assert columns["quote_tags"] == ["B", "I", "I", "I", "I", "I", "I", "I", "O"]
    assert columns["speaker_tags"] == ["O", "O", "O", "B", "O", "O", "O", "O", "O"]


@pytest.mark.parametrize(
    ("winner", "loser"),
    [("SPEAKER", "CUE"), ("CUE", "INITIATIVE"), ("QUOTE", "INITIATIVE"), ("QUOTE", "SPEAKER")],
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
    assert sorted(PRECEDENCE) == sorted(SCHEMA.label_values) == sorted(NER_PRECEDENCE)
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


def spacy_bounds(text: str) -> tuple[list[int], list[int]]:
    """spaCy's tokenizer on the whole text, whitespace tokens left out: what `token_bounds`
    must reproduce exactly while tokenizing each run between whitespace on its own."""
    doc = _tokenizer()(text)
    kept = [token for token in doc if not token.is_space]
    return [token.idx for token in kept], [token.idx + len(token.text) for token in kept]


# Characters that make spaCy's prefixes, suffixes, infixes, special cases and URL matching
# work: quotes, brackets, apostrophes, hyphens, dots, emoji, and every kind of whitespace.
_TRICKY = st.sampled_from(
    [
        *"\"'()[]«»\u201c\u201d\u2018\u2019.,;:!?-\u2013\u2014/@#%&*+=",
        *[" ", "  ", "\n", "\t", "\u00a0", "\u2009"],
        *["n't", "'s", "U.S.", "e.g.", "http://a.b/c", "3.5", "1,000", ":)", "🇮🇳", "👩\u200d👧"],
        *["Dr.", "can't", "It's", "rock'n'roll", "well-known", "mid-2025", "a/b", "x@y.org"],
    ]
)


@settings(deadline=None, database=None, max_examples=300)
@given(
    st.lists(
        st.one_of(_TRICKY, st.text(alphabet=st.characters(codec="utf-8"), max_size=6)),
        max_size=40,
    ).map("".join)
)
def test_token_bounds_equal_spacy_on_the_whole_text(text: str) -> None:
    assert token_bounds(text) == spacy_bounds(text)


def test_token_bounds_equal_spacy_on_the_real_articles() -> None:
    lines = (ROOT / "tasks" / "wikinews" / "articles.jsonl").read_text(encoding="utf-8")
    texts = [json.loads(line)["text"] for line in lines.splitlines() if line.strip()]
    texts += [path.read_text(encoding="utf-8") for path in (ROOT / "tasks" / "seeds").glob("*")]
    assert len(texts) >= 20
    for text in texts:
        assert token_bounds(text) == spacy_bounds(text)
        assert token_bounds(text) == spacy_bounds(text)  # again, from the cache


def reference_ner_tags(layers: dict[str, list[str]], length: int) -> list[str]:
    """The rule spelled out token by token: the first layer in NER_PRECEDENCE that tags a token
    wins; it begins (B-) where its own layer begins or where the winner changes."""
    tags, previous = [], None
    for index in range(length):
        winner = next((label for label in NER_PRECEDENCE if layers[label][index] != "O"), None)
        if winner is None:
            tags.append("O")
        elif layers[winner][index] == "B" or previous != winner:
            tags.append(f"B-{winner}")
        else:
            tags.append(f"I-{winner}")
        previous = winner
    return tags


@settings(deadline=None, database=None)
@given(
    st.integers(0, 30).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.fixed_dictionaries(
                {
                    label: st.lists(st.sampled_from("OBI"), min_size=n, max_size=n)
                    for label in PRECEDENCE
                }
            ),
        )
    )
)
def test_ner_tags_follow_the_rule_for_any_layers(case: tuple[int, dict[str, list[str]]]) -> None:
    length, layers = case
    assert ner_tags(layers, length) == reference_ner_tags(layers, length)
