"""Write validated gold records as a Hugging Face dataset folder.

dataset.py, splitfiles.py (the Parquet files) and features.py are the only modules that
import `datasets`.

    exports/NAME/
    ├── README.md                                       dataset card (YAML header + documentation)
    ├── data/<config>/<split>-00000-of-00001.parquet    features embedded
    ├── gold.jsonl                                      the gold records, sorted by article id
    ├── report.json                                     the report given, plus this export's counts
    ├── schema.json                                     the schema the records were validated with
    └── gold_record.schema.json                         its JSON Schema of a gold record

`datasets.load_dataset("exports/NAME", "quotes")` reads it offline and the folder can be
uploaded to the Hub as it is. Configurations: `articles` (one row per article, the default),
`quotes` (one row per quote), `tokens` (one row per article: tokens and BIO tags) and
`speakers` (one row per canonical speaker across the whole dataset). Rows are built in
`quotegold.dataset.rows`, their features in `quotegold.dataset.features`.

Decisions, also stated in the card:
- Features are derived from the project's schema. Closed vocabularies are `ClassLabel` over the
  project's values; a value that may be missing (a quote's stance target) is null.
- `schema.json` and `gold_record.schema.json` are the schema the records were validated with,
  so `quotegold validate` checks the folder again later, without a server.
- `speakers` aggregates every split (a speaker's quotes come from train, validation and test
  articles alike), so it is one `train` split: the split loaders expect, holding all rows.
- `datasets` cannot load an empty split, so a split with no rows in a configuration is left out
  of it, a configuration with no rows at all is left out, and zero records is an `ExportError`.
- The folder is built beside `out` and swapped in by renames: a failed export leaves the
  previous one as it was.

Memory stays flat in the number of records: they are checked as they come and spilled to
disk sorted by id (`quotegold.dataset.spill`), then read back one at a time; each split file is
written in row groups of about 8 MiB, and the speakers are grouped on disk too. Only the
largest `speakers` row grows with the export: it holds every mention of its speaker.
The `tokens` configuration, half the work, is written by a forked helper process from the
same sorted records while the caller writes the others.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TextIO

from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from huggingface_hub import DatasetCardData

from quotegold.dataset.card import Sourced, render_card
from quotegold.dataset.features import CONFIGS, DEFAULT_CONFIG, describe, features_for
from quotegold.dataset.reportfile import ExportedDataset, ExportReport, SplitTally
from quotegold.dataset.rows import (
    article_row,
    quote_rows,
    speaker_contributions,
    speaker_order,
    speaker_row,
    token_row,
)
from quotegold.dataset.spill import SortedSpill
from quotegold.dataset.splitfiles import FileInfo, SplitFiles
from quotegold.dataset.splits import DEFAULT_RATIOS, SPLITS, article_position, check_ratios
from quotegold.dataset.target import check_target, new_sibling, swap_in, write_marker
from quotegold.errors import ExportError, Issue, Location, ValidationError
from quotegold.gold.model import GoldRecord, regions_of
from quotegold.gold.validate import validator_for
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema
from quotegold.schema.formats import ATTRIBUTE_FIELDS, LAYER_KEYS
from quotegold.schema.goldschema import render_gold_schema
from quotegold.schema.stored import GOLD_SCHEMA_FILE, SCHEMA_FILE, schema_json_text

__all__ = ["CONFIGS", "DatasetSummary", "features_for", "write_dataset"]

# Configurations with one row per entity across all articles: written as one `train` split.
AGGREGATE_SPLIT = "train"
# The `tokens` rows are made apart, by `_write_tokens`.
_PER_ARTICLE: dict[str, Callable[[GoldRecord], list[dict[str, Any]]]] = {
    "articles": lambda record: [article_row(record)],
    "quotes": quote_rows,
}

Report = ExportReport | Callable[[], ExportReport]


@dataclass(frozen=True)
class DatasetSummary:
    """What `write_dataset` wrote: where, how much, which files (relative to `path`), and
    the report it kept beside the data (as given, or as `report()` returned it)."""

    path: Path
    name: str
    articles: int
    quotes: int
    splits: dict[str, int]
    labels: dict[str, int]
    files: tuple[str, ...]
    report: ExportReport


# --- counts ---------------------------------------------------------------------------------


class _Tally:
    """Counts of records, regions and attribute values, kept as records stream past."""

    def __init__(self, schema: AnnotationSchema) -> None:
        self._schema = schema
        self._choices = tuple(a for a in schema.attributes if a.kind == "choice")
        self.articles = 0
        self.tokens = 0
        self.labels: Counter[str] = Counter({label: 0 for label in LAYER_KEYS})
        self.values: dict[str, Counter[str]] = {a.name: Counter() for a in self._choices}

    def add(self, record: GoldRecord) -> None:
        self.articles += 1
        for label in LAYER_KEYS:
            self.labels[label] += len(regions_of(record, label))
        for attribute in self._choices:
            fields: Sequence[Mapping[str, object]] = regions_of(record, attribute.label)
            for region in fields:
                value = region[ATTRIBUTE_FIELDS[attribute.name]]
                self.values[attribute.name]["(none)" if value is None else str(value)] += 1

    def merge(self, other: _Tally) -> None:
        self.articles += other.articles
        self.tokens += other.tokens
        self.labels.update(other.labels)
        for name, counter in other.values.items():
            self.values[name].update(counter)

    def as_dict(self) -> SplitTally:
        return {
            "articles": self.articles,
            "tokens": self.tokens,
            "labels": {label: self.labels[label] for label in LAYER_KEYS},
            "attributes": {
                name: dict(sorted(counter.items())) for name, counter in self.values.items()
            },
        }


# --- checks ---------------------------------------------------------------------------------


def _spill_checked(
    records: Iterable[GoldRecord], spill: SortedSpill, *, validated: bool, schema: AnnotationSchema
) -> list[Issue]:
    """Validate each record as it comes (unless `validated` says it was) and spill the valid
    ones as JSON lines keyed by id; the issues of the others."""
    validator = validator_for(schema)
    issues: list[Issue] = []
    for record in records:
        found = [] if validated else validator.validate(record)
        issues.extend(found)
        if not found:
            spill.add(str(record["id"]), json.dumps(record, ensure_ascii=False))
    return issues


def _write_sorted(spill: SortedSpill, handle: TextIO) -> list[Issue]:
    """Write the spilled lines to `handle` sorted by article id; an article id given twice
    is an issue, naming the task of its first record and of the later one."""
    issues: list[Issue] = []
    for article, lines in spill.groups():
        first = next(lines)
        handle.write(first + "\n")
        for again in lines:
            tasks = [_record(line)["provenance"]["task_id"] for line in (first, again)]
            issues.append(
                Issue(
                    Location(task=tasks[1]),
                    f"article {article} appears twice (tasks {tasks[0]} and {tasks[1]}); "
                    "export one record per article: adjudicate them first",
                )
            )
    return issues


def _record(line: str) -> GoldRecord:
    record: GoldRecord = json.loads(line)  # a line this export wrote: a valid record
    return record


# --- writing --------------------------------------------------------------------------------


def _card_configs(files: SplitFiles, schema: AnnotationSchema) -> tuple[list[dict[str, Any]], Any]:
    """The card's `configs` and `dataset_info` for the files written."""
    configs: list[dict[str, Any]] = []
    infos = DatasetInfosDict()
    for config in CONFIGS:
        written = files.ordered(config)
        if not written:
            continue
        splits, data_files = SplitDict(), []
        for split, file in written:
            splits.add(SplitInfo(name=split, num_bytes=file.size, num_examples=file.count))
            data_files.append({"split": split, "path": f"data/{config}/{split}-*"})
        configs.append({"config_name": config, "data_files": data_files})
        if config == DEFAULT_CONFIG:
            configs[-1]["default"] = True
        infos[config] = DatasetInfo(
            features=features_for(config, schema),
            splits=splits,
            download_size=sum(file.path.stat().st_size for _, file in written),
            dataset_size=sum(info.num_bytes for info in splits.values()),
        )
    scratch = DatasetCardData()
    infos.to_dataset_card_data(scratch)
    return configs, scratch["dataset_info"]


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def _split_of(article_id: str, ratios: tuple[float, float, float]) -> str:
    """As `splits.split_for`, without checking the ratios again for every record."""
    position, cumulative = article_position(article_id), 0.0
    for split, ratio in zip(SPLITS, ratios, strict=True):
        cumulative += ratio
        if ratio > 0 and position < cumulative:
            return split
    return [split for split, ratio in zip(SPLITS, ratios, strict=True) if ratio > 0][-1]


@dataclass
class _Written:
    """What one pass over the sorted records wrote and counted."""

    tallies: dict[str, _Tally]
    files: SplitFiles
    schema: AnnotationSchema

    def exported(
        self, *, name: str, license: str, ratios: tuple[float, float, float]
    ) -> ExportedDataset:
        """This export's own entry in report.json: settings and counts per split and in all."""
        total = _Tally(self.schema)
        for tally in self.tallies.values():
            total.merge(tally)
        return {
            "name": name,
            "schema_version": self.schema.version,
            "license": license,
            "ratios": dict(zip(SPLITS, ratios, strict=True)),
            "splits": {
                split: self.tallies[split].as_dict()
                for split in SPLITS
                if self.tallies[split].articles
            },
            "total": total.as_dict(),
            "rows": {
                config: {split: file.count for split, file in self.files.ordered(config)}
                for config in CONFIGS
            },
        }


def _write_rows(
    folder: Path,
    sorted_gold: Path,
    gold: TextIO,
    provenance: TextIO,
    ratios: tuple[float, float, float],
    schema: AnnotationSchema,
) -> _Written:
    """Write every configuration but `tokens` from the sorted spilled lines, one record at a
    time: each record to `gold` (gold.jsonl) and its provenance to `provenance` (for the
    card)."""
    orders: dict[tuple[str, str], list[Any]] = {}  # one sort key per speaker, shared
    with ExitStack() as stack, SortedSpill() as speakers:
        tallies = {split: _Tally(schema) for split in SPLITS}
        written = _Written(tallies, SplitFiles(folder, stack, schema), schema)
        with sorted_gold.open(encoding="utf-8") as lines:
            for line in lines:
                gold.write(line)
                record: GoldRecord = json.loads(line)
                split = _split_of(str(record["id"]), ratios)
                written.tallies[split].add(record)
                for config, rows_of in _PER_ARTICLE.items():
                    for row in rows_of(record):
                        written.files.add(config, split, row)
                for key, contribution in speaker_contributions(record).items():
                    order = orders.setdefault(key, [*speaker_order(key, schema), key[1]])
                    speakers.add(order, json.dumps(contribution, ensure_ascii=False))
                provenance.write(json.dumps(record["provenance"], ensure_ascii=False) + "\n")
        # Sorted by name and kind, each speaker's contributions in the records' order.
        for key, contributions in speakers.groups():
            entries = (json.loads(entry) for entry in contributions)
            speaker = speaker_row(key[2], entries, schema)
            written.files.add("speakers", AGGREGATE_SPLIT, speaker)
        written.files.finish()
    return written


def _write_tokens(
    folder: Path, sorted_gold: Path, ratios: tuple[float, float, float], schema: AnnotationSchema
) -> tuple[dict[str, FileInfo], dict[str, int]]:
    """Write the `tokens` configuration from the sorted spilled lines: its files, and the
    tokens of each split."""
    tokens: Counter[str] = Counter()
    with ExitStack() as stack:
        files = SplitFiles(folder, stack, schema)
        with sorted_gold.open(encoding="utf-8") as lines:
            for line in lines:
                record: GoldRecord = json.loads(line)
                split = _split_of(str(record["id"]), ratios)
                row = token_row(record)
                tokens[split] += len(row["tokens"])
                files.add("tokens", split, row)
        files.finish()
        return dict(files.ordered("tokens")), dict(tokens)


@contextmanager
def _tokens_alongside(
    folder: Path, sorted_gold: Path, ratios: tuple[float, float, float], schema: AnnotationSchema
) -> Iterator[Callable[[], tuple[dict[str, FileInfo], dict[str, int]]]]:
    """Write the `tokens` configuration in a forked helper process while the caller writes
    the others; yields a function that waits for it and returns what `_write_tokens` does.

    Tokenizing and tagging every token is half the work of an export and needs nothing the
    other configurations make, so on two cores it takes no extra time. Where the system
    cannot fork, it is written in the caller when asked for.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        yield lambda: _write_tokens(folder, sorted_gold, ratios, schema)
        return
    # Forked before the caller opens its own files, so the helper inherits none of them.
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=_helper_start
    ) as pool:
        future = pool.submit(_write_tokens, folder, sorted_gold, ratios, schema)

        def result() -> tuple[dict[str, FileInfo], dict[str, int]]:
            try:
                return future.result()
            except BrokenProcessPool as error:
                raise ExportError(
                    "The helper process writing the tokens configuration stopped (killed, or "
                    "out of memory); nothing was written: free some memory and export again."
                ) from error

        try:
            yield result
        except BaseException:
            # Interrupted or failed: stop the helper now rather than wait for its tokens.
            for process in list(pool._processes.values()):
                process.kill()
            raise
        finally:
            future.cancel()


def _helper_start() -> None:
    """In the forked helper: the signals are the parent's to handle (it kills the helper on
    its way out), and a parent killed outright takes the helper with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: BaseProcess) -> None:
    parent.join()  # returns when the parent process has ended
    os._exit(1)


def _provenance_of(path: Path) -> Iterator[Sourced]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield {"provenance": json.loads(line)}


def _build(
    folder: Path,
    sorted_gold: Path,
    *,
    report: ExportReport,
    ratios: tuple[float, float, float],
    name: str,
    license: str,
    attribution: str | None,
    schema: AnnotationSchema,
) -> DatasetSummary:
    provenance_file = sorted_gold.with_name("provenance.jsonl")
    with _tokens_alongside(folder, sorted_gold, ratios, schema) as tokens_written:
        with (
            (folder / "gold.jsonl").open("w", encoding="utf-8", newline="\n") as gold,
            provenance_file.open("w", encoding="utf-8", newline="\n") as provenance,
        ):
            written = _write_rows(folder, sorted_gold, gold, provenance, ratios, schema)
        token_files, tokens = tokens_written()
    for split, info in token_files.items():
        written.files.adopt("tokens", split, info)
    for split, count in tokens.items():
        written.tallies[split].tokens = count
    configs, dataset_info = _card_configs(written.files, schema)
    exported = written.exported(name=name, license=license, ratios=ratios)
    total = exported["total"]
    report_text = json.dumps({**report, "export": exported}, indent=2, ensure_ascii=False)
    _write_text(folder / "report.json", report_text + "\n")
    _write_text(folder / SCHEMA_FILE, schema_json_text(schema))
    gold_schema = json.dumps(render_gold_schema(schema), indent=2, ensure_ascii=False)
    _write_text(folder / GOLD_SCHEMA_FILE, gold_schema + "\n")
    card = render_card(
        name=name,
        license=license,
        attribution=attribution,
        configs=configs,
        dataset_info=dataset_info,
        fields={c: [(k, describe(f)) for k, f in features_for(c, schema).items()] for c in CONFIGS},
        counts=exported,
        report=report,
        records=_provenance_of(provenance_file),
        schema=schema,
    )
    _write_text(folder / "README.md", card)
    return DatasetSummary(
        path=folder,
        name=name,
        articles=total["articles"],
        quotes=total["labels"]["QUOTE"],
        splits={split: counts["articles"] for split, counts in exported["splits"].items()},
        labels=total["labels"],
        files=tuple(
            sorted(
                path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()
            )
        ),
        report=report,
    )


def write_dataset(
    records: Iterable[GoldRecord],
    *,
    out: Path,
    report: Report,
    name: str,
    license: str = "other",
    attribution: str | None = None,
    ratios: Sequence[float] = DEFAULT_RATIOS,
    keep_other_files: bool = False,
    validated: bool = False,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> DatasetSummary:
    """Write gold records as a Hugging Face dataset folder at `out`, replacing it atomically.

    `records` may be any iterable, read once: they are checked and spilled to disk as they
    come, so memory does not grow with their number. `report` is the report to keep beside
    the data, or a function returning it that is called once every record has been read
    (so a caller can stream records while counting what it left out); the summary returned
    holds it as `report`. `license` is a Hub
    licence id ("cc-by-2.5" for Wikinews text); `attribution` is copied into the card.
    `ratios` are the train/validation/test shares; an article's split depends only on its
    id. An existing `out` must be empty or an earlier export, and only the files that
    export wrote are replaced (see `dataset.target`): any other file in it is an
    `ExportError`, unless `keep_other_files` keeps them in place. `validated` says every
    record already passed `gold.validate` (as `workflows.export.iter_gold` yields them), so
    they are not checked twice. `schema` is the project's: the records are validated against it, the
    features and the card come from it, and it is written beside the data (`schema.json`).
    Raises `ValidationError` for records `gold.validate`
    refuses or an article id given twice, and `ExportError` when the export cannot be
    written; either way `out` is left as it was.
    """
    split_ratios = check_ratios(ratios)
    if not name.strip():
        raise ExportError("The dataset needs a name: give --name NAME.")
    if not license.strip():
        raise ExportError("The dataset needs a licence id: give e.g. --license cc-by-2.5.")
    with SortedSpill() as spill:
        issues = _spill_checked(records, spill, validated=validated, schema=schema)
        sorted_gold = spill.folder / "sorted.txt"
        with sorted_gold.open("w", encoding="utf-8", newline="\n") as handle:
            issues += _write_sorted(spill, handle)
        if issues:
            raise ValidationError(issues)
        final_report = report() if callable(report) else report
        if not spill.count:
            raise ExportError(
                f"No gold records to export to {out}: `datasets` cannot load a dataset with no "
                "rows. Annotate and validate some articles first; nothing was written."
            )
        try:
            json.dumps(final_report)
        except (TypeError, ValueError) as error:
            raise ExportError(f"The report cannot be written as JSON: {error}.") from error
        target = check_target(out, keep_other_files=keep_other_files)
        built = new_sibling(out, "tmp")
        try:
            built.mkdir()
            summary = _build(
                built,
                sorted_gold,
                report=final_report,
                ratios=split_ratios,
                name=name,
                license=license,
                attribution=attribution,
                schema=schema,
            )
            write_marker(built, summary.files)
        except OSError as error:
            shutil.rmtree(built, ignore_errors=True)
            raise ExportError(
                f"Cannot write the export beside {out}: {error}; check free space and permissions."
            ) from error
        except BaseException:
            shutil.rmtree(built, ignore_errors=True)
            raise
        swap_in(built, target)
    return replace(summary, path=out)
