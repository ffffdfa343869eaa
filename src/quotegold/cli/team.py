"""The commands of a team: annotator accounts, agreement between annotators, adjudication.

`quotegold.cli.main` registers them; like every command, each calls one library function and
prints its outcome.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.table import Table

from quotegold.cli.support import (
    ConfigOption,
    DataDirOption,
    KeyOption,
    ProjectOption,
    UrlOption,
    err,
    fail,
    figure,
    make_client,
    out,
    print_issues,
    project_file,
    project_title,
    user_errors,
)
from quotegold.settings import load_settings

if TYPE_CHECKING:
    from quotegold.gold.adjudicate import Conflict

# The tables of `Agreement.to_dict()` (`quotegold.dataset.reportfile.AgreementFigures`).
AGREEMENT_TABLES: dict[Literal["layers", "relations", "alpha", "annotators", "pairs"], str] = {
    "layers": "Spans: F1 between annotators (summed over pairs)",
    "relations": "Relations: quote \u2192 speaker",
    "alpha": "Quote attributes: Krippendorff's alpha (nominal)",
    "annotators": "Per annotator (mean over their pairs)",
    "pairs": "Per pair of annotators",
}


def figures_table(title: str, rows: Mapping[str, Mapping[str, object]]) -> Table:
    """A mapping of mappings as a table: one row per key, one column per inner key."""
    table = Table(title=title)
    table.add_column("")
    columns = list(dict.fromkeys(key for inner in rows.values() for key in inner))
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right")
    for name, inner in rows.items():
        cells = (inner.get(c) for c in columns)
        table.add_row(name, *(figure(c) if isinstance(c, float | None) else str(c) for c in cells))
    return table


def agreement(
    export_file: Annotated[
        Path | None, typer.Argument(help="a Label Studio JSON export (instead of --project)")
    ] = None,
    project: ProjectOption = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="also write the figures to this JSON file")
    ] = None,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Measure how far annotators agree on the tasks they annotated in common.

    Per pair of annotators: span F1 per layer (exact and token overlap) and the share of
    quotes both marked with the same speaker; Krippendorff's alpha on stance, quote type and
    speaker name; per annotator and overall. A project's annotations are read with its own
    schema; an EXPORT.json's with --config (else quotegold.toml, else the built-in lists).

    Example: quotegold agreement --project "SCO quotes" --json agreement.json
    """
    from quotegold.measure.agreement import agreement_of_file
    from quotegold.measure.evaluate import write_json
    from quotegold.workflows.team import agreement_of_project

    found = project_file(config)
    if project is not None and export_file is not None:
        fail("give one of --project TITLE or EXPORT.json, not both")
    if export_file is None:
        project = project_title(project, found, default=None)
    with user_errors():
        if export_file is not None:
            measured = agreement_of_file(export_file, schema=found.schema)
        else:
            settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
            with make_client(settings) as client, err.status("downloading the project…"):
                measured = agreement_of_project(client, str(project))
        figures = measured.to_dict()
        if json_file is not None:
            write_json(figures, json_file)
    summary = figures["summary"]
    out.print(
        f"{summary['tasks_compared']} of {summary['tasks']} task(s) annotated by two annotators "
        f"or more; {summary['annotators']} annotator(s), {summary['pairs']} pair(s), "
        f"{summary['quotes_compared']} quote(s) marked by several"
    )
    if measured.pairs:
        for key, title in AGREEMENT_TABLES.items():
            out.print(figures_table(title, figures[key]))
    if json_file is not None:
        out.print(f"figures written to {json_file}")
    if measured.issues:
        print_issues(list(measured.issues), title="left out of the agreement")
        raise typer.Exit(1)


def adjudicate(
    project: ProjectOption = None,
    accept: Annotated[
        int | None,
        typer.Option(
            "--accept",
            metavar="ANNOTATION_ID",
            help="mark this annotation as its task's ground truth (unmarking any other)",
        ),
    ] = None,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """List the tasks whose annotators disagree, with links; or accept one annotation.

    Annotations are compared with the project's own schema. The choice is stored in Label
    Studio as the task's ground truth, so the next `quotegold export` takes it. An
    adjudicator may also submit their own annotation in Label Studio and accept that one.

    Example: quotegold adjudicate --project "SCO quotes" --accept 1234
    """
    from quotegold.workflows.team import accept_annotation, project_conflicts

    project = project_title(project, project_file(config), default=None)
    with user_errors():
        settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
        with make_client(settings) as client:
            if accept is not None:
                found = client.require_project(project)
                accepted = accept_annotation(client, accept, project=found)
                link = client.task_url(found.id, accepted.task_id)
                out.print(
                    f"annotation {accepted.annotation_id} is now the ground truth of task "
                    f"{accepted.task_id}: {link}"
                )
                if accepted.unmarked:
                    shown = ", ".join(map(str, accepted.unmarked))
                    out.print(f"  no longer ground truth: annotation(s) {shown}")
                return
            with err.status("downloading the project…"):
                _, conflicts = project_conflicts(client, project)
    print_conflicts(project, conflicts)


def print_conflicts(project: str, conflicts: list[Conflict]) -> None:
    out.print(f"project {project!r}: {len(conflicts)} task(s) in conflict")
    for conflict in conflicts:
        annotations = ", ".join(map(str, conflict.annotation_ids))
        annotators = ", ".join(map(str, conflict.annotator_ids))
        out.print(
            f"\ntask {conflict.task_id} (article {conflict.article_id}): {conflict.link}\n"
            f"  annotations {annotations} by annotator(s) {annotators} disagree on:"
        )
        for difference in conflict.differences:
            out.print(f"  - {difference}")
    if conflicts:
        out.print(
            f"\naccept one with: quotegold adjudicate --project {shlex.quote(project)} "
            "--accept ANNOTATION_ID"
        )


annotators_app = typer.Typer(
    help="Manage annotator accounts in Label Studio.", no_args_is_help=True
)


@annotators_app.command("add")
def annotators_add(
    email: Annotated[str, typer.Argument(help="the annotator's email; they log in with it")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="QUOTEGOLD_ANNOTATOR_PASSWORD",
            help="their password, 8 characters or more [asked when not given]",
        ),
    ],
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create an annotator account in Label Studio's organisation, as the invite link does.

    Example: quotegold annotators add ann@example.com
    """
    with user_errors():
        settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
        with make_client(settings) as client:
            created = client.sign_up(email, password)
    out.print(f"created annotator {created.email} (user id {created.id})")
    out.print(f"  they log in at {settings.url}/user/login/ with that email and password")


@annotators_app.command("list")
def annotators_list(
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """List the members of Label Studio's organisation.

    Example: quotegold annotators list
    """
    with user_errors():
        settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
        with make_client(settings) as client:
            users = client.list_users()
    table = Table(title=f"users at {settings.url}")
    for name in ("id", "email", "username"):
        table.add_column(name, justify="right" if name == "id" else "left")
    for user in users:
        table.add_row(str(user.id), user.email, user.username)
    out.print(table)
