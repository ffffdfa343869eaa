"""The state an export of a live project keeps in its folder (`export-state.jsonl`), so that
the next export of the same project downloads only the tasks that changed since.

The first line is a header: the server, the project, the changelog of the export that wrote
it and the checksum of the other lines (a state edited by hand or damaged means a full
download, said in the changelog's reason). Each further line is one task, in task id order:
its id, its stamp (from `LabelStudioClient.task_stamps`: it changes whenever the task, its
annotations or its predictions do) and the task as Label Studio's JSON export had it.

A re-export asks Label Studio which stamps changed in a few small queries
(`workflows.exportchanges`; a listing of every task when they do not add up), downloads the
tasks whose stamp differs or that are new, keeps the others from the state, drops the tasks
deleted since, and hands the merged tasks, in task id order, to the same pipeline as a full
export, which reads them from the state in the same order: so both write the same dataset.
The search for the deleted tasks (Label Studio's time, not the client's) runs in background
threads while the merged tasks are written and read (`MergedState`): reading waits only when
it reaches a task whose id range is not settled yet. When that search gives up, nothing has
been written: the export starts again from a listing of every task's stamp.
Memory stays flat: the old state is read line by line, and a full download is sorted on disk.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from quotegold.dataset.rowcache import file_digest
from quotegold.dataset.spill import SortedSpill
from quotegold.gold.exportfile import iter_label_studio_export
from quotegold.gold.model import Task
from quotegold.labelstudio import LabelStudioClient
from quotegold.workflows.exportchanges import (
    ChangesUnsure,
    Changing,
    aware_time,
    start_changes,
)

STATE_FILE = "export-state.jsonl"
STATE_FORMAT = 2  # 2: the header holds the checksum of the task lines
# Above this share of changed tasks, one whole download is cheaper than slices of ids.
FULL_SHARE = 0.5
# Task ids listed per kind of change in the header (the counts are always whole).
LISTED = 1000
# In the header: Label Studio's clock (ISO) just before the listing of the stamps, or null.
LISTED_FROM = "listed_from"


@dataclass
class Changes:
    """What a project export downloaded, by task id: `full` when it downloaded every task
    (`reason` says why), else the tasks added, updated and removed since the last one."""

    full: bool
    reason: str = ""
    tasks: int = 0
    added: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)

    @property
    def downloaded(self) -> int:
        return self.tasks if self.full else len(self.added) + len(self.updated)

    def to_dict(self) -> dict[str, Any]:
        counts = {
            "added": len(self.added),
            "updated": len(self.updated),
            "removed": len(self.removed),
        }
        return {
            "full": self.full,
            "reason": self.reason,
            "tasks": self.tasks,
            "downloaded": self.downloaded,
            **counts,
            "task_ids": {
                "added": self.added[:LISTED],
                "updated": self.updated[:LISTED],
                "removed": self.removed[:LISTED],
            },
        }


def read_header(folder: Path) -> dict[str, Any] | None:
    """The header of the state in an export folder, or None when there is none to trust."""
    path = folder / STATE_FILE
    try:
        with path.open(encoding="utf-8") as handle:
            header = json.loads(handle.readline())
    except (OSError, ValueError):
        return None
    return header if isinstance(header, dict) and header.get("format") == STATE_FORMAT else None


def previous_state(folder: Path, *, url: str, project_id: int) -> tuple[Path | None, str]:
    """The state of an earlier export of this project in `folder`, or None and why not."""
    header = read_header(folder)
    if header is None:
        return None, f"no earlier export state in {folder}"
    if header.get("label_studio_url") != url or header.get("project_id") != project_id:
        return None, f"the export in {folder} is of another server or project"
    if header.get("body_sha256") != _body_digest(folder / STATE_FILE):
        return None, f"{folder / STATE_FILE} was changed by hand or is damaged"
    return folder / STATE_FILE, ""


def _body_digest(path: Path) -> str | None:
    """The checksum of the task lines of a state file (all but the header)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as lines:
            lines.readline()
            for block in iter(lambda: lines.read(2**20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def refresh_state(
    client: LabelStudioClient,
    project_id: int,
    *,
    previous: Path | None,
    reason: str,
    scratch: Path,
    header: dict[str, Any],
    list_all: bool = False,
) -> StateTasks:
    """The project's current state, downloading only what changed since `previous` (every
    task when it is None), as its tasks in task id order; the state file is in `scratch`
    once they have been read. While only a few changed, the search for the tasks deleted
    since runs on in the background as the tasks are read (`MergedState`); `list_all`
    lists every task's stamp instead of asking what changed (after that search failed)."""
    state = scratch / STATE_FILE
    # Label Studio's clock before any listing: the next export lists again from `MARGIN`
    # before it (`workflows.exportchanges`).
    now = client.server_time(project_id)
    header = {**header, LISTED_FROM: None if now is None else now.isoformat()}
    if previous is None:
        stamps = client.task_stamps(project_id)
    else:
        old = {task_id: stamp for task_id, stamp, _ in _old_lines(previous)}
        since = _listed_from(previous)
        found: dict[int, str] | None = None
        changing = (
            None if list_all else start_changes(client, project_id, old, listed_from=since, now=now)
        )
        if changing is not None:
            recent = changing.recent
            changed = sorted(t for t, stamp in recent.items() if old.get(t) != stamp)
            if len(changed) <= FULL_SHARE * max(changing.tasks, 1):
                try:
                    fresh = _download(client, project_id, changed, scratch)
                except BaseException:
                    changing.close()
                    raise
                merge = _Merge(previous, changing.ids, changing.gone, old, recent, fresh)
                return MergedState(merge, changing, state, scratch, header)
            with changing, suppress(ChangesUnsure):
                found = changing.stamps()
            stamps = found or client.task_stamps(project_id)
        else:
            stamps = client.task_stamps(project_id)
        changed = sorted(task_id for task_id, stamp in stamps.items() if old.get(task_id) != stamp)
        if len(changed) <= FULL_SHARE * max(len(stamps), 1):
            fresh = _download(client, project_id, changed, scratch)
            merge = _Merge(previous, sorted(set(stamps) | set(old)), _unlisted, old, stamps, fresh)
            merge.changes.tasks = len(stamps)
            return _written(merge, state, scratch, header)
        reason = f"{len(changed):,} of {len(stamps):,} tasks changed"
    changes = Changes(full=True, reason=reason, tasks=len(stamps))
    _download_all(client, project_id, stamps, scratch, state, header, changes)
    return StateReader(state, changes)


def _unlisted(_: int) -> bool:
    """An earlier task missing from a listing of every task is gone."""
    return True


def _written(merge: _Merge, state: Path, scratch: Path, header: dict[str, Any]) -> StateReader:
    """A merged state written in full before its tasks are read again."""
    body = scratch / "body.jsonl"
    with body.open("w", encoding="utf-8", newline="\n") as out:
        for line in merge.lines():
            out.write(line)
    _prepend_header(state, body, {**header, "changes": merge.changes.to_dict()})
    return StateReader(state, merge.changes)


def _listed_from(state: Path) -> datetime | None:
    """Label Studio's clock just before the listing a state was made from, when it kept it
    (states written before it did have none)."""
    header = read_header(state.parent)
    value = header.get(LISTED_FROM) if header is not None else None
    return aware_time(value) if isinstance(value, str) else None


class StateTasks(Protocol):
    """The tasks of a project's state, in task id order, read once; `line` is the line of
    the task last read (the key of what an earlier export made of it:
    `workflows.goldcache`); `path` is the state file and `changes` what was downloaded, both
    whole once every task was read. `close` stops what still runs when they were not."""

    path: Path
    changes: Changes
    line: str

    def __iter__(self) -> Iterator[Task]: ...

    def close(self) -> None: ...


class StateReader:
    """The tasks of a state file already written (`StateTasks`)."""

    def __init__(self, state: Path, changes: Changes | None = None) -> None:
        self.path = state
        self.changes = changes if changes is not None else Changes(full=True)
        self.line = ""

    def __iter__(self) -> Iterator[Task]:
        with self.path.open(encoding="utf-8") as lines:
            next(lines, None)  # the header
            for line in lines:
                self.line = line
                task: Task = json.loads(line)["task"]
                yield task

    def close(self) -> None:
        pass


class MergedState:
    """The tasks of a state being merged (`StateTasks`) while the search for the deleted
    tasks runs on (`exportchanges.Changing`): each task's line is written as it is read,
    and the header once the search is done and its counts add up; else reading raises
    `ChangesUnsure` (the caller starts again, listing every task)."""

    def __init__(
        self, merge: _Merge, changing: Changing, state: Path, scratch: Path, header: dict[str, Any]
    ) -> None:
        self._merge, self._changing = merge, changing
        self._scratch, self._header = scratch, header
        self.path = state
        self.changes = merge.changes
        self.changes.tasks = changing.tasks
        self.line = ""

    def __iter__(self) -> Iterator[Task]:
        body = self._scratch / "body.jsonl"
        try:
            with body.open("w", encoding="utf-8", newline="\n") as out:
                for line in self._merge.lines():
                    out.write(line)
                    self.line = line
                    task: Task = json.loads(line)["task"]
                    yield task
            if self._changing.stamps() is None:
                raise ChangesUnsure  # the number of predictions does not add up
        finally:
            self._changing.close()
        _prepend_header(self.path, body, {**self._header, "changes": self.changes.to_dict()})

    def close(self) -> None:
        self._changing.close()


def state_tasks(state: Path) -> Iterator[Task]:
    """The tasks a state file holds, in task id order."""
    with state.open(encoding="utf-8") as lines:
        next(lines, None)  # the header
        for line in lines:
            task: Task = json.loads(line)["task"]
            yield task


# How `_task_line` begins: read without parsing the whole task (its checksum was checked).
_LINE_START = re.compile(r'\{"id": (\d+), "stamp": "([^"\\]*)", ')


def _old_lines(previous: Path) -> Iterator[tuple[int, str, str]]:
    """(task id, stamp, line) of each task of an earlier state, in task id order."""
    with previous.open(encoding="utf-8") as lines:
        next(lines, None)
        for line in lines:
            start = _LINE_START.match(line)
            if start is not None:
                yield int(start[1]), start[2], line
                continue
            entry = json.loads(line)
            yield int(entry["id"]), str(entry["stamp"]), line


def _download(
    client: LabelStudioClient, project_id: int, changed: list[int], scratch: Path
) -> dict[int, Task]:
    """The changed tasks, as the project's JSON export has them, by task id."""
    download = scratch / "changed.json"
    client.download_tasks(project_id, changed, download)
    fresh = {int(task["id"]): task for task in iter_label_studio_export(download)}
    download.unlink()
    return fresh


@dataclass
class _Merge:
    """The lines of a new state, in task id order: of `ids` (every task that may be there),
    those `gone` does not say were deleted, downloaded (`fresh`) or kept from `previous`
    when their stamp is the same in `stamps` (for the tasks listed) or `old` (the others)."""

    previous: Path
    ids: list[int]
    gone: Callable[[int], bool]
    old: Mapping[int, str]
    stamps: Mapping[int, str]
    fresh: dict[int, Task]
    changes: Changes = field(default_factory=lambda: Changes(full=False))

    def lines(self) -> Iterator[str]:
        changes = self.changes
        old = _old_lines(self.previous)
        current = next(old, None)
        for task_id in self.ids:
            while current is not None and current[0] < task_id:
                changes.removed.append(current[0])
                current = next(old, None)
            kept = current if current is not None and current[0] == task_id else None
            if kept is not None:
                current = next(old, None)
            if task_id not in self.stamps and kept is not None and self.gone(task_id):
                changes.removed.append(task_id)
                continue
            stamp = self.stamps.get(task_id, self.old.get(task_id))
            if task_id in self.fresh and stamp is not None:
                (changes.updated if kept else changes.added).append(task_id)
                line = _task_line(task_id, stamp, self.fresh[task_id]) + "\n"
            elif kept is not None and kept[1] == stamp:
                line = kept[2] if kept[2].endswith("\n") else kept[2] + "\n"
            elif kept is not None:
                changes.removed.append(task_id)  # deleted while it was being downloaded
                continue
            else:
                continue  # listed, then deleted before it was downloaded
            yield line
        while current is not None:
            changes.removed.append(current[0])
            current = next(old, None)


def _download_all(
    client: LabelStudioClient,
    project_id: int,
    stamps: dict[int, str],
    scratch: Path,
    state: Path,
    header: dict[str, Any],
    changes: Changes,
) -> None:
    download = scratch / "export.json"
    client.download_export(project_id, download)
    body = scratch / "body.jsonl"
    with SortedSpill(folder=scratch) as spill:
        count = 0
        for task in iter_label_studio_export(download):
            task_id = int(task["id"])
            # A task made after the listing has no stamp yet: the next export fetches it.
            spill.add(task_id, _task_line(task_id, stamps.get(task_id, ""), task))
            count += 1
        download.unlink()
        with body.open("w", encoding="utf-8", newline="\n") as out:
            for _, line in spill:
                out.write(line + "\n")
    changes.tasks = count
    _prepend_header(state, body, {**header, "changes": changes.to_dict()})


def _task_line(task_id: int, stamp: str, task: Task) -> str:
    return json.dumps({"id": task_id, "stamp": stamp, "task": task}, ensure_ascii=False)


def _prepend_header(state: Path, body: Path, header: dict[str, Any]) -> None:
    digest = file_digest(body)
    header = {"format": STATE_FORMAT, **header, "body_sha256": digest}
    with state.open("wb") as out, body.open("rb") as lines:
        out.write((json.dumps(header, ensure_ascii=False) + "\n").encode())
        shutil.copyfileobj(lines, out, 2**20)  # the lines as they were written
    body.unlink()
