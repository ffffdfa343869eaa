"""Stopping the process groups of the servers we start, and telling whether one still runs.

A started server is `track`ed: its Popen object is kept so that once stopped it is reaped
(no zombie that looks alive) and never garbage-collected while it runs. Process checks read
/proc, so this is Linux-only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import suppress
from pathlib import Path

_tracked: dict[int, subprocess.Popen[bytes]] = {}


def track(proc: subprocess.Popen[bytes]) -> None:
    """Keep a started server's Popen until `terminate` sees it gone."""
    _tracked[proc.pid] = proc


def terminate(pid: int, *, timeout: float) -> bool:
    """SIGTERM the process group led by `pid`, SIGKILL it after `timeout`; True once gone."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        _signal_group(pid, sig)
        if _wait_gone(pid, wait):
            _tracked.pop(pid, None)
            return True
    return False


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        # Our servers lead their own session; anything else gets only the single signal.
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if not _alive(pid):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    proc = _tracked.get(pid)
    if proc is not None:
        return proc.poll() is None  # also reaps it
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
