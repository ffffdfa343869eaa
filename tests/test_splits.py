"""Splits by article id: stable, deterministic, and the ratios checked."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from quotegold.dataset.splits import DEFAULT_RATIOS, SPLITS, check_ratios, split_for, split_records
from quotegold.errors import ExportError


def test_splits_stay_put_when_articles_are_added() -> None:
    first = {f"article-{i}": split_for(f"article-{i}") for i in range(50)}
    records = [{"id": f"article-{i}"} for i in range(100)]
    grown = {r["id"]: split for split, rs in split_records(records).items() for r in rs}
    assert {article: grown[article] for article in first} == first
    assert len(grown) == 100


def test_known_ids_keep_their_split() -> None:
    # Pinned: a change of the hashing would move published articles between splits.
    assert [split_for(f"article-{i}") for i in range(4)] == ["train", "train", "validation", "test"]
    assert split_for("000_39aac9fc28ccbe21") == "train"
    assert split_for("article-37") == "test"


def test_split_records_keeps_order_and_every_split() -> None:
    records: list[dict[str, Any]] = [{"id": f"article-{i}", "n": i} for i in range(30)]
    by_split = split_records(records)
    assert list(by_split) == list(SPLITS)
    for part in by_split.values():
        assert [r["n"] for r in part] == sorted(r["n"] for r in part)
    assert sum(len(part) for part in by_split.values()) == 30


def test_shares_follow_the_ratios() -> None:
    counts = Counter(split_for(f"id-{i}", (0.6, 0.3, 0.1)) for i in range(5000))
    assert counts["train"] / 5000 == pytest.approx(0.6, abs=0.03)
    assert counts["validation"] / 5000 == pytest.approx(0.3, abs=0.03)
    assert counts["test"] / 5000 == pytest.approx(0.1, abs=0.03)


@pytest.mark.parametrize(
    ("ratios", "only"),
    [((1, 0, 0), {"train"}), ((0, 0, 1), {"test"}), ((0.5, 0, 0.5), {"train", "test"})],
)
def test_a_zero_ratio_split_gets_nothing(
    ratios: tuple[float, float, float], only: set[str]
) -> None:
    assert {split_for(f"id-{i}", ratios) for i in range(500)} == only


def test_ratios_that_add_up_only_after_rounding_are_fine() -> None:
    assert sum((0.7, 0.2, 0.1)) != 1.0
    assert check_ratios((0.7, 0.2, 0.1)) == (0.7, 0.2, 0.1)
    assert check_ratios([1, 0, 0]) == (1.0, 0.0, 0.0)
    assert check_ratios(DEFAULT_RATIOS) == (0.8, 0.1, 0.1)


@pytest.mark.parametrize(
    ("ratios", "message"),
    [
        ((0.8, 0.2), "must be three numbers"),
        ((0.5, 0.2, 0.2, 0.1), "must be three numbers"),
        ((0.8, 0.1, 0.2), "add up to 1.1, not 1"),
        ((0.5, 0.1, 0.1), "add up to 0.7, not 1"),
        ((1.2, -0.1, -0.1), "not negative"),
        ((math.nan, 0.5, 0.5), "finite"),
        ((math.inf, 0, 0), "finite"),
    ],
)
def test_bad_ratios_are_explained(ratios: tuple[float, ...], message: str) -> None:
    with pytest.raises(ExportError, match=message):
        check_ratios(ratios)
    with pytest.raises(ExportError, match=message):
        split_for("article-0", ratios)
