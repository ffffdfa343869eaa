"""Sort lines of text by a key on disk, so that memory stays bounded however many there are.

How it works, in more detail: docs/design.md, "dataset.spill".
"""

from __future__ import annotations

import heapq
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from quotegold.scratch import run_prefix, scratch_root

__all__ = ["DEFAULT_RUN_BYTES", "SortedSpill"]

# Eight MiB of lines per run: about 1,300 gold records, a few MiB of the export's memory.
DEFAULT_RUN_BYTES = 8 * 2**20
# Merging more runs at once would need more open files than some systems allow.
_MAX_FAN_IN = 64


class SortedSpill:
    """Lines sorted by key (stable), spilled to run files in a scratch folder of its own.

    Use as a context manager, or call `close` to delete the run files. Add every line first
    with `add`, then iterate once over (key, line) pairs in key order.
    """

    def __init__(self, *, folder: Path | None = None, run_bytes: int | None = None) -> None:
        # Under this user's quotegold folder, which a later run cleans if this one is killed.
        where = folder if folder is not None else scratch_root()
        self._scratch = tempfile.TemporaryDirectory(prefix=run_prefix("spill"), dir=where)
        self._run_bytes = run_bytes or DEFAULT_RUN_BYTES
        self._buffer: list[tuple[Any, str]] = []
        self._buffered = 0
        self._runs: list[Path] = []
        self._made = 0
        self.count = 0

    @property
    def folder(self) -> Path:
        """The scratch folder, deleted by `close`: callers may keep their own files in it."""
        return Path(self._scratch.name)

    def __enter__(self) -> SortedSpill:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Delete the run files (safe to call twice)."""
        self._buffer = []
        self._scratch.cleanup()

    def add(self, key: Any, line: str) -> None:
        """Add one line (without its newline) under `key`."""
        self._buffer.append((key, line))
        # What the pair takes in memory: text with an emoji takes four bytes a character.
        self._buffered += sys.getsizeof(line) + _size(key) + 64
        self.count += 1
        if self._buffered >= self._run_bytes:
            self._runs.append(self._write_run(self._sorted_buffer()))

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        """Every (key, line) in key order; lines with equal keys in the order added."""
        if not self._runs:
            # Everything fit in one buffer: no file needed.
            yield from self._sorted_buffer()
            return
        if self._buffer:
            self._runs.append(self._write_run(self._sorted_buffer()))
        while len(self._runs) > _MAX_FAN_IN:
            # The merged run takes the place of those it merges: first, to keep it stable.
            first, rest = self._runs[:_MAX_FAN_IN], self._runs[_MAX_FAN_IN:]
            self._runs = [self._write_run(self._merged(first)), *rest]
        yield from self._merged(self._runs)

    def groups(self) -> Iterator[tuple[Any, Iterator[str]]]:
        """The lines grouped by equal keys, in key order: (key, its lines in the order added)."""
        for key, pairs in groupby(self, key=lambda pair: pair[0]):
            yield key, (line for _, line in pairs)

    def _sorted_buffer(self) -> list[tuple[Any, str]]:
        buffer, self._buffer, self._buffered = self._buffer, [], 0
        buffer.sort(key=lambda pair: pair[0])  # list.sort is stable
        return buffer

    def _write_run(self, pairs: Any) -> Path:
        self._made += 1
        path = self.folder / f"run-{self._made:06d}.txt"
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            for key, line in pairs:
                handle.write(json.dumps(key, ensure_ascii=False))
                handle.write("\t")
                handle.write(line)
                handle.write("\n")
        return path

    def _merged(self, runs: list[Path]) -> Iterator[tuple[Any, str]]:
        handles = [path.open("r", encoding="utf-8", newline="\n") for path in runs]
        try:
            # heapq.merge breaks ties by the order of its inputs: runs are in the order added.
            yield from heapq.merge(*(_read_run(handle) for handle in handles), key=_key)
        finally:
            for handle in handles:
                handle.close()
            for path in runs:
                if path.exists():
                    os.unlink(path)


def _size(key: Any) -> int:
    if isinstance(key, list):
        return sys.getsizeof(key) + sum(sys.getsizeof(part) for part in key)
    return sys.getsizeof(key)


def _key(pair: tuple[Any, str]) -> Any:
    return pair[0]


def _read_run(handle: TextIO) -> Iterator[tuple[Any, str]]:
    for raw in handle:
        key, _, line = raw.partition("\t")
        yield json.loads(key), line[:-1]
