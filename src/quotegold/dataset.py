"""Write validated gold records as a Hugging Face dataset folder: the only module using `datasets`.

    exports/NAME/
    ├── README.md                                       dataset card (YAML header + documentation)
    ├── data/<config>/<split>-00000-of-00001.parquet    features embedded
    ├── gold.jsonl                                      the gold records, sorted by article id
    └── report.json                                     the report given, plus this export's counts

`datasets.load_dataset("exports/NAME", "quotes")` reads it offline and the folder can be
uploaded to the Hub as it is. Configurations: `articles` (one row per article, the default),
`quotes` (one row per quote) and `tokens` (one row per article: tokens and BIO tags).

Decisions, also stated in the card:
- Features are derived from the schema. Closed vocabularies are `ClassLabel`; a value that may
  be missing (a quote's stance target, the speaker of a quote without one) is a string or null.
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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import datasets
from datasets import ClassLabel, Features, List, Value
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from huggingface_hub import DatasetCardData

from quotegold.card import render_card
from quotegold.errors import ExportError, Issue, Location, ValidationError
from quotegold.goldschema import render_gold_schema
from quotegold.schema import SCHEMA, SCHEMA_VERSION, Attribute
from quotegold.splits import DEFAULT_RATIOS, SPLITS, check_ratios, split_records
from quotegold.tokens import LAYER_TAGS, layer_column, ner_tag_names, token_columns
from quotegold.validate import default_validator

__all__ = ["CONFIGS", "DatasetSummary", "features_for", "write_dataset"]

CONFIGS: tuple[str, ...] = ("articles", "quotes", "tokens")
DEFAULT_CONFIG = "articles"

# Where each schema label's regions sit in a gold record.
LAYER_KEYS: dict[str, str] = {
    "SPEAKER": "speakers",
    "CUE": "cues",
    "QUOTE": "quotes",
    "INITIATIVE": "initiatives",
}
# The field of a region that holds each schema attribute.
ATTRIBUTE_FIELDS: dict[str, str] = {
    "quote_type": "quote_type",
    "stance": "stance",
    "stance_target": "stance_target",
    "no_speaker": "no_speaker",
    "speaker_name": "name",
    "speaker_kind": "kind",
    "initiative_status": "status",
}

_STRING = Value("string")
_OFFSET = Value("int32")


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


# --- features, derived from the schema ------------------------------------------------------


@lru_cache(maxsize=1)
def _gold_schema() -> dict[str, Any]:
    return render_gold_schema()


def _nullable(attribute: Attribute) -> bool:
    region = _gold_schema()["properties"][LAYER_KEYS[attribute.label]]["items"]
    rule = region["properties"][ATTRIBUTE_FIELDS[attribute.name]]
    types = rule.get("type", [])
    return "null" in ([types] if isinstance(types, str) else types) or None in rule.get("enum", [])


def _attribute_feature(attribute: Attribute) -> Any:
    if attribute.kind == "flag":
        return Value("bool")
    if attribute.kind == "text" or _nullable(attribute):
        return _STRING
    return ClassLabel(names=list(attribute.values))


def _attributes(label: str) -> dict[str, Any]:
    return {
        ATTRIBUTE_FIELDS[attribute.name]: _attribute_feature(attribute)
        for attribute in SCHEMA.attributes_for(label)
    }


def _span() -> dict[str, Any]:
    return {"start": _OFFSET, "end": _OFFSET, "text": _STRING}


def _article_features() -> Features:
    return Features(
        {
            "id": _STRING,
            "text": _STRING,
            **{field: _STRING for field in ("title", "url", "source", "published")},
            "boilerplate": List({"start": _OFFSET, "end": _OFFSET}),
            "speakers": List({"id": _STRING, **_span(), **_attributes("SPEAKER")}),
            "cues": List({"id": _STRING, **_span(), **_attributes("CUE")}),
            "quotes": List(
                {
                    "id": _STRING,
                    "spans": List(_span()),
                    "text": _STRING,
                    "speaker_id": _STRING,
                    "cue_id": _STRING,
                    **_attributes("QUOTE"),
                }
            ),
            "initiatives": List(
                {
                    "id": _STRING,
                    **_span(),
                    **_attributes("INITIATIVE"),
                    "proponent_ids": List(_STRING),
                }
            ),
            "provenance": {
                "schema_version": _STRING,
                "project_id": Value("int64"),
                "project_title": _STRING,
                "task_id": Value("int64"),
                "annotation_ids": List(Value("int64")),
                # Label Studio gives ids or e-mail addresses: strings hold both.
                "annotator_ids": List(_STRING),
                "created_at": _STRING,
                "updated_at": _STRING,
            },
            "schema_version": _STRING,
        }
    )


def _quote_features() -> Features:
    # A quote may have no speaker, so every speaker column is nullable: plain strings.
    speaker = {f"speaker_{field}": _STRING for field in _attributes("SPEAKER")}
    return Features(
        {
            "article_id": _STRING,
            "quote_id": _STRING,
            "quote": _STRING,
            "start": _OFFSET,
            "end": _OFFSET,
            "spans": List(_span()),
            **_attributes("QUOTE"),
            "speaker": _STRING,
            "speaker_id": _STRING,
            **speaker,
            "cue": _STRING,
            "cue_id": _STRING,
            "context": _STRING,
            "context_start": _OFFSET,
        }
    )


def _token_features() -> Features:
    layer = List(ClassLabel(names=list(LAYER_TAGS)))
    return Features(
        {
            "id": _STRING,
            "tokens": List(_STRING),
            "token_starts": List(_OFFSET),
            "token_ends": List(_OFFSET),
            "ner_tags": List(ClassLabel(names=list(ner_tag_names()))),
            **{layer_column(label): layer for label in SCHEMA.label_values},
        }
    )


def features_for(config: str) -> Features:
    """The `datasets.Features` of one configuration, derived from the annotation schema."""
    builders = {"articles": _article_features, "quotes": _quote_features, "tokens": _token_features}
    if config not in builders:
        raise ExportError(f"Unknown configuration {config!r}: choose one of {', '.join(CONFIGS)}.")
    return builders[config]()


def _describe(feature: Any) -> str:
    """A short human-readable type of a feature, for the card's field tables."""
    if isinstance(feature, ClassLabel):
        return f"class label ({', '.join(feature.names)})"
    if isinstance(feature, List):
        return f"list of {_describe(feature.feature)}"
    if isinstance(feature, dict):
        inner = ", ".join(f"{key}: {_describe(value)}" for key, value in feature.items())
        return f"struct ({inner})"
    return str(feature.dtype)


# --- rows -----------------------------------------------------------------------------------


def _project(value: Any, feature: Any) -> Any:
    """Keep exactly the fields the features name, so nothing else reaches a file."""
    if value is None:
        return None
    if isinstance(feature, dict):
        return {key: _project(value.get(key), inner) for key, inner in feature.items()}
    if isinstance(feature, List):
        return [_project(item, feature.feature) for item in value]
    return value


def _article_row(record: Mapping[str, Any]) -> dict[str, Any]:
    provenance = record["provenance"]
    return {
        **record["meta"],
        **record,
        "provenance": {
            **provenance,
            "annotator_ids": [str(annotator) for annotator in provenance["annotator_ids"]],
        },
        "schema_version": provenance["schema_version"],
    }


def _quote_rows(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    text: str = record["text"]
    speakers = {speaker["id"]: speaker for speaker in record["speakers"]}
    cues = {cue["id"]: cue for cue in record["cues"]}
    speaker_fields = [ATTRIBUTE_FIELDS[a.name] for a in SCHEMA.attributes_for("SPEAKER")]
    rows = []
    for quote in record["quotes"]:
        speaker = speakers.get(quote["speaker_id"]) if quote["speaker_id"] else None
        cue = cues.get(quote["cue_id"]) if quote["cue_id"] else None
        start = min(span["start"] for span in quote["spans"])
        end = max(span["end"] for span in quote["spans"])
        # The context is the line(s) the quote sits on: the paragraph, in most articles.
        context_start = text.rfind("\n", 0, start) + 1
        context_end = text.find("\n", end)
        rows.append(
            {
                **quote,
                "article_id": record["id"],
                "quote_id": quote["id"],
                "quote": quote["text"],
                "start": start,
                "end": end,
                "speaker": speaker["text"] if speaker else None,
                **{f"speaker_{key}": speaker[key] if speaker else None for key in speaker_fields},
                "cue": cue["text"] if cue else None,
                "context": text[context_start : context_end if context_end >= 0 else len(text)],
                "context_start": context_start,
            }
        )
    return rows


def _spans(record: Mapping[str, Any], label: str) -> list[tuple[int, int]]:
    regions = record[LAYER_KEYS[label]]
    return [
        (span["start"], span["end"]) for region in regions for span in region.get("spans", [region])
    ]


def _token_row(record: Mapping[str, Any]) -> dict[str, Any]:
    spans = {label: _spans(record, label) for label in SCHEMA.label_values}
    return {"id": record["id"], **token_columns(record["text"], spans)}


def _rows(config: str, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    features = features_for(config)
    if config == "quotes":
        loose = [row for record in records for row in _quote_rows(record)]
    else:
        loose = [(_article_row if config == "articles" else _token_row)(r) for r in records]
    return [_project(row, features) for row in loose]


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


def _tables(
    by_split: Mapping[str, Sequence[Mapping[str, Any]]],
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The rows of each configuration and split; `datasets` cannot load an empty split, so a
    split with no rows in a configuration is left out of it."""
    return {
        config: {
            split: rows for split, records in by_split.items() if (rows := _rows(config, records))
        }
        for config in CONFIGS
    }


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
        fields={c: [(k, _describe(f)) for k, f in features_for(c).items()] for c in CONFIGS},
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
