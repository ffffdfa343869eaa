"""An export's version, and what changed since the export it replaces.

The version is the date of the export and a short hash of its `gold.jsonl`
(`2026.12.07+1a2b3c4d`): the same records give the same hash on any machine. The changelog
compares the new `gold.jsonl` with the one of the folder being replaced, both sorted by
article id, in one walk (memory stays flat): the articles added, removed and changed (text,
meta or regions; provenance alone is not a change), and for each changed article, how its
regions of each layer and its quote attribute values changed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from quotegold.schema.formats import LAYER_KEYS

__all__ = ["ChangedArticle", "Changelog", "changelog", "export_version", "summary_lines"]

_QUOTE_ATTRIBUTES = ("quote_type", "stance", "stance_target")


class ChangedArticle(TypedDict):
    """One changed article: what differs, and the label counts that moved (old → new)."""

    id: str
    parts: list[str]  # "text", "meta", or a layer name whose regions differ
    labels: dict[str, list[int]]  # label → [before, after], only those that moved


class Changelog(TypedDict):
    """What changed since the export this one replaces (`previous` None: a first export)."""

    previous: str | None  # the version of the export replaced
    added: list[str]
    removed: list[str]
    changed: list[ChangedArticle]
    unchanged: int


def export_version(gold: Path, *, now: datetime | None = None) -> str:
    """`YYYY.MM.DD+hash`: the export's date and the first 8 hex digits of gold.jsonl's SHA-256."""
    digest = hashlib.sha256()
    with gold.open("rb") as handle:
        for chunk in iter(lambda: handle.read(2**20), b""):
            digest.update(chunk)
    date = (now or datetime.now(UTC)).strftime("%Y.%m.%d")
    return f"{date}+{digest.hexdigest()[:8]}"


def previous_version(folder: Path) -> str | None:
    """The version recorded in an earlier export's report.json, if any."""
    try:
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = (report.get("export") or {}).get("version") if isinstance(report, dict) else None
    return version if isinstance(version, str) else None


def _records(path: Path) -> Iterator[tuple[str, str]]:
    """(article id, line) of each record of a gold.jsonl file, read without parsing the
    whole record when its line starts with its id (as quotegold writes them)."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield _line_id(line), line


def _line_id(line: str) -> str:
    if line.startswith('{"id": "'):
        end = line.find('"', 8)
        if end > 0 and "\\" not in line[8:end]:
            return line[8:end]
    return str(json.loads(line)["id"])


def _labels(record: Mapping[str, Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for label, key in LAYER_KEYS.items():
        counts[label] = len(record.get(key) or [])
    for quote in record.get("quotes") or []:
        for name in _QUOTE_ATTRIBUTES:
            counts[f"{name}={quote.get(name)}"] += 1
    return counts


def _compare(article: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> ChangedArticle | None:
    parts = [name for name in ("text", "meta") if old.get(name) != new.get(name)]
    parts += [label for label, key in LAYER_KEYS.items() if old.get(key) != new.get(key)]
    if not parts:
        return None
    before, after = _labels(old), _labels(new)
    moved = {
        label: [before[label], after[label]]
        for label in sorted(before.keys() | after.keys())
        if before[label] != after[label]
    }
    return {"id": article, "parts": parts, "labels": moved}


def changelog(old_gold: Path | None, new_gold: Path, *, previous: str | None = None) -> Changelog:
    """Compare two gold.jsonl files sorted by id (`old_gold` None: everything is added)."""
    log: Changelog = {
        "previous": previous,
        "added": [],
        "removed": [],
        "changed": [],
        "unchanged": 0,
    }
    old = _records(old_gold) if old_gold is not None and old_gold.is_file() else iter(())
    new = _records(new_gold)
    left, right = next(old, None), next(new, None)
    while left is not None or right is not None:
        if right is None or (left is not None and left[0] < right[0]):
            assert left is not None
            log["removed"].append(left[0])
            left = next(old, None)
        elif left is None or right[0] < left[0]:
            log["added"].append(right[0])
            right = next(new, None)
        else:
            # The same line is the same record; only lines that differ are read and compared.
            same = left[1] == right[1]
            changed = None if same else _compare(left[0], json.loads(left[1]), json.loads(right[1]))
            if changed is None:
                log["unchanged"] += 1
            else:
                log["changed"].append(changed)
            left, right = next(old, None), next(new, None)
    return log


def summary_lines(log: Changelog) -> list[str]:
    """One line per kind of change, for the terminal and the card."""
    if log["previous"] is None and not (log["removed"] or log["changed"] or log["unchanged"]):
        return [f"first export in this folder: {len(log['added'])} article(s)"]
    since = f"since {log['previous']}" if log["previous"] else "since the export replaced"
    lines = [
        f"changes {since}: {len(log['added'])} added, {len(log['removed'])} removed, "
        f"{len(log['changed'])} changed, {log['unchanged']} unchanged"
    ]
    for name, ids in (("added", log["added"]), ("removed", log["removed"])):
        if ids:
            lines.append(f"  {name}: {', '.join(ids[:20])}{' …' if len(ids) > 20 else ''}")
    for entry in log["changed"][:20]:
        moved = ", ".join(f"{label} {a}→{b}" for label, (a, b) in entry["labels"].items())
        parts = ", ".join(entry["parts"])
        lines.append(f"  changed: {entry['id']} ({parts}){': ' + moved if moved else ''}")
    return lines
