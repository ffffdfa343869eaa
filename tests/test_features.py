"""The features of each configuration follow the annotation schema."""

from __future__ import annotations

import pytest
from datasets import ClassLabel, List

from quotegold.dataset import writer as dataset
from quotegold.dataset.features import CONFIGS, describe, features_for, project
from quotegold.dataset.tokens import layer_column, ner_tag_names
from quotegold.errors import ExportError
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.schema.formats import ATTRIBUTE_FIELDS, LAYER_KEYS


def test_dataset_re_exports_the_features() -> None:
    assert dataset.features_for is features_for
    assert dataset.CONFIGS == CONFIGS
    assert CONFIGS == ("articles", "quotes", "tokens", "sentences", "attribution", "speakers")


def test_every_schema_label_and_attribute_is_exported() -> None:
    assert set(LAYER_KEYS) == set(SCHEMA.label_values)
    assert set(ATTRIBUTE_FIELDS) == {attribute.name for attribute in SCHEMA.attributes}
    articles = features_for("articles")
    for attribute in SCHEMA.attributes:
        assert ATTRIBUTE_FIELDS[attribute.name] in articles[LAYER_KEYS[attribute.label]].feature


def test_class_labels_follow_the_schema() -> None:
    articles, quotes, tokens = (features_for(config) for config in CONFIGS[:3])
    sentences, attribution = features_for("sentences"), features_for("attribution")
    # One ClassLabel per closed vocabulary, the same in every configuration.
    assert sentences["ner_tags"] == tokens["ner_tags"]
    assert attribution["quote_type"] == quotes["quote_type"]
    assert attribution["mention_kind"] == articles["speakers"].feature["kind"]
    for attribute in SCHEMA.attributes:
        feature = articles[LAYER_KEYS[attribute.label]].feature[ATTRIBUTE_FIELDS[attribute.name]]
        if attribute.kind == "choice":  # every one, the nullable stance target included
            assert isinstance(feature, ClassLabel)
            assert feature.names == list(attribute.values)
        if attribute.label == "QUOTE":
            assert quotes[ATTRIBUTE_FIELDS[attribute.name]] == feature
    assert quotes["speaker_kind"] == articles["speakers"].feature["kind"]
    assert tokens["ner_tags"] == List(ClassLabel(names=list(ner_tag_names())))
    assert ner_tag_names() == (
        "O",
        *(f"{p}-{label.value}" for label in SCHEMA.labels for p in ("B", "I")),
    )
    for label in SCHEMA.label_values:
        assert tokens[layer_column(label)] == List(ClassLabel(names=["O", "B", "I"]))


def test_speaker_features_follow_the_schema() -> None:
    speakers = features_for("speakers")
    articles = features_for("articles")
    assert list(speakers) == [
        "name",
        "kind",
        "mentions",
        "articles",
        "quotes",
        "stances",
        "initiatives",
    ]
    assert speakers["kind"] == ClassLabel(names=list(SCHEMA.attribute("speaker_kind").values))
    quote = speakers["quotes"].feature
    article_quote = articles["quotes"].feature
    for field in ("quote_type", "stance", "stance_target"):
        assert quote[field] == article_quote[field]
    counts = speakers["stances"].feature
    assert list(counts) == ["target", *SCHEMA.attribute("stance").values]
    assert counts["target"] == article_quote["stance_target"]
    status = speakers["initiatives"].feature["status"]
    assert status == articles["initiatives"].feature["status"]
    assert list(speakers["mentions"].feature) == ["article_id", "id", "start", "end", "text"]


@pytest.mark.parametrize(
    ("config", "field", "text"),
    [
        ("speakers", "kind", "class label (person, organisation, country, unnamed)"),
        ("speakers", "articles", "list of string"),
        (
            "speakers",
            "stances",
            "list of struct (target: class label (economy, security, health, environment, "
            "migration, foreign_affairs, justice, elections, governance, science_technology, "
            "other), support: int32, oppose: int32, neutral: int32)",
        ),
        ("quotes", "start", "int32"),
    ],
)
def test_describe(config: str, field: str, text: str) -> None:
    assert describe(features_for(config)[field]) == text


def test_project_keeps_only_the_named_fields() -> None:
    features = features_for("speakers")["stances"]
    row = [{"target": None, "support": 1, "oppose": 0, "neutral": 2, "secret": "x"}]
    assert project(row, features) == [{"target": None, "support": 1, "oppose": 0, "neutral": 2}]
    assert project(None, features) is None


def test_an_unknown_config_is_an_export_error() -> None:
    with pytest.raises(ExportError, match="articles, quotes, tokens, sentences, attribution"):
        features_for("people")
