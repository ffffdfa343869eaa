"""Rows built from gold records; here the `speakers` rows, checked against rows made by hand."""

from __future__ import annotations

from typing import Any

import pytest

from quotegold.dataset.rows import normalise_name, speaker_key, speaker_rows

A = 'Sergey  Lavrov said "we welcome the plan". Russia backs the Moscow Format. Lavrov: "no."'
B = 'Russia said "terror must end". Sergey Lavrov agreed. "Fine," said a man. Sources: "soon".'


def at(text: str, needle: str) -> dict[str, Any]:
    start = text.index(needle)
    return {"start": start, "end": start + len(needle), "text": needle}


def speaker(sid: str, text: str, needle: str, name: str, kind: str) -> dict[str, Any]:
    return {"id": sid, **at(text, needle), "name": name, "kind": kind}


def quote(
    qid: str, text: str, needle: str, sid: str | None, stance: str, target: str | None
) -> dict[str, Any]:
    return {
        "id": qid,
        "spans": [at(text, needle)],
        "text": needle,
        "quote_type": "direct",
        "speaker_id": sid,
        "no_speaker": sid is None,
        "cue_id": None,
        "stance": stance,
        "stance_target": target,
    }


def records() -> list[dict[str, Any]]:
    a = {
        "id": "a",
        "text": A,
        "speakers": [
            speaker("s1", A, "Sergey  Lavrov", "Sergey  Lavrov", "person"),
            speaker("s2", A, "Russia", "Russia", "country"),
            speaker("s3", A, "Lavrov:", "sergey lavrov", "person"),
        ],
        "cues": [],
        "quotes": [
            quote("q1", A, "we welcome the plan", "s1", "support", "foreign_affairs"),
            quote("q2", A, "no.", "s3", "neutral", None),
        ],
        "initiatives": [
            # Two mentions of one speaker put it forward: listed once for that speaker.
            {
                **at(A, "Moscow Format"),
                "id": "i1",
                "status": "proposed",
                "proponent_ids": ["s1", "s3"],
            }
        ],
    }
    b = {
        "id": "b",
        "text": B,
        "speakers": [
            speaker("s1", B, "Russia", "RUSSIA", "organisation"),
            speaker("s2", B, "Sergey Lavrov", "Sergey Lavrov", "person"),
            speaker("s3", B, "Sources", "  ", "unnamed"),
        ],
        "cues": [],
        "quotes": [
            quote("q1", B, "terror must end", "s1", "oppose", "security"),
            quote("q2", B, "Fine,", None, "neutral", None),
            quote("q3", B, "soon", "s3", "neutral", None),
            quote("q4", B, "Sergey Lavrov agreed", "s2", "support", "security"),
        ],
        "initiatives": [],
    }
    return [a, b]


def counts(target: str | None, support: int, oppose: int, neutral: int) -> dict[str, Any]:
    return {"target": target, "support": support, "oppose": oppose, "neutral": neutral}


def said(article: str, qid: str, text: str, sid: str, stance: str, target: str | None) -> Any:
    return {
        "article_id": article,
        "quote_id": qid,
        "quote": text,
        "speaker_id": sid,
        "quote_type": "direct",
        "stance": stance,
        "stance_target": target,
    }


def mention(article: str, sid: str, text: str, needle: str) -> dict[str, Any]:
    return {"article_id": article, "id": sid, **at(text, needle)}


EXPECTED = [
    # Same name, two kinds: two rows, organisation before country (schema order).
    {
        "name": "RUSSIA",
        "kind": "organisation",
        "mentions": [mention("b", "s1", B, "Russia")],
        "articles": ["b"],
        "quotes": [said("b", "q1", "terror must end", "s1", "oppose", "security")],
        "stances": [counts("security", 0, 1, 0)],
        "initiatives": [],
    },
    {
        "name": "Russia",
        "kind": "country",
        "mentions": [mention("a", "s2", A, "Russia")],
        "articles": ["a"],
        "quotes": [],
        "stances": [],
        "initiatives": [],
    },
    # Case and whitespace differ across mentions and articles: one speaker, the most
    # frequent written form as its name.
    {
        "name": "Sergey Lavrov",
        "kind": "person",
        "mentions": [
            mention("a", "s1", A, "Sergey  Lavrov"),
            mention("a", "s3", A, "Lavrov:"),
            mention("b", "s2", B, "Sergey Lavrov"),
        ],
        "articles": ["a", "b"],
        "quotes": [
            said("a", "q1", "we welcome the plan", "s1", "support", "foreign_affairs"),
            said("a", "q2", "no.", "s3", "neutral", None),
            said("b", "q4", "Sergey Lavrov agreed", "s2", "support", "security"),
        ],
        # Targets in schema order, no target last.
        "stances": [
            counts("security", 1, 0, 0),
            counts("foreign_affairs", 1, 0, 0),
            counts(None, 0, 0, 1),
        ],
        "initiatives": [
            {
                "article_id": "a",
                "initiative_id": "i1",
                "text": "Moscow Format",
                "status": "proposed",
            }
        ],
    },
    # A name that is only whitespace: the mention's text stands in for it.
    {
        "name": "Sources",
        "kind": "unnamed",
        "mentions": [mention("b", "s3", B, "Sources")],
        "articles": ["b"],
        "quotes": [said("b", "q3", "soon", "s3", "neutral", None)],
        "stances": [counts(None, 0, 0, 1)],
        "initiatives": [],
    },
]


def test_speaker_rows_by_hand() -> None:
    assert speaker_rows(records()) == EXPECTED


def test_no_records_no_speakers() -> None:
    assert speaker_rows([]) == []


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("Rajnath Singh", "rajnath singh"),
        ("  Rajnath \t Singh\n", "rajnath singh"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),  # casefold, not lower
        ("   ", ""),
    ],
)
def test_normalise_name(name: str, normal: str) -> None:
    assert normalise_name(name) == normal


def test_speaker_key_is_name_and_kind() -> None:
    assert speaker_key({"name": "India ", "text": "New Delhi", "kind": "country"}) == (
        "india",
        "country",
    )
    assert speaker_key({"name": " ", "text": "Officials", "kind": "unnamed"}) == (
        "officials",
        "unnamed",
    )
