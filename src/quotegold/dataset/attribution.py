"""Rows of the `attribution` configuration: (quote, candidate speaker mention) pairs.

Speaker attribution is trained as a ranking or a binary choice over candidates: for every
quote of an article, every SPEAKER mention of the same article is a candidate, labelled
`speaker` when the quote is attributed to that very mention, else `not_speaker`. The features
are what attribution systems use: where the mention is from the quote (before, inside, after;
the gap in characters and tokens; the same paragraph or not; the mentions in between) and the
quote's cue (is there one, does it lie between the two, how far it is from the mention).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from quotegold.dataset.tokens import token_bounds
from quotegold.gold.model import GoldRecord, Quote, Speaker

__all__ = ["ATTRIBUTION_LABELS", "DIRECTIONS", "attribution_rows"]

ATTRIBUTION_LABELS: tuple[str, ...] = ("not_speaker", "speaker")
DIRECTIONS: tuple[str, ...] = ("before", "inside", "after")


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two ranges (0 when they touch or overlap)."""
    return max(0, b[0] - a[1], a[0] - b[1])


def _direction(mention: Speaker, start: int, end: int) -> str:
    if mention["end"] <= start:
        return "before"
    if mention["start"] >= end:
        return "after"
    return "inside"


def attribution_rows(record: GoldRecord, starts: list[int] | None = None) -> list[dict[str, Any]]:
    """One row per (quote, SPEAKER mention) pair of one article, quotes in order; `starts`
    are its tokens' starts when already known (`tokens.token_bounds`)."""
    text = record["text"]
    mentions = record["speakers"]
    if not mentions or not record["quotes"]:
        return []
    if starts is None:
        starts, _ = token_bounds(text)
    cues = {cue["id"]: cue for cue in record["cues"]}
    by_id = {mention["id"]: mention for mention in mentions}
    rows = []
    for quote in record["quotes"]:
        start = min(span["start"] for span in quote["spans"])
        end = max(span["end"] for span in quote["spans"])
        cue = cues.get(quote["cue_id"] or "")
        said_by = by_id.get(quote["speaker_id"] or "")
        for mention in mentions:
            rows.append(
                _row(
                    record,
                    quote,
                    mention,
                    (start, end),
                    cue and (cue["start"], cue["end"]),
                    said_by,
                    starts,
                    mentions,
                    text,
                )
            )
    return rows


def _row(
    record: GoldRecord,
    quote: Quote,
    mention: Speaker,
    span: tuple[int, int],
    cue: tuple[int, int] | None,
    said_by: Speaker | None,
    starts: list[int],
    mentions: list[Speaker],
    text: str,
) -> dict[str, Any]:
    where = (mention["start"], mention["end"])
    gap = _gap(span, where)
    low, high = min(span[1], where[1]), max(span[0], where[0])
    between = (low, high) if low <= high else (high, high)
    direction = _direction(mention, *span)
    return {
        "article_id": record["id"],
        "quote_id": quote["id"],
        "mention_id": mention["id"],
        "quote": quote["text"],
        "quote_start": span[0],
        "quote_end": span[1],
        "quote_type": quote["quote_type"],
        "mention": mention["text"],
        "mention_start": mention["start"],
        "mention_end": mention["end"],
        "mention_name": mention["name"],
        "mention_kind": mention["kind"],
        "label": ATTRIBUTION_LABELS[int(said_by is not None and said_by["id"] == mention["id"])],
        "same_speaker": said_by is not None
        and " ".join(said_by["name"].casefold().split())
        == " ".join(mention["name"].casefold().split()),
        "direction": direction,
        "char_distance": gap,
        "token_distance": 0
        if direction == "inside"
        else max(0, bisect_left(starts, between[1]) - bisect_left(starts, between[0])),
        "same_paragraph": direction == "inside" or "\n" not in text[between[0] : between[1]],
        "mentions_between": sum(
            1
            for other in mentions
            if other is not mention and between[0] <= other["start"] and other["end"] <= between[1]
        ),
        "has_cue": cue is not None,
        "cue_between": cue is not None and between[0] <= cue[0] and cue[1] <= between[1],
        "cue_distance": None if cue is None else _gap(cue, where),
    }
