"""The committed copies in `schema/` of what the built-in schema renders.

They are the defaults' (a project's own are rendered at run time, and `quotegold schema`
prints them): the Label Studio config, the JSON Schema of a gold record, the instructions,
`schema.json`, and the generated blocks of `guidelines.md` itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import schema_dir
from quotegold.schema.goldschema import render_gold_schema
from quotegold.schema.guidelines import render_guidelines, render_instructions
from quotegold.schema.labelconfig import render_label_config
from quotegold.schema.stored import GOLD_SCHEMA_FILE, SCHEMA_FILE, schema_json_text


def _guidelines(folder: Path) -> str:
    # The blocks of the guidelines as written, filled in from the built-in lists.
    path = folder / "guidelines.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else None
    return render_guidelines(DEFAULT_SCHEMA, text)


# file name in schema/ → how to render it (given the folder, whose guidelines.md it reads)
RENDERED: dict[str, Callable[[Path], str]] = {
    "guidelines.md": _guidelines,
    "label_config.xml": lambda _: render_label_config(DEFAULT_SCHEMA),
    GOLD_SCHEMA_FILE: lambda _: (
        json.dumps(render_gold_schema(DEFAULT_SCHEMA), indent=2, ensure_ascii=False) + "\n"
    ),
    "instructions.html": lambda folder: render_instructions(DEFAULT_SCHEMA, _guidelines(folder)),
    SCHEMA_FILE: lambda _: schema_json_text(DEFAULT_SCHEMA),
}


def write_rendered(folder: Path | None = None) -> list[Path]:
    """Render every copy into `folder` (schema/ by default); returns the paths written."""
    target = folder or schema_dir()
    written = []
    for name, render in RENDERED.items():
        path = target / name
        path.write_text(render(target), encoding="utf-8")
        written.append(path)
    return written


def check_rendered(folder: Path | None = None) -> list[Path]:
    """The copies that are missing or differ from what the definition renders now."""
    target = folder or schema_dir()
    stale = []
    for name, render in RENDERED.items():
        path = target / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render(target):
            stale.append(path)
    return stale
