"""Start, find and stop a local Label Studio server that keeps everything in one data dir.

Bound to 127.0.0.1, sign-up without an invite off, no outside calls; secrets reach the server
through its environment only.

How it works, in more detail: docs/design.md, "labelstudio.local.server".
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from quotegold.errors import ServerError
from quotegold.labelstudio.local.database import DatabaseSettings
from quotegold.labelstudio.local.processes import terminate, track
from quotegold.settings import CREDENTIALS_FILE, read_credentials

__all__ = [
    "DatabaseSettings",
    "ServerInfo",
    "free_port",
    "server_status",
    "start_server",
    "stop_server",
]

USERNAME = "admin@quotegold.local"
PID_FILE = "server.pid"
LOG_FILE = "server.log"
LOCK_FILE = "server.lock"
LS_DATA = "data"
SQLITE = "sqlite"
_POLL = 0.5
_LOG_TAIL = 15

# Label Studio reads each setting NAME from LABEL_STUDIO_NAME, HEARTEX_NAME or plain NAME, so
# generic names in the caller's shell (HOST, USERNAME, PASSWORD, PORT, DEBUG, ...) leak into
# its settings. Every inherited variable that maps to one of these names is dropped; the
# server then sees only the values set in `_server_env`.
_CONTROLLED = frozenset(
    {
        "HOST", "PORT", "DEBUG", "USERNAME", "PASSWORD", "USER_TOKEN",
        "BASE_DATA_DIR", "DATABASE_NAME", "DJANGO_DB",
        "POSTGRE_NAME", "POSTGRE_USER", "POSTGRE_PASSWORD", "POSTGRE_HOST", "POSTGRE_PORT",
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN", "DISABLE_SIGNUP_WITHOUT_LINK",
        "LATEST_VERSION_CHECK", "SENTRY_DSN", "FRONTEND_SENTRY_DSN",
        "COLLECT_ANALYTICS", "collect_analytics",
    }
)  # fmt: skip


@dataclass(frozen=True)
class ServerInfo:
    """A running local Label Studio and how to reach it."""

    url: str
    data_dir: Path
    pid: int
    username: str
    api_key: str = field(repr=False)
    credentials_file: Path
    started: bool  # False when an already-running server was found
    # "sqlite", or the PostgreSQL database as a URL without the password.
    database: str = SQLITE


@dataclass(frozen=True)
class _Credentials:
    username: str
    password: str = field(repr=False)
    api_key: str = field(repr=False)


def start_server(
    *,
    data_dir: Path,
    port: int = 8080,
    timeout: float = 180.0,
    database: DatabaseSettings | None = None,
) -> ServerInfo:
    """Start Label Studio on 127.0.0.1:`port` for `data_dir`, or find the one already running.

    Its database is SQLite in `data_dir`, or `database` (PostgreSQL) when given. The first
    start of a data dir creates the admin user and its API key (about 30 s for the database
    migrations); later starts reuse them. A server found running keeps the port and the
    database it was started with: see `ServerInfo.url` and `ServerInfo.database`.
    """
    data_dir = _prepare_data_dir(data_dir)
    deadline = time.monotonic() + timeout
    with _start_lock(data_dir, deadline):
        running = _find_running(data_dir, deadline)
        if running is not None:
            return running
        url = f"http://127.0.0.1:{port}"
        if _port_taken(port):
            raise ServerError(
                f"port {port} on 127.0.0.1 is already in use by another program; "
                f"pick a free one with --port (for example --port {port + 1})"
            )
        credentials = _credentials(data_dir, url, database)
        proc, log_offset = _spawn(data_dir, port, credentials, database)
        where = database.url if database else SQLITE
        try:
            _write_pid_file(data_dir, proc.pid, url, where)
            _wait_until_ready(proc, data_dir, port, credentials, deadline, log_offset)
        except BaseException:
            terminate(proc.pid, timeout=10.0)
            (data_dir / PID_FILE).unlink(missing_ok=True)
            raise
        return _info(data_dir, url, proc.pid, credentials, started=True, database=where)


def stop_server(*, data_dir: Path, timeout: float = 30.0) -> bool:
    """Stop the server started for `data_dir`; False when none was running.

    Only a label-studio process serving this very data dir is ever signalled: a pid file
    naming any other process is removed as stale.
    """
    data_dir = data_dir.resolve()
    record = _read_pid_file(data_dir)
    if record is None:
        return False
    pid = record[0]
    ours = _is_our_server(pid, data_dir)
    if ours and not terminate(pid, timeout=timeout):
        raise ServerError(
            f"Label Studio (pid {pid}) for {data_dir} did not exit after SIGTERM and SIGKILL; "
            f"check it with `ps -p {pid}` and stop it by hand"
        )
    (data_dir / PID_FILE).unlink(missing_ok=True)
    return ours


def server_status(*, data_dir: Path) -> ServerInfo | None:
    """The server running for `data_dir` if it answers its health check, else None."""
    data_dir = data_dir.resolve()
    record = _read_pid_file(data_dir)
    if record is None:
        return None
    pid, url, database = record
    if not (_is_our_server(pid, data_dir) and _answers_up(url)):
        return None
    credentials = _stored_credentials(data_dir)
    return _info(data_dir, url, pid, credentials, started=False, database=database)


# --- the data dir -----------------------------------------------------------------------


def _prepare_data_dir(data_dir: Path) -> Path:
    # Resolved, so that every spelling of one dir finds the same server (see _is_our_server).
    data_dir = data_dir.resolve()
    try:
        for path in (data_dir, data_dir / LS_DATA):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            _make_private(path)  # mkdir's mode is cut by the umask and ignored if it exists
    except OSError as exc:
        raise ServerError(
            f"cannot create the Label Studio data dir {data_dir}: {exc}; "
            "choose another place with --data-dir"
        ) from exc
    return data_dir


def _make_private(path: Path) -> None:
    """Mode 0700; but a dir that others may only search (x, no r or w) keeps that.

    scripts/postgres, run as root, gives search permission so that the postgres user can
    walk down to a cluster kept inside the data dir (.labelstudio/postgres); it lets no one
    list the dir or read anything in it, and taking it away would cut that PostgreSQL off.
    """
    mode = stat.S_IMODE(path.stat().st_mode)
    private = 0o700 if mode & 0o066 else 0o700 | (mode & 0o011)
    if mode != private:
        path.chmod(private)


@contextmanager
def _start_lock(data_dir: Path, deadline: float) -> Iterator[None]:
    """Hold the data dir's start lock, so that two starts never run two servers on one DB."""
    with (data_dir / LOCK_FILE).open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ServerError(
                        f"another process is starting Label Studio in {data_dir}; "
                        "wait for it, then run `quotegold serve --status`"
                    ) from None
                time.sleep(_POLL)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _credentials(data_dir: Path, url: str, database: DatabaseSettings | None) -> _Credentials:
    """The data dir's credentials, made on its first start; the file is rewritten each time
    (so it names `url` and has mode 0600 even if someone copied it in)."""
    stored = read_credentials(data_dir)
    if stored:
        credentials = _stored_credentials(data_dir)
    elif database is None and (data_dir / LS_DATA / "label_studio.sqlite3").exists():
        # Label Studio applies the admin's credentials only when it creates its database.
        raise ServerError(
            f"{data_dir} holds a Label Studio database but no {CREDENTIALS_FILE}, so its "
            f"API key is unknown; restore the file, or delete {data_dir} to start afresh"
        )
    else:
        credentials = _Credentials(USERNAME, secrets.token_urlsafe(24), secrets.token_hex(20))
    content = {"url": url, "username": credentials.username}
    content |= {"password": credentials.password, "api_key": credentials.api_key}
    _write_private_json(data_dir / CREDENTIALS_FILE, content)
    return credentials


def _stored_credentials(data_dir: Path) -> _Credentials:
    stored = read_credentials(data_dir)
    missing = {"username", "password", "api_key"} - stored.keys()
    if missing:
        raise ServerError(
            f"{data_dir / CREDENTIALS_FILE} is missing or lacks {', '.join(sorted(missing))}; "
            f"restore it, or stop the server and delete {data_dir} to start afresh"
        )
    return _Credentials(stored["username"], stored["password"], stored["api_key"])


def _write_private_json(path: Path, content: Mapping[str, object]) -> None:
    """Write `content` to `path` with mode 0600 from the start, replacing it atomically."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(content, handle, indent=2)
        handle.write("\n")
    os.replace(temporary, path)


def _write_pid_file(data_dir: Path, pid: int, url: str, database: str) -> None:
    _write_private_json(data_dir / PID_FILE, {"pid": pid, "url": url, "database": database})


def _read_pid_file(data_dir: Path) -> tuple[int, str, str] | None:
    """The recorded (pid, url, database); a missing or unreadable pid file counts as none.

    Pid files written before the database was recorded belong to SQLite servers.
    """
    try:
        record = json.loads((data_dir / PID_FILE).read_text(encoding="utf-8"))
        pid, url = record["pid"], record["url"]
        database = record.get("database", SQLITE)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if not (isinstance(pid, int) and pid > 0 and isinstance(url, str)):
        return None
    return pid, url, database if isinstance(database, str) else SQLITE


def _info(
    data_dir: Path,
    url: str,
    pid: int,
    credentials: _Credentials,
    *,
    started: bool,
    database: str,
) -> ServerInfo:
    return ServerInfo(
        url=url,
        data_dir=data_dir,
        pid=pid,
        username=credentials.username,
        api_key=credentials.api_key,
        credentials_file=data_dir / CREDENTIALS_FILE,
        started=started,
        database=database,
    )


# --- finding a running server -----------------------------------------------------------


def _find_running(data_dir: Path, deadline: float) -> ServerInfo | None:
    """The server recorded in the pid file once it answers; None (and no pid file) if stale."""
    record = _read_pid_file(data_dir)
    while record is not None and _is_our_server(record[0], data_dir):
        pid, url, database = record
        if _answers_up(url):
            credentials = _stored_credentials(data_dir)
            return _info(data_dir, url, pid, credentials, started=False, database=database)
        if time.monotonic() > deadline:
            raise ServerError(
                f"Label Studio (pid {pid}) runs for {data_dir} but does not answer at {url}; "
                f"see {data_dir / LOG_FILE}, then run `quotegold serve --stop` and start again"
            )
        time.sleep(_POLL)
    (data_dir / PID_FILE).unlink(missing_ok=True)
    return None


def _is_our_server(pid: int, data_dir: Path) -> bool:
    """Whether `pid` is a live label-studio serving `data_dir` (never a reused pid)."""
    proc = Path("/proc") / str(pid)
    try:
        argv = (proc / "cmdline").read_bytes().split(b"\0")
        environ = (proc / "environ").read_bytes().split(b"\0")
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False  # gone, or another user's process
    expected = f"LABEL_STUDIO_BASE_DATA_DIR={data_dir / LS_DATA}".encode()
    is_label_studio = any(Path(os.fsdecode(arg)).name == "label-studio" for arg in argv)
    return is_label_studio and expected in environ and state not in ("Z", "X")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, for the `port` of `start_server`.

    The kernel picks it; another process may still take it before the server binds it, which
    `start_server` then reports instead of letting Label Studio move to another port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _port_taken(port: int) -> bool:
    """Whether something listens on the port (Label Studio would silently move to the next)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


# --- starting ---------------------------------------------------------------------------


def _label_studio_executable() -> str:
    beside = Path(sys.executable).parent / "label-studio"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("label-studio")
    if found is None:
        raise ServerError(
            f"the label-studio program is neither next to {sys.executable} nor on PATH; "
            "install it with scripts/setup (or `pip install label-studio`)"
        )
    return found


def _server_env(
    data_dir: Path, credentials: _Credentials, database: DatabaseSettings | None = None
) -> dict[str, str]:
    def controlled(name: str) -> bool:
        for prefix in ("LABEL_STUDIO_", "HEARTEX_"):
            name = name.removeprefix(prefix)
        return name in _CONTROLLED

    env = {name: value for name, value in os.environ.items() if not controlled(name)}
    env.update(
        PYTHONUNBUFFERED="1",  # so the log is complete when it dies or we read it
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir / LS_DATA),
        # The next four act only on the first start of a data dir, when the database is made.
        LABEL_STUDIO_USERNAME=credentials.username,
        LABEL_STUDIO_PASSWORD=credentials.password,
        LABEL_STUDIO_USER_TOKEN=credentials.api_key,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        LATEST_VERSION_CHECK="false",  # else it asks pypi.org at every start
        SENTRY_DSN="",  # else it reports errors to Label Studio's Sentry
        FRONTEND_SENTRY_DSN="",
        COLLECT_ANALYTICS="false",  # else usage events go to tele.labelstud.io and Google
    )
    if database is not None:
        env.update(database.server_env())  # else SQLite in data/ (DJANGO_DB unset)
    return env


def _spawn(
    data_dir: Path, port: int, credentials: _Credentials, database: DatabaseSettings | None
) -> tuple[subprocess.Popen[bytes], int]:
    """The started process, and where its output begins in the (appended-to) log."""
    command = [_label_studio_executable(), "start", "--no-browser"]
    command += ["--internal-host", "127.0.0.1", "--port", str(port)]
    log_path = data_dir / LOG_FILE
    descriptor = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "ab") as log:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        where = database.url if database else f"SQLite in {data_dir / LS_DATA}"
        log.write(f"--- quotegold: {stamp} starting Label Studio on port {port}, ".encode())
        log.write(f"database {where}\n".encode())
        log.flush()
        log_offset = log.tell()
        proc = subprocess.Popen(
            command,
            cwd=data_dir,
            env=_server_env(data_dir, credentials, database),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop it whole, survive our exit
        )
    track(proc)
    return proc, log_offset


def _wait_until_ready(
    proc: subprocess.Popen[bytes],
    data_dir: Path,
    port: int,
    credentials: _Credentials,
    deadline: float,
    log_offset: int,
) -> None:
    """Wait until the health check says UP and the API key is accepted."""
    url = f"http://127.0.0.1:{port}"
    log_path = data_dir / LOG_FILE
    while True:
        code = proc.poll()
        if code is not None:
            raise ServerError(
                f"Label Studio exited with code {code} while starting; "
                f"the end of {log_path}:\n{_log_tail(log_path, log_offset)}"
            )
        if f"Port {port} is in use" in _log_since(log_path, log_offset):
            raise ServerError(
                f"port {port} was taken by another program while Label Studio started; "
                "pick a free one with --port"
            )
        if _answers_up(url):
            status = _auth_status(url, credentials.api_key)
            if status == 200:
                return
            if status in (401, 403):
                raise ServerError(
                    f"Label Studio at {url} refuses the API key in "
                    f"{data_dir / CREDENTIALS_FILE} (HTTP {status}): its database was made "
                    f"with other credentials; restore them, or delete {data_dir} to start afresh"
                )
        if time.monotonic() > deadline:
            raise ServerError(
                f"Label Studio did not come up at {url} in time (a first start takes about "
                f"30 s); stopped it. The end of {log_path}:\n{_log_tail(log_path, log_offset)}\n"
                "Try again with a longer wait: quotegold serve --timeout 600."
            )
        time.sleep(_POLL)


def _answers_up(url: str) -> bool:
    # trust_env=False: a proxy from HTTP_PROXY must not see requests to our own machine.
    try:
        with httpx.Client(trust_env=False, timeout=3.0, follow_redirects=True) as client:
            body = client.get(f"{url}/health").json()
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(body, dict) and body.get("status") == "UP"


def _auth_status(url: str, api_key: str) -> int | None:
    """The HTTP status of an authenticated request, or None if nothing answered."""
    headers = {"Authorization": f"Token {api_key}"}
    try:
        with httpx.Client(trust_env=False, timeout=10.0, headers=headers) as client:
            return client.get(f"{url}/api/current-user/whoami").status_code
    except httpx.HTTPError:
        return None


def _log_since(log_path: Path, offset: int) -> str:
    """What this start wrote to the log (not what earlier starts did)."""
    try:
        with log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _log_tail(log_path: Path, offset: int) -> str:
    lines = _log_since(log_path, offset).splitlines() or ["(nothing)"]
    return "\n".join(f"  {line}" for line in lines[-_LOG_TAIL:])
