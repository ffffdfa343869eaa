"""Label Studio on PostgreSQL: the settings, and that the session server really uses it and
keeps the database private.

The server checks run only with QUOTEGOLD_TEST_DATABASE=postgres (see conftest), for example:
    QUOTEGOLD_TEST_DATABASE=postgres .venv/bin/pytest tests/test_push.py tests/test_postgres.py
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from quotegold.articles.ingest import read_articles
from quotegold.errors import ServerError
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import (
    DatabaseSettings,
    ServerInfo,
    _Credentials,
    _prepare_data_dir,
    _server_env,
    server_status,
)
from quotegold.workflows.push import push_articles

if TYPE_CHECKING:
    from conftest import Postgres

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "scripts" / "postgres"

pytestmark = pytest.mark.postgres

SETTINGS = DatabaseSettings(
    name="labelstudio", user="labelstudio", password="s3cret-pw", host="127.0.0.1", port=5433
)


def _psql_program() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    return found[-1] if found else shutil.which("psql")


# --- the settings, without a server ------------------------------------------------------


def test_settings_hide_the_password() -> None:
    assert "s3cret-pw" not in repr(SETTINGS)
    assert "s3cret-pw" not in SETTINGS.url
    assert SETTINGS.url == "postgresql://labelstudio@127.0.0.1:5433/labelstudio"


@pytest.mark.parametrize(
    "environ",
    [
        pytest.param({}, id="nothing-set"),
        pytest.param({"DJANGO_DB": "sqlite", "POSTGRE_PASSWORD": "x"}, id="sqlite"),
        pytest.param({"POSTGRE_NAME": "a", "POSTGRE_PASSWORD": "x"}, id="no-selector"),
    ],
)
def test_environ_without_postgres_means_sqlite(environ: dict[str, str]) -> None:
    assert DatabaseSettings.from_environ(environ) is None


def test_environ_is_read_the_way_label_studio_reads_it() -> None:
    environ = {f"LABEL_STUDIO_{name}": value for name, value in SETTINGS.server_env().items()}
    environ |= {"POSTGRE_PASSWORD": "loses", "HEARTEX_POSTGRE_PORT": "1"}
    assert DatabaseSettings.from_environ(environ) == SETTINGS


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        pytest.param({"DJANGO_DB": "mysql"}, "SQLite .* or PostgreSQL", id="mysql"),
        pytest.param({"DJANGO_DB": "default"}, "lacks POSTGRE_NAME, .*POSTGRE_PORT", id="empty"),
        pytest.param(
            {**SETTINGS.server_env(), "POSTGRE_PORT": "54x"}, "not a port number", id="bad-port"
        ),
    ],
)
def test_bad_environ_is_refused(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ServerError, match=message):
        DatabaseSettings.from_environ(environ)


def test_env_file_as_scripts_postgres_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "postgres-credentials.env"
    path.write_text(
        "# a comment\n" + "".join(f"export {k}={v}\n" for k, v in SETTINGS.server_env().items())
    )
    assert DatabaseSettings.from_env_file(path) == SETTINGS
    with pytest.raises(ServerError, match="scripts/postgres start"):
        DatabaseSettings.from_env_file(tmp_path / "missing.env")


def test_server_env_switches_to_postgres_and_drops_stray_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("POSTGRE_HOST", "LABEL_STUDIO_POSTGRE_PASSWORD", "DATABASE_NAME", "DJANGO_DB"):
        monkeypatch.setenv(name, "stray")
    on_sqlite = _server_env(tmp_path, _Credentials("u", "p", "k"))
    assert not {"DJANGO_DB", "DATABASE_NAME"} & set(on_sqlite)
    assert not [name for name in on_sqlite if "POSTGRE_" in name]
    on_postgres = _server_env(tmp_path, _Credentials("u", "p", "k"), SETTINGS)
    assert on_postgres["DJANGO_DB"] == "default"
    assert on_postgres["POSTGRE_PASSWORD"] == "s3cret-pw"
    assert on_postgres["POSTGRE_HOST"] == "127.0.0.1"
    assert "LABEL_STUDIO_POSTGRE_PASSWORD" not in on_postgres
    assert "DATABASE_NAME" not in on_postgres


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(0o755, 0o700, id="readable-by-others-is-closed"),
        pytest.param(0o770, 0o700, id="group-writable-is-closed"),
        pytest.param(0o500, 0o700, id="owner-gets-full-access"),
        pytest.param(0o701, 0o701, id="search-only-for-postgres-stays"),
        pytest.param(0o711, 0o711, id="search-only-for-group-and-others-stays"),
    ],
)
def test_data_dir_is_private_but_may_stay_searchable(
    tmp_path: Path, before: int, after: int
) -> None:
    # scripts/postgres (as root) lets the postgres user through .labelstudio to its cluster.
    data_dir = tmp_path / "labelstudio"
    data_dir.mkdir()
    data_dir.chmod(before)
    _prepare_data_dir(data_dir)
    assert stat.S_IMODE(data_dir.stat().st_mode) == after
    assert stat.S_IMODE((data_dir / "data").stat().st_mode) == 0o700


# --- the session server on PostgreSQL -----------------------------------------------------


@pytest.fixture(scope="session")
def pg(postgres: Postgres | None, request: pytest.FixtureRequest) -> Postgres:
    """The cluster the session server was started on.

    Session-scoped and listed first, so that on SQLite the tests skip before the session
    server starts (pytest sets up wider scopes first).
    """
    if postgres is None:
        pytest.skip("the session server runs on SQLite; set QUOTEGOLD_TEST_DATABASE=postgres")
    label_studio: ServerInfo = request.getfixturevalue("label_studio")
    if not label_studio.pid:
        pytest.skip("QUOTEGOLD_TEST_SERVER_URL points at a server this session did not start")
    return postgres


def psql(
    settings: DatabaseSettings, sql: str, *, password: str | None = None, user: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `sql` over TCP as Label Studio does; the password goes in the environment."""
    program = _psql_program()
    if program is None:
        pytest.skip("needs psql (apt-get install postgresql-client)")
    command = [program, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", settings.host]
    command += ["-p", str(settings.port), "-U", user or settings.user, "-d", settings.name]
    command += ["-c", sql]
    env = {**os.environ, "PGPASSWORD": password or settings.password, "PGCONNECT_TIMEOUT": "10"}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def query(settings: DatabaseSettings, sql: str) -> str:
    done = psql(settings, sql)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    return dict(entry.split("=", 1) for entry in raw if "=" in entry)


def test_the_server_records_and_reports_its_database(
    pg: Postgres, label_studio: ServerInfo
) -> None:
    expected = f"postgresql://labelstudio@127.0.0.1:{pg.settings.port}/labelstudio"
    assert label_studio.database == pg.settings.url == expected
    record = json.loads((label_studio.data_dir / "server.pid").read_text())
    assert record["database"] == expected
    status = server_status(data_dir=label_studio.data_dir)
    assert status is not None and status.database == expected


def test_the_server_got_the_postgres_settings_and_no_sqlite_ones(
    pg: Postgres, label_studio: ServerInfo
) -> None:
    environ = _environ(label_studio.pid)
    settings = pg.settings
    assert environ["DJANGO_DB"] == "default"
    assert {name: environ[name] for name in environ if name.startswith("POSTGRE_")} == {
        "POSTGRE_NAME": settings.name,
        "POSTGRE_USER": settings.user,
        "POSTGRE_PASSWORD": settings.password,
        "POSTGRE_HOST": "127.0.0.1",
        "POSTGRE_PORT": str(settings.port),
    }
    assert "DATABASE_NAME" not in environ
    assert not (label_studio.data_dir / "data" / "label_studio.sqlite3").exists()


def test_pushed_tasks_are_rows_in_postgres(
    pg: Postgres, client: LabelStudioClient, title: str
) -> None:
    articles = read_articles([ROOT / "tasks" / "seeds"]).articles
    result = push_articles(client, articles, project_title=title)
    project_id = result.project.id
    assert query(pg.settings, f"SELECT count(*) FROM task WHERE project_id = {project_id}") == str(
        len(articles)
    )
    titles = query(pg.settings, f"SELECT title FROM project WHERE id = {project_id}")
    assert titles == title
    # Label Studio's whole schema was migrated into this database.
    tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    assert int(query(pg.settings, tables)) > 50
    ids = "SELECT data->>'article_id' FROM task WHERE project_id = {} ORDER BY 1"
    assert query(pg.settings, ids.format(project_id)).splitlines() == sorted(
        article.id for article in articles
    )


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs the ss tool (iproute2)")
def test_postgres_listens_on_loopback_only(pg: Postgres) -> None:
    port = pg.settings.port
    output = subprocess.run(
        ["ss", "-H", "-ltnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    assert {line.split()[3] for line in output.splitlines()} == {f"127.0.0.1:{port}"}, output
    assert '"postgres"' in output
    # No TCP socket anywhere else either (unix sockets stay inside the cluster dir).
    sockets = sorted(path.name for path in pg.cluster_dir.glob(".s.PGSQL.*"))
    assert sockets == [f".s.PGSQL.{port}", f".s.PGSQL.{port}.lock"]


@pytest.mark.parametrize(
    ("user", "password"),
    [
        pytest.param(None, "wrong", id="labelstudio-with-a-wrong-password"),
        pytest.param("postgres", None, id="the-superuser-over-tcp"),
    ],
)
def test_tcp_logins_need_the_labelstudio_password(
    pg: Postgres, user: str | None, password: str | None
) -> None:
    refused = psql(pg.settings, "SELECT 1", password=password, user=user)
    assert refused.returncode != 0
    assert "password authentication failed" in refused.stderr or "pg_hba" in refused.stderr


def test_the_database_password_stays_secret(pg: Postgres, label_studio: ServerInfo) -> None:
    password = pg.settings.password
    credentials = pg.cluster_dir.parent / "postgres-credentials.env"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(pg.cluster_dir.stat().st_mode) == 0o700
    assert password not in repr(pg.settings)
    assert password not in repr(label_studio)
    assert password not in (label_studio.data_dir / "server.log").read_text()
    assert password not in (pg.cluster_dir / "postgres.log").read_text()
    for pid in (label_studio.pid, int((pg.cluster_dir / "postmaster.pid").read_text().split()[0])):
        assert password not in Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    printed = subprocess.run(
        [str(SCRIPT), "env", str(pg.cluster_dir)], capture_output=True, text=True, check=True
    )
    assert password not in printed.stdout + printed.stderr
    assert f"export POSTGRE_PORT={pg.settings.port}" in printed.stdout
    assert f"source {credentials}" in printed.stdout


def test_script_start_again_and_status_are_harmless(pg: Postgres) -> None:
    env = {**os.environ, "PGPORT": str(pg.settings.port)}

    def run(action: str) -> subprocess.CompletedProcess[str]:
        command = [str(SCRIPT), action, str(pg.cluster_dir)]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    pid_before = (pg.cluster_dir / "postmaster.pid").read_text().split()[0]
    again = run("start")
    assert again.returncode == 0 and "already running" in again.stderr, again.stderr
    status = run("status")
    assert status.returncode == 0
    assert f"127.0.0.1:{pg.settings.port} (pid {pid_before})" in status.stdout
    assert (pg.cluster_dir / "postmaster.pid").read_text().split()[0] == pid_before
    assert query(pg.settings, "SELECT current_user") == "labelstudio"  # password unchanged
