"""The annotator guidelines of a project: `schema/guidelines.md` with its lists filled in.

The guidelines name the stance targets, speaker kinds and initiative statuses, and the keys
that choose them, in blocks marked `<!-- quotegold:NAME -->` … `<!-- /quotegold:NAME -->`.
Each project gets them rendered from its own schema, so the instructions Label Studio shows
list exactly its targets, each with its hint and key. A `default-targets` block holds examples
that name the built-in targets: it is left out for a project with targets of its own. The
committed guidelines.md holds the blocks as the built-in lists render them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from markdown_it import MarkdownIt

from quotegold.errors import SchemaError
from quotegold.schema.defaults import DEFAULT_TARGETS
from quotegold.schema.definition import (
    LABELS,
    NO_SPEAKER,
    QUOTE_TYPES,
    STANCES,
    AnnotationSchema,
    Choice,
    schema_dir,
)

_BLOCK = re.compile(
    r"(?P<open><!-- quotegold:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)"
    r"(?P<close><!-- /quotegold:(?P=name) -->\n?)",
    re.DOTALL,
)


def guidelines_markdown() -> str:
    """The annotator guidelines, as written in `schema/guidelines.md`."""
    path = schema_dir() / "guidelines.md"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read the annotator guidelines ({exc})") from exc


def _name(choice: Choice) -> str:
    return choice.value.replace("_", " ")


def _keys(choices: Sequence[Choice]) -> str:
    keys = " ".join(f"`{choice.hotkey}`" for choice in choices if choice.hotkey)
    return keys or "(click)"


def _names(choices: Sequence[Choice]) -> str:
    return ", ".join(_name(choice) + ("" if choice.hotkey else " (no key)") for choice in choices)


def _keys_table(schema: AnnotationSchema) -> str:
    rows = [
        (
            _keys([Choice(label.value, hotkey=label.hotkey) for label in LABELS]),
            f"choose {', '.join(label.value for label in LABELS)}, then select the words "
            "(no region selected)",
        ),
        (_keys(QUOTE_TYPES), f"quote type: {_names(QUOTE_TYPES)} (quote selected)"),
        (_keys(STANCES), f"stance: {_names(STANCES)} (quote selected)"),
        (_keys(schema.stance_targets), f"stance target: {_names(schema.stance_targets)}"),
        (_keys([NO_SPEAKER]), "no identifiable speaker (quote selected)"),
        (
            _keys(schema.project_list("speaker_kinds")),
            f"speaker kind: {_names(schema.project_list('speaker_kinds'))} (speaker selected)",
        ),
        (
            _keys(schema.project_list("initiative_statuses")),
            f"initiative status: {_names(schema.project_list('initiative_statuses'))}",
        ),
        (
            "`Esc` `u`",
            "unselect the region: press before a label key, which relabels a selected region",
        ),
        (
            "`Alt+R`",
            "start a relation from the selected region, then click its other end (no label needed)",
        ),
        ("`Ctrl+Enter`", "submit"),
    ]
    lines = ["| key | does |", "|---|---|", *(f"| {keys} | {does} |" for keys, does in rows)]
    return "\n".join(lines) + "\n"


def _targets_table(schema: AnnotationSchema) -> str:
    lines = ["| target | key | covers |", "|---|---|---|"]
    for target in schema.stance_targets:
        key = f"`{target.hotkey}`" if target.hotkey else ""
        lines.append(f"| `{target.value}` | {key} | {target.hint.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def _described(title: str, choices: Sequence[Choice]) -> str:
    parts = [f"**{c.value}**" + (f" ({c.hint})" if c.hint else "") for c in choices]
    return f"{title}: {', '.join(parts)}.\n"


_RENDERERS: dict[str, Callable[[AnnotationSchema], str]] = {
    "keys": _keys_table,
    "stance-targets": _targets_table,
    "speaker-kinds": lambda s: _described("Kinds", s.project_list("speaker_kinds")),
    "initiative-statuses": lambda s: _described("Status", s.project_list("initiative_statuses")),
}


def has_builtin_targets(schema: AnnotationSchema) -> bool:
    return [t.value for t in schema.stance_targets] == [t.value for t in DEFAULT_TARGETS]


def render_guidelines(
    schema: AnnotationSchema, markdown: str | None = None, *, markers: bool = True
) -> str:
    """The guidelines (`schema/guidelines.md`, or `markdown`) with every block filled in from
    `schema`; without `markers`, the block comments themselves are left out."""
    text = guidelines_markdown() if markdown is None else markdown

    def fill(found: re.Match[str]) -> str:
        name, body = found.group("name"), found.group("body")
        if name == "default-targets":
            body = body if has_builtin_targets(schema) else ""
        elif name in _RENDERERS:
            body = _RENDERERS[name](schema)
        if not markers:
            return body
        return found.group("open") + body + found.group("close")

    return _BLOCK.sub(fill, text)


def render_instructions(schema: AnnotationSchema, markdown: str | None = None) -> str:
    """The guidelines as HTML for `schema`: Label Studio shows them as the instructions."""
    text = render_guidelines(schema, markdown, markers=False)
    return str(MarkdownIt("commonmark").enable("table").render(text))
