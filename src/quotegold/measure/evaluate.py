"""Evaluate records against gold: read the two sides, compare them, write the figures.

Either side is a gold JSONL file or a Label Studio JSON export, whose tasks are adjudicated
with `quotegold.gold.adjudicate.choose_annotation` (a task without a gold record is left out,
and a conflicting or invalid one is reported). With `preannotate`, the candidate side is the
pre-annotator's suggestion for each gold article. The scoring itself is
`quotegold.measure.comparison.compare`: see there for how spans are matched and counted.

Records that cannot be compared at all (no id or text, offsets that are not numbers) are
left out with a located issue; the other records still count.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotegold.articles.boilerplate import Boilerplate
from quotegold.articles.ingest import Article
from quotegold.errors import ExportError, Issue, Location, SettingsError
from quotegold.gold.adjudicate import STRATEGIES, choose_annotation
from quotegold.gold.exportfile import detect_kind, read_gold_jsonl, read_label_studio_export
from quotegold.gold.model import GoldRecord
from quotegold.measure.comparison import (
    LAYERS,
    MATCH_MODES,
    Accuracy,
    Comparison,
    LayerScores,
    QuotePair,
    Score,
    compare,
    speaker_key,
)
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema
from quotegold.schema.formats import LAYER_KEYS

__all__ = [
    "LAYERS",
    "MATCH_MODES",
    "Accuracy",
    "Comparison",
    "Evaluation",
    "LayerScores",
    "LoadedRecords",
    "QuotePair",
    "Score",
    "Suggester",
    "article_from_record",
    "compare",
    "evaluate_files",
    "load_records",
    "preannotated",
    "speaker_key",
    "write_json",
]


@dataclass
class LoadedRecords:
    """Records read from one file, where each came from, and what was left out and why."""

    records: list[GoldRecord] = field(default_factory=list)
    where: dict[str, Location] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def add(self, record: GoldRecord, location: Location) -> None:
        problem = _shape_problem(record)
        if problem is not None:
            self.issues.append(Issue(location, f"{problem}; left out of the evaluation"))
            return
        self.records.append(record)
        self.where.setdefault(str(record["id"]), location)


def _is_offset(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shape_problem(record: Mapping[str, object]) -> str | None:
    """What keeps a record (unvalidated: any JSON object) from being compared at all."""
    if not isinstance(record.get("id"), str | int) or not record["id"]:
        return "the record has no id"
    if not isinstance(record.get("text"), str):
        return "the record has no text"
    for name in LAYER_KEYS.values():
        regions = record.get(name, [])
        if not isinstance(regions, list) or not all(isinstance(r, Mapping) for r in regions):
            return f"the record's {name} are not a list of objects"
        for region in regions:
            spans = region.get("spans", [region])
            if not isinstance(spans, list) or not all(
                isinstance(s, Mapping) and _is_offset(s.get("start")) and _is_offset(s.get("end"))
                for s in spans
            ):
                return f"a region in {name} ({region.get('id')!r}) has no whole-number offsets"
    return None


def load_records(
    path: Path, *, strategy: str = "default", schema: AnnotationSchema = DEFAULT_SCHEMA
) -> LoadedRecords:
    """The records of a gold JSONL file, or the chosen annotation of each task of a Label
    Studio JSON export, read against `schema` (tasks without a usable annotation are left
    out; conflicting and invalid ones are reported)."""
    if strategy not in STRATEGIES:
        raise SettingsError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    loaded = LoadedRecords()
    if detect_kind(path) == "gold-jsonl":
        gold = read_gold_jsonl(path)
        for record, where in gold.records:
            loaded.add(record, where)
        loaded.issues = sorted([*gold.issues, *loaded.issues], key=lambda i: i.location.line or 0)
        return loaded
    for task in read_label_studio_export(path):
        where = Location(file=str(path), task=_plain(task.get("id")))
        choice = choose_annotation(task, strategy=strategy, schema=schema)
        if choice.record is not None:
            loaded.add(choice.record, where)
        elif choice.status in ("conflict", "invalid"):
            why = str(choice.conflict) if choice.conflict else "; ".join(map(str, choice.issues))
            message = (
                f"no gold record ({choice.status}), so the task is left out: {why}; mark one "
                "annotation as ground truth or pass --strategy latest"
            )
            loaded.issues.append(Issue(where, message))
    return loaded


def _plain(value: object) -> int | str | None:
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def article_from_record(record: GoldRecord) -> Article:
    """The article a record annotates: its id, text and metadata (boilerplate included)."""
    text = str(record["text"])
    given = record.get("meta")
    meta: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    flagged = tuple(
        Boilerplate(entry["start"], entry["end"], text[entry["start"] : entry["end"]], "")
        for entry in meta.get("boilerplate") or []
        if isinstance(entry, Mapping)
        and _is_offset(entry.get("start"))
        and _is_offset(entry.get("end"))
    )

    def field_of(name: str) -> str | None:
        value = meta.get(name)
        return value if isinstance(value, str) and value else None

    return Article(
        id=str(record["id"]),
        text=text,
        title=field_of("title"),
        url=field_of("url"),
        source=field_of("source"),
        published=field_of("published"),
        origin=f"record {record['id']}",
        boilerplate=flagged,
    )


# Suggests a record for an article: a trained model's, say (`quotegold.learn`).
Suggester = Callable[[Article], GoldRecord]


def preannotated(
    records: Iterable[GoldRecord],
    *,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
    suggest: Suggester | None = None,
) -> list[GoldRecord]:
    """The pre-annotator's suggested record for each record's article, made for `schema`
    (or `suggest`'s, when given)."""
    from quotegold.preannotate import preannotate

    if suggest is not None:
        return [suggest(article_from_record(record)) for record in records]
    return [preannotate(article_from_record(record), schema=schema).record for record in records]


@dataclass(frozen=True)
class Evaluation:
    """A comparison of two files, and the records that could not take part."""

    comparison: Comparison
    issues: list[Issue]


def evaluate_files(
    gold: Path,
    predicted: Path | None = None,
    *,
    preannotate: bool = False,
    strategy: str = "default",
    schema: AnnotationSchema = DEFAULT_SCHEMA,
    suggest: Suggester | None = None,
) -> Evaluation:
    """Compare the records of `predicted` (or the pre-annotator's, with `preannotate`: the
    rules', or `suggest`'s) with the records of `gold`. Either file may be a gold JSONL
    file or a Label Studio export; exports are read against `schema`, and the
    pre-annotator proposes its targets."""
    if (predicted is None) != preannotate:
        raise SettingsError(
            "give exactly one of PRED (a file of predicted records) or --preannotate"
        )
    reference = load_records(gold, strategy=strategy, schema=schema)
    if predicted is None:
        candidate = LoadedRecords(
            records=preannotated(reference.records, schema=schema, suggest=suggest)
        )
    else:
        candidate = load_records(predicted, strategy=strategy, schema=schema)
    comparison = compare(reference.records, candidate.records)
    issues = reference.issues + candidate.issues
    for article_id in comparison.text_differs:
        where = candidate.where.get(article_id, Location(file=str(predicted)))
        issues.append(
            Issue(
                where,
                f"article {article_id} has another text than in {gold}; left out of the "
                "evaluation: compare records of the same version of the article",
            )
        )
    for article_id in comparison.duplicates:
        issues.append(
            Issue(
                reference.where.get(article_id) or candidate.where.get(article_id) or Location(),
                f"article {article_id} appears more than once; only its first record counts",
            )
        )
    return Evaluation(comparison, issues)


def write_json(data: object, out: Path) -> None:
    """Write figures as indented JSON, replacing `out` only once the whole file is written."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream, ensure_ascii=False, indent=2, allow_nan=False)
                stream.write("\n")
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ExportError(
            f"could not write {out}: {exc.strerror or exc}; check that the folder is writable"
        ) from exc
