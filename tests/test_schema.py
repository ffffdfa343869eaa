"""The schema is defined once; its renderings are valid and the committed copies do not drift."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from label_studio_sdk.label_interface import LabelInterface

from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.schema.definition import schema_dir
from quotegold.schema.goldschema import JSON_SCHEMA_DIALECT, render_gold_schema
from quotegold.schema.guidelines import render_instructions
from quotegold.schema.labelconfig import render_label_config
from quotegold.schema.rendered import RENDERED, check_rendered, write_rendered

EXPECTED_LABELS = {"SPEAKER", "CUE", "QUOTE", "INITIATIVE"}
EXPECTED_RELATIONS = {"said_by", "cued_by", "put_forward_by", "continues"}


def test_labels_and_relations_are_exactly_the_agreed_values() -> None:
    assert set(SCHEMA.label_values) == EXPECTED_LABELS
    assert set(SCHEMA.relation_values) == EXPECTED_RELATIONS


def test_relation_ends_are_schema_labels() -> None:
    for relation in SCHEMA.relations:
        assert {relation.source, relation.target} <= EXPECTED_LABELS


@pytest.mark.parametrize(
    ("attribute", "label", "values"),
    [
        ("quote_type", "QUOTE", {"direct", "indirect", "mixed"}),
        ("stance", "QUOTE", {"support", "oppose", "neutral"}),
        ("speaker_kind", "SPEAKER", {"person", "organisation", "country", "unnamed"}),
        ("initiative_status", "INITIATIVE", {"proposed", "agreed", "endorsed", "mentioned"}),
    ],
)
def test_choice_attributes(attribute: str, label: str, values: set[str]) -> None:
    definition = SCHEMA.attribute(attribute)
    assert definition.label == label
    assert set(definition.values) == values


def test_stance_targets_end_with_other() -> None:
    targets = SCHEMA.attribute("stance_target").values
    assert targets[-1] == "other"
    assert {"security", "foreign_affairs"} <= set(targets)


def test_hotkeys_and_colours_are_unique() -> None:
    hotkeys = [label.hotkey for label in SCHEMA.labels] + [
        choice.hotkey
        for attribute in SCHEMA.attributes
        for choice in attribute.choices
        if choice.hotkey
    ]
    assert len(hotkeys) == len(set(hotkeys)), hotkeys
    colours = [label.colour for label in SCHEMA.labels]
    assert len(colours) == len(set(colours))


def test_label_config_declares_every_control() -> None:
    root = ET.fromstring(render_label_config(SCHEMA))
    labels = {el.get("value"): el for el in root.iter("Label")}
    assert set(labels) == EXPECTED_LABELS
    assert all(el.get("hotkey") and el.get("background") for el in labels.values())
    assert {el.get("value") for el in root.iter("Relation")} == EXPECTED_RELATIONS
    text = next(el for el in root.iter("Text") if el.get("name") == "text")
    assert text.get("granularity") == "word"
    per_region = {el.get("name") for el in root.iter() if el.get("perRegion") == "true"}
    assert per_region == {attribute.name for attribute in SCHEMA.attributes}


def test_label_config_is_understood_by_the_sdk() -> None:
    interface = LabelInterface(render_label_config(SCHEMA))
    names = {control.name for control in interface.controls}
    assert {"label", *(attribute.name for attribute in SCHEMA.attributes)} <= names


def test_gold_schema_is_valid_draft_2020_12() -> None:
    schema = render_gold_schema(SCHEMA)
    assert schema["$schema"] == JSON_SCHEMA_DIALECT
    jsonschema.Draft202012Validator.check_schema(schema)
    quote = schema["properties"]["quotes"]["items"]["properties"]
    assert quote["stance"]["enum"] == list(SCHEMA.attribute("stance").values)


def test_instructions_render_the_guidelines() -> None:
    html = render_instructions(SCHEMA)
    assert "<h1>quotegold annotation guidelines</h1>" in html
    assert "<table>" in html
    # the guidelines quote the seed articles
    assert "Comprehensive" in html and "Aramane" in html


def test_committed_copies_match_the_definition() -> None:
    stale = check_rendered()
    assert stale == [], "run `quotegold schema --write` and commit schema/"


def test_drift_is_detected(tmp_path: Path) -> None:
    write_rendered(tmp_path)
    assert check_rendered(tmp_path) == []
    config = tmp_path / "label_config.xml"
    config.write_text(config.read_text().replace("SPEAKER", "SOURCE"), encoding="utf-8")
    (tmp_path / "gold_record.schema.json").unlink()
    assert set(check_rendered(tmp_path)) == {config, tmp_path / "gold_record.schema.json"}


def test_committed_json_schema_is_the_rendered_one() -> None:
    committed = json.loads((schema_dir() / "gold_record.schema.json").read_text("utf-8"))
    assert committed == render_gold_schema(SCHEMA)
    assert set(RENDERED) == {
        "label_config.xml",
        "gold_record.schema.json",
        "instructions.html",
        "schema.json",
        "guidelines.md",
    }
