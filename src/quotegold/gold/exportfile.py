"""Read the files quotegold takes in: Label Studio JSON exports and gold JSONL files.

A Label Studio export is what the UI's Export → JSON downloads: a JSON list of tasks, each
with `data`, `annotations`, `drafts` and `predictions`. A top-level object that is one task
(an object with a `data` object, as saved from `GET /api/tasks/<id>`) is accepted as a
one-task export, because it is unambiguous and the alternative would only annoy.

How it works, in more detail: docs/design.md, "gold.exportfile".
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

from quotegold.errors import Issue, Location, ValidationError
from quotegold.gold.model import GoldRecord, Task

Kind = Literal["gold-jsonl", "label-studio-export"]
_AGAIN = "download the export again from Label Studio (Export → JSON)"


@dataclass
class GoldFile:
    """The records of a gold JSONL file, each with its file and line, and the bad lines.

    A record is any JSON object on a line: validate it before relying on its shape.
    """

    path: Path
    records: list[tuple[GoldRecord, Location]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple[GoldRecord, Location]]:
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


def read_label_studio_export(path: Path) -> list[Task]:
    """The tasks of a Label Studio JSON export file, or `ValidationError` saying what is wrong."""
    return list(iter_label_studio_export(path))


def iter_label_studio_export(path: Path) -> Iterator[Task]:
    """The tasks of a Label Studio JSON export file, read one at a time.

    Memory stays flat however large the file: it is decoded in chunks and each task is
    parsed as its turn comes. Problems raise `ValidationError` as `read_label_studio_export`
    does, but only when reached: a syntax error as soon as it is read, items that are not
    tasks once the whole list is read (they are all listed; no task is given after the
    first one). A consumer must therefore finish the iteration before trusting what it got.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise _fail(path, f"cannot read the file ({exc.strerror or exc}); check the path") from exc
    with handle:
        reader = _ExportReader(path, handle)
        start = reader.skip_whitespace(0)
        if start is None:
            raise _fail(path, f"the file is empty; {_AGAIN}")
        if reader.buffer[start] == "[":
            yield from reader.tasks(start + 1)
        else:
            yield from reader.whole(start)


_CHUNK_BYTES = 2**20
_NOT_WHITESPACE = re.compile(r"[^ \t\n\r]")  # JSON's whitespace, not Unicode's
_DECODER = json.JSONDecoder()
# A JSON error (or a value's end) this close to the end of the text read so far may only
# mean that the value goes on in the next chunk: "-Infinity" (which Python's json accepts)
# is the longest token that can be cut short. An unterminated string reaches the end.
_NEAR_END = len("-Infinity")
# Python's json recurses per level: deeper nesting raises RecursionError, not a JSON error.
_TOO_DEEP = "values nested too deeply to read (hundreds of levels of lists or objects)"


def _may_go_on(error: json.JSONDecodeError, length: int) -> bool:
    return error.msg.startswith("Unterminated string") or error.pos >= length - _NEAR_END


class _ExportReader:
    """The text of an export file, decoded chunk by chunk; what was parsed is dropped.

    `buffer` holds the text not yet parsed. Errors give the line and column in the whole
    file, counted as `json` counts them, so they read exactly as if the file had been
    parsed in one piece.
    """

    def __init__(self, path: Path, handle: BinaryIO) -> None:
        self.path = path
        self.buffer = ""
        self._handle = handle
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._bytes = 0  # bytes read from the file, byte-order mark included
        self._eof = False
        self._lines = 0  # newlines in the text dropped from the buffer
        self._column = 0  # characters after the last of them

    # -- reading ------------------------------------------------------------------------

    def _read(self, at_least: int) -> bool:
        """Append the next chunk to the buffer; False at the end of the file."""
        if self._eof:
            return False
        raw = self._handle.read(max(_CHUNK_BYTES, at_least, len(codecs.BOM_UTF8)))
        offset = self._bytes  # where `raw` starts in the file
        self._bytes += len(raw)
        self._eof = not raw
        if offset == 0 and raw.startswith(codecs.BOM_UTF8):
            raw, offset = raw[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
        held = len(self._decoder.getstate()[0])  # the start of a character cut by the chunk
        try:
            self.buffer += self._decoder.decode(raw, final=self._eof)
        except UnicodeDecodeError as exc:
            where = offset - held + exc.start
            message = f"the file is not UTF-8 text (bad byte at offset {where}); {_AGAIN}"
            raise _fail(self.path, message) from exc
        return not self._eof

    def _refill(self, keep: int, *, at_least: int = 0) -> int | None:
        """Drop the buffer before `keep`, read more; `keep`'s new index, or None at the end."""
        self._drop(keep)
        if not self._read(at_least):
            return None
        return 0

    def _drop(self, before: int) -> None:
        if before <= 0:
            return
        newlines = self.buffer.count("\n", 0, before)
        if newlines:
            self._lines += newlines
            self._column = before - self.buffer.rfind("\n", 0, before) - 1
        else:
            self._column += before
        self.buffer = self.buffer[before:]

    def skip_whitespace(self, position: int) -> int | None:
        """The index of the next character that is not JSON whitespace; None at the end."""
        while True:
            found = _NOT_WHITESPACE.search(self.buffer, position)
            if found is not None:
                return found.start()
            if self._refill(len(self.buffer)) is None:
                return None
            position = 0

    def _value(self, position: int) -> tuple[Any, int]:
        """Decode the JSON value at `position`: (value, index just after it)."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, position)
            except json.JSONDecodeError as exc:
                if self._eof or not _may_go_on(exc, len(self.buffer)):
                    raise self._syntax_error(exc.msg, exc.pos) from None
            except RecursionError:
                raise self._syntax_error(_TOO_DEEP, position) from None
            else:
                # A number cut short ("3e" of "3e5") decodes too: only trust a value that
                # ends well before the end of the text read so far.
                if self._eof or end < len(self.buffer) - _NEAR_END:
                    return value, end
            # Cut off at the end of the chunk: read at least as much again (so a huge task
            # costs linear time), then decode it afresh.
            size = len(self.buffer) - position
            if self._refill(position, at_least=size) is None:
                self._eof = True
            position = 0

    # -- errors -------------------------------------------------------------------------

    def _location(self, position: int) -> tuple[int, int]:
        newlines = self.buffer.count("\n", 0, position)
        if newlines:
            column = position - self.buffer.rfind("\n", 0, position)
        else:
            column = self._column + position + 1
        return self._lines + newlines + 1, column

    def _syntax_error(self, problem: str, position: int) -> ValidationError:
        line, column = self._location(position)
        hint = (
            " (several JSON values: is this a gold JSONL file?)" if problem == "Extra data" else ""
        )
        message = (
            f"truncated or invalid JSON at line {line} column {column}: {problem}{hint}; {_AGAIN}"
        )
        return _fail(self.path, message, line=line)

    # -- the two shapes of an export ----------------------------------------------------

    def tasks(self, position: int) -> Iterator[Task]:
        """The items of the top-level list whose "[" ends just before `position`."""
        issues: list[Issue] = []
        index = 0
        after = self.skip_whitespace(position)
        if after is not None and self.buffer[after] == "]":
            self._check_end(after + 1)
            return
        while True:
            if after is None:
                raise self._syntax_error("Expecting value", len(self.buffer))
            item, end = self._value(after)
            index += 1
            found = _task_issues(self.path, index, item)
            issues += found
            if not issues:
                yield item
            after = self.skip_whitespace(end)
            if after is None:
                raise self._syntax_error("Expecting ',' delimiter", len(self.buffer))
            if self.buffer[after] == "]":
                break
            if self.buffer[after] != ",":
                raise self._syntax_error("Expecting ',' delimiter", after)
            after = self.skip_whitespace(after + 1)
        self._check_end(after + 1)
        if issues:
            raise ValidationError(issues)

    def _check_end(self, position: int) -> None:
        extra = self.skip_whitespace(position)
        if extra is not None:
            raise self._syntax_error("Extra data", extra)

    def whole(self, start: int) -> Iterator[Task]:
        """A file that is not a list: one task object, or an error saying what it is."""
        while self._read(0):
            pass
        if not self.buffer.strip():
            raise _fail(self.path, f"the file is empty; {_AGAIN}")
        try:
            data = json.loads(self.buffer)
        except json.JSONDecodeError as exc:
            raise self._syntax_error(exc.msg, exc.pos) from exc
        except RecursionError:
            raise self._syntax_error(_TOO_DEEP, start) from None
        if not (isinstance(data, dict) and isinstance(data.get("data"), dict)):
            raise _fail(
                self.path,
                f"expected a JSON list of Label Studio tasks, found {_kind(data)}; {_AGAIN}",
            )
        issues = _task_issues(self.path, 1, data)
        if issues:
            raise ValidationError(issues)
        yield cast(Task, data)  # an object with a `data` object: the rest is read with care


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
        except RecursionError:
            gold.issues.append(Issue(where, f"invalid JSON: {_TOO_DEEP}; fix or remove the line"))
            continue
        if record is None and not line:
            continue
        if not isinstance(record, dict):
            message = f"the line is {_kind(record)}, not a gold record object; fix or remove it"
            gold.issues.append(Issue(where, message))
            continue
        # Any object is taken as a record; validation says whether it has the shape.
        gold.records.append((cast(GoldRecord, record), where))
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
        except RecursionError:
            return "gold-jsonl"  # a whole object on the line: the reader reports the nesting
        if isinstance(value, dict) and isinstance(value.get("data"), dict):
            return "label-studio-export"
        return "gold-jsonl"
    found = f"it starts with {text[:20]!r}" if text else "the file is empty"
    message = (
        "neither a Label Studio JSON export (a JSON list) nor a gold JSONL file "
        f"(one JSON object a line): {found}"
    )
    raise _fail(path, message)
