"""Where each key and list item of a TOML file is: the line an error message names.

`tomllib` gives values without positions, so quotegold.toml is scanned once more for them.
The scan reads the TOML that `tomllib` has accepted already (headers, dotted and quoted keys,
arrays and inline tables, every kind of string), so it never has to report a syntax error.
A path is a tuple of keys and item indexes: `("schema", "stance_targets", 2, "hotkey")`.
"""

from __future__ import annotations

import bisect
import re

Path = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")


class TomlLines:
    """The line (1-based) of every key, table header and array item of a TOML text."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines = [index for index, char in enumerate(text) if char == "\n"]
        self._lines: dict[Path, int] = {}
        self._tables: dict[Path, int] = {}  # arrays of tables: how many so far
        self._scan()

    def line(self, path: Path) -> int | None:
        """The line of `path`, or of the nearest enclosing key or item that has one."""
        for size in range(len(path), 0, -1):
            found = self._lines.get(path[:size])
            if found is not None:
                return found
        return None

    # -- scanning -----------------------------------------------------------------------

    def _line_at(self, position: int) -> int:
        return bisect.bisect_left(self._newlines, position) + 1

    def _record(self, path: Path, position: int) -> None:
        self._lines.setdefault(path, self._line_at(position))

    def _skip(self, at: int, *, newlines: bool = True) -> int:
        """Past whitespace and comments (and newlines, unless told not to)."""
        text = self._text
        while at < len(text):
            char = text[at]
            if char == "#":
                end = text.find("\n", at)
                at = len(text) if end < 0 else end
            elif char in " \t\r" or (newlines and char == "\n"):
                at += 1
            else:
                break
        return at

    def _scan(self) -> None:
        prefix: Path = ()
        at = self._skip(0)
        while at < len(self._text):
            if self._text.startswith("[[", at):
                keys, at = self._keys(at + 2, "]]")
                count = self._tables.get(keys, 0)
                self._tables[keys] = count + 1
                prefix = (*keys, count)
                self._record(keys, at)
                self._record(prefix, at)
            elif self._text[at] == "[":
                keys, at = self._keys(at + 1, "]")
                prefix = keys
                self._record(prefix, at)
            else:
                start = at
                keys, at = self._keys(at, "=")
                self._record((*prefix, *keys), start)
                at = self._value(at, (*prefix, *keys))
            at = self._skip(at)

    def _keys(self, at: int, end: str) -> tuple[tuple[str, ...], int]:
        """A dotted key ending at `end` ("=", "]" or "]]"): its parts, and the position after."""
        parts = []
        while True:
            at = self._skip(at, newlines=False)
            if self._text[at] in "\"'":
                key, at = self._string(at)
            else:
                found = _BARE_KEY.match(self._text, at)
                key, at = (found.group(), found.end()) if found else ("", at + 1)
            parts.append(key)
            at = self._skip(at, newlines=False)
            if self._text.startswith(end, at):
                return tuple(parts), at + len(end)
            at += 1  # the dot between parts

    def _value(self, at: int, path: Path) -> int:
        at = self._skip(at, newlines=False)
        char = self._text[at] if at < len(self._text) else ""
        if char == "[":
            return self._items(at + 1, path, "]")
        if char == "{":
            return self._inline_table(at + 1, path)
        if char in "\"'":
            return self._string(at)[1]
        found = _SCALAR_END.search(self._text, at)
        return len(self._text) if found is None else found.start()

    def _items(self, at: int, path: Path, end: str) -> int:
        index = 0
        while True:
            at = self._skip(at)
            if self._text[at] == end:
                return at + 1
            self._record((*path, index), at)
            at = self._skip(self._value(at, (*path, index)))
            if self._text[at] == ",":
                at += 1
            index += 1

    def _inline_table(self, at: int, path: Path) -> int:
        while True:
            at = self._skip(at)
            if self._text[at] == "}":
                return at + 1
            start = at
            keys, at = self._keys(at, "=")
            self._record((*path, *keys), start)
            at = self._skip(self._value(at, (*path, *keys)))
            if self._text[at] == ",":
                at += 1

    def _string(self, at: int) -> tuple[str, int]:
        """The raw text of the string at `at` (escapes kept) and the position after it."""
        text = self._text
        quote = text[at]
        delimiter = quote * 3 if text.startswith(quote * 3, at) else quote
        at += len(delimiter)
        start = at
        while at < len(text):
            if quote == '"' and text[at] == "\\":
                at += 2
                continue
            if text.startswith(delimiter, at):
                end = at
                at += len(delimiter)
                # A multi-line string may end with up to two more quotes of its own.
                while len(delimiter) == 3 and text.startswith(quote, at):
                    end, at = end + 1, at + 1
                return text[start:end], at
            at += 1
        return text[start:], at
