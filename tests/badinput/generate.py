"""Bad inputs too big (or too unreadable) to commit: made at test time in a temporary folder.

Each function writes one file and returns its path. The good task given to the export
writers is kept beside the bad one, so a test can check that no valid record is lost.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MEGABYTE = 2**20
# A news-like paragraph (ASCII only, so one character is one byte): 245 characters.
_PARAGRAPH = (
    (
        "Defence Minister Rajnath Singh said on Friday that the talks had gone well. "
        "\u201cWe must fight terrorism together,\u201d he told reporters. "
        "Officials said the next meeting would be held in the spring.\n"
    )
    .replace("\u201c", '"')
    .replace("\u201d", '"')
)


def deeply_nested(levels: int = 10_000) -> str:
    """A JSON value nested `levels` deep: `[[[…]]]`."""
    return "[" * levels + "]" * levels


def huge_article(path: Path, *, megabytes: int = 50) -> Path:
    """A `.txt` article of about `megabytes` MB, written a paragraph block at a time."""
    block = _PARAGRAPH * (MEGABYTE // len(_PARAGRAPH))
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for _ in range(megabytes):
            handle.write(block)
    return path


def long_line_jsonl(path: Path, good: dict[str, Any], *, megabytes: int = 10) -> Path:
    """A `.jsonl` file: `good`, then one article whose text is a single 10 MB line."""
    text = ("word " * (megabytes * MEGABYTE // 5)).strip()
    lines = [good, {"id": "long-line", "text": text}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def deep_jsonl(path: Path, good: dict[str, Any], *, levels: int = 10_000) -> Path:
    """A `.jsonl` file: `good`, then an article with a value nested `levels` deep."""
    deep = '{"id": "deep", "text": "Singh said it.", "extra": ' + deeply_nested(levels) + "}"
    path.write_text(json.dumps(good) + "\n" + deep + "\n", encoding="utf-8")
    return path


def deep_export(path: Path, good: dict[str, Any], *, levels: int = 10_000) -> Path:
    """A Label Studio export: `good`, then a task whose result is nested `levels` deep."""
    bad = (
        '{"id": 2, "data": {"text": "Singh said it.", "article_id": "bad-2"}, '
        '"annotations": [{"id": 20, "result": ' + deeply_nested(levels) + "}]}"
    )
    path.write_text("[" + json.dumps(good) + ",\n" + bad + "]\n", encoding="utf-8")
    return path


def long_string_export(path: Path, good: dict[str, Any], *, megabytes: int = 10) -> Path:
    """A Label Studio export: `good`, then a task whose speaker region stores a 10 MB
    single-line text (the task's own text is short, so it cannot match)."""
    bad = json.loads(json.dumps(good))
    bad["id"], bad["data"]["article_id"] = 2, "bad-2"
    bad["annotations"][0]["id"] = 20
    speaker = next(
        item
        for item in bad["annotations"][0]["result"]
        if item.get("value", {}).get("labels") == ["SPEAKER"]
    )
    speaker["value"]["text"] = "Singh " * (megabytes * MEGABYTE // 6)
    with path.open("w", encoding="utf-8") as handle:
        json.dump([good, bad], handle)
    return path


def deep_gold_jsonl(path: Path, good: dict[str, Any], *, levels: int = 10_000) -> Path:
    """A gold JSONL file: a record nested `levels` deep on line 1, then `good`."""
    deep = '{"id": "deep", "speakers": ' + deeply_nested(levels) + "}"
    path.write_text(deep + "\n" + json.dumps(good, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
