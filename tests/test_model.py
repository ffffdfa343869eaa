"""The typed dicts of a gold record say what the rendered JSON Schema says, key for key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args, get_type_hints

import pytest

from quotegold.articles.ingest import Article
from quotegold.articles.tasks import article_to_task
from quotegold.gold import model
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.schema.formats import ARTICLE_ID_FIELD
from quotegold.schema.goldschema import render_gold_schema

JSON_SCHEMA = render_gold_schema(SCHEMA)

# Where each typed dict sits in the schema: the path of property names ("[]": an array's items).
TYPED: dict[tuple[str, ...], type] = {
    (): model.GoldRecord,
    ("meta",): model.ArticleMeta,
    ("meta", "boilerplate", "[]"): model.BoilerplateRange,
    ("speakers", "[]"): model.Speaker,
    ("cues", "[]"): model.Cue,
    ("quotes", "[]"): model.Quote,
    ("quotes", "[]", "spans", "[]"): model.Span,
    ("initiatives", "[]"): model.Initiative,
    ("provenance",): model.Provenance,
}


def objects(schema: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every object the schema describes."""
    if schema.get("type") == "object":
        yield path
    for name, inner in schema.get("properties", {}).items():
        yield from objects(inner, (*path, name))
    if "items" in schema:
        yield from objects(schema["items"], (*path, "[]"))


def at(path: tuple[str, ...]) -> dict[str, Any]:
    schema = JSON_SCHEMA
    for step in path:
        schema = schema["items"] if step == "[]" else schema["properties"][step]
    return schema


def nullable(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type", [])
    return "null" in (kinds if isinstance(kinds, list) else [kinds]) or None in schema.get(
        "enum", []
    )


def test_every_object_of_the_schema_has_a_typed_dict() -> None:
    assert set(objects(JSON_SCHEMA)) == set(TYPED)


@pytest.mark.parametrize("path", list(TYPED), ids=lambda path: "/".join(path) or "record")
def test_typed_dict_keys_are_the_schema_properties(path: tuple[str, ...]) -> None:
    schema, typed = at(path), TYPED[path]
    required = set(schema["required"])
    assert typed.__required_keys__ == required
    assert typed.__optional_keys__ == set(schema["properties"]) - required
    hints = get_type_hints(typed)
    for name, inner in schema["properties"].items():
        allows_none = type(None) in get_args(hints[name])
        assert allows_none == nullable(inner), f"{typed.__name__}.{name}: null allowed?"


def test_a_task_as_quotegold_makes_it_has_the_typed_keys() -> None:
    data = article_to_task(Article(id="a1", text="Text.", control_chars_replaced=2))["data"]
    assert set(data) == model.TaskData.__optional_keys__
    assert data["control_chars_replaced"] == 2
    # Only when some were: tasks of clean articles stay as they were.
    assert "control_chars_replaced" not in article_to_task(Article(id="a2", text="T."))["data"]
    assert ARTICLE_ID_FIELD in model.TaskData.__optional_keys__
