"""The local Label Studio that labelstudio.local.server starts: safe settings, finding it,
stopping it.

All integration tests share the one session server from conftest; none starts another.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

import quotegold.labelstudio.local.server
from quotegold.errors import ServerError
from quotegold.labelstudio.local.server import (
    ServerInfo,
    _Credentials,
    _server_env,
    free_port,
    server_status,
    start_server,
    stop_server,
)
from quotegold.settings import read_credentials


@pytest.fixture
def local(label_studio: ServerInfo) -> ServerInfo:
    """The session server, when this test session started it (not an external one)."""
    if not label_studio.pid:
        pytest.skip("inspects the server process; QUOTEGOLD_TEST_SERVER_URL points elsewhere")
    return label_studio


@pytest.fixture
def client(label_studio: ServerInfo) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=label_studio.url, trust_env=False, timeout=30.0) as http:
        yield http


def _port(info: ServerInfo) -> int:
    return int(info.url.rsplit(":", 1)[1])


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    return dict(entry.split("=", 1) for entry in raw if "=" in entry)


# --- network exposure and authentication --------------------------------------------------


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs the ss tool (iproute2)")
def test_listens_on_loopback_only(local: ServerInfo) -> None:
    port = _port(local)
    output = subprocess.run(
        ["ss", "-H", "-ltnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    lines = output.splitlines()
    local_addresses = {line.split()[3] for line in lines}
    assert local_addresses == {f"127.0.0.1:{port}"}, output
    assert all(f"pid={local.pid}," in line for line in lines), output


def _sdk(info: ServerInfo, api_key: str, http: httpx.Client) -> LabelStudio:
    # Our own httpx client, closed by the fixture: the SDK's own would leak its sockets.
    return LabelStudio(base_url=info.url, api_key=api_key, httpx_client=http)


def test_key_from_credentials_file_authenticates(
    label_studio: ServerInfo, client: httpx.Client
) -> None:
    api_key = read_credentials(label_studio.data_dir).get("api_key", label_studio.api_key)
    assert api_key == label_studio.api_key
    me = _sdk(label_studio, api_key, client).users.whoami()
    if label_studio.username:
        assert me.email == label_studio.username


@pytest.mark.parametrize(
    "make_key",
    [
        pytest.param(lambda info: secrets.token_hex(20), id="random-legacy-token"),
        pytest.param(lambda info: info.api_key[:-1] + "x", id="last-char-changed"),
        pytest.param(lambda info: read_credentials(info.data_dir)["password"], id="the-password"),
    ],
)
def test_wrong_key_gets_401(
    local: ServerInfo, client: httpx.Client, make_key: Callable[[ServerInfo], str]
) -> None:
    headers = {"Authorization": f"Token {make_key(local)}"}
    assert client.get("/api/current-user/whoami", headers=headers).status_code == 401
    with pytest.raises(ApiError) as refused:
        _sdk(local, make_key(local), client).users.whoami()
    assert refused.value.status_code == 401


def test_signup_without_invite_is_refused(label_studio: ServerInfo, client: httpx.Client) -> None:
    admin = {"Authorization": f"Token {label_studio.api_key}"}

    def sign_up(email: str, query: str = "") -> httpx.Response:
        # Label Studio still shows the form; DISABLE_SIGNUP_WITHOUT_LINK refuses the POST.
        form = client.get(f"/user/signup/{query}")
        assert form.status_code == 200
        fields = {"csrfmiddlewaretoken": client.cookies["csrftoken"], "how_find_us": "test"}
        fields |= {"email": email, "password": secrets.token_urlsafe(16)}
        referer = {"Referer": f"{label_studio.url}/user/signup/"}
        return client.post(f"/user/signup/{query}", data=fields, headers=referer)

    def emails() -> set[str]:
        return {user["email"] for user in client.get("/api/users/", headers=admin).json()}

    intruder = f"intruder-{secrets.token_hex(4)}@example.com"
    refused = sign_up(intruder)
    assert refused.status_code == 403
    assert "CSRF" not in refused.text  # refused as a sign-up, not for a broken form
    assert intruder not in emails()

    # The same form with the organisation's invite token does work.
    invite = client.get("/api/invite", headers=admin).json()["token"]
    invited = f"invited-{secrets.token_hex(4)}@example.com"
    assert sign_up(invited, f"?token={invite}").status_code in (200, 302)
    assert invited in emails()


# --- what is on disk and in the process -------------------------------------------------


def test_secrets_stay_private(local: ServerInfo) -> None:
    assert stat.S_IMODE(local.data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(local.credentials_file.stat().st_mode) == 0o600
    credentials = read_credentials(local.data_dir)
    assert set(credentials) == {"url", "username", "password", "api_key"}
    assert credentials["url"] == local.url
    assert re.fullmatch(r"[0-9a-f]{40}", credentials["api_key"])
    log = (local.data_dir / "server.log").read_text()
    command_line = Path(f"/proc/{local.pid}/cmdline").read_bytes().decode()
    for secret in (credentials["api_key"], credentials["password"]):
        assert secret not in log
        assert secret not in command_line  # `ps` shows it to every user
    assert local.api_key not in repr(local)


def test_server_got_only_our_settings(local: ServerInfo) -> None:
    environ = _environ(local.pid)
    assert environ["LABEL_STUDIO_BASE_DATA_DIR"] == str(local.data_dir / "data")
    expected = {
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "LATEST_VERSION_CHECK": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "COLLECT_ANALYTICS": "false",
    }
    assert {name: environ.get(name) for name in expected} == expected


STRAY = ["HOST", "USERNAME", "PASSWORD", "LABEL_STUDIO_HOST", "HEARTEX_PASSWORD", "DEBUG"]
OVERRIDES = ["LABEL_STUDIO_LATEST_VERSION_CHECK", "LABEL_STUDIO_SENTRY_DSN", "PORT"]


def test_stray_environment_does_not_reach_the_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in STRAY + OVERRIDES:
        monkeypatch.setenv(name, "stray")
    monkeypatch.setenv("QUOTEGOLD_UNRELATED", "kept")
    env = _server_env(tmp_path, _Credentials("u", "p", "k"))
    assert not set(STRAY + OVERRIDES) & set(env)
    assert env["QUOTEGOLD_UNRELATED"] == "kept"
    assert env["LATEST_VERSION_CHECK"] == "false"


# --- finding, status and stopping -------------------------------------------------------


def test_start_again_finds_the_running_server(local: ServerInfo) -> None:
    # Another port on purpose: the pid file, not the port, says which server is ours.
    again = start_server(data_dir=local.data_dir, port=_port(local) + 1, timeout=30)
    assert again.started is False
    assert (again.pid, again.url, again.api_key) == (local.pid, local.url, local.api_key)


def test_status_of_the_running_server(local: ServerInfo) -> None:
    status = server_status(data_dir=local.data_dir)
    assert status is not None
    assert (status.pid, status.url, status.started) == (local.pid, local.url, False)


def test_stop_and_status_without_a_server(tmp_path: Path) -> None:
    nowhere = tmp_path / "never-started"
    assert stop_server(data_dir=nowhere) is False
    assert server_status(data_dir=nowhere) is None
    assert not nowhere.exists()


def _dead_pid() -> int:
    command = [sys.executable, "-c", "import os; print(os.getpid())"]
    return int(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


STALE = [
    pytest.param(lambda info: os.getpid(), id="the-test-process"),
    pytest.param(lambda info: _dead_pid(), id="a-dead-process"),
    # A live label-studio, but serving another data dir: still not ours to stop.
    pytest.param(lambda info: info.pid, id="label-studio-of-another-data-dir"),
]


@pytest.mark.parametrize("make_pid", STALE)
def test_stale_pid_file_is_cleared_and_never_killed(
    local: ServerInfo, tmp_path: Path, make_pid: Callable[[ServerInfo], int]
) -> None:
    pid = make_pid(local)
    alive = Path(f"/proc/{pid}").exists()
    pid_file = tmp_path / "server.pid"
    pid_file.write_text(json.dumps({"pid": pid, "url": local.url}))
    assert server_status(data_dir=tmp_path) is None
    assert stop_server(data_dir=tmp_path) is False
    assert not pid_file.exists()
    assert Path(f"/proc/{pid}").exists() == alive
    assert server_status(data_dir=local.data_dir) is not None  # the session server lives


def test_garbage_pid_file_counts_as_none(tmp_path: Path) -> None:
    (tmp_path / "server.pid").write_text("not json")
    assert server_status(data_dir=tmp_path) is None
    assert stop_server(data_dir=tmp_path) is False


def test_start_on_a_taken_port_fails_and_clears_a_stale_pid_file(
    local: ServerInfo, tmp_path: Path
) -> None:
    data_dir = tmp_path / "other"
    data_dir.mkdir()
    (data_dir / "server.pid").write_text(json.dumps({"pid": local.pid, "url": local.url}))
    with pytest.raises(ServerError, match=rf"port {_port(local)} .* in use.*--port"):
        start_server(data_dir=data_dir, port=_port(local), timeout=30)
    assert not (data_dir / "server.pid").exists()
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert server_status(data_dir=local.data_dir) is not None


# --- failures while starting, with a stand-in for label-studio (no real server) ---------


@pytest.fixture
def fake_label_studio(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[str], None]:
    """Make start_server run a shell script instead of label-studio."""

    def install(script: str) -> None:
        path = tmp_path / "bin" / "label-studio"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"#!/bin/sh\n{script}\n")
        path.chmod(0o755)
        monkeypatch.setattr(
            quotegold.labelstudio.local.server, "_label_studio_executable", lambda: str(path)
        )

    return install


def test_a_server_that_dies_while_starting_is_reported_with_its_log(
    fake_label_studio: Callable[[str], None], tmp_path: Path
) -> None:
    fake_label_studio('echo "applying migrations"; echo "boom: no such table" >&2; exit 3')
    data_dir = tmp_path / "data-dir"
    with pytest.raises(ServerError) as failed:
        start_server(data_dir=data_dir, port=free_port(), timeout=30)
    message = str(failed.value)
    assert "exited with code 3" in message
    assert str(data_dir / "server.log") in message
    assert "boom: no such table" in message
    assert not (data_dir / "server.pid").exists()


def test_a_server_that_never_answers_is_killed_with_its_children(
    fake_label_studio: Callable[[str], None], tmp_path: Path
) -> None:
    fake_label_studio("sleep 60 & echo $! > child.pid; wait")
    data_dir = tmp_path / "data-dir"
    with pytest.raises(ServerError, match=r"did not come up .* in time") as failed:
        start_server(data_dir=data_dir, port=free_port(), timeout=2)
    assert str(data_dir / "server.log") in str(failed.value)
    child = int((data_dir / "child.pid").read_text())
    assert not Path(f"/proc/{child}").exists() or "Z" in _state(child)
    assert not (data_dir / "server.pid").exists()


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
