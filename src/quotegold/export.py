"""Export: Label Studio tasks → adjudicated, validated gold records → a dataset folder.

Per task, adjudication picks the gold annotation (or reports a conflict), the record is
validated, and only valid records go into the dataset. Everything else is in the report:
problems located by task, annotation and region; conflicts with a link to the task; rejected
records with their reasons. `strict` turns any problem into a failed export. The dataset is
written atomically by `quotegold.dataset`, so a failed export leaves the previous one as it was.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from quotegold.adjudicate import Choice, choose_annotation
from quotegold.convert import ProjectRef
from quotegold.dataset import DatasetSummary, write_dataset
from quotegold.errors import Issue, LabelStudioNotFound, Location, ValidationError
from quotegold.exportfile import read_label_studio_export
from quotegold.labelstudio import LabelStudioClient
from quotegold.schema import SCHEMA
from quotegold.splits import DEFAULT_RATIOS
from quotegold.validate import default_validator


@dataclass
class GoldBuild:
    """Gold records from a set of tasks, and what kept the others out."""

    records: list[dict[str, Any]] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    problems: list[Issue] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ExportOptions:
    """How to turn tasks into a dataset."""

    name: str
    strategy: str = "default"
    strict: bool = False
    license: str = "other"
    attribution: str | None = None
    ratios: Sequence[float] = DEFAULT_RATIOS


def issue_dict(issue: Issue) -> dict[str, Any]:
    """An issue as plain JSON: location fields that are set, and the message."""
    located = {key: value for key, value in asdict(issue.location).items() if value is not None}
    return {**located, "message": issue.message}


def task_link(project_url: str | None, task_id: object) -> str | None:
    return f"{project_url}?task={task_id}" if project_url and task_id is not None else None


def build_gold(
    tasks: Iterable[Mapping[str, Any]],
    *,
    strategy: str = "default",
    project: ProjectRef | None = None,
    project_url: str | None = None,
) -> GoldBuild:
    """Adjudicate and validate every task; collect gold records and everything else."""
    build = GoldBuild()
    validator = default_validator()
    for task in tasks:
        choice = choose_annotation(task, strategy=strategy, project=project)
        _collect(build, task, choice, validator.validate, project_url)
    return build


def _collect(
    build: GoldBuild,
    task: Mapping[str, Any],
    choice: Choice,
    validate: Any,
    project_url: str | None,
) -> None:
    task_id = task.get("id")
    article_id = (task.get("data") or {}).get("article_id")
    if choice.status == "conflict" and choice.conflict is not None:
        conflict = asdict(choice.conflict)
        conflict["link"] = task_link(project_url, task_id)
        build.conflicts.append(conflict)
    issues = list(choice.issues)
    if choice.status == "gold" and choice.record is not None:
        issues += validate(choice.record, location=Location(task=task_id))
        if not issues:
            build.records.append(choice.record)
            build.statuses["gold"] += 1
            return
    status = "invalid" if issues else choice.status
    build.statuses[status] += 1
    if issues:
        build.problems += issues
        build.rejected.append(
            {
                "task": task_id,
                "article_id": article_id,
                "annotation": choice.annotation_id,
                "link": task_link(project_url, task_id),
                "reasons": [issue.message for issue in issues],
            }
        )


def build_report(
    build: GoldBuild, *, source: Mapping[str, Any], options: ExportOptions
) -> dict[str, Any]:
    """The report written beside the dataset: counts, problems, conflicts, rejected records."""
    return {
        "name": options.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema_version": SCHEMA.version,
        "source": dict(source),
        "strategy": options.strategy,
        "counts": {
            "tasks": sum(build.statuses.values()),
            **{status: build.statuses.get(status, 0) for status in _STATUSES},
        },
        "problems": [issue_dict(issue) for issue in build.problems],
        "conflicts": build.conflicts,
        "rejected": build.rejected,
    }


_STATUSES = ("gold", "conflict", "invalid", "unannotated", "skipped")


def export_tasks(
    tasks: Sequence[Mapping[str, Any]],
    *,
    out: Path,
    options: ExportOptions,
    source: Mapping[str, Any],
    project: ProjectRef | None = None,
    project_url: str | None = None,
) -> tuple[DatasetSummary, dict[str, Any]]:
    """Build, check and write the dataset; `strict` fails on any problem before writing."""
    build = build_gold(tasks, strategy=options.strategy, project=project, project_url=project_url)
    if options.strict and build.problems:
        raise ValidationError(build.problems)
    report = build_report(build, source=source, options=options)
    summary = write_dataset(
        build.records,
        out=out,
        report=report,
        name=options.name,
        license=options.license,
        attribution=options.attribution,
        ratios=options.ratios,
    )
    return summary, report


def export_file(
    path: Path, *, out: Path, options: ExportOptions
) -> tuple[DatasetSummary, dict[str, Any]]:
    """Export from a Label Studio JSON export file (no server needed)."""
    tasks = read_label_studio_export(path)
    return export_tasks(tasks, out=out, options=options, source={"file": str(path)})


def export_project(
    client: LabelStudioClient, title: str, *, out: Path, options: ExportOptions
) -> tuple[DatasetSummary, dict[str, Any]]:
    """Export from a live project: download its JSON export, then as from a file."""
    project = client.find_project(title)
    if project is None:
        raise LabelStudioNotFound(
            f"no project titled {title!r} at {client.url}; push articles first "
            "(`quotegold push … --project TITLE`) or check the title",
            url=client.url,
        )
    with tempfile.TemporaryDirectory(prefix="quotegold-export-") as scratch:
        download = Path(scratch) / "export.json"
        client.download_export(project.id, download)
        tasks = read_label_studio_export(download)
    source = {"label_studio_url": client.url, "project_id": project.id, "project_title": title}
    return export_tasks(
        tasks,
        out=out,
        options=options,
        source=source,
        project=ProjectRef(id=project.id, title=project.title),
        project_url=project.url,
    )
