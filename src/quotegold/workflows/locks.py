"""A lock per (Label Studio URL, project title), shared by every quotegold process of this
user on this machine: `push` holds it while it finds or creates the project and imports.

Label Studio has no unique constraint on a project title or on anything in a task's data,
and no upsert, so two pushes that look up "is this article there?" at the same moment would
both import it, and two pushes to a new title would both create the project. On one machine
this lock makes them take turns: the second finds what the first made.

What holds with several machines pushing to one server: the lock is per machine (a file
lock, `fcntl.flock`, in a folder of this user's), so it does not stop a push from another
machine. Each push still asks the server again, just before every import batch, whether
the project's tasks changed since it looked its articles up, and looks them up again if so;
that narrows the window to the moment between that question and the import, but cannot
close it. Two machines pushing the same articles at the same moment can still make a task
twice (`quotegold export` then reports the article twice); push from one machine at a time.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from quotegold.errors import QuotegoldError

__all__ = ["lock_folder", "project_lock"]


def lock_folder() -> Path:
    """This user's quotegold lock folder: $XDG_RUNTIME_DIR/quotegold-locks when set, else
    quotegold-locks-UID in the system's temporary folder (readable by this user alone)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "quotegold-locks"
    tmp = os.environ.get("TMPDIR") or "/tmp"
    return Path(tmp) / f"quotegold-locks-{os.getuid()}"


def lock_path(url: str, title: str) -> Path:
    """The lock file of one project: named by a hash of the server URL and the title."""
    digest = hashlib.sha256(f"{url.rstrip('/')}\n{title}".encode()).hexdigest()[:32]
    return lock_folder() / f"project-{digest}.lock"


@contextmanager
def project_lock(
    url: str, title: str, *, on_wait: Callable[[Path], None] | None = None
) -> Iterator[Path]:
    """Hold the lock of the project titled `title` at `url`, waiting for it while another
    process holds it (`on_wait` is called with the lock file first); released when the
    block ends, or when the process dies."""
    path = lock_path(url, title)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = path.open("a+b")
    except OSError as error:
        raise QuotegoldError(
            f"cannot open the lock file {path} ({error.strerror or error}); check that "
            f"{path.parent} is writable by you, or set TMPDIR to a folder that is"
        ) from error
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(path)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
