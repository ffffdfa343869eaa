"""The export folder: what may be replaced, and replacing it atomically.

quotegold deletes only what it wrote. Each export folder holds a marker file,
`.quotegold-export.json`, listing the files the export wrote. An existing folder is replaced
only when it has that marker (or is an export written before markers existed, recognised by
its `report.json`), and then only the files listed; a file it did not write is a refusal
naming it, unless `keep_other_files` asks to keep such files where they are. A folder that
is neither empty nor an export is never touched.

The new export is built in a hidden folder beside the target (`.NAME.tmp-PID-XXXX`) and
swapped in by renames, so a failed or interrupted export leaves the previous one byte for
byte; folders left beside it by a run that was killed (its process is gone) are removed, or
put back, by the next export to the same folder.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from quotegold.errors import ExportError
from quotegold.scratch import owner_alive

__all__ = [
    "MARKER_FILE",
    "Target",
    "add_to_marker",
    "check_target",
    "new_sibling",
    "swap_in",
    "write_marker",
]

MARKER_FILE = ".quotegold-export.json"
KEEP_FLAG = "--keep-other-files"
# Files an export wrote before the marker existed (recognised with its report.json).
_LEGACY_FILES = re.compile(
    r"(README\.md|gold\.jsonl|report\.json|schema\.json|gold_record\.schema\.json"
    r"|data/[a-z]+/(train|validation|test)-\d{5}-of-\d{5}\.parquet)"
)
_SIBLING = re.compile(r"\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-[0-9a-f]{8}")
_SHOWN = 10


@dataclass(frozen=True)
class Target:
    """An export folder checked for writing: `others` are the files in it (relative paths,
    folders holding only such files named as folders) that the export did not write, kept
    in place."""

    path: Path
    others: tuple[str, ...] = ()


def check_target(out: Path, *, keep_other_files: bool = False) -> Target:
    """Check that `out` may take the export; an `ExportError` that says why not, in terms of
    the command's options, otherwise."""
    _refuse_odd_paths(out)
    _clean_leftovers(out)
    if not out.exists():
        _make_parent(out)
        return Target(out)
    if not out.is_dir():
        raise ExportError(f"{out} exists and is a file; choose a folder name for the export.")
    if not any(out.iterdir()):
        return Target(out)
    ours = _written_files(out)
    if ours is None:
        raise ExportError(
            f"{out} is not empty and is not a quotegold export (it has no {MARKER_FILE}); "
            "nothing was written. Export to a new or empty folder, e.g. --out exports/NAME."
        )
    others = tuple(_other_entries(out, ours | {MARKER_FILE}))
    if others and not keep_other_files:
        shown = ", ".join(others[:_SHOWN]) + (" …" if len(others) > _SHOWN else "")
        raise ExportError(
            f"{out} holds {len(others)} file(s) or folder(s) quotegold did not write: {shown}; "
            f"nothing was written. Move them elsewhere, or pass {KEEP_FLAG} to keep them in "
            "place and replace only the export's own files."
        )
    return Target(out, others)


def _refuse_odd_paths(out: Path) -> None:
    if out.is_symlink():
        raise ExportError(f"{out} is a symbolic link; export to the folder it points to instead.")
    resolved, here = out.resolve(), Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        raise ExportError(
            f"--out {out} is the current folder (or holds it); an export replaces its whole "
            "folder, so give it a folder of its own, e.g. --out exports/NAME."
        )


def _make_parent(out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"Cannot create {out.parent}: {error}; check the path.") from error


def _written_files(out: Path) -> set[str] | None:
    """The files an earlier export wrote into `out`, as its marker lists them (or, for an
    export older than markers, as its report.json shows), or None when it is no export."""
    marker = out / MARKER_FILE
    if marker.is_file():
        try:
            files = json.loads(marker.read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ExportError(
                f"{marker} is unreadable ({error}); it says which files quotegold wrote there, "
                "so nothing was written: export to a new folder, or delete the old export."
            ) from error
        return {str(name) for name in files}
    if _is_legacy_export(out):
        return {
            path.relative_to(out).as_posix()
            for path in out.rglob("*")
            if path.is_file() and _LEGACY_FILES.fullmatch(path.relative_to(out).as_posix())
        }
    return None


def _is_legacy_export(out: Path) -> bool:
    try:
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    exported = report.get("export") if isinstance(report, dict) else None
    return isinstance(exported, dict) and {"ratios", "rows", "total"} <= exported.keys()


def _other_entries(folder: Path, ours: set[str], prefix: str = "") -> list[str]:
    """What `folder` holds that is not in `ours`: whole folders where none of ours is inside."""
    found: list[str] = []
    for entry in sorted(folder.iterdir()):
        name = prefix + entry.name
        if entry.is_dir() and not entry.is_symlink():
            if any(path.startswith(name + "/") for path in ours):
                found += _other_entries(entry, ours, name + "/")
            else:
                found.append(name + "/")
        elif name not in ours:
            found.append(name)
    return found


def new_sibling(out: Path, kind: str) -> Path:
    """A new hidden path beside `out`, named for this process (so a later run can tell
    whether its owner is gone)."""
    while True:
        candidate = out.parent / f".{out.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        if not candidate.exists():
            return candidate


def _clean_leftovers(out: Path) -> None:
    """Remove the folders a killed export left beside `out`; put back an old export that a
    kill caught between its two renames."""
    if not out.parent.is_dir():
        return
    for entry in out.parent.iterdir():
        match = _SIBLING.fullmatch(entry.name)
        if match is None or match["name"] != out.name or owner_alive(int(match["pid"])):
            continue
        if match["kind"] == "old" and not out.exists():
            entry.rename(out)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def write_marker(folder: Path, files: tuple[str, ...]) -> None:
    """Write the marker listing the files the export wrote into `folder`."""
    marker = {"written_by": "quotegold", "files": sorted(files)}
    text = json.dumps(marker, indent=1, ensure_ascii=False) + "\n"
    (folder / MARKER_FILE).write_text(text, encoding="utf-8", newline="\n")


def add_to_marker(folder: Path, files: Sequence[Path]) -> None:
    """List `files` (written into the export `folder` after it, as the HTML report and its
    charts are) in its marker, so the next export replaces them instead of refusing them.
    Nothing happens for a folder with no marker or for files outside it."""
    marker = folder / MARKER_FILE
    if not marker.is_file():
        return
    listed = _written_files(folder) or set()
    inside = [path.resolve() for path in files if path.resolve().is_relative_to(folder.resolve())]
    names = {path.relative_to(folder.resolve()).as_posix() for path in inside}
    if not names - listed:
        return
    try:
        write_marker(folder, tuple(sorted(listed | names)))
    except OSError as error:
        raise ExportError(f"Cannot update {marker}: {error}; check permissions.") from error


def swap_in(built: Path, target: Target) -> None:
    """Put `built` where the target is, with the target's other files moved into it first:
    move the old folder aside, move the new one in, drop the old one. On failure the target
    is as it was."""
    out = target.path
    moved = _move_others(out, built, target.others)
    backup = new_sibling(out, "old") if out.exists() else None
    try:
        if backup is not None:
            out.rename(backup)
        built.rename(out)
    except BaseException as error:
        if backup is not None and backup.exists() and not out.exists():
            backup.rename(out)
        _move_back(moved, built, out)
        shutil.rmtree(built, ignore_errors=True)
        if isinstance(error, OSError):
            raise ExportError(f"Cannot move the new export into {out}: {error}.") from error
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def _move_others(out: Path, built: Path, others: tuple[str, ...]) -> list[str]:
    """Move the target's other files into the built folder (renames: they are not copied);
    the ones moved."""
    moved: list[str] = []
    try:
        for name in others:
            source, destination = out / name.rstrip("/"), built / name.rstrip("/")
            if destination.exists():
                raise ExportError(
                    f"{source} has the name of a file this export writes; move it elsewhere "
                    "and export again (nothing was written)."
                )
            destination.parent.mkdir(parents=True, exist_ok=True)
            source.rename(destination)
            moved.append(name)
    except BaseException as error:
        _move_back(moved, built, out)
        if isinstance(error, OSError):
            raise ExportError(f"Cannot keep {out}'s other files in place: {error}.") from error
        raise
    return moved


def _move_back(moved: list[str], built: Path, out: Path) -> None:
    for name in reversed(moved):
        source, destination = built / name.rstrip("/"), out / name.rstrip("/")
        if source.exists() and not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            source.rename(destination)
