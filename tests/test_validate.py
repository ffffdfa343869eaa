"""Two-layer validation of gold records: JSON Schema, then the rules a schema cannot say."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from quotegold.errors import Location
from quotegold.gold.fastcheck import _CheckSource, fast_check
from quotegold.gold.validate import (
    GoldValidator,
    _follows_rules,
    default_validator,
    validate_file,
    validate_records,
)
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.schema.goldschema import render_gold_schema

TEXT = "Singh said: “We will win.” Officials said talks went well."


def good_record() -> dict[str, Any]:
    return {
        "id": "a7",
        "text": TEXT,
        "meta": {
            "title": None,
            "url": None,
            "source": None,
            "published": None,
            "boilerplate": [{"start": 27, "end": 57}],
        },
        "speakers": [
            {
                "id": "s",
                "start": 0,
                "end": 5,
                "text": "Singh",
                "name": "Rajnath Singh",
                "kind": "person",
            },
            {
                "id": "s2",
                "start": 27,
                "end": 36,
                "text": "Officials",
                "name": "officials",
                "kind": "unnamed",
            },
        ],
        "cues": [{"id": "c", "start": 6, "end": 10, "text": "said"}],
        "quotes": [
            {
                "id": "q1",
                "spans": [
                    {"start": 13, "end": 25, "text": "We will win."},
                    {"start": 42, "end": 47, "text": "talks"},
                ],
                "text": "We will win. … talks",
                "quote_type": "direct",
                "speaker_id": "s",
                "no_speaker": False,
                "cue_id": "c",
                "stance": "oppose",
                "stance_target": "security",
            },
            {
                "id": "q2",
                "spans": [{"start": 48, "end": 57, "text": "went well"}],
                "text": "went well",
                "quote_type": "indirect",
                "speaker_id": None,
                "no_speaker": True,
                "cue_id": None,
                "stance": "neutral",
                "stance_target": None,
            },
        ],
        "initiatives": [
            {
                "id": "i",
                "start": 42,
                "end": 47,
                "text": "talks",
                "status": "mentioned",
                "proponent_ids": ["s", "s2"],
            }
        ],
        "provenance": {
            "schema_version": SCHEMA.version,
            "project_id": 3,
            "project_title": "SCO",
            "task_id": 7,
            "annotation_ids": [70, 71],
            "annotator_ids": [2, "x@example.org"],
            "created_at": None,
            "updated_at": None,
        },
    }


def test_good_record_has_no_issues() -> None:
    assert GoldValidator().validate(good_record()) == []


def setter(*path_and_value: Any) -> Callable[[dict[str, Any]], None]:
    *path, value = path_and_value

    def mutate(record: dict[str, Any]) -> None:
        target = record
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def deleter(*path: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(record: dict[str, Any]) -> None:
        target = record
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


CASES = [
    # name, mutation, region, exact message start (each case gives exactly one issue)
    (
        "span past the end",
        setter("cues", 0, "end", 99),
        "c",
        "span 6-99 of CUE c 'said' is not inside the text (58 characters) or is empty",
    ),
    (
        "span text differs",
        setter("speakers", 0, "text", "Singh "),
        "s",
        "span text 'Singh ' of SPEAKER s 'Singh' does not match text[0:5] 'Singh'",
    ),
    (
        "second span of a quote shifted",
        setter("quotes", 0, "spans", 1, "start", 43),
        "q1",
        "span text 'talks' of QUOTE q1 'We will win. … talks' does not match text[43:47] 'alks'",
    ),
    (
        "quote text not its spans",
        setter("quotes", 0, "text", "We will win. talks"),
        "q1",
        "quote text 'We will win. talks' is not its spans' texts joined with ' … '",
    ),
    (
        "ids not unique",
        setter("initiatives", 0, "id", "s2"),
        "s2",
        "the id s2 is used by 2 regions",
    ),
    (
        "unknown speaker",
        setter("quotes", 0, "speaker_id", "s9"),
        "q1",
        "speaker_id 's9' of QUOTE q1 'We will win. … talks' is not the id of a speaker",
    ),
    (
        "speaker id of the wrong type",
        setter("quotes", 0, "speaker_id", 5),
        "q1",
        "speaker_id 5 of QUOTE q1 'We will win. … talks' is not the id of a speaker",
    ),
    (
        "unknown cue",
        setter("quotes", 0, "cue_id", "s"),
        "q1",
        "cue_id 's' of QUOTE q1 'We will win. … talks' is not",
    ),
    (
        "unknown proponent",
        setter("initiatives", 0, "proponent_ids", ["s", "c"]),
        "i",
        "proponent c of INITIATIVE i 'talks' is not the id of a speaker",
    ),
    (
        "no speaker",
        setter("quotes", 1, "no_speaker", False),
        "q2",
        "QUOTE q2 'went well' has no speaker: set speaker_id, or no_speaker to true",
    ),
    (
        "speaker and flag",
        setter("quotes", 0, "no_speaker", True),
        "q1",
        "QUOTE q1 'We will win. … talks' has speaker_id 's' and no_speaker true; keep one",
    ),
    (
        "flag not boolean",
        setter("quotes", 1, "no_speaker", "yes"),
        "q2",
        "no_speaker of QUOTE q2 'went well' is 'yes', not true or false",
    ),
    (
        "stance not in the schema",
        setter("quotes", 0, "stance", "favour"),
        "q1",
        "stance 'favour' of QUOTE q1 'We will win. … talks' is not one of support, oppose, neutral",
    ),
    (
        "target not in the schema",
        setter("quotes", 0, "stance_target", "weather"),
        "q1",
        "stance_target 'weather' of QUOTE q1 'We will win. … talks' is not one of economy, "
        "security,",
    ),
    (
        "position without target",
        setter("quotes", 0, "stance_target", None),
        "q1",
        "QUOTE q1 'We will win. … talks' has stance oppose but no stance_target",
    ),
    (
        "boilerplate outside the text",
        setter("meta", "boilerplate", 0, "end", 70),
        None,
        "boilerplate 27-70 is not inside the text (58 characters)",
    ),
    (
        "unknown property",
        setter("speakers", 0, "gender", "m"),
        "s",
        "$.speakers[0]: Additional properties are not allowed ('gender' was unexpected)",
    ),
    (
        "offset as text",
        setter("speakers", 1, "start", "27"),
        "s2",
        "$.speakers[1].start: '27' is not of type 'integer'",
    ),
    ("negative offset", setter("cues", 0, "start", -1), "c", "$.cues[0].start: -1 is less than"),
    ("missing name", deleter("speakers", 0, "name"), "s", "$.speakers[0]: 'name' is a required"),
    ("bad kind", setter("speakers", 0, "kind", "robot"), "s", "$.speakers[0].kind: 'robot' is not"),
    (
        "no spans",
        setter("quotes", 1, "spans", []),
        "q2",
        "$.quotes[1].spans: [] should be non-empty",
    ),
    (
        "quote type missing",
        setter("quotes", 1, "quote_type", None),
        "q2",
        "$.quotes[1].quote_type: None is not one of",
    ),
    ("record id empty", setter("id", ""), None, "$.id: '' should be non-empty"),
    ("provenance", setter("provenance", "schema_version", ""), None, "$.provenance.schema_version"),
    (
        "offset with a decimal point",
        setter("cues", 0, "end", 10.0),
        "c",
        "offsets 6-10.0 of CUE c 'said' must be whole numbers like 10",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "region", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_each_problem_is_one_located_issue(
    mutate: Callable[[dict[str, Any]], None], region: str | None, message: str
) -> None:
    record = good_record()
    mutate(record)
    issues = GoldValidator().validate(record, location=Location(file="gold.jsonl", line=4))
    assert [issue.message[: len(message)] for issue in issues] == [message]
    assert issues[0].location == Location(
        file="gold.jsonl", line=4, task=7, annotation=70, region=region
    )
    assert issues[0].message.endswith("export again")  # every message says what to do


@pytest.mark.parametrize("record", [None, 5, "text", [], {}])
def test_anything_at_all_is_reported_not_crashed_on(record: Any) -> None:
    issues = GoldValidator().validate(record)
    assert issues
    assert all(issue.message.startswith("$") for issue in issues)


def test_garbage_inside_a_record_does_not_crash() -> None:
    record = good_record()
    record["speakers"] = [5, {"id": ["x"]}, None]
    record["quotes"][0]["spans"] = "nope"
    record["quotes"][1] = {"speaker_id": ["s"], "cue_id": {"a": 1}, "no_speaker": True}
    record["meta"]["boilerplate"] = [7, {"start": "a"}]
    record["initiatives"] = {"i": 1}
    assert len(GoldValidator().validate(record)) > 5


def test_location_from_the_record_when_none_given() -> None:
    record = good_record()
    record["cues"][0]["text"] = "says"
    (issue,) = GoldValidator().validate(record)
    assert issue.location == Location(task=7, annotation=70, region="c")


def test_validate_records_keeps_each_location() -> None:
    bad = good_record()
    bad["provenance"]["task_id"] = None
    bad["cues"][0]["text"] = "says"
    issues = validate_records(
        [(good_record(), Location(file="g", line=1)), (bad, Location(file="g", line=2))]
    )
    assert [issue.location for issue in issues] == [
        Location(file="g", line=2, annotation=70, region="c")
    ]


def test_default_validator_is_built_once() -> None:
    assert default_validator() is default_validator()


def test_validation_does_not_change_the_record() -> None:
    record = good_record()
    record["quotes"][0]["stance"] = "favour"
    before = copy.deepcopy(record)
    GoldValidator().validate(record)
    assert record == before


# ---- the fast path never lets through what jsonschema rejects

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 80) | st.floats(-3, 80) | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
SCHEMA_CHECK = Draft202012Validator(render_gold_schema(SCHEMA))
VALIDATOR = GoldValidator()


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, sub in value.items():
            found += paths(sub, (*prefix, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            found += paths(sub, (*prefix, index))
    return found


@settings(max_examples=300)
@given(st.data())
def test_a_record_jsonschema_rejects_always_has_an_issue(data: st.DataObject) -> None:
    record = good_record()
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths(record)[1:]))
        parent = record
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=4))] = data.draw(JSON)
        else:
            parent[path[-1]] = data.draw(JSON)
    if not SCHEMA_CHECK.is_valid(record):
        assert VALIDATOR.validate(record)


# ---- the fast paths say "valid" only when jsonschema and the rule layer agree


class Text(str):
    """A str subclass: jsonschema takes it as a string, the fast check leaves it to jsonschema."""


class Object(dict[str, Any]):
    """A dict subclass, likewise."""


def slow_validator() -> GoldValidator:
    """A validator with its fast paths off: jsonschema and the rule layer on every record."""
    validator = GoldValidator()
    validator._fast = lambda record: False
    return validator


SLOW = slow_validator()
FAST_CHECK = fast_check(render_gold_schema(SCHEMA))


def test_a_good_record_takes_the_fast_paths() -> None:
    record = good_record()
    assert FAST_CHECK(record)
    assert _follows_rules(record, VALIDATOR._vocabulary)


def appender(*path_and_value: Any) -> Callable[[dict[str, Any]], None]:
    *path, value = path_and_value

    def mutate(record: dict[str, Any]) -> None:
        target = record
        for key in path:
            target = target[key]
        target.append(value)

    return mutate


def retyper(kind: type, *path: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(record: dict[str, Any]) -> None:
        target = record
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = kind(target[path[-1]])

    return mutate


FAST_CASES = [
    # name, mutation, jsonschema accepts it, the fast check accepts it
    ("unchanged", lambda record: None, True, True),
    ("integral float offset", setter("cues", 0, "end", 10.0), True, False),
    ("float offset", setter("cues", 0, "end", 10.5), False, False),
    ("nan offset", setter("cues", 0, "end", float("nan")), False, False),
    ("boolean offset", setter("cues", 0, "start", True), False, False),
    ("huge offset", setter("cues", 0, "end", 10**30), True, True),
    ("integral float annotation id", setter("provenance", "annotation_ids", [70.0]), True, False),
    ("boolean annotation id", setter("provenance", "annotation_ids", [True]), False, False),
    ("boolean task id", setter("provenance", "task_id", False), False, False),
    ("duplicate proponents", setter("initiatives", 0, "proponent_ids", ["s", "s"]), False, False),
    ("unknown key", setter("cues", 0, "weight", 1), False, False),
    ("unknown top-level key", setter("extra", None), False, False),
    ("missing required key", deleter("quotes", 0, "cue_id"), False, False),
    ("missing optional key", deleter("meta", "title"), True, True),
    ("tuple for a list", retyper(tuple, "quotes", 0, "spans"), False, False),
    ("str subclass for an id", retyper(Text, "cues", 0, "id"), True, False),
    ("dict subclass for a quote", retyper(Object, "quotes", 0), True, False),
    ("0 for no_speaker false", setter("quotes", 0, "no_speaker", 0), False, False),
    ("1 for no_speaker true", setter("quotes", 1, "no_speaker", 1), False, False),
    ("empty speaker without flag", setter("quotes", 0, "speaker_id", ""), False, False),
    ("empty speaker with flag", setter("quotes", 1, "speaker_id", ""), True, True),
    ("position without target", setter("quotes", 0, "stance_target", None), False, False),
    ("neutral without target", setter("quotes", 0, "stance", "neutral"), True, True),
    ("stance as a number", setter("quotes", 0, "stance", 1), False, False),
    ("no spans", setter("quotes", 1, "spans", []), False, False),
    ("a span that is not an object", appender("quotes", 1, "spans", "x"), False, False),
    ("empty name", setter("speakers", 0, "name", ""), False, False),
    # Schema-valid, so the rules decide: the span's text is the text's tail, its end past it.
    (
        "span past the end",
        setter("cues", 0, {"id": "c", "start": 50, "end": 99, "text": TEXT[50:]}),
        True,
        True,
    ),
]


@pytest.mark.parametrize(
    ("mutate", "valid", "fast"), [case[1:] for case in FAST_CASES], ids=[c[0] for c in FAST_CASES]
)
def test_the_fast_check_never_accepts_what_jsonschema_rejects(
    mutate: Callable[[dict[str, Any]], None], valid: bool, fast: bool
) -> None:
    record = good_record()
    mutate(record)
    assert SCHEMA_CHECK.is_valid(record) is valid
    assert FAST_CHECK(record) is fast
    assert VALIDATOR.validate(record) == SLOW.validate(record)


VALUES = (
    JSON
    | st.sampled_from([0, 1, 1.0, 0.0, -0.0, True, False, "", "s", "s2", "c", "q1", "i"])
    | st.sampled_from(["support", "oppose", "neutral", "security", "direct", "person"])
    | st.builds(tuple, st.lists(JSON, max_size=2))
    | st.builds(Text, st.sampled_from(["s", "c", "support", "x"]))
)


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_the_fast_paths_agree_with_the_full_checks(data: st.DataObject) -> None:
    record = good_record()
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths(record)[1:]))
        parent = record
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=4))] = data.draw(VALUES)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = data.draw(VALUES)
    if FAST_CHECK(record):
        assert SCHEMA_CHECK.is_valid(record)
    assert VALIDATOR.validate(record) == SLOW.validate(record)


OBJECTS = st.dictionaries(st.sampled_from("abc"), VALUES, max_size=3)
# Small schemas for the parts of the generator the gold schema does not use.
SCHEMAS = [
    {"if": {"properties": {"a": {"const": True}}}, "then": {"required": ["b"]}, "else": {}},
    {"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"required": ["c"]}},
    {"if": {"required": ["a"]}, "then": {"required": ["b"]}},
    {"if": {"enum": ["x", None]}, "then": {"const": None}},
    {"if": {"enum": [None, False, "x"]}, "then": {"const": None}, "else": {"minLength": 2}},
    {"properties": {"a": {"minimum": 1}, "b": {"items": {"type": "integer"}, "minItems": 2}}},
    {"type": ["array", "null"], "uniqueItems": True},
    {"type": "object", "required": ["a"], "additionalProperties": False},
    {"enum": ["x", None, True], "const": "x"},
    {"allOf": [{"type": "string"}, {"minLength": 3}]},
]


@pytest.mark.parametrize("schema", SCHEMAS)
@settings(max_examples=150, deadline=None)
@given(value=VALUES | OBJECTS | OBJECTS.map(Object))
def test_the_fast_check_of_other_schemas_never_accepts_what_jsonschema_rejects(
    schema: dict[str, Any], value: Any
) -> None:
    if fast_check(schema)(value):
        assert Draft202012Validator(schema).is_valid(value)


@pytest.mark.parametrize("schema", SCHEMAS)
def test_the_fast_check_compiles_the_other_schemas(schema: dict[str, Any]) -> None:
    _CheckSource().build(schema)  # a schema it cannot compile would always say False


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "number"},
        {"patternProperties": {"a": {}}},
        {"additionalProperties": {"type": "string"}},
        {"minimum": 0.5},
        {"enum": [1, 2]},
        {"if": {"type": "string"}, "then": {"minLength": 1}},
    ],
)
def test_a_schema_the_fast_check_does_not_know_goes_to_jsonschema(schema: dict[str, Any]) -> None:
    assert fast_check(schema)(1) is False
    assert fast_check(schema)("ab") is False


# ---- whole files, as `quotegold validate` checks them

FIXTURES = Path(__file__).parent / "fixtures"


def test_validate_file_on_gold_jsonl(tmp_path: Path) -> None:
    bad = good_record()
    bad["quotes"][0]["stance"] = "favour"
    lines = [json.dumps(good_record()), "{oops", json.dumps(bad, ensure_ascii=False)]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checked, issues = validate_file(path)
    assert checked == 2
    assert [(i.location.line, i.location.region, i.message[:14]) for i in issues] == [
        (2, None, "invalid JSON a"),
        (3, "q1", "stance 'favour"),
    ]


def test_validate_file_on_an_export_reports_conflicts() -> None:
    path = FIXTURES / "export_annotators.json"
    checked, issues = validate_file(path)
    assert checked == 3  # tasks 201, 203 and 206
    assert [(i.location.file, i.location.task) for i in issues] == [
        (str(path), 202),
        (str(path), 207),
    ]
    assert issues[0].message == (
        "annotations 22, 21 disagree: stance of QUOTE 13-46: support (22) vs oppose (21); "
        "CUE 58-62 only in annotation 21; fix them or mark the right one as ground truth in "
        "Label Studio"
    )


def test_validate_file_on_a_broken_export() -> None:
    path = FIXTURES / "export_broken.json"
    checked, issues = validate_file(path)
    assert checked == 0
    assert {issue.location.task for issue in issues} == set(range(301, 308))
    assert {issue.location.file for issue in issues} == {str(path)}


def test_records_made_with_another_schema_are_one_issue(tmp_path: Path) -> None:
    other = good_record()
    other["provenance"]["schema_version"] = "2.0.0+00000000"
    lines = [json.dumps(good_record()), json.dumps(other), json.dumps(other)]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checked, issues = validate_file(path, source="quotegold.toml")
    assert checked == 3
    (issue,) = issues
    assert issue.location.line == 2
    assert issue.message.startswith(
        f"2 record(s) were made with schema 2.0.0+00000000, not {SCHEMA.version} (quotegold.toml)"
    )
    assert "pass --config" in issue.message
