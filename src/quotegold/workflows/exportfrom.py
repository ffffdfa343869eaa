"""Export from files, with no server: gold JSONL files, Label Studio JSON exports, folders.

`export_inputs` reads every input in turn (`gold.sources` finds and names them): a Label
Studio export's tasks are adjudicated and validated as a live project's are
(`workflows.export.iter_gold`), a gold JSONL file's records are validated as they are. The
records stream to `dataset.writer` together, so the dataset is the same one a project with
the same annotations would give. Inputs are named relative to the current folder (or by file
name), in the report and the card alike: no absolute local path is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from quotegold.dataset.reportfile import ExportReport
from quotegold.dataset.target import check_target
from quotegold.dataset.writer import DatasetSummary
from quotegold.errors import Issue
from quotegold.gold.exportfile import iter_label_studio_export, read_gold_jsonl
from quotegold.gold.model import GoldRecord
from quotegold.gold.sources import InputFile, input_files
from quotegold.gold.validate import other_schema_issue, validator_for
from quotegold.measure.agreement import AgreementCounter
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema
from quotegold.workflows.export import (
    ExportOptions,
    GoldBuild,
    counted,
    final_report,
    iter_gold,
    write_valid,
)

__all__ = ["export_inputs"]


def export_inputs(
    paths: Sequence[Path],
    *,
    out: Path,
    options: ExportOptions,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
    schema_source: str = "the built-in schema",
    cwd: Path | None = None,
) -> tuple[DatasetSummary, ExportReport]:
    """Build the dataset at `out` from gold JSONL files, Label Studio JSON exports and folders
    of them (see `gold.sources`), validated against `schema` (from `schema_source`, named in
    messages). Records made with another schema are left out with one problem per file;
    `options.strict` fails on any problem instead. An article in two inputs is an error."""
    inputs = input_files(paths, cwd=cwd)
    build = GoldBuild()
    agreement = AgreementCounter(project=None, schema=schema)
    source: dict[str, object] = {"files": [file.shown for file in inputs]}
    check_target(out, keep_other_files=options.keep_other_files)  # before reading anything
    report = partial(final_report, build, agreement, source=source, options=options, schema=schema)
    records = _records(inputs, build, agreement, options, schema, schema_source)
    summary = write_valid(records, out=out, report=report, options=options, schema=schema)
    return summary, summary.report


def _records(
    inputs: Sequence[InputFile],
    build: GoldBuild,
    agreement: AgreementCounter,
    options: ExportOptions,
    schema: AnnotationSchema,
    schema_source: str,
) -> Iterator[GoldRecord]:
    for file in inputs:
        before = len(build.problems)
        if file.kind == "gold-jsonl":
            yield from _gold_records(file, build, schema, schema_source)
        else:
            tasks = counted(iter_label_studio_export(file.path), agreement)
            yield from iter_gold(tasks, build=build, strategy=options.strategy, schema=schema)
        build.problems[before:] = [_located(issue, file) for issue in build.problems[before:]]


def _gold_records(
    file: InputFile, build: GoldBuild, schema: AnnotationSchema, schema_source: str
) -> Iterator[GoldRecord]:
    """The valid records of a gold JSONL file; the others counted and reported in `build`."""
    gold = read_gold_jsonl(file.path)
    build.problems += gold.issues
    build.statuses["invalid"] += len(gold.issues)
    same, other = other_schema_issue(gold.records, schema, source=schema_source)
    if other is not None:
        build.problems.append(other)
        build.statuses["invalid"] += len(gold.records) - len(same)
    validator = validator_for(schema)
    for record, where in same:
        issues = validator.validate(record, location=where)
        if issues:
            build.problems += issues
            build.statuses["invalid"] += 1
            build.rejected.append(
                {
                    "task": None,
                    "article_id": str(record.get("id")),
                    "annotation": None,
                    "link": None,
                    "reasons": [issue.message for issue in issues],
                }
            )
            continue
        build.statuses["gold"] += 1
        yield record


def _located(issue: Issue, file: InputFile) -> Issue:
    """An issue named by the input's shown name, never by an absolute path."""
    if issue.location.file not in (None, str(file.path)):
        return issue
    return replace(issue, location=replace(issue.location, file=file.shown))
