"""The `datasets.Features` of each configuration, derived from the annotation schema.

Closed vocabularies are `ClassLabel`; a value that may be missing (a quote's stance target,
the speaker of a quote without one) is a string or null. Whether a value may be missing is
read from the JSON Schema of a gold record, so the two cannot disagree.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from datasets import ClassLabel, Features, List, Value

from quotegold.dataset.tokens import LAYER_TAGS, layer_column, ner_tag_names
from quotegold.errors import ExportError
from quotegold.schema.definition import SCHEMA, Attribute
from quotegold.schema.formats import ATTRIBUTE_FIELDS, LAYER_KEYS
from quotegold.schema.goldschema import render_gold_schema

__all__ = ["CONFIGS", "DEFAULT_CONFIG", "describe", "features_for", "project"]

CONFIGS: tuple[str, ...] = ("articles", "quotes", "tokens", "speakers")
DEFAULT_CONFIG = "articles"

_STRING = Value("string")
_OFFSET = Value("int32")
_COUNT = Value("int32")


@lru_cache(maxsize=1)
def _gold_schema() -> dict[str, Any]:
    return render_gold_schema()


def _nullable(attribute: Attribute) -> bool:
    region = _gold_schema()["properties"][LAYER_KEYS[attribute.label]]["items"]
    rule = region["properties"][ATTRIBUTE_FIELDS[attribute.name]]
    types = rule.get("type", [])
    return "null" in ([types] if isinstance(types, str) else types) or None in rule.get("enum", [])


def _attribute_feature(attribute: Attribute) -> Any:
    if attribute.kind == "flag":
        return Value("bool")
    if attribute.kind == "text" or _nullable(attribute):
        return _STRING
    return ClassLabel(names=list(attribute.values))


def _attributes(label: str) -> dict[str, Any]:
    return {
        ATTRIBUTE_FIELDS[attribute.name]: _attribute_feature(attribute)
        for attribute in SCHEMA.attributes_for(label)
    }


def _span() -> dict[str, Any]:
    return {"start": _OFFSET, "end": _OFFSET, "text": _STRING}


def _article_features() -> Features:
    return Features(
        {
            "id": _STRING,
            "text": _STRING,
            **{field: _STRING for field in ("title", "url", "source", "published")},
            "boilerplate": List({"start": _OFFSET, "end": _OFFSET}),
            "speakers": List({"id": _STRING, **_span(), **_attributes("SPEAKER")}),
            "cues": List({"id": _STRING, **_span(), **_attributes("CUE")}),
            "quotes": List(
                {
                    "id": _STRING,
                    "spans": List(_span()),
                    "text": _STRING,
                    "speaker_id": _STRING,
                    "cue_id": _STRING,
                    **_attributes("QUOTE"),
                }
            ),
            "initiatives": List(
                {
                    "id": _STRING,
                    **_span(),
                    **_attributes("INITIATIVE"),
                    "proponent_ids": List(_STRING),
                }
            ),
            "provenance": {
                "schema_version": _STRING,
                "project_id": Value("int64"),
                "project_title": _STRING,
                "task_id": Value("int64"),
                "annotation_ids": List(Value("int64")),
                # Label Studio gives ids or e-mail addresses: strings hold both.
                "annotator_ids": List(_STRING),
                "created_at": _STRING,
                "updated_at": _STRING,
            },
            "schema_version": _STRING,
        }
    )


def _quote_features() -> Features:
    # A quote may have no speaker, so every speaker column is nullable: plain strings.
    speaker = {f"speaker_{field}": _STRING for field in _attributes("SPEAKER")}
    return Features(
        {
            "article_id": _STRING,
            "quote_id": _STRING,
            "quote": _STRING,
            "start": _OFFSET,
            "end": _OFFSET,
            "spans": List(_span()),
            **_attributes("QUOTE"),
            "speaker": _STRING,
            "speaker_id": _STRING,
            **speaker,
            "cue": _STRING,
            "cue_id": _STRING,
            "context": _STRING,
            "context_start": _OFFSET,
        }
    )


def _token_features() -> Features:
    layer = List(ClassLabel(names=list(LAYER_TAGS)))
    return Features(
        {
            "id": _STRING,
            "tokens": List(_STRING),
            "token_starts": List(_OFFSET),
            "token_ends": List(_OFFSET),
            "ner_tags": List(ClassLabel(names=list(ner_tag_names()))),
            **{layer_column(label): layer for label in SCHEMA.label_values},
        }
    )


def _speaker_features() -> Features:
    quote = _attributes("QUOTE")
    return Features(
        {
            "name": _STRING,
            "kind": _attributes("SPEAKER")["kind"],
            "mentions": List({"article_id": _STRING, "id": _STRING, **_span()}),
            "articles": List(_STRING),
            "quotes": List(
                {
                    "article_id": _STRING,
                    "quote_id": _STRING,
                    "quote": _STRING,
                    "speaker_id": _STRING,
                    **{key: quote[key] for key in ("quote_type", "stance", "stance_target")},
                }
            ),
            # A list of structs rather than a map: Arrow maps are awkward in most tools.
            "stances": List(
                {
                    "target": _STRING,
                    **{stance: _COUNT for stance in SCHEMA.attribute("stance").values},
                }
            ),
            "initiatives": List(
                {
                    "article_id": _STRING,
                    "initiative_id": _STRING,
                    "text": _STRING,
                    "status": _attributes("INITIATIVE")["status"],
                }
            ),
        }
    )


def features_for(config: str) -> Features:
    """The `datasets.Features` of one configuration, derived from the annotation schema."""
    builders = {
        "articles": _article_features,
        "quotes": _quote_features,
        "tokens": _token_features,
        "speakers": _speaker_features,
    }
    if config not in builders:
        raise ExportError(f"Unknown configuration {config!r}: choose one of {', '.join(CONFIGS)}.")
    return builders[config]()


def describe(feature: Any) -> str:
    """A short human-readable type of a feature, for the card's field tables."""
    if isinstance(feature, ClassLabel):
        return f"class label ({', '.join(feature.names)})"
    if isinstance(feature, List):
        return f"list of {describe(feature.feature)}"
    if isinstance(feature, dict):
        inner = ", ".join(f"{key}: {describe(value)}" for key, value in feature.items())
        return f"struct ({inner})"
    return str(feature.dtype)


def project(value: Any, feature: Any) -> Any:
    """Keep exactly the fields the features name, so nothing else reaches a file."""
    if value is None:
        return None
    if isinstance(feature, dict):
        return {key: project(value.get(key), inner) for key, inner in feature.items()}
    if isinstance(feature, List):
        return [project(item, feature.feature) for item in value]
    return value
