"""Shared fixtures. `label_studio` starts one real Label Studio for the whole session.

For fast local iteration, reuse a server that is already running instead (a first start
takes about 30 s): set QUOTEGOLD_TEST_SERVER_URL and QUOTEGOLD_TEST_API_KEY, for example
after `scripts/serve start`, to its URL and the api_key from its credentials file. The
fixture then yields a ServerInfo with pid 0, and tests that inspect the local process
itself are skipped. Tests write to that server: do not point it at one with real data.

With QUOTEGOLD_TEST_DATABASE=postgres the session server runs on PostgreSQL instead of
SQLite: a private cluster made by `scripts/postgres start` in a temporary folder, on a free
port, stopped and deleted at the end (a few seconds more than SQLite). For example:
    QUOTEGOLD_TEST_DATABASE=postgres .venv/bin/pytest tests/test_push.py tests/test_export.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import (
    DatabaseSettings,
    ServerInfo,
    free_port,
    start_server,
    stop_server,
)

ROOT = Path(__file__).parents[1]
TEST_DATABASE = os.environ.get("QUOTEGOLD_TEST_DATABASE", "sqlite").strip().lower() or "sqlite"


def pytest_configure(config: pytest.Config) -> None:
    if TEST_DATABASE not in ("sqlite", "postgres"):
        raise pytest.UsageError(
            f"QUOTEGOLD_TEST_DATABASE={TEST_DATABASE!r}: use postgres, or leave it unset for SQLite"
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the server (directly or through another fixture)."""
    for item in items:
        if "label_studio" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


@dataclass(frozen=True)
class Postgres:
    """The session's private PostgreSQL cluster (only with QUOTEGOLD_TEST_DATABASE=postgres)."""

    cluster_dir: Path
    settings: DatabaseSettings


def _scripts_postgres(action: str, cluster_dir: Path, port: int) -> None:
    command = [str(ROOT / "scripts" / "postgres"), action, str(cluster_dir)]
    env = {**os.environ, "PGPORT": str(port)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres | None]:
    """A private PostgreSQL for the session server, or None when the tests run on SQLite."""
    if TEST_DATABASE == "sqlite":
        yield None
        return
    # Not under pytest's basetemp: as root, scripts/postgres would have to open that folder
    # tree to the postgres user. A short path, too: the unix socket lives in the cluster dir.
    top = Path(tempfile.mkdtemp(prefix="quotegold-pg-"))
    cluster_dir = top / "postgres"
    port = free_port()
    try:
        _scripts_postgres("start", cluster_dir, port)
        settings = DatabaseSettings.from_env_file(top / "postgres-credentials.env")
        yield Postgres(cluster_dir=cluster_dir, settings=settings)
    finally:
        try:
            _scripts_postgres("stop", cluster_dir, port)
        finally:
            shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="session")
def label_studio(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServerInfo]:
    """A running Label Studio with an admin and a legacy API token, on 127.0.0.1."""
    url = os.environ.get("QUOTEGOLD_TEST_SERVER_URL")
    api_key = os.environ.get("QUOTEGOLD_TEST_API_KEY")
    if url and api_key:
        data_dir = tmp_path_factory.mktemp("external-labelstudio")
        yield ServerInfo(
            url=url.rstrip("/"),
            data_dir=data_dir,
            pid=0,
            username="",
            api_key=api_key,
            credentials_file=data_dir / "none",
            started=False,
        )
        return
    # Asked for only here, so that an external server never starts a PostgreSQL.
    database: Postgres | None = request.getfixturevalue("postgres")
    data_dir = tmp_path_factory.mktemp("labelstudio")
    settings = database.settings if database else None
    # A generous start timeout: a loaded CI machine can take minutes for the first migrations.
    info = start_server(data_dir=data_dir, port=free_port(), database=settings, timeout=600.0)
    try:
        yield info
    finally:
        stop_server(data_dir=data_dir)


@pytest.fixture(scope="module")
def hf_offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Hugging Face libraries offline with their own caches; yields the datasets cache dir."""
    import datasets
    import huggingface_hub

    home = tmp_path_factory.mktemp("hf")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "HF_DATASETS_OFFLINE": "1",
            "HF_HUB_OFFLINE": "1",
            "HF_HOME": str(home),
            "HF_DATASETS_CACHE": str(home / "datasets"),
        }.items():
            patch.setenv(name, value)
        # datasets reads the environment once, at import: set what it read as well.
        patch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
        patch.setattr(datasets.config, "HF_DATASETS_CACHE", home / "datasets")
        patch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
        yield home / "datasets"


@pytest.fixture
def client(label_studio: ServerInfo) -> Iterator[LabelStudioClient]:
    """A client of the session's Label Studio, closed after the test."""
    with LabelStudioClient(url=label_studio.url, api_key=label_studio.api_key) as client:
        yield client


@pytest.fixture
def title() -> str:
    """A fresh project title per test, so tests never see each other's tasks."""
    return f"test {uuid.uuid4().hex[:8]}"
