"""`quotegold serve`: the local Label Studio on 127.0.0.1."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from quotegold.cli.support import DataDirOption, err, fail, out, user_errors
from quotegold.settings import load_settings


def serve(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8080,
    data_dir: DataDirOption = None,
    stop: Annotated[bool, typer.Option("--stop", help="stop the local server")] = False,
    status: Annotated[bool, typer.Option("--status", help="say whether it runs")] = False,
    timeout: Annotated[
        float, typer.Option(help="seconds to wait for it to come up (a busy machine needs more)")
    ] = 180.0,
    postgres: Annotated[
        Path | None,
        typer.Option(
            "--postgres",
            help="run on the PostgreSQL whose settings scripts/postgres wrote, e.g. "
            ".labelstudio/postgres-credentials.env [env: DJANGO_DB=default and POSTGRE_*]",
        ),
    ] = None,
) -> None:
    """Start a local Label Studio on 127.0.0.1 in the background (or find the running one).

    Example: quotegold serve --port 8080
    """
    from quotegold.labelstudio.local import server

    with user_errors():
        settings = load_settings(data_dir=data_dir)
        if stop:
            stopped = server.stop_server(data_dir=settings.data_dir)
            out.print(
                "stopped the local Label Studio" if stopped else "no local server was running"
            )
            return
        if status:
            info = server.server_status(data_dir=settings.data_dir)
            if info is None:
                fail(f"no local Label Studio runs from {settings.data_dir}", code=3)
                return
            out.print(f"Label Studio runs at {info.url} (pid {info.pid}), database {info.database}")
            return
        database = (
            server.DatabaseSettings.from_env_file(postgres)
            if postgres is not None
            else server.DatabaseSettings.from_environ(dict(os.environ))
        )
        with err.status("starting Label Studio (a fresh data folder takes about 30 s)…"):
            info = server.start_server(
                data_dir=settings.data_dir, port=port, timeout=timeout, database=database
            )
    verb = "started" if info.started else "already running"
    out.print(
        f"Label Studio {verb} at [bold]{info.url}[/bold] (pid {info.pid}), database {info.database}"
    )
    if not info.started and info.database != (database.url if database else "sqlite"):
        err.print(f"[yellow]note:[/yellow] it runs on {info.database}; stop it first to switch")
    out.print(f"  log in as {info.username}; password and API key are in {info.credentials_file}")
    out.print(f"  stop it with: quotegold serve --stop --data-dir {info.data_dir}")
