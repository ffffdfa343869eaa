"""The project file and its schema: `init` writes a starter quotegold.toml, `schema` shows the
effective schema (of the file, or of a live project) and checks the copies in `schema/`."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from quotegold.cli.support import (
    ConfigOption,
    DataDirOption,
    KeyOption,
    UrlOption,
    fail,
    make_client,
    out,
    project_file,
    user_errors,
)
from quotegold.schema.definition import PROJECT_LISTS, AnnotationSchema
from quotegold.schema.projectfile import CONFIG_FILE
from quotegold.settings import load_settings


def init(
    folder: Annotated[
        Path, typer.Argument(help="where to write quotegold.toml [this folder]")
    ] = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help="replace a quotegold.toml that is there")
    ] = False,
) -> None:
    """Write a commented starter quotegold.toml: the built-in lists, ready to edit.

    Example: quotegold init climate-project
    """
    from quotegold.schema.starter import starter_text

    path = folder / CONFIG_FILE
    if path.exists() and not force:
        fail(f"{path} exists; edit it, or pass --force to replace it with the starter file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{CONFIG_FILE}.", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(starter_text())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        fail(f"cannot write {path} ({exc.strerror or exc}); check that the folder is writable")
    out.print(f"wrote {path}: edit its lists, then `quotegold push ARTICLES --project TITLE`")


def _table(schema: AnnotationSchema, key: str) -> Table:
    table = Table(title=key.replace("_", " "), title_justify="left")
    for column in ("value", "key", "hint", "keywords"):
        table.add_column(column, overflow="fold")
    for choice in schema.project_list(key):
        words = ", ".join(choice.keywords)
        table.add_row(choice.value, choice.hotkey or "", choice.hint, words)
    return table


def schema(
    as_json: Annotated[bool, typer.Option("--json", help="print it as schema.json")] = False,
    project: Annotated[
        str | None,
        typer.Option("--project", help="show the schema a Label Studio project keeps instead"),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="check the built-in copies in schema/ are current")
    ] = False,
    write: Annotated[
        bool, typer.Option("--write", help="rewrite the built-in copies in schema/")
    ] = False,
    config: ConfigOption = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print the effective schema: quotegold.toml's (or --config's, or the built-in lists),
    or a project's with --project. --check and --write keep the files in schema/ (the
    built-in schema's) in step with the code.

    Example: quotegold schema --config tasks/seeds/quotegold.toml
    """
    if check or write:
        _rendered(write=write)
        return
    found = project_file(config)
    shown, source = found.schema, found.source
    if project is not None:
        from quotegold.workflows.projectschema import project_schema

        with user_errors():
            settings = load_settings(url=url, api_key=api_key, data_dir=data_dir)
            with make_client(settings) as client:
                live = client.require_project(project)
                shown, source = project_schema(client, live), f"project {project!r}"
    if as_json:
        from quotegold.schema.stored import schema_to_json

        out.print_json(json.dumps(schema_to_json(shown), ensure_ascii=False))
        return
    out.print(f"schema {shown.version} ({source})")
    for key in PROJECT_LISTS:
        out.print(_table(shown, key))


def _rendered(*, write: bool) -> None:
    from quotegold.schema.defaults import DEFAULT_SCHEMA
    from quotegold.schema.rendered import check_rendered, write_rendered

    with user_errors():
        if write:
            for path in write_rendered():
                out.print(f"wrote {path}")
            return
        stale = check_rendered()
    if stale:
        fail(f"out of date: {', '.join(map(str, stale))}; run `quotegold schema --write`")
    out.print(f"schema {DEFAULT_SCHEMA.version}: rendered copies are up to date")
