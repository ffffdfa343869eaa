"""Property-based round trips: gold record → Label Studio → gold record.

Random *valid* gold records (text with emoji, other scripts and odd whitespace; spans that
do not overlap within a layer; every attribute; relations that fit the labels; quotes split
in up to three parts) become Label Studio results (`record_to_results`), a task shaped as
Label Studio exports it, and a gold record again (`choose_annotation`): nothing may change
but the provenance, and both ends pass the validator. Records are drawn in the canonical
form `convert` writes: regions by offsets, proponents by their speakers' offsets, no
quotation mark left unpaired at a quote's edge, no blanks around a speaker's name.

Random *invalid* records (one thing broken: an offset, a speaker, a stance, a relation) are
always reported by the validator and by the export, and never reach gold.jsonl.

The last test takes a few generated records through a real Label Studio.
"""

from __future__ import annotations

import copy
import json
import string
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotegold.articles.boilerplate import Boilerplate
from quotegold.articles.ingest import Article
from quotegold.articles.tasks import article_to_task
from quotegold.gold.adjudicate import choose_annotation
from quotegold.gold.convert import trim_unpaired_marks
from quotegold.gold.results import record_to_results
from quotegold.gold.validate import GoldValidator
from quotegold.labelstudio import LabelStudioClient
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.schema.formats import JOINER
from quotegold.workflows.export import ExportOptions, export_project, export_tasks
from quotegold.workflows.push import push_articles

VALIDATOR = GoldValidator()
LAYERS = ("speakers", "cues", "quotes", "initiatives")

# Characters that make offsets hard: astral emoji and flags (two code points), a ZWJ
# sequence, combining marks, Devanagari, Chinese, Arabic, no-break and other spaces.
TRICKY = [
    *"😀👩🏽‍🚀🇮🇳",
    *"नमस्ते",
    *"你好世界",
    *"مرحبا",
    "\u0301",
    " ",
    " ",
    "\n",
    "\t",
    "\u00a0",
    "\u2003",
    "“",
    "”",
    "…",
]
CHARS = st.one_of(
    st.sampled_from(TRICKY),
    st.sampled_from(string.ascii_letters + string.digits + " .,"),
    # Anything else that is text: no control characters (ingest refuses them), no surrogates.
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
)
IDS = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=6)


def values(name: str) -> tuple[str, ...]:
    return SCHEMA.attribute(name).values


@st.composite
def spans(draw: st.DrawFn, size: int, most: int) -> list[tuple[int, int]]:
    """Up to `most` non-empty spans of a text of `size` characters that do not overlap."""
    cuts = sorted(draw(st.sets(st.integers(0, size), max_size=2 * most)))
    return list(zip(cuts[::2], cuts[1::2], strict=False))


def region(rid: str, span: tuple[int, int], text: str) -> dict[str, Any]:
    start, end = span
    return {"id": rid, "start": start, "end": end, "text": text[start:end]}


@st.composite
def names(draw: st.DrawFn) -> str:
    """A speaker's canonical name: any text, no blanks at its ends."""
    name = draw(st.text(CHARS, min_size=1, max_size=12)).strip()
    return name or draw(st.sampled_from(["Singh", "राजनाथ सिंह", "外交部", "the ministry"]))


@st.composite
def gold_records(draw: st.DrawFn) -> dict[str, Any]:
    words = draw(st.lists(st.text(CHARS, min_size=1, max_size=12), min_size=1, max_size=16))
    text = draw(st.sampled_from([" ", "\n", " 😀 "])).join(words)
    layers = {layer: draw(spans(len(text), 4)) for layer in LAYERS}
    # The converter drops a quotation mark left unpaired at a quote's edge: canonical quotes
    # have none there.
    layers["quotes"] = [
        (a, b) for a, b in layers["quotes"] if trim_unpaired_marks(text[a:b]) == (0, 0)
    ]
    count = sum(map(len, layers.values()))
    ids = iter(draw(st.lists(IDS, min_size=count, max_size=count, unique=True)))
    speakers = [
        {
            **region(next(ids), span, text),
            "name": draw(names()),
            "kind": draw(st.sampled_from(values("speaker_kind"))),
        }
        for span in layers["speakers"]
    ]
    cues = [region(next(ids), span, text) for span in layers["cues"]]
    speaker_ids = [speaker["id"] for speaker in speakers]  # in offset order
    initiatives = [
        {
            **region(next(ids), span, text),
            "status": draw(st.sampled_from(values("initiative_status"))),
            "proponent_ids": [sid for sid in speaker_ids if draw(st.booleans())],
        }
        for span in layers["initiatives"]
    ]
    parts = draw(st.permutations([region(next(ids), span, text) for span in layers["quotes"]]))
    quotes = []
    while parts:
        size = draw(st.integers(1, min(3, len(parts))))
        chain, parts = parts[:size], parts[size:]
        quotes.append(draw(quote(chain, speaker_ids, [cue["id"] for cue in cues])))
    quotes.sort(key=lambda q: (q["spans"][0]["start"], q["spans"][0]["end"], q["id"]))
    boilerplate = [{"start": a, "end": b} for a, b in draw(spans(len(text), 2))]
    optional = st.none() | st.text(CHARS, min_size=1, max_size=10)
    return {
        "id": draw(IDS),
        "text": text,
        "meta": {
            **{name: draw(optional) for name in ("title", "url", "source", "published")},
            "boilerplate": boilerplate,
        },
        "speakers": speakers,
        "cues": cues,
        "quotes": quotes,
        "initiatives": initiatives,
        "provenance": {},  # filled by whoever converts it
    }


@st.composite
def quote(
    draw: st.DrawFn, chain: list[dict[str, Any]], speakers: list[str], cues: list[str]
) -> dict[str, Any]:
    stance = draw(st.sampled_from(values("stance")))
    targets = st.sampled_from(values("stance_target"))
    no_speaker = not speakers or draw(st.booleans())
    spans = [{key: part[key] for key in ("start", "end", "text")} for part in chain]
    return {
        "id": chain[0]["id"],
        "spans": spans,
        "text": JOINER.join(span["text"] for span in spans),
        "quote_type": draw(st.sampled_from(values("quote_type"))),
        "speaker_id": None if no_speaker else draw(st.sampled_from(speakers)),
        "no_speaker": no_speaker,
        "cue_id": draw(st.none() | st.sampled_from(cues)) if cues else None,
        "stance": stance,
        "stance_target": draw(targets if stance != "neutral" else st.none() | targets),
    }


def article_of(record: dict[str, Any]) -> Article:
    meta, text = record["meta"], record["text"]
    return Article(
        id=record["id"],
        text=text,
        **{name: meta[name] for name in ("title", "url", "source", "published")},
        boilerplate=tuple(
            Boilerplate(b["start"], b["end"], text[b["start"] : b["end"]], "test")
            for b in meta["boilerplate"]
        ),
    )


def exported_task(record: dict[str, Any], task_id: int) -> dict[str, Any]:
    """The task as Label Studio's JSON export gives it, annotated with the record's results."""
    annotation = {
        "id": task_id * 10,
        "completed_by": 1,
        "result": record_to_results(record),
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": "2024-05-01T10:00:00.000000Z",
        "updated_at": "2024-05-01T10:00:00.000000Z",
        "lead_time": 12.5,
        "task": task_id,
        "project": 3,
    }
    task = {
        **article_to_task(article_of(record)),
        "id": task_id,
        "annotations": [annotation],
        "drafts": [],
        "predictions": [],
        "project": 3,
    }
    # Through JSON text, as the export file is read: no tuples, no shared objects.
    loaded: dict[str, Any] = json.loads(json.dumps(task, ensure_ascii=False))
    return loaded


def without_provenance(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "provenance"}


def valid(record: dict[str, Any]) -> dict[str, Any]:
    """The record with the provenance the round trip gives it, so it validates whole."""
    return {
        **record,
        "provenance": {
            "schema_version": SCHEMA.version,
            "project_id": 3,
            "project_title": None,
            "task_id": 1,
            "annotation_ids": [10],
            "annotator_ids": [1],
            "created_at": None,
            "updated_at": None,
        },
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gold_records())
def test_valid_record_survives_label_studio_unchanged(record: dict[str, Any]) -> None:
    assert VALIDATOR.validate(valid(record)) == []
    choice = choose_annotation(exported_task(record, task_id=1))
    assert choice.issues == [] and choice.status == "gold"
    assert choice.record is not None
    assert without_provenance(choice.record) == without_provenance(record)
    assert VALIDATOR.validate(choice.record) == []
    assert choice.record["provenance"]["task_id"] == 1
    assert choice.record["provenance"]["annotation_ids"] == [10]


# -- one thing broken ---------------------------------------------------------------------------


def _shift_offset(record: dict[str, Any], draw: st.DrawFn) -> None:
    """Move one end of one span by one character; its stored text stays as it was."""
    where = [(layer, i) for layer in LAYERS for i in range(len(record[layer]))]
    layer, index = draw(st.sampled_from(where))
    region = record[layer][index]
    span = region["spans"][0] if layer == "quotes" else region
    key = draw(st.sampled_from(["start", "end"]))
    span[key] += draw(st.sampled_from([-1, 1]))


def _drop_speaker(record: dict[str, Any], draw: st.DrawFn) -> None:
    """Remove a speaker that a quote or an initiative points at."""
    used = {q["speaker_id"] for q in record["quotes"]} | {
        p for i in record["initiatives"] for p in i["proponent_ids"]
    }
    gone = draw(st.sampled_from(sorted(used - {None})))
    record["speakers"] = [s for s in record["speakers"] if s["id"] != gone]


def _bad_stance(record: dict[str, Any], draw: st.DrawFn) -> None:
    """A stance outside the schema, or a position without a target."""
    target = draw(st.sampled_from(record["quotes"]))
    if draw(st.booleans()):
        target["stance"] = draw(st.sampled_from(["furious", "Support", "", "pro"]))
    else:
        target["stance"] = draw(st.sampled_from(["support", "oppose"]))
        target["stance_target"] = None


def _dangling_relation(record: dict[str, Any], draw: st.DrawFn) -> None:
    """A quote's cue or an initiative's proponent that is no region."""
    owners = [("quotes", q) for q in record["quotes"]] + [
        ("initiatives", i) for i in record["initiatives"]
    ]
    layer, owner = draw(st.sampled_from(owners))
    if layer == "quotes":
        owner["cue_id"] = "no-such-cue"
    else:
        owner["proponent_ids"] = [*owner["proponent_ids"], "no-such-speaker"]


@st.composite
def broken_records(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """(a valid record, the same with one thing broken and another id)."""
    record = draw(gold_records())
    mutations = []
    if any(record[layer] for layer in LAYERS):
        mutations.append(_shift_offset)
    if any(q["speaker_id"] for q in record["quotes"]) or any(
        i["proponent_ids"] for i in record["initiatives"]
    ):
        mutations.append(_drop_speaker)
    if record["quotes"]:
        mutations.append(_bad_stance)
    if record["quotes"] or record["initiatives"]:
        mutations.append(_dangling_relation)
    if not mutations:  # a record with no regions: give it a quote to break
        whole = region("q", (0, len(record["text"])), record["text"])
        record["quotes"] = [draw(quote([whole], [], []))]
        mutations.append(_bad_stance)
    broken = copy.deepcopy(record)
    mutate = draw(st.sampled_from(mutations))
    mutate(broken, draw)
    broken["id"] = f"{record['id']}-broken"
    return record, broken


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_records())
def test_broken_record_is_always_reported(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    record, broken = case
    assert VALIDATOR.validate(valid(record)) == []
    issues = VALIDATOR.validate(valid(broken))
    assert issues, broken
    # The same record as Label Studio would hold it is refused too, located by region.
    choice = choose_annotation(exported_task(broken, task_id=2))
    assert choice.status == "invalid" and choice.record is None
    assert choice.issues and all(issue.location.task == 2 for issue in choice.issues)


@st.composite
def hand_edited(draw: st.DrawFn) -> dict[str, Any]:
    """A record broken the way only a hand-edited gold file can be (Label Studio results
    cannot say it): a blank or padded name, a quote text that is not its spans', an id used
    twice, a speaker and the no-speaker flag at once."""
    record = draw(gold_records().filter(lambda r: r["speakers"] and r["quotes"]))
    speaker = draw(st.sampled_from(record["speakers"]))
    target = draw(st.sampled_from(record["quotes"]))
    how = draw(st.sampled_from(["pad name", "blank name", "quote text", "same id", "both"]))
    if how == "pad name":
        speaker["name"] = draw(st.sampled_from([" ", "\n", "\u00a0"])) + speaker["name"]
    elif how == "blank name":
        speaker["name"] = draw(st.sampled_from([" ", "\t\n", "\u2003"]))
    elif how == "quote text":
        target["text"] += draw(st.text(CHARS, min_size=1, max_size=3))
    elif how == "same id":
        speaker["id"] = target["id"]
    else:
        target["speaker_id"], target["no_speaker"] = speaker["id"], True
    return record


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hand_edited())
def test_hand_edited_record_is_always_reported(record: dict[str, Any]) -> None:
    assert VALIDATOR.validate(valid(record))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(cases=st.lists(broken_records(), min_size=1, max_size=6, unique_by=lambda c: c[0]["id"]))
def test_export_keeps_every_valid_record_and_no_broken_one(
    cases: list[tuple[dict[str, Any], dict[str, Any]]], tmp_path: Path
) -> None:
    tasks, task_id = [], 0
    for record, broken in cases:
        tasks += [exported_task(record, task_id + 1), exported_task(broken, task_id + 2)]
        task_id += 2
    out = tmp_path / uuid.uuid4().hex
    _, report = export_tasks(tasks, out=out, options=ExportOptions(name="p"), source={"test": 1})
    lines = (out / "gold.jsonl").read_text("utf-8").splitlines()
    exported = {record["id"]: record for record in map(json.loads, lines)}
    assert set(exported) == {record["id"] for record, _ in cases}
    for record, _ in cases:
        assert without_provenance(exported[record["id"]]) == without_provenance(record)
    rejected = {entry["article_id"] for entry in report["rejected"]}
    assert rejected == {broken["id"] for _, broken in cases}
    assert report["counts"]["gold"] == len(cases) == report["counts"]["invalid"]


# -- through a real Label Studio ----------------------------------------------------------------


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(records=st.lists(gold_records(), min_size=3, max_size=5, unique_by=lambda r: r["id"]))
def test_records_survive_a_real_label_studio(
    records: list[dict[str, Any]], client: LabelStudioClient, tmp_path: Path
) -> None:
    title = f"roundtrip {uuid.uuid4().hex[:8]}"
    extras = {
        record["id"]: {
            "annotations": [
                {"result": record_to_results(record), "ground_truth": False, "was_cancelled": False}
            ]
        }
        for record in records
    }
    pushed = push_articles(
        client, [article_of(record) for record in records], project_title=title, task_extras=extras
    )
    assert pushed.created == len(records)
    out = tmp_path / uuid.uuid4().hex
    _, report = export_project(client, title, out=out, options=ExportOptions(name="roundtrip"))
    assert report["problems"] == [] and report["counts"]["gold"] == len(records)
    lines = (out / "gold.jsonl").read_text("utf-8").splitlines()
    exported = {record["id"]: record for record in map(json.loads, lines)}
    assert {key: without_provenance(value) for key, value in exported.items()} == {
        record["id"]: without_provenance(record) for record in records
    }
    for record in exported.values():
        assert VALIDATOR.validate(record) == []
        assert record["provenance"]["project_id"] == pushed.project.id
        assert record["provenance"]["project_title"] == title
        assert record["provenance"]["task_id"] in pushed.task_ids
