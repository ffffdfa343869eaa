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
`quotes` (one row per quote), `tokens` (one row per article: tokens and BIO tags),
`sentences` (tokens and spaces, one row per sentence), `attribution` (one row per quote and
candidate speaker mention) and `speakers` (one row per canonical speaker across the dataset).
Rows are built in `quotegold.dataset.rows` (and `sentences`, `attribution`), their features in
`quotegold.dataset.features`.

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
With `cache_rows` (a project export), each article's rows are also kept in the folder's
`export-cache/` (with its `speakers` contributions) and reused by the next export for an
unchanged record (`rowcache`); the Parquet files are written from each article's Arrow table
either way, in row groups of fixed row counts, so reused and rebuilt rows give the same bytes.
The `tokens` configuration, half the work, is written by a forked helper process from the
same sorted records while the caller writes the others; so are `sentences`, `attribution` and
the training files (`--formats`), which reuse its tokens.
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
from dataclasses import dataclass, field, replace
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from huggingface_hub import DatasetCardData

from quotegold.dataset.attribution import attribution_rows
from quotegold.dataset.card import Sourced, render_card
from quotegold.dataset.cardnotes import card_warnings
from quotegold.dataset.changelog import changelog, export_version, previous_version, summary_lines
from quotegold.dataset.conll import ConllWriter
from quotegold.dataset.docbin import DocBinWriter
from quotegold.dataset.features import CONFIGS, DEFAULT_CONFIG, describe, features_for
from quotegold.dataset.licences import (
    article_licence,
    check_article_licences,
    check_license,
    dataset_licence,
)
from quotegold.dataset.options import FORMATS, DatasetOptions
from quotegold.dataset.reportfile import ExportedDataset, ExportReport, SplitTally
from quotegold.dataset.rowcache import (
    CacheSpec,
    CacheUse,
    article_tables,
    cache_notes,
    cache_spec,
    finished,
    opened_cache,
    row_key,
    write_manifest,
)
from quotegold.dataset.rows import (
    article_row,
    quote_rows,
    speaker_contributions,
    speaker_order,
    speaker_row,
    token_row,
)
from quotegold.dataset.sentences import sentence_rows
from quotegold.dataset.spill import SortedSpill
from quotegold.dataset.splitfiles import FileInfo, SplitFiles, TableEncoder
from quotegold.dataset.splits import DEFAULT_RATIOS, SPLITS, Assignment, SplitPlanner
from quotegold.dataset.target import check_target, new_sibling, swap_in, write_marker
from quotegold.errors import ExportError, Issue, Location, ValidationError
from quotegold.gold.model import GoldRecord, regions_of
from quotegold.gold.validate import validator_for
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import LABEL_VALUES, AnnotationSchema
from quotegold.schema.formats import ATTRIBUTE_FIELDS, LAYER_KEYS
from quotegold.schema.goldschema import render_gold_schema
from quotegold.schema.stored import GOLD_SCHEMA_FILE, SCHEMA_FILE, schema_json_text

__all__ = ["CONFIGS", "DatasetSummary", "features_for", "write_dataset"]

# Configurations with one row per entity across all articles: written as one `train` split.
AGGREGATE_SPLIT = "train"
# The `tokens`, `sentences` and `attribution` rows are made apart, by `_write_tokens`.
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
    notes: tuple[str, ...] = ()  # what to tell the user: version, changes, warnings


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
    records: Iterable[GoldRecord],
    spill: SortedSpill,
    *,
    validated: bool,
    schema: AnnotationSchema,
    planner: SplitPlanner | None = None,
) -> list[Issue]:
    """Validate each record as it comes (unless `validated` says it was) and spill the valid
    ones as JSON lines keyed by id; the issues of the others. `planner` sees each valid one."""
    validator = validator_for(schema)
    issues: list[Issue] = []
    for record in records:
        found = [] if validated else validator.validate(record)
        issues.extend(found)
        if not found:
            spill.add(str(record["id"]), json.dumps(record, ensure_ascii=False))
            if planner is not None:
                planner.add(record)
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


def _card_configs(
    files: SplitFiles, schema: AnnotationSchema, *, folded: bool = False
) -> tuple[list[dict[str, Any]], Any]:
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
            features=features_for(config, schema, folded=folded),
            splits=splits,
            download_size=sum(file.path.stat().st_size for _, file in written),
            dataset_size=sum(info.num_bytes for info in splits.values()),
        )
    scratch = DatasetCardData()
    infos.to_dataset_card_data(scratch)
    return configs, scratch["dataset_info"]


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


@dataclass
class _Written:
    """What one pass over the sorted records wrote and counted."""

    tallies: dict[str, _Tally]
    files: SplitFiles
    schema: AnnotationSchema
    licences: dict[str, Counter[str]] = field(default_factory=dict)  # licence → sources
    licence_of: dict[str, str] = field(default_factory=dict)  # article → licence, if not a Hub id

    def exported(
        self, *, name: str, license: str | list[str], ratios: tuple[float, float, float]
    ) -> ExportedDataset:
        """This export's own entry in report.json: settings and counts per split and in all."""
        total = _Tally(self.schema)
        for tally in self.tallies.values():
            total.merge(tally)
        return {
            "name": name,
            "schema_version": self.schema.version,
            "license": license if isinstance(license, str) else ", ".join(license),
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
            "licenses": {
                licence: {"articles": sum(sources.values()), "sources": dict(sources)}
                for licence, sources in sorted(self.licences.items())
            },
        }


def _folded(row: dict[str, Any], fold: int | None) -> dict[str, Any]:
    if fold is not None:
        row["fold"] = fold
    return row


def _add_tables(files: SplitFiles, split: str, tables: Mapping[str, pa.Table]) -> None:
    for config, table in tables.items():
        if table.num_rows:  # a split file exists only once it has a row
            files.file(config, split).add_table(table)


def _write_rows(
    folder: Path,
    sorted_gold: Path,
    gold: TextIO,
    provenance: TextIO,
    assignment: Assignment,
    schema: AnnotationSchema,
    cache_spec: CacheSpec | None = None,
) -> tuple[_Written, CacheUse]:
    """Write `articles`, `quotes` and `speakers` from the sorted spilled lines,
    one record at a time: each record to `gold` (gold.jsonl) and its provenance to
    `provenance` (for the card). The rows of an article whose line, split and fold an
    earlier export cached are reused (`cache_spec`), and so are its `speakers` contributions
    (as JSON lines, kept with its rows)."""
    orders: dict[tuple[str, str], list[Any]] = {}  # one sort key per speaker, shared
    folded = assignment.folds is not None
    encoders = {config: TableEncoder(config, schema, folded=folded) for config in _PER_ARTICLE}
    configs = tuple(_PER_ARTICLE)
    with (
        ExitStack() as stack,
        SortedSpill() as speakers,
        opened_cache(cache_spec, "rows", configs, encoders) as cache,
    ):
        tallies = {split: _Tally(schema) for split in SPLITS}
        written = _Written(tallies, SplitFiles(folder, stack, schema, folded=folded), schema)
        with sorted_gold.open(encoding="utf-8") as lines:
            for line in lines:
                gold.write(line)
                record: GoldRecord = json.loads(line)
                article = str(record["id"])
                split, fold = assignment.split_of(article), assignment.fold_of(article)
                written.tallies[split].add(record)
                licence = article_licence(record["meta"])
                source = record["meta"].get("source") or "(not given)"
                written.licences.setdefault(licence, Counter())[source] += 1
                written.licence_of[article] = licence

                def build(record: GoldRecord = record, fold: int | None = fold) -> Any:
                    tables = {
                        config: encoders[config]([_folded(row, fold) for row in rows_of(record)])
                        for config, rows_of in _PER_ARTICLE.items()
                    }
                    # Its `speakers` contributions as the spill takes them, cached with its rows.
                    contributions = [
                        [*key, json.dumps(contribution, ensure_ascii=False)]
                        for key, contribution in speaker_contributions(record).items()
                    ]
                    return tables, {"speakers": contributions}

                key = row_key(cache_spec.salt, line, split, fold) if cache_spec else ""
                tables, extra = article_tables(cache, key, build)
                _add_tables(written.files, split, tables)
                for name, kind, contribution in extra["speakers"]:
                    order = orders.get((name, kind))
                    if order is None:
                        order = orders[name, kind] = [*speaker_order((name, kind), schema), kind]
                    speakers.add(order, contribution)
                provenance.write(json.dumps(record["provenance"], ensure_ascii=False) + "\n")
        # Sorted by name and kind, each speaker's contributions in the records' order.
        for key, contributions in speakers.groups():
            entries = (json.loads(entry) for entry in contributions)
            speaker = speaker_row(key[2], entries, schema)
            written.files.add("speakers", AGGREGATE_SPLIT, speaker)
        written.files.finish()
        use = finished(cache)
    return written, use


@dataclass(frozen=True)
class _TokensWritten:
    """What the tokens helper wrote: the `tokens`, `sentences` and `attribution` files, the
    tokens of each split, the training files asked for (relative paths), and its cache use."""

    files: dict[str, dict[str, FileInfo]]
    tokens: dict[str, int]
    formats: list[str]
    cache: CacheUse = field(default_factory=CacheUse)


_TOKEN_CONFIGS = ("tokens", "sentences", "attribution")


def _write_tokens(
    folder: Path,
    sorted_gold: Path,
    assignment: Assignment,
    schema: AnnotationSchema,
    formats: tuple[str, ...] = (),
    cache_spec: CacheSpec | None = None,
) -> _TokensWritten:
    """Write the `tokens`, `sentences` and `attribution` configurations (and the training
    `formats`) from the sorted spilled lines: all need the articles' tokens. Rows cached
    by an earlier export are reused (`cache_spec`), unless training files are asked for."""
    tokens: Counter[str] = Counter()
    folded = assignment.folds is not None
    docbin = DocBinWriter(folder) if "docbin" in formats else None
    conll = ConllWriter(folder, LABEL_VALUES) if "conll" in formats else None
    encoders = {config: TableEncoder(config, schema, folded=folded) for config in _TOKEN_CONFIGS}
    spec = None if formats else cache_spec  # the training files need every article's tokens
    with ExitStack() as stack, opened_cache(spec, "tokens", _TOKEN_CONFIGS, encoders) as cache:
        files = SplitFiles(folder, stack, schema, folded=folded)
        with sorted_gold.open(encoding="utf-8") as lines:
            for line in lines:
                article = _article_id(line)
                split, fold = assignment.split_of(article), assignment.fold_of(article)

                def build(line: str = line, split: str = split, fold: int | None = fold) -> Any:
                    record: GoldRecord = json.loads(line)
                    article = str(record["id"])
                    row = token_row(record)
                    sentences = sentence_rows(article, record["text"], row, LABEL_VALUES)
                    pairs = attribution_rows(record, row["token_starts"])
                    if docbin is not None:
                        docbin.add(record, split, row["token_starts"], row["token_ends"])
                    if conll is not None:
                        conll.add(article, split, sentences)
                    tables = {
                        "tokens": encoders["tokens"]([_folded(row, fold)]),
                        "sentences": encoders["sentences"]([_folded(s, fold) for s in sentences]),
                        "attribution": encoders["attribution"]([_folded(p, fold) for p in pairs]),
                    }
                    return tables, {"tokens": len(row["tokens"])}

                key = row_key(spec.salt, line, split, fold) if spec else ""
                tables, extra = article_tables(cache, key, build)
                tokens[split] += int(extra["tokens"])
                _add_tables(files, split, tables)
        files.finish()
        use = finished(cache)
        written = (docbin.finish() if docbin else []) + (conll.finish() if conll else [])
        done = {config: dict(files.ordered(config)) for config in _TOKEN_CONFIGS}
        return _TokensWritten(done, dict(tokens), written, use)


def _article_id(line: str) -> str:
    """The id of a gold record line this export wrote (without reading all of it: its id
    is its first key)."""
    if line.startswith('{"id": "'):
        end = line.find('"', 8)
        if end > 0 and "\\" not in line[8:end]:
            return line[8:end]
    return str(json.loads(line)["id"])


@contextmanager
def _tokens_alongside(
    folder: Path,
    sorted_gold: Path,
    assignment: Assignment,
    schema: AnnotationSchema,
    formats: tuple[str, ...],
    cache_spec: CacheSpec | None = None,
) -> Iterator[Callable[[], _TokensWritten]]:
    """Write the `tokens` configuration in a forked helper process while the caller writes
    the others; yields a function that waits for it and returns what `_write_tokens` does.

    Tokenizing and tagging every token is half the work of an export and needs nothing the
    other configurations make, so on two cores it takes no extra time. Where the system
    cannot fork, it is written in the caller when asked for.
    """
    args = (folder, sorted_gold, assignment, schema, formats, cache_spec)
    if "fork" not in multiprocessing.get_all_start_methods():
        yield lambda: _write_tokens(*args)
        return
    # Forked before the caller opens its own files, so the helper inherits none of them.
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=_helper_start
    ) as pool:
        future = pool.submit(_write_tokens, *args)

        def result() -> _TokensWritten:
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
    planner: SplitPlanner,
    name: str,
    license: str | None,
    attribution: str | None,
    schema: AnnotationSchema,
    extras: DatasetOptions,
    previous: Path | None,
    cache_spec: CacheSpec | None = None,
) -> DatasetSummary:
    provenance_file = sorted_gold.with_name("provenance.jsonl")
    assignment = planner.assign()
    formats = extras.formats
    with _tokens_alongside(
        folder, sorted_gold, assignment, schema, formats, cache_spec
    ) as tokens_written:
        with (
            (folder / "gold.jsonl").open("w", encoding="utf-8", newline="\n") as gold,
            provenance_file.open("w", encoding="utf-8", newline="\n") as provenance,
        ):
            written, rows_cache = _write_rows(
                folder, sorted_gold, gold, provenance, assignment, schema, cache_spec
            )
        helped = tokens_written()
    if cache_spec is not None:
        write_manifest(
            cache_spec.folder, cache_spec.salt, {**rows_cache.linked, **helped.cache.linked}
        )
    for config, files in helped.files.items():
        for split, info in files.items():
            written.files.adopt(config, split, info)
    for split, count in helped.tokens.items():
        written.tallies[split].tokens = count
    if license is None:
        check_article_licences(written.licence_of)
    licence = dataset_licence(license, {k: sum(v.values()) for k, v in written.licences.items()})
    folded = assignment.folds is not None
    configs, dataset_info = _card_configs(written.files, schema, folded=folded)
    exported = written.exported(name=name, license=licence, ratios=planner.ratios)
    version = export_version(folder / "gold.jsonl")
    log = changelog(
        previous / "gold.jsonl" if previous else None,
        folder / "gold.jsonl",
        previous=previous_version(previous) if previous else None,
    )
    exported["version"] = version
    exported["changelog"] = log
    exported["split_plan"] = planner.describe()
    exported["formats"] = helped.formats
    total = exported["total"]
    report_text = json.dumps({**report, "export": exported}, indent=2, ensure_ascii=False)
    _write_text(folder / "report.json", report_text + "\n")
    _write_text(folder / SCHEMA_FILE, schema_json_text(schema))
    gold_schema = json.dumps(render_gold_schema(schema), indent=2, ensure_ascii=False)
    _write_text(folder / GOLD_SCHEMA_FILE, gold_schema + "\n")
    card = render_card(
        name=name,
        license=licence,
        attribution=attribution,
        configs=configs,
        dataset_info=dataset_info,
        fields={
            c: [(k, describe(f)) for k, f in features_for(c, schema, folded=folded).items()]
            for c in CONFIGS
        },
        counts=exported,
        report=report,
        records=_provenance_of(provenance_file),
        schema=schema,
        extras=extras,
        license_given=license is not None,
    )
    _write_text(folder / "README.md", card)
    notes = [f"version {version}", *summary_lines(log), *card_warnings(exported)]
    notes += cache_notes(cache_spec, rows_cache, helped.cache)
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
        notes=tuple(notes),
    )


def write_dataset(
    records: Iterable[GoldRecord],
    *,
    out: Path,
    report: Report,
    name: str,
    license: str | None = None,
    attribution: str | None = None,
    ratios: Sequence[float] = DEFAULT_RATIOS,
    keep_other_files: bool = False,
    validated: bool = False,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
    extras: DatasetOptions = DatasetOptions(),  # noqa: B008 (frozen)
    extra: Callable[[Path], None] | None = None,
    cache_rows: bool = False,
    reuse_rows: bool = True,
) -> DatasetSummary:
    """Write gold records as a Hugging Face dataset folder at `out`, replacing it atomically.

    `records` may be any iterable, read once: they are checked and spilled to disk as they
    come, so memory does not grow with their number. `report` is the report to keep beside
    the data, or a function returning it that is called once every record has been read
    (so a caller can stream records while counting what it left out); the summary returned
    holds it as `report`. `license` is a Hub licence id for the whole dataset ("cc-by-2.5"
    for Wikinews text); None takes each article's own (`meta.license`, `unknown` when
    absent) and lists them. `attribution` is copied into the card.
    `ratios` are the train/validation/test shares; an article's split depends only on its
    id, unless `extras` pins or groups it (see `splits.SplitPlanner`). An existing `out`
    must be empty or an earlier export, and only the files that export wrote are replaced
    (see `dataset.target`): any other file in it is an `ExportError`, unless
    `keep_other_files` keeps them in place; the changelog compares with it. `validated`
    says every record already passed `gold.validate` (as `workflows.export.iter_gold`
    yields them), so they are not checked twice. `schema` is the project's: the records
    are validated against it, the
    features and the card come from it, and it is written beside the data (`schema.json`).
    `extras` adds card metadata, split rules and training formats (`options.DatasetOptions`).
    `extra` is called with the new folder before the dataset is written into it, to add
    files of the caller's that are swapped in with it (an incremental export's state).
    `cache_rows` keeps every article's rows in the folder (`rowcache`) and reuses those an
    earlier export at `out` kept for the same record, split, schema and quotegold version
    (unless `reuse_rows` is false: every row is built anew).
    Raises `ValidationError` for records `gold.validate`
    refuses or an article id given twice, and `ExportError` when the export cannot be
    written; either way `out` is left as it was.
    """
    planner = SplitPlanner(
        ratios, pinned=extras.pinned, group_by=extras.group_by, folds=extras.folds
    )
    if not name.strip():
        raise ExportError("The dataset needs a name: give --name NAME.")
    if license is not None and not license.strip():
        raise ExportError("The dataset needs a licence id: give e.g. --license cc-by-2.5.")
    check_license(license, name=extras.license_name, link=extras.license_link)
    unknown = [value for value in extras.formats if value not in FORMATS]
    if unknown:
        raise ExportError(
            f"Unknown format(s) {', '.join(unknown)}: choose from {', '.join(FORMATS)}; "
            "e.g. --formats docbin,conll."
        )
    with SortedSpill() as spill:
        issues = _spill_checked(records, spill, validated=validated, schema=schema, planner=planner)
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
            if extra is not None:
                extra(built)
            summary = _build(
                built,
                sorted_gold,
                report=final_report,
                planner=planner,
                name=name,
                license=license,
                attribution=attribution,
                schema=schema,
                extras=extras,
                previous=out if (out / "gold.jsonl").is_file() else None,
                cache_spec=(
                    cache_spec(built, out if reuse_rows else None, schema, planner.folds)
                    if cache_rows
                    else None
                ),
            )
            # Everything in the new folder is ours: the dataset, the training files and what
            # `extra` added (an incremental export's state), so the marker lists the folder.
            write_marker(built, _files_in(built))
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


def _files_in(folder: Path) -> tuple[str, ...]:
    """The files under `folder`, as paths relative to it."""
    return tuple(sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()))
