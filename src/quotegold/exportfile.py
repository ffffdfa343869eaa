"""Read the files quotegold takes in: Label Studio JSON exports and gold JSONL files.

A Label Studio export is what the UI's Export → JSON downloads: a JSON list of tasks, each
with `data`, `annotations`, `drafts` and `predictions`. A top-level object that is one task
(an object with a `data` object, as saved from `GET /api/tasks/<id>`) is accepted as a
one-task export, because it is unambiguous and the alternative would only annoy.

File-level problems (missing file, not UTF-8, truncated JSON, wrong top-level type, items
that are not tasks) raise `ValidationError` with the file and, for JSON syntax errors, the
line and column. In a gold JSONL file a bad line is an issue and the other lines still count.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from quotegold.errors import Issue, Location, ValidationError

Kind = Literal["gold-jsonl", "label-studio-export"]
_AGAIN = "download the export again from Label Studio (Export → JSON)"


@dataclass
class GoldFile:
    """The records of a gold JSONL file, each with its file and line, and the bad lines."""

    path: Path
    records: list[tuple[dict[str, Any], Location]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple[dict[str, Any], Location]]:
        return iter(self.records)


def _fail(
    path: Path, message: str, *, line: int | None = None, task: Any = None
) -> ValidationError:
    return ValidationError([Issue(Location(file=str(path), line=line, task=task), message)])


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    return "null" if value is None else names.get(type(value), "a number")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail(path, f"cannot read the file ({exc.strerror or exc}); check the path") from exc


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"the file is not UTF-8 text (bad byte at offset {exc.start}); {_AGAIN}"
        raise _fail(path, message) from exc


def read_label_studio_export(path: Path) -> list[dict[str, Any]]:
    """The tasks of a Label Studio JSON export file, or `ValidationError` saying what is wrong."""
    text = _decode(path, _read_bytes(path))
    if not text.strip():
        raise _fail(path, f"the file is empty; {_AGAIN}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = (
            " (several JSON values: is this a gold JSONL file?)" if exc.msg == "Extra data" else ""
        )
        message = (
            f"truncated or invalid JSON at line {exc.lineno} column {exc.colno}: "
            f"{exc.msg}{hint}; {_AGAIN}"
        )
        raise _fail(path, message, line=exc.lineno) from exc
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = [data]
    if not isinstance(data, list):
        raise _fail(
            path, f"expected a JSON list of Label Studio tasks, found {_kind(data)}; {_AGAIN}"
        )
    issues = [
        issue for index, item in enumerate(data, 1) for issue in _task_issues(path, index, item)
    ]
    if issues:
        raise ValidationError(issues)
    return data


def _task_issues(path: Path, index: int, item: object) -> list[Issue]:
    if not isinstance(item, dict):
        problem = f"is {_kind(item)}, not a task object"
    elif not isinstance(item.get("data"), dict):
        problem = "has no 'data' object: export as JSON, not JSON_MIN or CSV"
    elif not isinstance(item.get("annotations", []), list):
        problem = "has 'annotations' that are not a list"
    else:
        return []
    task = item.get("id") if isinstance(item, dict) else None
    where = Location(file=str(path), task=task if isinstance(task, int | str) else None)
    return [Issue(where, f"item {index} of the export {problem}; {_AGAIN}")]


def read_gold_jsonl(path: Path) -> GoldFile:
    """The records of a gold JSONL file (one JSON object a line); bad lines become issues."""
    gold = GoldFile(path)
    for number, raw in enumerate(_read_bytes(path).splitlines(), start=1):
        where = Location(file=str(path), line=number)
        try:
            line = raw.decode("utf-8-sig").strip()
            record = json.loads(line) if line else None
        except UnicodeDecodeError as exc:
            gold.issues.append(
                Issue(where, f"not UTF-8 text (byte {exc.start}); fix or remove the line")
            )
            continue
        except json.JSONDecodeError as exc:
            message = f"invalid JSON at column {exc.colno}: {exc.msg}; fix or remove the line"
            gold.issues.append(Issue(where, message))
            continue
        if record is None and not line:
            continue
        if not isinstance(record, dict):
            message = f"the line is {_kind(record)}, not a gold record object; fix or remove it"
            gold.issues.append(Issue(where, message))
            continue
        gold.records.append((record, where))
    return gold


def detect_kind(path: Path) -> Kind:
    """Tell a Label Studio JSON export from a gold JSONL file by its first line."""
    try:
        with path.open("rb") as handle:
            first = next((line for line in handle if line.strip()), b"")
    except OSError as exc:
        raise _fail(path, f"cannot read the file ({exc.strerror or exc}); check the path") from exc
    text = first.decode("utf-8-sig", errors="replace").strip()
    if text.startswith("["):
        return "label-studio-export"
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return "label-studio-export"  # one task, pretty-printed over several lines
        if isinstance(value, dict) and isinstance(value.get("data"), dict):
            return "label-studio-export"
        return "gold-jsonl"
    message = (
        "neither a Label Studio JSON export (a JSON list) nor a gold JSONL file "
        f"(one JSON object a line): it starts with {text[:20]!r}"
    )
    raise _fail(path, message)
