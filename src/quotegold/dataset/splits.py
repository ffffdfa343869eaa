"""Stable train / validation / test splits by article id.

An article's split depends only on its own id and the ratios: the SHA-256 of the id is read
as a number in [0, 1) and compared with the cumulative ratios. Adding articles later never
moves one already exported, and the same id lands in the same split on every machine.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import TypeVar

from quotegold.errors import ExportError

SPLITS: tuple[str, ...] = ("train", "validation", "test")
DEFAULT_RATIOS: tuple[float, float, float] = (0.8, 0.1, 0.1)

Record = TypeVar("Record", bound=Mapping[str, object])  # anything with an "id"

# Ratios are floats typed by hand ("0.7, 0.2, 0.1"); their sum is 1 only up to rounding.
_TOLERANCE = 1e-9


def check_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    """The ratios as a (train, validation, test) tuple; `ExportError` if they are not usable."""
    shown = ", ".join(str(ratio) for ratio in ratios)
    if len(ratios) != len(SPLITS):
        raise ExportError(
            f"Split ratios ({shown}) must be three numbers, for {', '.join(SPLITS)}; "
            "for example 0.8, 0.1, 0.1."
        )
    values = tuple(float(ratio) for ratio in ratios)
    if not all(math.isfinite(value) and value >= 0 for value in values):
        raise ExportError(
            f"Split ratios ({shown}) must be finite and not negative; use 0 for a split you "
            "do not want."
        )
    if abs(sum(values) - 1.0) > _TOLERANCE:
        raise ExportError(
            f"Split ratios ({shown}) add up to {sum(values):g}, not 1; for example 0.8, 0.1, 0.1."
        )
    return values[0], values[1], values[2]


def article_position(article_id: str) -> float:
    """Where an article id falls in [0, 1): the first 8 bytes of its SHA-256, scaled."""
    digest = hashlib.sha256(article_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_for(article_id: str, ratios: Sequence[float] = DEFAULT_RATIOS) -> str:
    """The split an article belongs to, from its id alone."""
    values = check_ratios(ratios)
    position = article_position(article_id)
    cumulative = 0.0
    for split, ratio in zip(SPLITS, values, strict=True):
        cumulative += ratio
        if ratio > 0 and position < cumulative:
            return split
    # Rounding can leave the cumulative sum a hair under 1: the last split in use takes it.
    return [split for split, ratio in zip(SPLITS, values, strict=True) if ratio > 0][-1]


def split_records(
    records: Sequence[Record], ratios: Sequence[float] = DEFAULT_RATIOS
) -> dict[str, list[Record]]:
    """The records of each split (every split present, maybe empty), in their given order."""
    values = check_ratios(ratios)
    by_split: dict[str, list[Record]] = {split: [] for split in SPLITS}
    for record in records:
        by_split[split_for(str(record["id"]), values)].append(record)
    return by_split
