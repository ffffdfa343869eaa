"""A Label Studio project's schema: set it from a project file, read it back, change it safely.

`sync_project` creates the project with the config and instructions rendered from a schema,
or updates them when the schema changed. A change that drops a value is checked first: if
any annotation or draft uses the value, the change is refused with one line naming each such
value and how many annotations use it, and nothing is changed (Label Studio itself would
keep the annotations while its screen no longer offers their value). `project_schema` reads a
project's schema back from its config (`quotegold.schema.stored`), so exports, agreement,
adjudication and predictions follow what the annotators were shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from quotegold.errors import SchemaChangeError, SchemaError
from quotegold.gold.exportfile import iter_label_studio_export
from quotegold.gold.model import Task
from quotegold.labelstudio import LabelStudioClient, Project, ProjectSync
from quotegold.schema.definition import PROJECT_ATTRIBUTES, AnnotationSchema
from quotegold.schema.guidelines import render_instructions
from quotegold.schema.labelconfig import render_label_config
from quotegold.schema.stored import schema_from_label_config
from quotegold.scratch import run_folder

__all__ = ["Usage", "project_description", "project_schema", "sync_project", "values_in_use"]


def project_description(schema: AnnotationSchema) -> str:
    return (
        f"Who said what: speakers, cues, quotes and initiatives (quotegold schema {schema.version})"
    )


def project_schema(client: LabelStudioClient, project: Project) -> AnnotationSchema:
    """The schema the project's annotators are shown, read from its labelling config."""
    return schema_from_label_config(
        project.label_config, where=f"project {project.title!r} at {client.url}"
    )


def sync_project(
    client: LabelStudioClient,
    title: str,
    schema: AnnotationSchema,
    *,
    annotators_per_task: int | None = None,
) -> ProjectSync:
    """Create the project titled `title` from `schema`, or bring its config and instructions
    up to date; `SchemaChangeError` when the update would drop values annotations use."""
    return client.ensure_project(
        title,
        label_config=render_label_config(schema),
        instructions=render_instructions(schema),
        description=project_description(schema),
        annotators_per_task=annotators_per_task,
        before_update=lambda project: _check_dropped(client, project, schema),
    )


def _dropped(old: AnnotationSchema, new: AnnotationSchema) -> dict[str, list[str]]:
    """The values of the project's lists that `old` has and `new` does not, by attribute."""
    dropped = {}
    for name in sorted(PROJECT_ATTRIBUTES):
        kept = set(new.attribute(name).values)
        gone = [value for value in old.attribute(name).values if value not in kept]
        if gone:
            dropped[name] = gone
    return dropped


def _check_dropped(client: LabelStudioClient, project: Project, schema: AnnotationSchema) -> None:
    try:
        old = project_schema(client, project)
    except SchemaError:
        return  # not quotegold's config: Label Studio's own check still runs on the update
    dropped = _dropped(old, schema)
    if not dropped:
        return
    used = _usage(client, project, dropped)
    if used:
        raise SchemaChangeError(_refusal(project, used))


@dataclass
class Usage:
    """How much one value is used: annotations (and drafts) holding it, and its regions."""

    annotations: int = 0
    drafts: int = 0
    regions: int = 0


def values_in_use(
    tasks: Iterable[Task], values: Mapping[str, Iterable[str]]
) -> dict[tuple[str, str], Usage]:
    """For each (attribute, value) of `values` that annotations or drafts of `tasks` hold, how
    many hold it and on how many regions."""
    wanted = {(name, value) for name, listed in values.items() for value in listed}
    found: dict[tuple[str, str], Usage] = {}
    for task in tasks:
        holders: list[tuple[object, str]] = [
            (a, "annotations") for a in task.get("annotations", [])
        ]
        holders += [(d, "drafts") for d in task.get("drafts", [])]
        for holder, kind in holders:
            result = holder.get("result") if isinstance(holder, Mapping) else None
            counts = _values_of(list(result) if isinstance(result, list) else [], wanted)
            for key, regions in counts.items():
                usage = found.setdefault(key, Usage())
                usage.regions += regions
                setattr(usage, kind, getattr(usage, kind) + 1)
    return found


def _values_of(result: list[object], wanted: set[tuple[str, str]]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for item in result:
        if not isinstance(item, Mapping):
            continue
        value = item.get("value")
        choices = value.get("choices") if isinstance(value, Mapping) else None
        for choice in choices if isinstance(choices, list) else []:
            key = (str(item.get("from_name")), str(choice))
            if key in wanted:
                counts[key] += 1
    return counts


def _usage(
    client: LabelStudioClient, project: Project, dropped: Mapping[str, list[str]]
) -> dict[tuple[str, str], Usage]:
    """How the dropped values are used, read from the project's full export."""
    with run_folder("usage") as scratch:
        download = scratch / "export.json"
        client.download_export(project.id, download)
        return values_in_use(iter_label_studio_export(download), dropped)


def _refusal(project: Project, used: Mapping[tuple[str, str], Usage]) -> str:
    parts = []
    for (name, value), usage in sorted(used.items()):
        held = [f"{usage.annotations} annotation(s)"] if usage.annotations else []
        held += [f"{usage.drafts} draft(s)"] if usage.drafts else []
        parts.append(f"{name} {value!r} ({' and '.join(held)}, {usage.regions} region(s))")
    return (
        f"project {project.title!r} still uses what the new schema drops: {'; '.join(parts)}; "
        "nothing was changed: keep the value(s) in quotegold.toml, or re-annotate those "
        f"regions in Label Studio first ({project.url})"
    )
