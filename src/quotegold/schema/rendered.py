"""The committed copies in `schema/` of what the schema definition renders."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from quotegold.schema.definition import schema_dir
from quotegold.schema.goldschema import render_gold_schema
from quotegold.schema.labelconfig import render_instructions, render_label_config


def _json(render: Callable[[], object]) -> Callable[[], str]:
    return lambda: json.dumps(render(), indent=2, ensure_ascii=False) + "\n"


# file name in schema/ → how to render it
RENDERED: dict[str, Callable[[], str]] = {
    "label_config.xml": render_label_config,
    "gold_record.schema.json": _json(render_gold_schema),
    "instructions.html": render_instructions,
}


def write_rendered(folder: Path | None = None) -> list[Path]:
    """Render every copy into `folder` (schema/ by default); returns the paths written."""
    target = folder or schema_dir()
    written = []
    for name, render in RENDERED.items():
        path = target / name
        path.write_text(render(), encoding="utf-8")
        written.append(path)
    return written


def check_rendered(folder: Path | None = None) -> list[Path]:
    """The copies that are missing or differ from what the definition renders now."""
    target = folder or schema_dir()
    stale = []
    for name, render in RENDERED.items():
        path = target / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render():
            stale.append(path)
    return stale
