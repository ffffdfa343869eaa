"""Stable train / validation / test splits by article id.

An article's split depends only on its own id and the ratios: the SHA-256 of the id is read
as a number in [0, 1) and compared with the cumulative ratios. Adding articles later never
moves one already exported, and the same id lands in the same split on every machine.
`SplitPlanner` adds pins (an article's `split`, `--test-ids`), groups (`--group-by`) and
folds on top, all as stable.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


# --- pinned and grouped splits, folds ---------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """The split (and fold, with folds) of every article of one export, by id."""

    splits: dict[str, str]
    folds: dict[str, int] | None = None

    def split_of(self, article_id: str) -> str:
        return self.splits[article_id]

    def fold_of(self, article_id: str) -> int | None:
        return None if self.folds is None else self.folds[article_id]


class SplitPlanner:
    """Collects what decides each article's split as the records stream past, then assigns.

    An article's split is, first come: its pin (`pinned`, e.g. from `--test-ids`, else the
    `split` of its meta); the pin of any article of its group (with `group_by`: the articles
    whose field has the same value, so one story's or source's articles stay together);
    else the stable hash of its group key (its id when not grouped), as `split_for`. With
    `folds` of 2 or more, each group also gets a fold, the same way, from another hash.
    """

    def __init__(
        self,
        ratios: Sequence[float],
        *,
        pinned: Mapping[str, str] | None = None,
        group_by: str | None = None,
        folds: int = 0,
    ) -> None:
        self.ratios = check_ratios(ratios)
        if folds == 1 or folds < 0:
            raise ExportError(f"--folds {folds}: give 2 folds or more (or 0 for none).")
        self._pinned = dict(pinned or {})
        self.group_by = group_by
        self.folds = folds
        self._group: dict[str, str] = {}  # article id → group key
        self._pins: dict[str, tuple[str, str]] = {}  # group key → (split, article pinning it)
        self._pinned_count = 0

    def add(self, record: Mapping[str, object]) -> None:
        article = str(record["id"])
        meta = record.get("meta")
        meta = meta if isinstance(meta, Mapping) else {}
        key = article
        if self.group_by is not None:
            value = meta.get(self.group_by, record.get(self.group_by))
            if value not in (None, ""):
                key = f"{self.group_by}={value}"
        self._group[article] = key
        pin = self._pinned.get(article) or meta.get("split")
        if pin in (None, ""):
            return
        if pin not in SPLITS:
            raise ExportError(
                f"article {article} is pinned to split {pin!r}; use one of {', '.join(SPLITS)}."
            )
        self._pinned_count += 1
        known = self._pins.setdefault(key, (str(pin), article))
        if known[0] != pin:
            raise ExportError(
                f"articles {known[1]} ({known[0]}) and {article} ({pin}) share {key} but are "
                "pinned to different splits; pin them alike or group by another field."
            )

    def assign(self) -> Assignment:
        splits: dict[str, str] = {}
        folds: dict[str, int] | None = {} if self.folds else None
        for article, key in self._group.items():
            pinned = self._pins.get(key)
            splits[article] = pinned[0] if pinned else _split_at(article_position(key), self.ratios)
            if folds is not None:
                folds[article] = int(article_position(f"fold:{key}") * self.folds)
        return Assignment(splits, folds)

    def describe(self) -> dict[str, object]:
        """The settings, for report.json."""
        return {
            "pinned": self._pinned_count,
            "group_by": self.group_by,
            "groups": len(set(self._group.values())),
            "folds": self.folds,
        }


def _split_at(position: float, ratios: tuple[float, float, float]) -> str:
    cumulative = 0.0
    for split, ratio in zip(SPLITS, ratios, strict=True):
        cumulative += ratio
        if ratio > 0 and position < cumulative:
            return split
    return [split for split, ratio in zip(SPLITS, ratios, strict=True) if ratio > 0][-1]
