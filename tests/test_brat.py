"""`quotegold import brat`: hand-written brat standoff files read into records, with events,
relations, discontinuous spans, attributes, several annotators, and located errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quotegold.cli.main import app
from quotegold.errors import SettingsError
from quotegold.importers.brat import BratMapping, read_brat_folder
from quotegold.importers.mapping import mapping_from_flags, read_mapping

BRAT = Path(__file__).parent / "fixtures" / "brat"
runner = CliRunner()


def records(folder: Path = BRAT / "ok", mapping: BratMapping | None = None) -> dict[str, Any]:
    imported = read_brat_folder(folder, mapping or mapping_from_flags())
    assert imported.issues == []
    return {record["id"]: record for record in imported.records}


def test_an_event_ties_source_cue_and_a_discontinuous_content() -> None:
    bridge = records()["bridge@main"]
    speaker = bridge["speakers"][0]
    assert speaker["text"] == "Mayor Ann Lee"
    first = bridge["quotes"][0]
    assert [span["text"] for span in first["spans"]] == [
        "We will rebuild the bridge,",
        "and we will do it fast.",
    ]
    assert first["speaker_id"] == speaker["id"]
    assert {c["id"]: c["text"] for c in bridge["cues"]}[first["cue_id"]] == "said"
    for span in first["spans"]:
        assert bridge["text"][span["start"] : span["end"]] == span["text"]


def test_relations_link_a_quote_to_its_speaker_and_cue_and_attributes_are_read() -> None:
    mapping = BratMapping(
        dict(mapping_from_flags().types), {"Type": ("quote_type", {"Indirect": "indirect"})}
    )
    bridge = records(mapping=mapping)["bridge@main"]
    council = bridge["quotes"][1]
    assert council["text"] == "the budget was approved"
    speakers = {s["id"]: s["text"] for s in bridge["speakers"]}
    cues = {c["id"]: c["text"] for c in bridge["cues"]}
    assert speakers[council["speaker_id"]] == "The council"
    assert cues[council["cue_id"]] == "told"
    assert council["quote_type"] == "indirect"


def test_what_the_corpus_lacks_is_absent_and_the_quote_type_derived() -> None:
    plan = records()["plan"]
    assert plan["speakers"][0]["name"] is None and plan["speakers"][0]["kind"] is None
    (quote,) = plan["quotes"]
    assert quote["stance"] is None and quote["stance_target"] is None
    assert quote["quote_type"] == "mixed"  # a quoted phrase inside reported speech
    assert "initiatives" not in plan
    assert set(plan["import"]["absent"]) >= {
        "speakers.name",
        "speakers.kind",
        "quotes.stance",
        "initiatives",
    }
    assert plan["import"]["derived"] == ["quotes.quote_type"]
    assert records()["bridge@main"]["quotes"][0]["quote_type"] == "direct"


def test_several_annotators_of_one_text_are_separate_records() -> None:
    found = records()
    assert sorted(found) == ["bridge@annotator2", "bridge@main", "plan"]
    other = found["bridge@annotator2"]
    assert other["provenance"]["annotator_ids"] == ["annotator2"]
    assert [q["text"] for q in other["quotes"]] == ["the budget was approved"]
    assert other["text"] == found["bridge@main"]["text"]


def test_the_command_writes_jsonl_and_counts_skipped_types(tmp_path: Path) -> None:
    out = tmp_path / "brat.jsonl"
    result = runner.invoke(app, ["import", "brat", str(BRAT / "ok"), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "wrote 3 record(s)" in result.stdout
    assert "skipped types (not mapped): Date 1" in result.stdout
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(lines) == 3


def test_flags_choose_the_types(tmp_path: Path) -> None:
    out = tmp_path / "brat.jsonl"
    args = ["import", "brat", str(BRAT / "ok"), "--out", str(out), "--quote-type", "Content"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert "Source" in result.stdout and "Cue" in result.stdout  # now skipped, and counted
    first = json.loads(out.read_text("utf-8").splitlines()[0])
    assert first["speakers"] == [] and first["quotes"][0]["speaker_id"] is None


def test_bad_lines_are_reported_with_file_and_line(tmp_path: Path) -> None:
    out = tmp_path / "brat.jsonl"
    result = runner.invoke(app, ["import", "brat", str(BRAT / "bad"), "--out", str(out)])
    assert result.exit_code == 1
    assert "broken.ann:3" in result.stderr and "outside the text" in result.stderr
    assert "broken.ann:4" in result.stderr and "not 'says'" in result.stderr
    assert out.read_text("utf-8") == ""


def test_a_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text(
        '[types]\nSource = "SPEAKER"\nCue = "CUE"\nContent = "QUOTE"\nDate = "INITIATIVE"\n'
        '[attributes.Type]\nfield = "quote_type"\nvalues = { Indirect = "indirect" }\n',
        encoding="utf-8",
    )
    mapping = read_mapping(path)
    bridge = records(mapping=mapping)["bridge@main"]
    assert [i["text"] for i in bridge["initiatives"]] == ["Monday"]
    assert bridge["initiatives"][0]["status"] is None


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "[types] is missing"),
        ('[types]\nSource = "SOURCE"\n', "types.Source"),
        ('[types]\nSource = "SPEAKER"\n[attributes.X]\nfield = "colour"\n', "attributes.X.field"),
        ("[types\n", "cannot read"),
    ],
)
def test_a_bad_mapping_file_is_one_clear_error(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "map.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=fragment.replace("[", r"\[")):
        read_mapping(path)


def test_evaluation_leaves_absent_names_and_stances_out(tmp_path: Path) -> None:
    gold = tmp_path / "brat.jsonl"
    assert (
        runner.invoke(app, ["import", "brat", str(BRAT / "ok"), "--out", str(gold)]).exit_code == 0
    )
    figures = tmp_path / "figures.json"
    result = runner.invoke(app, ["evaluate", str(gold), str(gold), "--json", str(figures)])
    assert result.exit_code == 0, result.stderr
    scores = json.loads(figures.read_text("utf-8"))
    assert scores["layers"]["QUOTE"]["exact"]["f1"] == 1.0
    # every quote matched, but no name or stance is known: nothing scored, nothing wrong
    for figure in ("speaker_attribution", "stance", "stance_and_target"):
        assert scores["quotes"][figure]["matched"] == 0
        assert scores["quotes"][figure]["accuracy"] is None
