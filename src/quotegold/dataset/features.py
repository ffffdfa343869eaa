"""The `datasets.Features` of each configuration, derived from a project's schema.

Every closed vocabulary is a `ClassLabel` over the project's values, in every configuration:
the quote type, stance and stance target, the speaker kind and the initiative status. A value
that may be missing (a quote's stance target, the kind of a quote without a speaker) is null.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from datasets import ClassLabel, Features, List, Value

from quotegold.dataset.attribution import ATTRIBUTION_LABELS, DIRECTIONS
from quotegold.dataset.tokens import LAYER_TAGS, layer_column, ner_tag_names
from quotegold.errors import ExportError
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import LABEL_VALUES, AnnotationSchema, Attribute
from quotegold.schema.formats import ATTRIBUTE_FIELDS

__all__ = [
    "CONFIGS",
    "DATASETS_VERSION",
    "DEFAULT_CONFIG",
    "FOLDED",
    "describe",
    "features_for",
    "project",
]

CONFIGS: tuple[str, ...] = ("articles", "quotes", "tokens", "sentences", "attribution", "speakers")
DEFAULT_CONFIG = "articles"
# Configurations with one row per article or less: they get a `fold` column with folds.
FOLDED: tuple[str, ...] = ("articles", "quotes", "tokens", "sentences", "attribution")
# `List` features (a list of structs as a list, not a dict of lists) need datasets 4.
DATASETS_VERSION = "datasets>=4.0"

_STRING = Value("string")
_OFFSET = Value("int32")
_COUNT = Value("int32")


def _attribute_feature(attribute: Attribute) -> Any:
    if attribute.kind == "flag":
        return Value("bool")
    if attribute.kind == "text":
        return _STRING
    # A ClassLabel column holds null where a value may be missing (a neutral quote's target).
    return ClassLabel(names=list(attribute.values))


def _attributes(schema: AnnotationSchema, label: str) -> dict[str, Any]:
    return {
        ATTRIBUTE_FIELDS[attribute.name]: _attribute_feature(attribute)
        for attribute in schema.attributes_for(label)
    }


def _span() -> dict[str, Any]:
    return {"start": _OFFSET, "end": _OFFSET, "text": _STRING}


def _article_features(schema: AnnotationSchema) -> Features:
    return Features(
        {
            "id": _STRING,
            "text": _STRING,
            **{field: _STRING for field in ("title", "url", "source", "published", "license")},
            "boilerplate": List({"start": _OFFSET, "end": _OFFSET}),
            "speakers": List({"id": _STRING, **_span(), **_attributes(schema, "SPEAKER")}),
            "cues": List({"id": _STRING, **_span(), **_attributes(schema, "CUE")}),
            "quotes": List(
                {
                    "id": _STRING,
                    "spans": List(_span()),
                    "text": _STRING,
                    "speaker_id": _STRING,
                    "cue_id": _STRING,
                    **_attributes(schema, "QUOTE"),
                }
            ),
            "initiatives": List(
                {
                    "id": _STRING,
                    **_span(),
                    **_attributes(schema, "INITIATIVE"),
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


def _quote_features(schema: AnnotationSchema) -> Features:
    # A quote may have no speaker, so every speaker column may be null.
    speaker = {f"speaker_{key}": value for key, value in _attributes(schema, "SPEAKER").items()}
    return Features(
        {
            "article_id": _STRING,
            "quote_id": _STRING,
            "quote": _STRING,
            "start": _OFFSET,
            "end": _OFFSET,
            "spans": List(_span()),
            **_attributes(schema, "QUOTE"),
            "speaker": _STRING,
            "speaker_id": _STRING,
            **speaker,
            "cue": _STRING,
            "cue_id": _STRING,
            "context": _STRING,
            "context_start": _OFFSET,
            "source": _STRING,
            "license": _STRING,
        }
    )


def _token_features(schema: AnnotationSchema) -> Features:
    layer = List(ClassLabel(names=list(LAYER_TAGS)))
    return Features(
        {
            "id": _STRING,
            "tokens": List(_STRING),
            "token_starts": List(_OFFSET),
            "token_ends": List(_OFFSET),
            "ner_tags": List(ClassLabel(names=list(ner_tag_names()))),
            **{layer_column(label): layer for label in LABEL_VALUES},
        }
    )


def _sentence_features(schema: AnnotationSchema) -> Features:
    layer = List(ClassLabel(names=list(LAYER_TAGS)))
    return Features(
        {
            "id": _STRING,
            "article_id": _STRING,
            "sentence": _COUNT,
            "start": _OFFSET,
            "end": _OFFSET,
            "text": _STRING,
            "tokens": List(_STRING),
            "spaces": List(_STRING),
            "ner_tags": List(ClassLabel(names=list(ner_tag_names()))),
            **{layer_column(label): layer for label in LABEL_VALUES},
        }
    )


def _attribution_features(schema: AnnotationSchema) -> Features:
    return Features(
        {
            "article_id": _STRING,
            "quote_id": _STRING,
            "mention_id": _STRING,
            "quote": _STRING,
            "quote_start": _OFFSET,
            "quote_end": _OFFSET,
            "quote_type": _attributes(schema, "QUOTE")["quote_type"],
            "mention": _STRING,
            "mention_start": _OFFSET,
            "mention_end": _OFFSET,
            "mention_name": _STRING,
            "mention_kind": _attributes(schema, "SPEAKER")["kind"],
            "label": ClassLabel(names=list(ATTRIBUTION_LABELS)),
            "same_speaker": Value("bool"),
            "direction": ClassLabel(names=list(DIRECTIONS)),
            "char_distance": _OFFSET,
            "token_distance": _COUNT,
            "same_paragraph": Value("bool"),
            "mentions_between": _COUNT,
            "has_cue": Value("bool"),
            "cue_between": Value("bool"),
            "cue_distance": _OFFSET,
        }
    )


def _speaker_features(schema: AnnotationSchema) -> Features:
    quote = _attributes(schema, "QUOTE")
    return Features(
        {
            "name": _STRING,
            "kind": _attributes(schema, "SPEAKER")["kind"],
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
                    "target": quote["stance_target"],
                    **{stance: _COUNT for stance in schema.attribute("stance").values},
                }
            ),
            "initiatives": List(
                {
                    "article_id": _STRING,
                    "initiative_id": _STRING,
                    "text": _STRING,
                    "status": _attributes(schema, "INITIATIVE")["status"],
                }
            ),
        }
    )


_BUILDERS: dict[str, Callable[[AnnotationSchema], Features]] = {
    "articles": _article_features,
    "quotes": _quote_features,
    "tokens": _token_features,
    "sentences": _sentence_features,
    "attribution": _attribution_features,
    "speakers": _speaker_features,
}


def features_for(
    config: str, schema: AnnotationSchema = DEFAULT_SCHEMA, *, folded: bool = False
) -> Features:
    """The `datasets.Features` of one configuration, derived from the project's schema;
    `folded` adds the `fold` column (configurations in `FOLDED`)."""
    if config not in _BUILDERS:
        raise ExportError(f"Unknown configuration {config!r}: choose one of {', '.join(CONFIGS)}.")
    features = _BUILDERS[config](schema)
    if folded and config in FOLDED:
        features["fold"] = Value("int32")
    return features


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
