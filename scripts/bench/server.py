"""The throwaway Label Studio the bench measures against, and what its processes use.

`label_studio()` starts it in a folder of the bench's scratch space on a free port and stops
it when the block ends, however the block ends: the bench turns Ctrl-C and `kill` into
exceptions (see `run`), so they unwind through it too. The `Server` it yields reads the CPU
time and resident memory of Label Studio's process group from /proc, so no state outlives
the block.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from quotegold.labelstudio.local.server import LS_DATA, free_port, start_server, stop_server


@dataclass(frozen=True)
class Server:
    """A running Label Studio: where it listens, its API key, and its process group."""

    url: str
    api_key: str
    pid: int  # leads the process group: label-studio and every worker it starts
    database: Path  # its SQLite file (the bench owns it: `incremental.age_project` edits it)

    def _stats(self) -> list[list[str]]:
        """The /proc/PID/stat fields (after the name) of every live process in the group."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # In the process group and alive: a killed server stays a zombie until reaped.
            if int(fields[2]) == self.pid and fields[0] not in ("Z", "X"):
                found.append(fields)
        return found

    def cpu_seconds(self) -> float:
        """User + system seconds of every process in Label Studio's process group."""
        ticks = sum(int(fields[11]) + int(fields[12]) for fields in self._stats())
        return ticks / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        """The resident memory of Label Studio's process group now."""
        pages = sum(int(fields[21]) for fields in self._stats())
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20

    def gone(self) -> bool:
        """Whether no process of the group is left (the kernel may kill it for memory)."""
        return not self._stats()


@contextmanager
def label_studio(data_dir: Path, log: Callable[[str], None]) -> Iterator[Server]:
    """Label Studio on SQLite in `data_dir`, on a free port of 127.0.0.1, for the block."""
    log(f"starting Label Studio in {data_dir}")
    try:
        # A first start runs the migrations: minutes on a busy machine.
        info = start_server(data_dir=data_dir, port=free_port(), timeout=900.0)
        yield Server(info.url, info.api_key, info.pid, data_dir / LS_DATA / "label_studio.sqlite3")
    finally:
        log("stopping Label Studio")
        stop_server(data_dir=data_dir)
