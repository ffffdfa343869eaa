"""Render the JSON Schema (Draft 2020-12) of one gold record from the annotation schema."""

from __future__ import annotations

from typing import Any

from quotegold.schema.definition import AnnotationSchema

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_ID = {"type": "string", "minLength": 1}
_OFFSET = {"type": "integer", "minimum": 0}


def _span_properties() -> dict[str, Any]:
    return {"start": _OFFSET, "end": _OFFSET, "text": {"type": "string", "minLength": 1}}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties) if required is None else required,
        "properties": properties,
    }


def _enum(schema: AnnotationSchema, attribute: str) -> dict[str, Any]:
    return {"enum": list(schema.attribute(attribute).values)}


def render_gold_schema(schema: AnnotationSchema) -> dict[str, Any]:
    """The JSON Schema every exported gold record must satisfy."""
    span = _object(_span_properties())
    speaker = _object(
        {
            "id": _ID,
            **_span_properties(),
            "name": {"type": "string", "minLength": 1},
            "kind": _enum(schema, "speaker_kind"),
        }
    )
    cue = _object({"id": _ID, **_span_properties()})
    quote = _object(
        {
            "id": _ID,
            "spans": {"type": "array", "minItems": 1, "items": span},
            "text": {"type": "string", "minLength": 1},
            "quote_type": _enum(schema, "quote_type"),
            "speaker_id": {"type": ["string", "null"]},
            "no_speaker": {"type": "boolean"},
            "cue_id": {"type": ["string", "null"]},
            "stance": _enum(schema, "stance"),
            "stance_target": {"enum": [*schema.attribute("stance_target").values, None]},
        }
    )
    # A quote with a position must say toward what; neutral may leave the target empty.
    quote["allOf"] = [
        {
            "if": {"properties": {"stance": {"enum": ["support", "oppose"]}}},
            "then": {"properties": {"stance_target": _enum(schema, "stance_target")}},
        },
        {
            "if": {"properties": {"no_speaker": {"const": False}}},
            "then": {"properties": {"speaker_id": _ID}},
        },
    ]
    initiative = _object(
        {
            "id": _ID,
            **_span_properties(),
            "status": _enum(schema, "initiative_status"),
            "proponent_ids": {"type": "array", "items": _ID, "uniqueItems": True},
        }
    )
    nullable_string = {"type": ["string", "null"]}
    meta = _object(
        {
            "title": nullable_string,
            "url": nullable_string,
            "source": nullable_string,
            "published": nullable_string,
            "license": nullable_string,
            "split": {"enum": ["train", "validation", "test", None]},
            "boilerplate": {
                "type": "array",
                "items": _object({"start": _OFFSET, "end": _OFFSET}),
            },
        },
        required=["boilerplate"],
    )
    provenance = _object(
        {
            "schema_version": {"type": "string", "minLength": 1},
            "project_id": {"type": ["integer", "null"]},
            "project_title": nullable_string,
            "task_id": {"type": ["integer", "null"]},
            "annotation_ids": {"type": "array", "items": {"type": "integer"}},
            "annotator_ids": {"type": "array", "items": {"type": ["integer", "string"]}},
            "created_at": nullable_string,
            "updated_at": nullable_string,
        }
    )
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"https://quotegold.invalid/schema/gold-record-{schema.version}.json",
        "title": "quotegold gold record",
        "description": (
            "One article with its speakers, cues, quotes and initiatives, as validated gold "
            f"data (quotegold schema {schema.version}). Offsets are Python str indices "
            "(Unicode code points): text[start:end] == span text."
        ),
        **_object(
            {
                "id": _ID,
                "text": {"type": "string", "minLength": 1},
                "meta": meta,
                "speakers": {"type": "array", "items": speaker},
                "cues": {"type": "array", "items": cue},
                "quotes": {"type": "array", "items": quote},
                "initiatives": {"type": "array", "items": initiative},
                "provenance": provenance,
            }
        ),
    }
