"""Where a schema is kept, and how it is read back: `schema.json`, and a Label Studio project.

A project remembers the schema it was made with in its labelling config: the choices its
annotators are shown are the lists' values, hints and hotkeys, and an XML comment holds the
whole schema as JSON (with the keywords, which the screen does not show). Label Studio keeps
both verbatim through `projects.create` and `projects.update`. Read back, the choices win:
they are what the annotators saw, even if someone edited the config by hand or an editor
dropped the comment (the keywords then fall back to the values' words).

An export folder holds `schema.json`, the schema its records were validated with, so they can
be checked again later without a server.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from quotegold.errors import SchemaError
from quotegold.schema.definition import (
    CORE_VERSION,
    PROJECT_LISTS,
    AnnotationSchema,
    Choice,
    make_schema,
)

SCHEMA_FILE = "schema.json"
GOLD_SCHEMA_FILE = "gold_record.schema.json"
FORMAT = "quotegold-schema"
COMMENT_PREFIX = f"{FORMAT} "
_HEADER_VERSION = re.compile(r"quotegold schema (\d+\.\d+\.\d+)")


def schema_to_json(schema: AnnotationSchema) -> dict[str, Any]:
    """The schema as plain JSON: what `schema.json` holds and `schema_from_json` reads."""
    return {
        "format": FORMAT,
        "version": schema.version,
        "core_version": schema.core_version,
        "labels": [
            {"value": label.value, "hotkey": label.hotkey, "description": label.description}
            for label in schema.labels
        ],
        "relations": [
            {"value": r.value, "from": r.source, "to": r.target, "description": r.description}
            for r in schema.relations
        ],
        "attributes": [
            {"name": a.name, "label": a.label, "kind": a.kind, "values": list(a.values)}
            for a in schema.attributes
        ],
        "lists": {
            key: [_choice_json(choice) for choice in schema.project_list(key)]
            for key in PROJECT_LISTS
        },
    }


def _choice_json(choice: Choice) -> dict[str, Any]:
    return {
        "value": choice.value,
        "hint": choice.hint,
        "hotkey": choice.hotkey,
        "keywords": list(choice.keywords),
    }


def schema_json_text(schema: AnnotationSchema) -> str:
    """`schema.json` as written: indented, ending in a newline."""
    return json.dumps(schema_to_json(schema), indent=2, ensure_ascii=False) + "\n"


def schema_from_json(data: object, *, where: str) -> AnnotationSchema:
    """The schema a `schema_to_json` document describes; `SchemaError` naming `where` when it
    is not one, or was made by a quotegold with another core."""
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise SchemaError(f'{where}: not a quotegold schema (no "format": "{FORMAT}")')
    core = data.get("core_version")
    if core != CORE_VERSION:
        raise SchemaError(
            f"{where}: made with quotegold schema core {core!r}, this quotegold has "
            f"{CORE_VERSION}; export again with this quotegold, or use the one that made it"
        )
    lists = data.get("lists")
    if not isinstance(lists, Mapping):
        raise SchemaError(f'{where}: has no "lists" object; write it again')
    schema = make_schema({key: _choices(lists.get(key), key, where) for key in PROJECT_LISTS})
    if data.get("version") not in (None, schema.version):
        raise SchemaError(
            f"{where}: says version {data.get('version')!r} but its lists make {schema.version}; "
            "it was edited by hand: write it again"
        )
    return schema


def _choices(items: object, key: str, where: str) -> list[Choice]:
    if not isinstance(items, list) or not items:
        raise SchemaError(f"{where}: lists.{key} is not a list of values; write it again")
    choices = []
    for item in items:
        value = item.get("value") if isinstance(item, Mapping) else None
        if not isinstance(value, str) or not value:
            raise SchemaError(f"{where}: lists.{key} has an item without a value; write it again")
        hint, hotkey, keywords = item.get("hint"), item.get("hotkey"), item.get("keywords")
        choices.append(
            Choice(
                value,
                hint if isinstance(hint, str) else "",
                hotkey if isinstance(hotkey, str) and hotkey else None,
                tuple(k for k in keywords if isinstance(k, str))
                if isinstance(keywords, list)
                else (),
            )
        )
    return choices


def read_schema_file(path: Path) -> AnnotationSchema:
    """The schema in a `schema.json` file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read the schema ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise SchemaError(f"{path}: not valid JSON ({exc}); export again to rewrite it") from exc
    return schema_from_json(data, where=str(path))


def schema_beside(path: Path) -> Path | None:
    """The `schema.json` of an export folder, or of the folder a file is in, if there is one."""
    candidate = (path if path.is_dir() else path.parent) / SCHEMA_FILE
    return candidate if candidate.is_file() else None


# -- in a Label Studio labelling config ---------------------------------------------------


def schema_comment(schema: AnnotationSchema) -> str:
    """The text of the XML comment that holds the schema in a labelling config.

    A comment may not hold "--": every "-" is written as the JSON escape \\u002d, which only
    strings can hold here (no number in the document is negative).
    """
    text = json.dumps(schema_to_json(schema), ensure_ascii=False, separators=(",", ":"))
    return f" {COMMENT_PREFIX}{text.replace('-', chr(92) + 'u002d')} "


def schema_from_label_config(config: str, *, where: str) -> AnnotationSchema:
    """The schema of a Label Studio project, read from its labelling config (see the module).

    `where` names the project in messages. A config without quotegold's choices is a
    `SchemaError` saying what to do.
    """
    try:
        root = ET.fromstring(
            config, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
        )
    except ET.ParseError as exc:
        raise SchemaError(f"{where}: its labelling config is not valid XML ({exc})") from exc
    stored = _stored_lists(root)
    controls = {
        element.get("name"): element for element in root.iter("Choices") if element.get("name")
    }
    lists: dict[str, list[Choice]] = {}
    for key, name in PROJECT_LISTS.items():
        control = controls.get(name)
        if control is None or not control.findall("Choice"):
            raise SchemaError(
                f"{where}: its labelling config has no {name!r} choices, so quotegold did not "
                "make it; give it quotegold's config with `quotegold push ARTICLES --project "
                "TITLE`, or name the project quotegold made"
            )
        keywords = {choice.value: choice.keywords for choice in stored.get(key, [])}
        lists[key] = [
            Choice(
                str(element.get("value", "")),
                element.get("hint", ""),
                element.get("hotkey") or None,
                keywords.get(str(element.get("value", "")), ()),
            )
            for element in control.findall("Choice")
        ]
    return make_schema(lists, core_version=_core_version(root))


def _stored_lists(root: ET.Element) -> dict[str, list[Choice]]:
    """The lists of the schema comment, or none when it is missing or unreadable."""
    comment: object = ET.Comment  # comments are elements whose tag is this function
    for node in root.iter():
        if node.tag is not comment:
            continue
        text = (node.text or "").strip()
        if not text.startswith(COMMENT_PREFIX):
            continue
        try:
            data = json.loads(text.removeprefix(COMMENT_PREFIX))
        except ValueError:
            return {}
        lists = data.get("lists") if isinstance(data, Mapping) else None
        if not isinstance(lists, Mapping):
            return {}
        found = {}
        for key in PROJECT_LISTS:
            try:
                found[key] = _choices(lists.get(key), key, "the stored schema")
            except SchemaError:
                continue
        return found
    return {}


def _core_version(root: ET.Element) -> str:
    """The core version the config was rendered with: its header says it (configs made
    before the comment existed say `quotegold schema 1.0.0`)."""
    for header in root.iter("Header"):
        found = _HEADER_VERSION.match(header.get("value", ""))
        if found:
            return found.group(1)
    return CORE_VERSION
