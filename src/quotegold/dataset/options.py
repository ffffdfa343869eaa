"""What an export may add to the dataset besides the records: card metadata, split rules,
training formats. One frozen object, so the writer's signature stays short."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["FORMATS", "DatasetOptions"]

# Training files written beside the Hub folder only when asked for (`--formats`).
FORMATS: tuple[str, ...] = ("docbin", "conll")


@dataclass(frozen=True)
class DatasetOptions:
    """Optional settings of an export.

    - `license_name`, `license_link`: what the Hub asks for with `license: other`.
    - `source_datasets`, `language_creators`: the card's metadata of the same names.
    - `folder`: how the card's code names the dataset folder (as given to `--out`).
    - `pinned`: article id → split, over any `split` a record's meta gives (`--test-ids`).
    - `group_by`: an article field (`source`, `url`, a meta key) whose articles share a split.
    - `folds`: adds a stable `fold` column (0 to k-1) when 2 or more.
    - `formats`: training files to write as well (see `FORMATS`).
    """

    license_name: str | None = None
    license_link: str | None = None
    source_datasets: tuple[str, ...] = ("original",)
    language_creators: tuple[str, ...] = ("found",)
    folder: str | None = None
    pinned: Mapping[str, str] = field(default_factory=dict)
    group_by: str | None = None
    folds: int = 0
    formats: tuple[str, ...] = ()
