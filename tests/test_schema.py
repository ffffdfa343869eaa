"""The schema is defined once; its renderings are valid and the committed copies do not drift."""

from __future__ import annotations

import json
import re
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


def _complete_record() -> dict[str, object]:
    text = "Singh said talks on the SAGAR plan went well."
    return {
        "id": "req",
        "text": text,
        "meta": {"title": None, "url": None, "source": None, "published": None, "boilerplate": []},
        "speakers": [
            {
                "id": "s",
                "start": 0,
                "end": 5,
                "text": "Singh",
                "name": "Rajnath Singh",
                "kind": "person",
            }
        ],
        "cues": [{"id": "c", "start": 6, "end": 10, "text": "said"}],
        "quotes": [
            {
                "id": "q",
                "spans": [{"start": 11, "end": 44, "text": text[11:44]}],
                "text": text[11:44],
                "quote_type": "indirect",
                "speaker_id": "s",
                "no_speaker": False,
                "cue_id": "c",
                "stance": "neutral",
                "stance_target": None,
            }
        ],
        "initiatives": [
            {
                "id": "i",
                "start": 24,
                "end": 29,
                "text": "SAGAR",
                "status": "proposed",
                "proponent_ids": ["s"],
            }
        ],
        "provenance": {},
    }


@pytest.mark.parametrize("attribute", SCHEMA.attributes, ids=lambda a: a.name)
def test_an_attribute_is_required_in_the_ui_exactly_when_the_export_needs_it(
    attribute: object,
) -> None:
    """Required in the labelling config, scoped to its label, with a plain message, exactly
    when an annotation without it (everything else complete) is refused by the export."""
    from quotegold.gold.convert import annotation_to_record
    from quotegold.gold.results import record_to_results
    from quotegold.schema.definition import Attribute

    assert isinstance(attribute, Attribute)
    results = [
        item
        for item in record_to_results(_complete_record())  # type: ignore[arg-type]
        if item.get("from_name") != attribute.name
    ]
    task = {"id": 1, "data": {"text": _complete_record()["text"], "article_id": "req"}}
    _, issues = annotation_to_record(task, {"id": 2, "result": results})
    refused = bool(issues)
    root = ET.fromstring(render_label_config(SCHEMA))
    (control,) = [e for e in root.iter() if e.get("name") == attribute.name]
    assert (control.get("required") == "true") is refused
    assert control.get("visibleWhen") == "region-selected"
    assert control.get("whenLabelValue") == attribute.label
    if refused:
        message = control.get("requiredMessage") or ""
        assert attribute.label in message and attribute.noun in message
        assert all(value in message for value in attribute.values)
        assert [attribute.noun in issue.message for issue in issues] == [True]
    else:
        assert control.get("requiredMessage") is None


def test_the_instructions_say_how_keys_behave_and_that_relation_labels_are_optional() -> None:
    shown = re.sub(r"<[^>]+>", "", render_instructions(SCHEMA))
    assert "Press Esc or u before a label key" in shown
    assert "relabels the selected one" in shown
    assert "A choice key toggles. Pressing it again clears the choice" in shown
    assert "You need not label a\nrelation" in shown
    assert "QUOTE attributes on\nSPEAKER" in shown
    for attribute in SCHEMA.attributes:
        if attribute.required:
            assert attribute.noun.split()[-1] in shown
