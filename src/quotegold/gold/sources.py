"""The input files of a file export: gold JSONL files, Label Studio JSON exports, folders.

`quotegold export --from PATH...` takes any mix of them. A folder stands for the `.jsonl` and
`.json` files directly in it, in sorted order (not its sub-folders: `tasks/gold/heldout/` is
kept apart from `tasks/gold/` on purpose, so it is only read when named). A `.json` file is a
Label Studio export; any other file is told apart by its first line (`exportfile.detect_kind`).

Every input is named as the user would: relative to the folder the command ran in, or by its
file name when it is elsewhere, so no absolute local path reaches an exported file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from quotegold.errors import Issue, Location, ValidationError
from quotegold.gold.exportfile import Kind, detect_kind

__all__ = ["INPUT_SUFFIXES", "InputFile", "input_files", "shown_path"]

INPUT_SUFFIXES = (".jsonl", ".json")


@dataclass(frozen=True)
class InputFile:
    """One file to read: where it is, what it holds, and how it is named in the output."""

    path: Path
    kind: Kind
    shown: str


def shown_path(path: Path, *, cwd: Path | None = None) -> str:
    """`path` as the output names it: relative to `cwd` (the current folder) when inside
    it, else its file name alone; never an absolute path."""
    here = (cwd or Path.cwd()).resolve()
    absolute = path.resolve()
    try:
        return absolute.relative_to(here).as_posix()
    except ValueError:
        return path.name or absolute.name


def _folder_files(folder: Path) -> list[Path]:
    return sorted(
        entry
        for entry in folder.iterdir()
        if entry.is_file() and entry.suffix in INPUT_SUFFIXES and not entry.name.startswith(".")
    )


def input_files(paths: Sequence[Path], *, cwd: Path | None = None) -> list[InputFile]:
    """The files `paths` stand for, each once, in the order given (a folder's in sorted
    order); `ValidationError` naming every path that is missing or an empty folder."""
    found: dict[Path, InputFile] = {}
    issues: list[Issue] = []
    for path in paths:
        if path.is_dir():
            files = _folder_files(path)
            if not files:
                issues.append(
                    Issue(
                        Location(file=shown_path(path, cwd=cwd)),
                        "the folder holds no .jsonl or .json file; name the files to export",
                    )
                )
        elif path.is_file():
            files = [path]
        else:
            shown = shown_path(path, cwd=cwd) if os.path.isabs(path) else str(path)
            issues.append(Issue(Location(file=shown), "no such file or folder; check the path"))
            continue
        for file in files:
            key = file.resolve()
            if key not in found:
                # A .json file is a Label Studio export (its reader says what is wrong with
                # it); any other is told apart by its first line.
                kind: Kind = "label-studio-export" if file.suffix == ".json" else detect_kind(file)
                found[key] = InputFile(file, kind, shown_path(file, cwd=cwd))
    if issues:
        raise ValidationError(issues)
    return list(found.values())
