"""Write validated gold records as a Hugging Face dataset folder.

dataset.py and features.py are the only modules that import `datasets`.

    exports/NAME/
    ├── README.md                                       dataset card (YAML header + documentation)
    ├── data/<config>/<split>-00000-of-00001.parquet    features embedded
    ├── gold.jsonl                                      the gold records, sorted by article id
    └── report.json                                     the report given, plus this export's counts

`datasets.load_dataset("exports/NAME", "quotes")` reads it offline and the folder can be
uploaded to the Hub as it is. Configurations: `articles` (one row per article, the default),
`quotes` (one row per quote), `tokens` (one row per article: tokens and BIO tags) and
`speakers` (one row per canonical speaker across the whole dataset). Rows are built in
`quotegold.rows`, their features in `quotegold.features`.

Decisions, also stated in the card:
- Features are derived from the schema. Closed vocabularies are `ClassLabel`; a value that may
  be missing (a quote's stance target, the speaker of a quote without one) is a string or null.
- `speakers` aggregates every split (a speaker's quotes come from train, validation and test
  articles alike), so it is one `train` split: the split loaders expect, holding all rows.
- `datasets` cannot load an empty split, so a split with no rows in a configuration is left out
  of it, a configuration with no rows at all is left out, and zero records is an `ExportError`.
- The folder is built beside `out` and swapped in by renames: a failed export leaves the
  previous one as it was.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import datasets
from datasets import Features
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from huggingface_hub import DatasetCardData

from quotegold.card import render_card
from quotegold.errors import ExportError, Issue, Location, ValidationError
from quotegold.features import CONFIGS, DEFAULT_CONFIG, describe, features_for, project
from quotegold.rows import (
    ATTRIBUTE_FIELDS,
    LAYER_KEYS,
    article_row,
    quote_rows,
    speaker_rows,
    token_row,
)
from quotegold.schema import SCHEMA, SCHEMA_VERSION
from quotegold.splits import DEFAULT_RATIOS, SPLITS, check_ratios, split_records
from quotegold.validate import default_validator

__all__ = ["CONFIGS", "DatasetSummary", "features_for", "write_dataset"]

# Configurations with one row per entity across all articles: written as one `train` split.
AGGREGATE_SPLIT = "train"
_PER_ARTICLE: dict[str, Callable[[Mapping[str, Any]], list[dict[str, Any]]]] = {
    "articles": lambda record: [article_row(record)],
    "quotes": quote_rows,
    "tokens": lambda record: [token_row(record)],
}


@dataclass(frozen=True)
class DatasetSummary:
    """What `write_dataset` wrote: where, how much, and which files (relative to `path`)."""

    path: Path
    name: str
    articles: int
    quotes: int
    splits: dict[str, int]
    labels: dict[str, int]
    files: tuple[str, ...]


# --- rows -----------------------------------------------------------------------------------


def _rows(config: str, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    features = features_for(config)
    if config in _PER_ARTICLE:
        loose = [row for record in records for row in _PER_ARTICLE[config](record)]
    else:
        loose = speaker_rows(records)
    return [project(row, features) for row in loose]


def _counts(records: Sequence[Mapping[str, Any]], tokens: int) -> dict[str, Any]:
    choices = [attribute for attribute in SCHEMA.attributes if attribute.kind == "choice"]
    values: dict[str, Counter[str]] = {attribute.name: Counter() for attribute in choices}
    for record in records:
        for attribute in choices:
            for region in record[LAYER_KEYS[attribute.label]]:
                value = region[ATTRIBUTE_FIELDS[attribute.name]]
                values[attribute.name]["(none)" if value is None else str(value)] += 1
    return {
        "articles": len(records),
        "tokens": tokens,
        "labels": {
            label: sum(len(record[key]) for record in records) for label, key in LAYER_KEYS.items()
        },
        "attributes": {name: dict(sorted(counter.items())) for name, counter in values.items()},
    }


# --- checks ---------------------------------------------------------------------------------


def _checked(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The records sorted by id; `ValidationError` if any is not valid gold (see `validate`)."""
    items = [dict(record) for record in records]
    validator = default_validator()
    issues: list[Issue] = []
    tasks: dict[str, Any] = {}
    for record in items:
        found = validator.validate(record)
        issues += found
        if found:
            continue
        article, task = record["id"], record["provenance"]["task_id"]
        if article in tasks:
            issues.append(
                Issue(
                    Location(task=task),
                    f"article {article} appears twice (tasks {tasks[article]} and {task}); "
                    "export one record per article: adjudicate them first",
                )
            )
        tasks.setdefault(article, task)
    if issues:
        raise ValidationError(issues)
    return sorted(items, key=lambda record: str(record["id"]))


def _check_target(out: Path, *, overwrite: bool) -> None:
    if out.is_symlink():
        raise ExportError(f"{out} is a symbolic link; export to the folder it points to instead.")
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is a file; choose a folder name for the export.")
    looks_like_export = (out / "report.json").is_file() or (out / "gold.jsonl").is_file()
    if out.is_dir() and any(out.iterdir()) and not looks_like_export and not overwrite:
        raise ExportError(
            f"{out} exists and is not a quotegold export (no report.json or gold.jsonl); "
            "choose another folder, or pass overwrite=True to replace it."
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"Cannot create {out.parent}: {error}; check the path.") from error


# --- writing --------------------------------------------------------------------------------


@contextmanager
def _quiet() -> Iterator[None]:
    """The library never prints: hide the progress bars `datasets` shows while writing."""
    enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if enabled:
            datasets.enable_progress_bars()


def _write_parquet(rows: list[dict[str, Any]], features: Features, path: Path) -> int:
    """Write one split file with its features embedded; returns the rows' size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = datasets.Dataset.from_list(rows, features=features)
    with _quiet():
        table.to_parquet(str(path))
    return int(table.data.nbytes)


def _write_configs(
    folder: Path, tables: Mapping[str, Mapping[str, list[dict[str, Any]]]]
) -> tuple[list[dict[str, Any]], Any]:
    """Write the parquet files; returns the card's `configs` and `dataset_info`."""
    configs: list[dict[str, Any]] = []
    infos = DatasetInfosDict()
    for config, by_split in tables.items():
        features = features_for(config)
        splits, data_files, download = SplitDict(), [], 0
        for split, rows in by_split.items():
            path = folder / "data" / config / f"{split}-00000-of-00001.parquet"
            size = _write_parquet(rows, features, path)
            splits.add(SplitInfo(name=split, num_bytes=size, num_examples=len(rows)))
            data_files.append({"split": split, "path": f"data/{config}/{split}-*"})
            download += path.stat().st_size
        if not data_files:
            continue
        configs.append({"config_name": config, "data_files": data_files})
        if config == DEFAULT_CONFIG:
            configs[-1]["default"] = True
        infos[config] = DatasetInfo(
            features=features,
            splits=splits,
            download_size=download,
            dataset_size=sum(info.num_bytes for info in splits.values()),
        )
    scratch = DatasetCardData()
    infos.to_dataset_card_data(scratch)
    return configs, scratch["dataset_info"]


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def _split_rows(
    config: str, by_split: Mapping[str, Sequence[Mapping[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    if config not in _PER_ARTICLE:
        every = [record for records in by_split.values() for record in records]
        rows = _rows(config, sorted(every, key=lambda record: str(record["id"])))
        return {AGGREGATE_SPLIT: rows} if rows else {}
    return {split: rows for split, records in by_split.items() if (rows := _rows(config, records))}


def _tables(
    by_split: Mapping[str, Sequence[Mapping[str, Any]]],
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The rows of each configuration and split; `datasets` cannot load an empty split, so a
    split with no rows in a configuration is left out of it."""
    return {config: _split_rows(config, by_split) for config in CONFIGS}


def _exported(
    by_split: Mapping[str, Sequence[Mapping[str, Any]]],
    tables: Mapping[str, Mapping[str, list[dict[str, Any]]]],
    *,
    name: str,
    license: str,
    ratios: tuple[float, float, float],
) -> dict[str, Any]:
    """This export's own entry in report.json: settings and counts per split and in all."""
    tokens = {
        split: sum(len(row["tokens"]) for row in rows) for split, rows in tables["tokens"].items()
    }
    return {
        "name": name,
        "schema_version": SCHEMA_VERSION,
        "license": license,
        "ratios": dict(zip(SPLITS, ratios, strict=True)),
        "splits": {
            split: _counts(records, tokens[split]) for split, records in by_split.items() if records
        },
        "total": _counts(
            [r for records in by_split.values() for r in records], sum(tokens.values())
        ),
        "rows": {
            config: {split: len(rows) for split, rows in t.items()} for config, t in tables.items()
        },
    }


def _build(
    folder: Path,
    gold: list[dict[str, Any]],
    *,
    report: Mapping[str, Any],
    ratios: tuple[float, float, float],
    name: str,
    license: str,
    attribution: str | None,
) -> DatasetSummary:
    by_split = split_records(gold, ratios)
    tables = _tables(by_split)
    configs, dataset_info = _write_configs(folder, tables)
    exported = _exported(by_split, tables, name=name, license=license, ratios=ratios)
    total = exported["total"]
    lines = (json.dumps(record, ensure_ascii=False) + "\n" for record in gold)
    _write_text(folder / "gold.jsonl", "".join(lines))
    report_text = json.dumps({**report, "export": exported}, indent=2, ensure_ascii=False)
    _write_text(folder / "report.json", report_text + "\n")
    card = render_card(
        name=name,
        license=license,
        attribution=attribution,
        configs=configs,
        dataset_info=dataset_info,
        fields={c: [(k, describe(f)) for k, f in features_for(c).items()] for c in CONFIGS},
        counts=exported,
        report=report,
        records=gold,
    )
    _write_text(folder / "README.md", card)
    return DatasetSummary(
        path=folder,
        name=name,
        articles=len(gold),
        quotes=total["labels"]["QUOTE"],
        splits={split: len(records) for split, records in by_split.items() if records},
        labels=total["labels"],
        files=tuple(
            sorted(
                path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()
            )
        ),
    )


def _new_sibling(out: Path, kind: str) -> Path:
    while True:
        candidate = out.parent / f".{out.name}.{kind}-{secrets.token_hex(4)}"
        if not candidate.exists():
            return candidate


def _swap(built: Path, out: Path) -> None:
    """Put `built` where `out` is: move the old one aside, move the new one in, drop the old."""
    backup = _new_sibling(out, "old") if out.exists() else None
    try:
        if backup is not None:
            out.rename(backup)
        built.rename(out)
    except OSError as error:
        if backup is not None and backup.exists() and not out.exists():
            backup.rename(out)
        shutil.rmtree(built, ignore_errors=True)
        raise ExportError(f"Cannot move the new export into {out}: {error}.") from error
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def write_dataset(
    records: Iterable[Mapping[str, Any]],
    *,
    out: Path,
    report: Mapping[str, Any],
    name: str,
    license: str = "other",
    attribution: str | None = None,
    ratios: Sequence[float] = DEFAULT_RATIOS,
    overwrite: bool = False,
) -> DatasetSummary:
    """Write gold records as a Hugging Face dataset folder at `out`, replacing it atomically.

    `license` is a Hub licence id ("cc-by-2.5" for Wikinews text); `attribution` is copied into
    the card. `ratios` are the train/validation/test shares; an article's split depends only
    on its id. An existing `out` must be an earlier export (it has report.json or gold.jsonl)
    unless `overwrite` is true. Raises `ValidationError` for records `quotegold.validate`
    refuses or an article id given twice, and `ExportError` when the export cannot be
    written; either way `out` is left as it was.
    """
    split_ratios = check_ratios(ratios)
    if not name.strip() or not license.strip():
        raise ExportError("The dataset needs a name and a licence id (e.g. 'cc-by-2.5').")
    gold = _checked(records)
    if not gold:
        raise ExportError(
            f"No gold records to export to {out}: `datasets` cannot load a dataset with no "
            "rows. Annotate and validate some articles first; nothing was written."
        )
    try:
        json.dumps(report)
    except (TypeError, ValueError) as error:
        raise ExportError(f"The report cannot be written as JSON: {error}.") from error
    _check_target(out, overwrite=overwrite)
    built = _new_sibling(out, "tmp")
    try:
        built.mkdir()
        summary = _build(
            built,
            gold,
            report=report,
            ratios=split_ratios,
            name=name,
            license=license,
            attribution=attribution,
        )
    except OSError as error:
        shutil.rmtree(built, ignore_errors=True)
        raise ExportError(
            f"Cannot write the export beside {out}: {error}; check free space and permissions."
        ) from error
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise
    _swap(built, out)
    return replace(summary, path=out)
