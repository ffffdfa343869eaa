"""Label Studio annotation → gold record: every region kind, relation form and broken input."""

from __future__ import annotations

import copy
import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from quotegold.errors import Location
from quotegold.gold.convert import ProjectRef, annotation_to_record, trim_unpaired_marks
from quotegold.gold.results import record_to_results
from quotegold.gold.validate import GoldValidator
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.schema.formats import JOINER, strip_controls

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> dict[int, dict[str, Any]]:
    tasks = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return {task["id"]: task for task in tasks}


FULL_TEXT = (
    "“We must fight terrorism together,” Singh said, “and we will win.” "
    "Officials said the SCO was vital. India proposed SAGAR, Singh added. "
    "“Peace,” he said, “needs partners.” The minister stated that “cooperation is key” for "
    "the region. It was reported that talks would continue."
)


def quote(qid: str, spans: list[tuple[int, int, str]], **fields: Any) -> dict[str, Any]:
    return {
        "id": qid,
        "spans": [{"start": s, "end": e, "text": t} for s, e, t in spans],
        "text": " … ".join(t for _, _, t in spans),
        **fields,
    }


def singh(rid: str, start: int, end: int, text: str) -> dict[str, Any]:
    return {"id": rid, "start": start, "end": end, "text": text}


EXPECTED_FULL = {
    "id": "art-full",
    "text": FULL_TEXT,
    "meta": {
        "title": "SCO defence ministers meet",
        "url": "https://example.org/sco",
        "source": "example",
        "published": "2023-04-28",
        "boilerplate": [{"start": 234, "end": 276}],
    },
    "speakers": [
        {**singh("s1", 36, 41, "Singh"), "name": "Rajnath Singh", "kind": "person"},
        {**singh("s2", 67, 76, "Officials"), "name": "officials", "kind": "unnamed"},
        {**singh("s3", 123, 128, "Singh"), "name": "Rajnath Singh", "kind": "person"},
        {**singh("s4", 145, 147, "he"), "name": "Rajnath Singh", "kind": "person"},
        {**singh("s5", 172, 184, "The minister"), "name": "Rajnath Singh", "kind": "person"},
    ],
    "cues": [
        {"id": "c1", "start": 42, "end": 46, "text": "said"},
        {"id": "c2", "start": 77, "end": 81, "text": "said"},
        {"id": "c3", "start": 148, "end": 152, "text": "said"},
        {"id": "c4", "start": 185, "end": 191, "text": "stated"},
        {"id": "c5", "start": 241, "end": 249, "text": "reported"},
    ],
    "quotes": [
        # continued quote, `continues` drawn left to right; cue on the second part
        quote(
            "q1a",
            [(1, 33, "We must fight terrorism together"), (49, 65, "and we will win.")],
            quote_type="direct",
            speaker_id="s1",
            no_speaker=False,
            cue_id="c1",
            stance="oppose",
            stance_target="security",
        ),
        # said_by with no direction and no labels; cued_by drawn backwards with labels []
        quote(
            "q2",
            [(82, 99, "the SCO was vital")],
            quote_type="indirect",
            speaker_id="s2",
            no_speaker=False,
            cue_id="c2",
            stance="support",
            stance_target="foreign_affairs",
        ),
        # continued quote, `continues` drawn from the second part with direction left
        quote(
            "q3a",
            [(137, 142, "Peace"), (155, 170, "needs partners.")],
            quote_type="direct",
            speaker_id="s4",
            no_speaker=False,
            cue_id="c3",
            stance="neutral",
            stance_target=None,
        ),
        quote(
            "q4",
            [(197, 232, "“cooperation is key” for the region")],
            quote_type="mixed",
            speaker_id="s5",
            no_speaker=False,
            cue_id="c4",
            stance="support",
            stance_target="health",
        ),
        quote(
            "q5",
            [(255, 275, "talks would continue")],
            quote_type="indirect",
            speaker_id=None,
            no_speaker=True,
            cue_id="c5",
            stance="neutral",
            stance_target=None,
        ),
    ],
    "initiatives": [
        {
            "id": "i1",
            "start": 116,
            "end": 121,
            "text": "SAGAR",
            "status": "proposed",
            "proponent_ids": ["s3"],
        }
    ],
    "provenance": {
        "schema_version": SCHEMA.version,
        "project_id": 3,
        "project_title": None,
        "task_id": 101,
        "annotation_ids": [501],
        "annotator_ids": [1],
        "created_at": "2024-05-03T10:00:00.000000Z",
        "updated_at": "2024-05-03T11:00:00.000000Z",
    },
}


def test_full_article_becomes_the_expected_record() -> None:
    task = load("export_full.json")[101]
    record, issues = annotation_to_record(task, task["annotations"][0])
    assert issues == []
    assert record == EXPECTED_FULL
    assert GoldValidator().validate(record) == []


def test_project_ref_fills_the_provenance() -> None:
    task = load("export_full.json")[101]
    record, _ = annotation_to_record(
        task, task["annotations"][0], project=ProjectRef(id=9, title="SCO")
    )
    assert record is not None
    assert (record["provenance"]["project_id"], record["provenance"]["project_title"]) == (9, "SCO")


def test_emoji_and_other_scripts_before_the_spans_keep_code_point_offsets() -> None:
    task = load("export_full.json")[102]
    record, issues = annotation_to_record(task, task["annotations"][0])
    assert issues == []
    assert record is not None
    text = record["text"]
    assert text.startswith("😀🇮🇳 नमस्ते दुनिया! 你好，世界。")  # noqa: RUF001 - Chinese comma
    # 27 code points precede the quote; UTF-16 would count 30 (three astral characters).
    assert record["quotes"] == [
        quote(
            "qa",
            [(27, 41, "Yoga unites us"), (56, 71, "across borders.")],
            quote_type="direct",
            speaker_id="sp",
            no_speaker=False,
            cue_id="cu",
            stance="neutral",
            stance_target=None,
        )
    ]
    spans = [*record["quotes"][0]["spans"], *record["speakers"], *record["cues"]]
    assert all(text[span["start"] : span["end"]] == span["text"] for span in spans)
    # completed_by as an API object: its id is the annotator
    assert record["provenance"]["annotator_ids"] == [4]


BROKEN = [
    # task, region, words in the message
    (301, "bs", "unknown label 'PERSON'"),
    (302, "ghost", "points at region 'ghost', which does not exist"),
    (303, "bq2", "end 88 is past the end of the text (83 characters)"),
    (304, "bs", "start -1 is negative"),
    (305, "bq", "the offsets are shifted; fix the region in Label Studio"),
    (306, "bc", "offsets '6'-10 are not whole numbers"),
    (307, None, "result item 1 is neither a region nor a relation (keys: foo)"),
]


@pytest.mark.parametrize(("task_id", "region", "words"), BROKEN)
def test_broken_fixture_annotations_are_reported(
    task_id: int, region: str | None, words: str
) -> None:
    task = load("export_broken.json")[task_id]
    annotation = task["annotations"][0]
    _, issues = annotation_to_record(task, annotation)
    assert Location(task=task_id, annotation=annotation["id"], region=region) in [
        issue.location for issue in issues if words in issue.message
    ]


@pytest.mark.parametrize("task_id", [303, 304, 305, 306])
def test_a_bad_offset_means_no_record(task_id: int) -> None:
    task = load("export_broken.json")[task_id]
    record, issues = annotation_to_record(task, task["annotations"][0])
    assert record is None
    assert len(issues) == 1  # follow-up noise about the broken region is not repeated


def test_shifted_offsets_message_shows_both_texts() -> None:
    task = load("export_broken.json")[305]
    _, issues = annotation_to_record(task, task["annotations"][0])
    assert issues[0].message == (
        "QUOTE 3 'We will fight terrorism together.': stored text 'We will fight terrorism "
        "together.' does not match text[15:48] "
        "' will fight terrorism together.\" ' — the offsets are shifted; fix the region in "
        "Label Studio"
    )


# A small article to mutate: "Singh said: “We will win.” Officials said talks went well."
TEXT = "Singh said: “We will win.” Officials said talks went well."
#       0    5 6  10  13         25 27       36 37  41 42  47       57


def label(rid: str, name: str, start: int, end: int) -> dict[str, Any]:
    value = {"start": start, "end": end, "text": TEXT[start:end], "labels": [name]}
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels", "value": value}


def choice(rid: str, name: str, start: int, end: int, *values: str) -> dict[str, Any]:
    value = {"start": start, "end": end, "text": TEXT[start:end], "choices": list(values)}
    return {"id": rid, "from_name": name, "to_name": "text", "type": "choices", "value": value}


def textarea(rid: str, start: int, end: int, *lines: str) -> dict[str, Any]:
    value = {"start": start, "end": end, "text": list(lines)}
    return {
        "id": rid,
        "from_name": "speaker_name",
        "to_name": "text",
        "type": "textarea",
        "value": value,
    }


def relation(a: Any, b: Any, direction: str | None = "right", *labels: str) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "relation", "from_id": a, "to_id": b, "labels": list(labels)}
    if direction is not None:
        item["direction"] = direction
    return item


def base_result() -> list[dict[str, Any]]:
    """Singh (s) said (c) “We will win.” (q1); Officials (s2) said (c2) talks went well (q2)."""
    return [
        label("s", "SPEAKER", 0, 5),
        textarea("s", 0, 5, "Rajnath Singh"),
        choice("s", "speaker_kind", 0, 5, "person"),
        label("c", "CUE", 6, 10),
        label("q1", "QUOTE", 13, 25),
        choice("q1", "quote_type", 13, 25, "direct"),
        choice("q1", "stance", 13, 25, "neutral"),
        label("s2", "SPEAKER", 27, 36),
        textarea("s2", 27, 36, "officials"),
        choice("s2", "speaker_kind", 27, 36, "unnamed"),
        label("c2", "CUE", 37, 41),
        label("q2", "QUOTE", 42, 57),
        choice("q2", "quote_type", 42, 57, "indirect"),
        choice("q2", "stance", 42, 57, "support"),
        choice("q2", "stance_target", 42, 57, "justice"),
        relation("q1", "s"),
        relation("c", "q1", "left", "cued_by"),
        relation("s2", "q2", "bi", "said_by"),
    ]


def convert(result: Any, **data: Any) -> tuple[dict[str, Any] | None, list[Any]]:
    task = {"id": 7, "data": {"text": TEXT, "article_id": "a7", **data}, "project": 3}
    annotation = {"id": 70, "completed_by": 2, "result": result}
    return annotation_to_record(task, annotation)


def test_base_result_converts_cleanly() -> None:
    record, issues = convert(base_result())
    assert issues == []
    assert record is not None
    assert [(q["id"], q["speaker_id"], q["cue_id"]) for q in record["quotes"]] == [
        ("q1", "s", "c"),
        ("q2", "s2", None),
    ]
    assert record["meta"] == {
        "title": None,
        "url": None,
        "source": None,
        "published": None,
        "boilerplate": [],
    }


def replace_value(rid: str, from_name: str, **changes: Any) -> Any:
    def mutate(result: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for item in result:
            if item.get("id") == rid and item.get("from_name") == from_name:
                item["value"].update(changes)
        return result

    return mutate


def drop(rid: str, from_name: str) -> Any:
    return lambda result: [
        item for item in result if (item.get("id"), item.get("from_name")) != (rid, from_name)
    ]


def add(*items: Any) -> Any:
    return lambda result: [*result, *items]


def set_key(index: int, key: str, value: Any) -> Any:
    def mutate(result: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if value is None:
            del result[index][key]
        else:
            result[index][key] = value
        return result

    return mutate


MUTATIONS = [
    # name, mutation, region, words in the message, record still returned
    ("start as text", replace_value("q1", "label", start="13"), "q1", "not whole numbers", False),
    ("value missing", set_key(4, "value", None), "q1", "has no value", False),
    ("reversed span", replace_value("c", "label", start=10, end=6), "c", "not before end", False),
    ("whitespace only", replace_value("c", "label", text="said "), "c", "shifted", False),
    ("other whitespace", replace_value("c", "label", text="sai\u00a0"), "c", "shifted", False),
    ("no label", replace_value("c", "label", labels=[]), "c", "has no label", True),
    ("two labels", replace_value("c", "label", labels=["CUE", "QUOTE"]), "c", "2 labels", True),
    ("labels not a list", replace_value("c", "label", labels="CUE"), "c", "not a list", True),
    ("unknown control", add(choice("q1", "mood", 13, 25, "x")), "q1", "unknown control", True),
    ("not an object", add("q1"), None, "result item 19 is str", True),
    ("wrong item type", set_key(3, "type", "choices"), "c", "expected 'labels'", True),
    ("wrong to_name", set_key(3, "to_name", "body"), "c", "to_name 'body'", True),
    ("duplicate region", add(label("c", "CUE", 37, 41)), "c", "two regions share", True),
    (
        "attribute elsewhere",
        replace_value("q1", "stance", start=14),
        "q1",
        "stored at 14-25 but the region is at 13-25",
        True,
    ),
    (
        "attribute of another label",
        add(choice("s", "stance", 0, 5, "oppose")),
        "s",
        "QUOTE attributes on SPEAKER 1 'Singh' (stance oppose): the region was relabelled",
        True,
    ),
    (
        "attribute without region",
        add(choice("zz", "stance", 0, 5, "oppose")),
        "zz",
        "not a labelled",
        True,
    ),
    (
        "unknown choice",
        replace_value("q1", "stance", choices=["favour"]),
        "q1",
        "choose one of",
        True,
    ),
    (
        "two choices",
        replace_value("q1", "stance", choices=["support", "oppose"]),
        "q1",
        "choose one",
        True,
    ),
    ("name not text", replace_value("s", "speaker_name", text=[1]), "s", "not text", True),
    ("two names", replace_value("s", "speaker_name", text=["A", "B"]), "s", "several", True),
    (
        "no name",
        replace_value("s", "speaker_name", text=["  "]),
        "s",
        "SPEAKER 1 'Singh' has no canonical name",
        True,
    ),
    ("no kind", drop("s", "speaker_kind"), "s", "SPEAKER 1 'Singh' has no speaker kind", True),
    (
        "no quote type",
        drop("q1", "quote_type"),
        "q1",
        "QUOTE 3 'We will win.' has no quote type",
        True,
    ),
    ("no stance", drop("q1", "stance"), "q1", "has no stance", True),
    (
        "no target",
        drop("q2", "stance_target"),
        "q2",
        "'talks went well' has the stance support but no stance target",
        True,
    ),
    ("relation to nothing", add(relation("q1", "ghost")), "ghost", "does not exist", True),
    ("relation from nothing", add(relation(None, "q1")), None, "region None", True),
    ("relation from a list", add(relation(["q1"], "q1")), None, "region ['q1']", True),
    ("relation to itself", add(relation("q1", "q1")), "q1", "to itself", True),
    ("speaker to cue", add(relation("s", "c", "right")), "s", "joins a SPEAKER and a CUE", True),
    (
        "label contradicts ends",
        add(relation("q2", "s2", "right", "cued_by")),
        "q2",
        "labelled ['cued_by'] but joins a QUOTE and a SPEAKER, so it can only be said_by",
        True,
    ),
    (
        "unknown relation label",
        add(relation("q2", "c2", "right", "quoted")),
        "q2",
        "labelled",
        True,
    ),
    ("odd direction", add(relation("q2", "c2", "up")), "q2", "unknown direction 'up'", True),
    (
        "two speakers",
        add(relation("q1", "s2")),
        "q1",
        "more than one speaker: SPEAKER 1 'Singh' (QUOTE 3 'We will win.') vs SPEAKER 4 "
        "'Officials' (QUOTE 3 'We will win.')",
        True,
    ),
    ("two cues", add(relation("q1", "c2")), "q1", "more than one cue", True),
    (
        "speaker and flag",
        add(choice("q1", "no_speaker", 13, 25, "no identifiable speaker")),
        "q1",
        "has a speaker (SPEAKER 1 'Singh') and 'no identifiable speaker'",
        True,
    ),
    (
        "speaker missing",
        lambda r: [i for i in r if i.get("from_id") != "s2"],
        "q2",
        "has no speaker",
        True,
    ),
    (
        "continues cycle",
        add(relation("q1", "q2", "right", "continues"), relation("q2", "q1", "right", "continues")),
        "q1",
        "form a cycle",
        True,
    ),
    (
        "parts disagree on stance",
        add(relation("q1", "q2", "right", "continues")),
        "q1",
        "more than one stance: neutral (QUOTE 3 'We will win.') vs support (QUOTE 6 'talks "
        "went well')",
        True,
    ),
    (
        "parts disagree on speaker",
        add(relation("q1", "q2", "right", "continues")),
        "q1",
        "more than one speaker: SPEAKER 1 'Singh' (QUOTE 3 'We will win.') vs SPEAKER 4 "
        "'Officials' (QUOTE 6 'talks went well')",
        True,
    ),
    (
        "branching continuation",
        add(
            label("q3", "QUOTE", 53, 57),
            relation("q1", "q2", "right", "continues"),
            relation("q1", "q3", "right", "continues"),
        ),
        "q1",
        "continues in two ways",
        True,
    ),
]


@pytest.mark.parametrize(
    ("mutation", "region", "words", "has_record"),
    [case[1:] for case in MUTATIONS],
    ids=[case[0] for case in MUTATIONS],
)
def test_broken_results_are_located_issues(
    mutation: Any, region: str | None, words: str, has_record: bool
) -> None:
    record, issues = convert(mutation(base_result()))
    found = [issue for issue in issues if words in issue.message]
    assert found, [issue.message for issue in issues]
    assert found[0].location == Location(task=7, annotation=70, region=region)
    assert (record is not None) is has_record


@pytest.mark.parametrize(
    ("result", "words"),
    [
        ({"q1": 1}, "result is dict, not a list"),
        (None, "result is null, not a list"),
        ([{"foo": "bar"}], "neither a region nor a relation"),
    ],
)
def test_result_that_is_not_a_list_of_items(result: Any, words: str) -> None:
    record, issues = convert(result)
    assert any(words in issue.message for issue in issues)
    if not isinstance(result, list):
        assert record is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"article_id": None}, "no 'article_id'"),
        ({"article_id": ""}, "no 'article_id'"),
        ({"text": ""}, "no 'text'"),
        ({"text": 5}, "no 'text'"),
    ],
)
def test_task_without_text_or_id_gives_no_record(data: dict[str, Any], words: str) -> None:
    record, issues = convert(base_result(), **data)
    assert record is None
    assert [issue.message for issue in issues if words in issue.message]


def test_task_without_data() -> None:
    record, issues = annotation_to_record({"id": 3}, {"id": 4, "result": []})
    assert record is None
    assert issues[0].location == Location(task=3, annotation=4)


def test_integer_article_id_becomes_text() -> None:
    record, _ = convert(base_result(), article_id=12)
    assert record is not None and record["id"] == "12"


@pytest.mark.parametrize(
    ("boilerplate", "kept", "issue"),
    [
        ([{"start": 0, "end": 5, "text": "Singh", "reason": "x"}], [{"start": 0, "end": 5}], False),
        ([{"start": 50, "end": 99}], [], True),
        ([{"start": "0", "end": 5}], [], True),
        ("junk", [], True),
    ],
)
def test_boilerplate_is_kept_as_offsets(boilerplate: Any, kept: list[Any], issue: bool) -> None:
    record, issues = convert(base_result(), boilerplate=boilerplate, title="", url="u")
    assert record is not None
    assert record["meta"]["boilerplate"] == kept
    assert (record["meta"]["title"], record["meta"]["url"]) == (None, "u")
    assert bool(issues) is issue


CONTINUES = [
    # from, to, direction: the chain order does not depend on which region is "from"
    ("q1", "q2", "right", ["q1", "q2"]),
    ("q2", "q1", "right", ["q2", "q1"]),
    ("q2", "q1", "left", ["q1", "q2"]),
    ("q1", "q2", "left", ["q2", "q1"]),
    ("q2", "q1", "bi", ["q1", "q2"]),
    ("q2", "q1", None, ["q1", "q2"]),
]


@pytest.mark.parametrize(("source", "target", "direction", "order"), CONTINUES)
def test_continues_direction_gives_the_order_of_parts(
    source: str, target: str, direction: str | None, order: list[str]
) -> None:
    dropped = {("q1", "stance"), ("q2", "stance"), ("q2", "quote_type")}
    result = [i for i in base_result() if (i.get("id"), i.get("from_name")) not in dropped]
    result = [i for i in result if "s2" not in (i.get("from_id"), i.get("to_id"))]
    result += [relation(source, target, direction, "continues")]
    result += [choice("q2", "stance", 42, 57, "oppose")]
    record, issues = convert(result)
    assert issues == []
    assert record is not None
    texts = {"q1": "We will win.", "q2": "talks went well"}
    (only,) = record["quotes"]
    assert only["id"] == order[0]
    assert [span["text"] for span in only["spans"]] == [texts[rid] for rid in order]
    assert only["text"] == JOINER.join(texts[rid] for rid in order)
    # attributes and relations come from whichever part carries them
    assert (only["speaker_id"], only["cue_id"], only["stance"]) == ("s", "c", "oppose")
    assert (only["stance_target"], only["quote_type"]) == ("justice", "direct")


@pytest.mark.parametrize(
    ("source", "target", "direction", "labels"),
    [
        ("q1", "s", "right", ["said_by"]),
        ("s", "q1", "right", ["said_by"]),
        ("s", "q1", "left", []),
        ("q1", "s", "bi", []),
        ("s", "q1", None, []),
    ],
)
def test_said_by_is_found_whichever_way_it_points(
    source: str, target: str, direction: str | None, labels: list[str]
) -> None:
    result = [item for item in base_result() if item.get("to_id") != "s"]
    result.append(relation(source, target, direction, *labels))
    record, issues = convert(result)
    assert issues == []
    assert record is not None and record["quotes"][0]["speaker_id"] == "s"


def test_initiative_proponents_in_text_order() -> None:
    result = [i for i in base_result() if i.get("id") != "q2" and i.get("from_id") != "s2"]
    result += [
        label("i", "INITIATIVE", 42, 47),
        choice("i", "initiative_status", 42, 47, "mentioned"),
        relation("s2", "i", "bi", "put_forward_by"),
        relation("i", "s", "left"),
    ]
    record, issues = convert(result)
    assert issues == []
    assert record is not None
    assert record["initiatives"] == [
        {
            "id": "i",
            "start": 42,
            "end": 47,
            "text": "talks",
            "status": "mentioned",
            "proponent_ids": ["s", "s2"],
        }
    ]


def test_annotator_given_by_email_only() -> None:
    task = {"id": 1, "data": {"text": TEXT, "article_id": "a"}}
    annotation = {"id": 2, "completed_by": {"email": "x@example.org"}, "result": base_result()}
    record, _ = annotation_to_record(task, annotation)
    assert record is not None and record["provenance"]["annotator_ids"] == ["x@example.org"]


# ---- round trip: gold record → Label Studio results → gold record

LABEL_NAMES = ("SPEAKER", "CUE", "QUOTE", "INITIATIVE")
CHARS = st.characters(codec="utf-8")  # any code point but lone surrogates


def values(name: str) -> tuple[str, ...]:
    return SCHEMA.attribute(name).values


@st.composite
def gold_records(draw: st.DrawFn) -> dict[str, Any]:
    text = draw(st.text(CHARS, min_size=1, max_size=60))
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=16)))
    pairs = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    ids = draw(
        st.lists(
            st.text(string.ascii_letters + "_", min_size=1, max_size=4),
            min_size=len(pairs),
            max_size=len(pairs),
            unique=True,
        )
    )
    kinds = [draw(st.sampled_from(LABEL_NAMES)) for _ in pairs]
    regions = {
        kind: [(rid, a, b) for rid, (a, b), k in zip(ids, pairs, kinds, strict=True) if k == kind]
        for kind in LABEL_NAMES
    }
    speakers: list[dict[str, Any]] = [
        {
            "id": rid,
            "start": a,
            "end": b,
            "text": text[a:b],
            "name": draw(st.text(string.ascii_letters, min_size=1, max_size=8)),
            "kind": draw(st.sampled_from(values("speaker_kind"))),
        }
        for rid, a, b in regions["SPEAKER"]
    ]
    cues = [{"id": rid, "start": a, "end": b, "text": text[a:b]} for rid, a, b in regions["CUE"]]
    speaker_ids: list[str] = [s["id"] for s in speakers]
    initiatives = [
        {
            "id": rid,
            "start": a,
            "end": b,
            "text": text[a:b],
            "status": draw(st.sampled_from(values("initiative_status"))),
            "proponent_ids": [s for s in speaker_ids if draw(st.booleans())],
        }
        for rid, a, b in regions["INITIATIVE"]
    ]
    # The converter drops a quotation mark left unpaired at a quote's edge (an annotator's
    # slip), so only quotes without one come back unchanged.
    canonical = [q for q in regions["QUOTE"] if trim_unpaired_marks(text[q[1] : q[2]]) == (0, 0)]
    parts = draw(st.permutations(canonical))
    quotes = []
    while parts:
        size = draw(st.integers(1, min(3, len(parts))))
        chain, parts = parts[:size], parts[size:]
        quotes.append(draw(quote_fields(text, chain, speaker_ids, [str(c["id"]) for c in cues])))
    quotes.sort(key=lambda q: (q["spans"][0]["start"], q["spans"][0]["end"], q["id"]))
    return {
        "id": draw(st.text(string.ascii_lowercase, min_size=1, max_size=8)),
        "text": text,
        "meta": {
            # Control characters never stay in metadata (they are stripped): none here.
            "title": draw(
                st.none() | st.text(min_size=1, max_size=5).filter(lambda t: strip_controls(t) == t)
            ),
            "url": None,
            "source": None,
            "published": None,
            "boilerplate": [],
        },
        "speakers": speakers,
        "cues": cues,
        "quotes": quotes,
        "initiatives": initiatives,
        "provenance": {
            "schema_version": SCHEMA.version,
            "project_id": 3,
            "project_title": None,
            "task_id": 11,
            "annotation_ids": [12],
            "annotator_ids": [13],
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": None,
        },
    }


@st.composite
def quote_fields(
    draw: st.DrawFn, text: str, chain: list[Any], speakers: list[str], cues: list[str]
) -> dict[str, Any]:
    stance = draw(st.sampled_from(values("stance")))
    targets = values("stance_target")
    no_speaker = not speakers or draw(st.booleans())
    spans = [(a, b, text[a:b]) for _, a, b in chain]
    # The converter drops a quotation mark left unpaired at a quote's edge (annotators'
    # word-snapped selections pull them in), so such a span does not come back as it went.
    assume(all(trim_unpaired_marks(part) == (0, 0) for _, _, part in spans))
    return quote(
        chain[0][0],
        spans,
        quote_type=draw(st.sampled_from(values("quote_type"))),
        speaker_id=None if no_speaker else draw(st.sampled_from(speakers)),
        no_speaker=no_speaker,
        cue_id=draw(st.none() | st.sampled_from(cues)) if cues else None,
        stance=stance,
        stance_target=draw(
            st.sampled_from(targets)
            if stance != "neutral"
            else st.none() | st.sampled_from(targets)
        ),
    )


def back_to_record(record: dict[str, Any], results: Any) -> tuple[dict[str, Any] | None, list[Any]]:
    meta = record["meta"]
    data = {
        "text": record["text"],
        "article_id": record["id"],
        "title": meta["title"] or "",
        "boilerplate": [],
    }
    task = {"id": 11, "data": data, "project": 3}
    annotation = {
        "id": 12,
        "completed_by": 13,
        "result": results,
        "created_at": "2024-01-01T00:00:00Z",
    }
    return annotation_to_record(task, annotation)


VALIDATOR = GoldValidator()


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(gold_records())
def test_record_survives_a_round_trip_through_label_studio_results(record: dict[str, Any]) -> None:
    assert VALIDATOR.validate(record) == []
    back, issues = back_to_record(record, record_to_results(record))
    assert issues == []
    assert back == record


@st.composite
def corruptions(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    record = draw(gold_records())
    results = record_to_results(record)
    labelled = [i for i, item in enumerate(results) if item["type"] == "labels"]
    assume(labelled)
    item = copy.deepcopy(results[draw(st.sampled_from(labelled))])
    value, size = item["value"], len(record["text"])
    how = draw(st.sampled_from(["shift", "negative", "past end", "empty", "text", "type"]))
    if how == "shift":
        step = draw(st.integers(-5, 5).filter(bool))
        value["start"] += step
        value["end"] += step
        assume(
            not (
                0 <= value["start"] < value["end"] <= size
                and record["text"][value["start"] : value["end"]] == value["text"]
            )
        )
    elif how == "negative":
        value["start"] = draw(st.integers(-9, -1))
    elif how == "past end":
        value["end"] = size + draw(st.integers(1, 9))
    elif how == "empty":
        value["end"] = value["start"]
    elif how == "text":
        value["text"] += draw(st.text(CHARS, min_size=1, max_size=3))
    else:
        value["start"] = str(value["start"])
    corrupted = [
        item if other.get("id") == item["id"] and other["type"] == "labels" else other
        for other in results
    ]
    return record, corrupted, item["id"]


@settings(
    max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(corruptions())
def test_corrupted_offsets_are_always_reported(case: tuple[dict[str, Any], list[Any], str]) -> None:
    record, results, region = case
    back, issues = back_to_record(record, results)
    assert back is None
    assert region in [issue.location.region for issue in issues]


@pytest.mark.parametrize(
    ("stored", "kept"),
    [
        ("As a nation, we act.”", "As a nation, we act."),  # word snapping took the closing mark
        ("“We must fight together.", "We must fight together."),
        ("there is a “need to act.”", "there is a “need to act.”"),  # a mixed quote keeps its pair
        ("«Nous agissons.»", "«Nous agissons.»"),
        ("Nous agissons.»", "Nous agissons."),
        ('He said "we act', 'He said "we act'),  # unpaired inside, not at an edge
        ('we act."', "we act."),
        ("SCO’s mandate’", "SCO’s mandate’"),  # noqa: RUF001 - single marks are apostrophes too
        ("”", "”"),  # never trimmed to nothing
    ],
)
def test_unpaired_marks_at_quote_edges_are_trimmed(stored: str, kept: str) -> None:
    head, tail = trim_unpaired_marks(stored)
    assert stored[head : len(stored) - tail] == kept


# -- what Label Studio's editor stores for a selection across line breaks ----------------

PARAGRAPHS = "Singh said: “We will win.\n\nWe will not stop.” Talks\twent\r\nwell."


@pytest.mark.parametrize(
    ("needle", "stored"),
    [
        # a line feed is stored as a backslash and an n: two characters
        ("We will win.\n\nWe will not stop.", "We will win.\\n\\nWe will not stop."),
        # a tab, and a run of spaces and tabs, is stored as one space (as the browser shows it)
        ("Talks\twent", "Talks went"),
        ("Talks\twent", "Talks\twent"),
        # a carriage return too is stored as backslash-n, so \r\n as two of them
        ("went\r\nwell", "went\\n\\nwell"),
        # what quotegold itself writes (pre-annotations, imported gold): the real characters
        ("We will win.\n\nWe will not stop.", "We will win.\n\nWe will not stop."),
    ],
)
def test_a_region_the_editor_stored_with_escaped_line_breaks_converts(
    needle: str, stored: str
) -> None:
    start = PARAGRAPHS.index(needle)
    end = start + len(needle)
    value = {"start": start, "end": end, "text": stored, "labels": ["QUOTE"]}
    attributes = [
        {
            "id": "q",
            "from_name": name,
            "to_name": "text",
            "type": "choices",
            "value": {"start": start, "end": end, "text": stored, "choices": [choice_value]},
        }
        for name, choice_value in (
            ("quote_type", "direct"),
            ("stance", "neutral"),
            ("no_speaker", "no identifiable speaker"),
        )
    ]
    result = [
        {"id": "q", "from_name": "label", "to_name": "text", "type": "labels", "value": value},
        *attributes,
    ]
    task = {"id": 9, "data": {"text": PARAGRAPHS, "article_id": "p9"}}
    record, issues = annotation_to_record(task, {"id": 90, "result": result})
    assert issues == []
    assert record is not None
    (exported,) = record["quotes"]
    # the span is rebuilt from the offsets: the real line breaks, never the escaped copy
    assert exported["spans"] == [{"start": start, "end": end, "text": needle}]
    assert GoldValidator(SCHEMA).validate(record) == []


@pytest.mark.parametrize(
    "stored",
    [
        "We will win.\\n\\nWe will not stop",  # escaped, but one character short
        "We will win.\\nWe will not stop.",  # one line break where the text has two
        "We will win.\\r\\nWe will not stop.",  # another escaping than the editor's
    ],
)
def test_an_escaped_text_that_is_not_the_span_is_still_a_shifted_region(stored: str) -> None:
    needle = "We will win.\n\nWe will not stop."
    start = PARAGRAPHS.index(needle)
    value = {"start": start, "end": start + len(needle), "text": stored, "labels": ["QUOTE"]}
    result = [
        {"id": "q", "from_name": "label", "to_name": "text", "type": "labels", "value": value}
    ]
    task = {"id": 9, "data": {"text": PARAGRAPHS, "article_id": "p9"}}
    record, issues = annotation_to_record(task, {"id": 90, "result": result})
    assert record is None
    assert ["the offsets are shifted" in issue.message for issue in issues] == [True]
