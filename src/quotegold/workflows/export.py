"""Export: Label Studio tasks → adjudicated, validated gold records → a dataset folder.

Per task, adjudication picks the gold annotation (or reports a conflict), the record is
validated, and only valid records go into the dataset. Everything else is in the report:
problems located by task, annotation and region; conflicts with a link to the task; rejected
records with their reasons. `strict` turns any problem into a failed export. The dataset is
written atomically by `dataset.writer`, so a failed export leaves the previous one as it was.
Tasks stream through one at a time, from the export file to the dataset writer, so memory
does not grow with their number.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

from quotegold.dataset.options import DatasetOptions
from quotegold.dataset.reportfile import (
    ConflictEntry,
    ExportReport,
    ProblemEntry,
    RejectedEntry,
    conflict_entry,
    task_counts,
)
from quotegold.dataset.rowcache import CACHE_DIR, cache_salt
from quotegold.dataset.splits import DEFAULT_RATIOS
from quotegold.dataset.target import check_target
from quotegold.dataset.writer import DatasetSummary, write_dataset
from quotegold.errors import Issue, Location, NoGoldRecordsError, ValidationError
from quotegold.gold.adjudicate import Choice, choose_annotation
from quotegold.gold.convert import ProjectRef
from quotegold.gold.exportfile import iter_label_studio_export
from quotegold.gold.model import GoldRecord, Task
from quotegold.gold.sources import shown_path
from quotegold.gold.validate import validator_for
from quotegold.labelstudio import LabelStudioClient, Project
from quotegold.measure.agreement import AgreementCounter
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema
from quotegold.schema.stored import schema_json_text
from quotegold.scratch import run_folder
from quotegold.workflows.exportchanges import ChangesUnsure
from quotegold.workflows.exportstate import (
    STATE_FILE,
    Changes,
    previous_state,
    refresh_state,
)
from quotegold.workflows.goldcache import OUTCOMES, Outcome, OutcomeCache, outcome_key
from quotegold.workflows.projectschema import project_schema


@dataclass
class GoldBuild:
    """Gold records from a set of tasks, and what kept the others out."""

    records: list[GoldRecord] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    problems: list[Issue] = field(default_factory=list)
    conflicts: list[ConflictEntry] = field(default_factory=list)
    rejected: list[RejectedEntry] = field(default_factory=list)


@dataclass(frozen=True)
class ExportOptions:
    """How to turn tasks into a dataset."""

    name: str
    strategy: str = "default"
    strict: bool = False
    license: str | None = None  # None: from the articles' own licences
    attribution: str | None = None
    ratios: Sequence[float] = DEFAULT_RATIOS
    extras: DatasetOptions = field(default_factory=DatasetOptions)
    # Files in the --out folder that quotegold did not write stay in place (else: refused).
    keep_other_files: bool = False


def issue_dict(issue: Issue) -> ProblemEntry:
    """An issue as plain JSON: location fields that are set, and the message."""
    located = {key: value for key, value in asdict(issue.location).items() if value is not None}
    # The fields of a `Location` that are set are a problem entry's optional keys.
    return cast(ProblemEntry, {**located, "message": issue.message})


def report_issues(report: ExportReport, *, file: str | None = None) -> list[Issue]:
    """The problems of a report made by `build_report`, as issues again (the inverse of
    `issue_dict`), located in `file` when the export was read from one."""
    issues = []
    for problem in report["problems"]:
        located: dict[str, Any] = {k: v for k, v in problem.items() if k != "message"}
        issues.append(Issue(Location(**{"file": file, **located}), problem["message"]))
    return issues


def task_link(project_url: str | None, task_id: object) -> str | None:
    return f"{project_url}?task={task_id}" if project_url and task_id is not None else None


def build_gold(
    tasks: Iterable[Task],
    *,
    strategy: str = "default",
    project: ProjectRef | None = None,
    project_url: str | None = None,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> GoldBuild:
    """Adjudicate and validate every task; collect gold records and everything else."""
    build = GoldBuild()
    records = iter_gold(
        tasks,
        build=build,
        strategy=strategy,
        project=project,
        project_url=project_url,
        schema=schema,
    )
    build.records.extend(records)
    return build


def iter_gold(
    tasks: Iterable[Task],
    *,
    build: GoldBuild,
    strategy: str = "default",
    project: ProjectRef | None = None,
    project_url: str | None = None,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
    reuse: Reuse | None = None,
) -> Iterator[GoldRecord]:
    """Adjudicate and validate task by task against `schema` (the one the annotators were
    shown), yielding each gold record as it is made.

    Everything else (statuses, problems, conflicts, rejected records) goes into `build`,
    whose `records` stay empty: the caller decides where the gold records go. With `reuse`,
    a task whose key it gives was decided by an earlier export is not decided again.
    """
    validator = validator_for(schema)
    for task in tasks:
        key = reuse.key(task) if reuse is not None else ""
        done = reuse.cache.reuse(int(task["id"]), key) if reuse is not None else None
        if done is None:
            choice = choose_annotation(task, strategy=strategy, project=project, schema=schema)
            done = _outcome(task, choice, validator.validate, project_url)
        if reuse is not None:
            reuse.cache.keep(int(task["id"]), key, done)
        record = _apply(build, done)
        if record is not None:
            yield record


@dataclass(frozen=True)
class Reuse:
    """The outcomes of an earlier export to reuse, and the key of a task's line in it."""

    cache: OutcomeCache
    key: Callable[[Task], str]


def _outcome(task: Task, choice: Choice, validate: Any, project_url: str | None) -> Outcome:
    """What one task comes to: its gold record if it has a valid one, and what the report
    says about it."""
    task_id = task.get("id")
    article_id = (task.get("data") or {}).get("article_id")
    link = task_link(project_url, task_id)
    conflict = None
    if choice.status == "conflict" and choice.conflict is not None:
        conflict = conflict_entry(choice.conflict, link)
    issues = list(choice.issues)
    if choice.status == "gold" and choice.record is not None:
        issues += validate(choice.record, location=Location(task=task_id))
        if not issues:
            return Outcome("gold", choice.record, conflict=conflict)
    status = "invalid" if issues else choice.status
    if not issues:
        return Outcome(status, conflict=conflict)
    problems = [replace(issue, location=replace(issue.location, link=link)) for issue in issues]
    rejected: RejectedEntry = {
        "task": task_id,
        "article_id": article_id,
        "annotation": choice.annotation_id,
        "link": link,
        "reasons": [issue.message for issue in issues],
    }
    return Outcome(status, None, problems, conflict, rejected)


def _apply(build: GoldBuild, outcome: Outcome) -> GoldRecord | None:
    """Count one task's outcome in `build`; its gold record if it has a valid one."""
    if outcome.conflict is not None:
        build.conflicts.append(outcome.conflict)
    build.statuses[outcome.status] += 1
    build.problems += outcome.problems
    if outcome.rejected is not None:
        build.rejected.append(outcome.rejected)
    return outcome.record if outcome.status == "gold" else None


def build_report(
    build: GoldBuild,
    *,
    source: Mapping[str, object],
    options: ExportOptions,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> ExportReport:
    """The report written beside the dataset: counts, problems, conflicts, rejected records."""
    return {
        "name": options.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema_version": schema.version,
        "source": dict(source),
        "strategy": options.strategy,
        "counts": task_counts(build.statuses),
        "problems": [issue_dict(issue) for issue in build.problems],
        "conflicts": build.conflicts,
        "rejected": build.rejected,
    }


def export_tasks(
    tasks: Iterable[Task],
    *,
    out: Path,
    options: ExportOptions,
    source: Mapping[str, object],
    project: ProjectRef | None = None,
    project_url: str | None = None,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
    extra: Callable[[Path], None] | None = None,
    reuse: Reuse | None = None,
) -> tuple[DatasetSummary, ExportReport]:
    """Build, check and write the dataset; `strict` fails on any problem before writing.

    `tasks` may be any iterable (a stream from an export file, say): it is read once, and
    the report is made when the last task has been read, before anything is written. Their
    annotations are read and validated against `schema`, which the dataset's features and
    card come from and which is written beside it. `extra` adds files to the new folder
    (`write_dataset`). With `reuse` (a project export), the outcomes of tasks an earlier
    export decided are reused, and the rows of every article are cached in the folder for
    the next export (`dataset.rowcache`).
    """
    build = GoldBuild()
    # Tasks annotated by several people: how far they agree goes in the report and the card.
    agreement = AgreementCounter(project=project, schema=schema)
    records = iter_gold(
        counted(tasks, agreement),
        build=build,
        strategy=options.strategy,
        project=project,
        project_url=project_url,
        schema=schema,
        reuse=reuse,
    )
    report = partial(final_report, build, agreement, source=source, options=options, schema=schema)
    summary = write_valid(
        records,
        out=out,
        report=report,
        options=options,
        schema=schema,
        extra=extra,
        cache_rows=reuse is not None,
        reuse_rows=reuse is not None and reuse.cache.previous is not None,
    )
    return summary, summary.report


def write_valid(
    records: Iterable[GoldRecord],
    *,
    out: Path,
    report: Callable[[], ExportReport],
    options: ExportOptions,
    schema: AnnotationSchema,
    extra: Callable[[Path], None] | None = None,
    cache_rows: bool = False,
    reuse_rows: bool = True,
) -> DatasetSummary:
    """Write records that already passed validation as the dataset at `out`, with the
    export's options; `report` is called once they have all been read (`cache_rows` and
    `reuse_rows`: see `write_dataset`)."""
    return write_dataset(
        records,
        out=out,
        report=report,
        name=options.name,
        license=options.license,
        attribution=options.attribution,
        ratios=options.ratios,
        keep_other_files=options.keep_other_files,
        validated=True,
        schema=schema,
        extras=options.extras,
        extra=extra,
        cache_rows=cache_rows,
        reuse_rows=reuse_rows,
    )


def counted(tasks: Iterable[Task], agreement: AgreementCounter) -> Iterator[Task]:
    for task in tasks:
        agreement.add(task)
        yield task


def final_report(
    build: GoldBuild,
    agreement: AgreementCounter,
    *,
    source: Mapping[str, object],
    options: ExportOptions,
    schema: AnnotationSchema,
) -> ExportReport:
    """The report once every task has been read, with the agreement when tasks had several
    annotators; with `strict`, a `ValidationError` instead when any task had a problem."""
    if options.strict and build.problems:
        raise ValidationError(build.problems)
    report = build_report(build, source=source, options=options, schema=schema)
    measured = agreement.result()
    if measured.pairs:
        report["agreement"] = measured.to_dict()
    if build.problems and not build.statuses["gold"]:
        # Made before the writer would refuse an empty dataset: the reasons go with the error.
        rejected = len(build.rejected)
        raise NoGoldRecordsError(
            f"No gold records to export: problems kept all {rejected} annotated task(s) out; "
            "nothing was written. Fix them in Label Studio and export again.",
            report=report,
        )
    return report


def export_file(
    path: Path,
    *,
    out: Path,
    options: ExportOptions,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> tuple[DatasetSummary, ExportReport]:
    """Export from a Label Studio JSON export file (no server needed), streaming its tasks.

    A file holds no labelling config, so `schema` says what its annotators were shown."""
    check_target(out, keep_other_files=options.keep_other_files)  # before reading anything
    tasks = iter_label_studio_export(path)
    source = {"file": shown_path(path)}  # never an absolute local path
    return export_tasks(tasks, out=out, options=options, source=source, schema=schema)


@dataclass(frozen=True)
class ProjectExport:
    """What `export_project_changes` wrote, and what it downloaded to do so."""

    summary: DatasetSummary
    report: ExportReport
    changes: Changes


def export_project(
    client: LabelStudioClient,
    title: str,
    *,
    out: Path,
    options: ExportOptions,
    full: bool = False,
) -> tuple[DatasetSummary, ExportReport]:
    """`export_project_changes`, without the changes."""
    done = export_project_changes(client, title, out=out, options=options, full=full)
    return done.summary, done.report


def export_project_changes(
    client: LabelStudioClient,
    title: str,
    *,
    out: Path,
    options: ExportOptions,
    full: bool = False,
) -> ProjectExport:
    """Export from a live project. Annotations are validated against the project's own
    schema, read from its labelling config: what its annotators were shown.

    When `out` holds an earlier export of the same project (its `export-state.jsonl` names
    the same server and project id), only the tasks created or changed since are
    downloaded and merged with the others kept there, the tasks deleted since are dropped,
    and the dataset is written as a full export would write it (`workflows.exportstate`);
    what adjudication and validation made of each unchanged task, and the rows of each
    unchanged article, are reused from the folder's `export-cache/` (`workflows.goldcache`,
    `dataset.rowcache`). `full` downloads and builds every task anyway. Either way the new
    state and cache are written into the dataset folder, swapped in with it.
    """
    check_target(out, keep_other_files=options.keep_other_files)  # before the long download
    project = client.require_project(title)
    schema = project_schema(client, project)
    source = {"label_studio_url": client.url, "project_id": project.id, "project_title": title}
    previous, reason = (
        (None, "--full") if full else previous_state(out, url=client.url, project_id=project.id)
    )
    with run_folder("export") as scratch:
        attempt = partial(
            _export_state, client, project, schema, source, options, out, full, scratch
        )
        try:
            done = attempt(previous=previous, reason=reason, list_all=False)
        except ChangesUnsure:
            # The search for deleted tasks did not add up once the tasks had been read:
            # nothing was written; start again from a listing of every task's stamp.
            done = attempt(previous=previous, reason=reason, list_all=True)
    summary, outcomes = done.summary, done.outcomes
    if outcomes.problem and previous is not None:
        note = f"the outcomes cached in {out} were not reused ({outcomes.problem})"
        summary = replace(summary, notes=(*summary.notes, note))
    return ProjectExport(summary, done.report, done.changes)


@dataclass(frozen=True)
class _StateExport:
    summary: DatasetSummary
    report: ExportReport
    changes: Changes
    outcomes: OutcomeCache


def _export_state(
    client: LabelStudioClient,
    project: Project,
    schema: AnnotationSchema,
    source: Mapping[str, object],
    options: ExportOptions,
    out: Path,
    full: bool,
    scratch: Path,
    *,
    previous: Path | None,
    reason: str,
    list_all: bool,
) -> _StateExport:
    """One try of `export_project_changes` in `scratch`."""
    tasks = refresh_state(
        client,
        project.id,
        previous=previous,
        reason=reason,
        scratch=scratch,
        header=dict(source),
        list_all=list_all,
    )
    ref = ProjectRef(id=project.id, title=project.title)
    salt = cache_salt(
        schema_json_text(schema),
        options.strategy,
        json.dumps([ref.id, ref.title, project.url]),
    )
    with closing(tasks):
        outcomes = OutcomeCache(scratch / OUTCOMES, None if full else out)
        reuse = Reuse(outcomes, lambda _: outcome_key(salt, tasks.line))
        try:
            summary, report = export_tasks(
                tasks,
                out=out,
                options=options,
                source=source,
                project=ref,
                project_url=project.url,
                schema=schema,
                extra=partial(_move_into, tasks.path, outcomes),
                reuse=reuse,
            )
        finally:
            outcomes.close()
    return _StateExport(summary, report, tasks.changes, outcomes)


def _move_into(state: Path, outcomes: OutcomeCache, folder: Path) -> None:
    # The scratch folder may be on another file system than the export: move, not rename.
    shutil.move(state, folder / STATE_FILE)
    outcomes.close()
    (folder / CACHE_DIR).mkdir(exist_ok=True)
    shutil.move(outcomes.path, folder / CACHE_DIR / OUTCOMES)
