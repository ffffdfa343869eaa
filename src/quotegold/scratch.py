"""Temporary data: one quotegold folder per user, one folder per run inside it.

Everything a run keeps for a while (the project export it downloaded, records spilled to
disk while sorting) goes under `<system temp>/quotegold-<uid>/run-<pid>-<what>-XXXX`, and
is removed when the run ends, interrupted or not. A run killed outright (SIGKILL, a power
cut) cannot clean up: the next run removes the folders whose owner process is gone.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["owner_alive", "remove_stale", "run_folder", "run_prefix", "scratch_root"]

_cleaned: set[Path] = set()


def owner_alive(pid: int) -> bool:
    """Whether process `pid` still exists (this process counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def scratch_root() -> Path:
    """This user's quotegold folder in the system temp folder, made private (0700), with the
    folders of runs that are gone removed (once per process)."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    root = Path(tempfile.gettempdir()) / f"quotegold-{uid}"
    try:
        root.mkdir(mode=0o700, exist_ok=True)
        info = root.lstat()
        usable = stat.S_ISDIR(info.st_mode) and (not hasattr(os, "getuid") or info.st_uid == uid)
    except OSError:
        usable = False
    if not usable:  # someone else's, or a link: never write there
        return Path(tempfile.gettempdir())
    if root not in _cleaned:
        _cleaned.add(root)
        remove_stale(root)
    return root


def remove_stale(root: Path) -> None:
    """Remove the run folders in `root` whose owner process is gone."""
    for entry in root.iterdir():
        parts = entry.name.split("-")
        ours = len(parts) >= 2 and parts[0] == "run" and parts[1].isdigit()
        if ours and not owner_alive(int(parts[1])):
            shutil.rmtree(entry, ignore_errors=True)


def run_prefix(what: str) -> str:
    """The name prefix of this run's folder for `what` (for `tempfile` functions)."""
    return f"run-{os.getpid()}-{what}-"


@contextmanager
def run_folder(what: str) -> Iterator[Path]:
    """A new folder for this run's temporary `what`, removed on leaving, however it is left."""
    folder = Path(tempfile.mkdtemp(prefix=run_prefix(what), dir=scratch_root()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
