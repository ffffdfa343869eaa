"""What adjudication and validation made of each task, kept in an export folder
(`export-cache/outcomes.jsonl`) so the next export of the same project reuses it for every
task that did not change.

One line per task, in task id order: its id, a key (a hash of the task's line in the export
state, which holds the whole task as Label Studio exported it, and of the `salt`: the
project's schema, the adjudication strategy, the project and quotegold's version) and the
outcome: its status, its gold record when it has a valid one, and the problems, conflict and
rejection the report lists. A reused outcome's line is copied into the new file as it was
(not encoded again). Its checksum is in the cache's manifest (`dataset.rowcache`): a file
that does not match is not read, and every task is adjudicated anew.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from quotegold.dataset.reportfile import ConflictEntry, RejectedEntry
from quotegold.dataset.rowcache import CACHE_DIR, CacheUnusable, check_listed, read_manifest
from quotegold.errors import Issue, Location
from quotegold.gold.model import GoldRecord

OUTCOMES = "outcomes.jsonl"


@dataclass
class Outcome:
    """One task's outcome: what `workflows.export` counts in its build."""

    status: str
    record: GoldRecord | None = None
    problems: list[Issue] = field(default_factory=list)
    conflict: ConflictEntry | None = None
    rejected: RejectedEntry | None = None

    def to_json(self) -> dict[str, Any]:
        problems = [
            {"location": asdict(issue.location), "message": issue.message}
            for issue in self.problems
        ]
        return {
            "status": self.status,
            "record": self.record,
            "problems": problems,
            "conflict": self.conflict,
            "rejected": self.rejected,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        problems = [
            Issue(Location(**problem["location"]), str(problem["message"]))
            for problem in data["problems"]
        ]
        return cls(
            str(data["status"]), data["record"], problems, data["conflict"], data["rejected"]
        )


def outcome_key(salt: str, line: str) -> str:
    digest = hashlib.sha256(salt.encode() + b"\0")
    digest.update(line.encode())
    return digest.hexdigest()


@dataclass
class OutcomeCache:
    """The outcomes of an earlier export (read in task id order, alongside the tasks) and
    the new ones, written to `path`."""

    path: Path
    previous: Path | None = None  # an earlier export folder
    problem: str = ""
    reused: int = 0

    def __post_init__(self) -> None:
        self._old: Iterator[tuple[int, str, dict[str, Any], str]] = iter(())
        self._current: tuple[int, str, dict[str, Any], str] | None = None
        self._reused: tuple[Outcome, str] | None = None  # the last outcome reused, its line
        if self.previous is not None:
            self.problem = _check(self.previous / CACHE_DIR)
            if not self.problem:
                self._old = _old_outcomes(self.previous / CACHE_DIR / OUTCOMES)
                self._current = self._next()
        self._out: TextIO = self.path.open("w", encoding="utf-8", newline="\n")

    def _next(self) -> tuple[int, str, dict[str, Any], str] | None:
        try:
            return next(self._old)
        except (ValueError, KeyError, TypeError, OSError) as error:
            self.problem = f"{OUTCOMES} cannot be read ({error})"
            self._old = iter(())
            return None
        except StopIteration:
            return None

    def reuse(self, task_id: int, key: str) -> Outcome | None:
        """The earlier outcome of this task when its key is the same."""
        while self._current is not None and self._current[0] < task_id:
            self._current = self._next()
        if self._current is None or self._current[:2] != (task_id, key):
            return None
        try:
            outcome = Outcome.from_json(self._current[2])
        except (ValueError, KeyError, TypeError) as error:
            self.problem = f"{OUTCOMES} holds an outcome it cannot read ({error})"
            self._old, self._current = iter(()), None
            return None
        self.reused += 1
        self._reused = outcome, self._current[3]
        return outcome

    def keep(self, task_id: int, key: str, outcome: Outcome) -> None:
        """Keep a task's outcome in the new file: the earlier line as it was when the
        outcome is the one `reuse` just gave for this task and key."""
        reused, self._reused = self._reused, None
        if reused is not None and reused[0] is outcome:
            line = reused[1]
            if self._current is not None and self._current[:2] == (task_id, key):
                self._out.write(line if line.endswith("\n") else line + "\n")
                return
        entry = {"id": task_id, "key": key, "outcome": outcome.to_json()}
        self._out.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._out.close()


def _check(folder: Path) -> str:
    """Why the outcomes kept in `folder` cannot be used, or "" when they can."""
    try:
        files = read_manifest(folder).get("files")
        check_listed(folder, OUTCOMES, files if isinstance(files, dict) else {})
    except CacheUnusable as error:
        return str(error)
    return ""


def _old_outcomes(path: Path) -> Iterator[tuple[int, str, dict[str, Any], str]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            yield int(entry["id"]), str(entry["key"]), dict(entry["outcome"]), line
