"""Problems an annotator can find: each names its region (label, number in Label Studio's
region list, first words) and its task with a link, and `export` shows them even when no
record survives. No server: the export is read from a file, as `--from-file` does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from quotegold.cli.main import app
from quotegold.gold.convert import annotation_to_record
from quotegold.workflows.export import build_gold

TEXT = "Khaled Al-Maeena said: “We will win the league this year.” Talks went well."
runner = CliRunner()


def region(rid: str, label: str, needle: str) -> dict[str, Any]:
    start = TEXT.index(needle)
    value = {"start": start, "end": start + len(needle), "text": needle, "labels": [label]}
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels", "value": value}


def attribute(rid: str, name: str, needle: str, *choices: str) -> dict[str, Any]:
    start = TEXT.index(needle)
    value = {"start": start, "end": start + len(needle), "text": needle, "choices": list(choices)}
    return {"id": rid, "from_name": name, "to_name": "text", "type": "choices", "value": value}


def task(task_id: int, result: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": task_id,
        "project": 5,
        "data": {"text": TEXT, "article_id": f"a{task_id}"},
        "annotations": [{"id": task_id * 10, "completed_by": 1, "result": result}],
    }


SPEAKER = "Khaled Al-Maeena"
QUOTE = "We will win the league this year."


def no_stance() -> list[dict[str, Any]]:
    """A speaker with its name and kind, and a quote said by it that lacks its stance."""
    return [
        region("Xq-rnd0m", "QUOTE", QUOTE),
        attribute("Xq-rnd0m", "quote_type", QUOTE, "direct"),
        region("4-e5Q-sTh_", "SPEAKER", SPEAKER),
        attribute("4-e5Q-sTh_", "speaker_kind", SPEAKER, "person"),
        {
            "id": "4-e5Q-sTh_",
            "from_name": "speaker_name",
            "to_name": "text",
            "type": "textarea",
            "value": {"start": 0, "end": 16, "text": [SPEAKER]},
        },
        {"type": "relation", "from_id": "Xq-rnd0m", "to_id": "4-e5Q-sTh_", "direction": "right"},
    ]


def test_a_problem_names_the_region_as_the_region_list_shows_it_and_links_the_task() -> None:
    build = build_gold([task(64, no_stance())], project_url="http://ls.example/projects/5/data")
    (problem,) = build.problems
    assert problem.message.startswith(
        "QUOTE 1 'We will win the league…' has no stance; select it and choose support, "
        "oppose, neutral"
    )
    assert problem.location.task == 64
    assert problem.location.link == "http://ls.example/projects/5/data?task=64"
    assert "http://ls.example/projects/5/data?task=64" in str(problem)
    # an unlabelled said_by is read from its ends: no problem about the relation
    assert build.statuses["invalid"] == 1


def test_attributes_left_on_a_relabelled_region_are_reported_as_such() -> None:
    """A QUOTE turned into a SPEAKER (a label key pressed with it selected) keeps its quote
    type and stance; the export says what happened and how to undo it."""
    result = [
        region("4-e5Q-sTh_", "SPEAKER", SPEAKER),
        attribute("4-e5Q-sTh_", "quote_type", SPEAKER, "direct"),
        attribute("4-e5Q-sTh_", "stance", SPEAKER, "neutral"),
        attribute("4-e5Q-sTh_", "speaker_kind", SPEAKER, "person"),
        {
            "id": "4-e5Q-sTh_",
            "from_name": "speaker_name",
            "to_name": "text",
            "type": "textarea",
            "value": {"start": 0, "end": 16, "text": [SPEAKER]},
        },
    ]
    record, issues = annotation_to_record(
        task(3, [])["data"] and task(3, []), {"id": 1, "result": result}
    )
    assert record is not None
    assert [issue.message for issue in issues] == [
        "QUOTE attributes on SPEAKER 1 'Khaled Al-Maeena' (quote type direct; stance neutral): "
        "the region was relabelled, or a key was pressed with the wrong region selected? If it "
        "is a QUOTE, select it and press q to relabel it back; if it is a SPEAKER, select it "
        "and press 1 (direct), 6 (neutral) again to clear them, or delete it and mark it again"
    ]


def test_export_lists_the_problems_when_no_record_survives(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps([task(100 + n, no_stance()) for n in range(25)]), "utf-8")
    out = tmp_path / "exports" / "none"
    result = runner.invoke(app, ["export", "--from-file", str(export), "--out", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert "problems (25):" in lines[0]
    shown = [line for line in lines if "has no stance" in line]
    assert len(shown) == 20
    assert "task 100" in shown[0] and "QUOTE 1 'We will win the league…'" in shown[0]
    assert "… and 5 more" in result.stderr
    assert "No gold records to export: problems kept all 25 annotated task(s) out" in result.stderr
    saved = tmp_path / "exports" / "none-report.json"
    assert str(saved) in result.stderr.replace("\n", "")
    report = json.loads(saved.read_text("utf-8"))
    assert len(report["problems"]) == 25 and report["counts"]["invalid"] == 25
    assert not out.exists()
