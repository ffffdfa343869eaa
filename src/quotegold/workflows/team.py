"""The team's workflows on a live project: conflicts between annotators, an adjudicator's
choice of ground truth, and agreement.

The adjudicator's choice lives in Label Studio itself: `project_conflicts` lists the tasks in
conflict with a link to each, and `accept_annotation` marks the chosen annotation as the
task's ground truth (and unmarks any other), so the next export picks it with no side file.
"""

from __future__ import annotations

from dataclasses import dataclass

from quotegold.errors import LabelStudioError, SettingsError
from quotegold.gold.adjudicate import Conflict, find_conflicts
from quotegold.gold.convert import ProjectRef
from quotegold.labelstudio import LabelStudioClient, Project
from quotegold.measure.agreement import Agreement, measure_agreement
from quotegold.workflows.projectschema import project_schema

__all__ = ["Accepted", "accept_annotation", "agreement_of_project", "project_conflicts"]


def project_conflicts(client: LabelStudioClient, title: str) -> tuple[Project, list[Conflict]]:
    """The conflicts of a live project, each with a link to its task; annotations are read
    against the project's own schema."""
    project = client.require_project(title)
    schema = project_schema(client, project)
    tasks = client.project_tasks(project.id)
    conflicts = find_conflicts(
        tasks,
        project=ProjectRef(project.id, project.title),
        link=lambda task_id: client.task_url(project.id, task_id),
        schema=schema,
    )
    return project, conflicts


@dataclass(frozen=True)
class Accepted:
    """What `accept_annotation` did."""

    annotation_id: int
    task_id: int
    # Annotations of the task that were ground truth before, and no longer are.
    unmarked: tuple[int, ...]


def accept_annotation(
    client: LabelStudioClient, annotation_id: int, *, project: Project | None = None
) -> Accepted:
    """Record an adjudicator's choice: make this annotation its task's only ground truth.

    With `project`, an annotation of another project is refused. A skip cannot be chosen.
    """
    annotation = client.get_annotation(annotation_id)
    task_id, owner = annotation.get("task"), annotation.get("project")
    if project is not None and owner is not None and owner != project.id:
        raise LabelStudioError(
            f"annotation {annotation_id} belongs to project {owner}, not to {project.title!r} "
            f"(id {project.id}); check the annotation id in the conflict list",
            url=client.url,
        )
    if annotation.get("was_cancelled"):
        raise SettingsError(
            f"annotation {annotation_id} is a skip, not an annotation; accept a submitted one"
        )
    if not isinstance(task_id, int):
        raise LabelStudioError(
            f"annotation {annotation_id} names no task; is it an annotation id?", url=client.url
        )
    others = [
        int(other["id"])
        for other in client.list_annotations(task_id)
        if other.get("ground_truth") and other.get("id") != annotation_id
    ]
    client.set_ground_truth(annotation_id, True)
    for other in others:
        client.set_ground_truth(other, False)
    return Accepted(annotation_id=annotation_id, task_id=task_id, unmarked=tuple(others))


def agreement_of_project(client: LabelStudioClient, title: str) -> Agreement:
    """Agreement over the tasks of a live project, read against its own schema; annotators
    are shown by their email."""
    project = client.require_project(title)
    schema = project_schema(client, project)
    tasks = client.project_tasks(project.id)
    names = {str(user.id): user.email for user in client.list_users() if user.email}
    reference = ProjectRef(project.id, project.title)
    return measure_agreement(tasks, project=reference, names=names, schema=schema)
