"""Agreement between annotators, on hand-built Label Studio tasks; figures counted by hand.

Tokens are spaCy's blank English tokenizer's (words and punctuation, whitespace left out),
written next to each text. F1 between two annotators is 2 · matched / (regions of one +
regions of the other). Krippendorff's alpha (nominal) is worked from the coincidence matrix:
alpha = 1 - (n - 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c · n_k, where a unit with m values adds
1 / (m - 1) to o_ck for each ordered pair of its values, n_c counts the pairable values c and
n all of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quotegold.cli.main import app
from quotegold.gold.results import record_to_results
from quotegold.measure import agreement as agreement_module
from quotegold.measure.agreement import (
    Alpha,
    krippendorff_alpha,
    measure_agreement,
)
from quotegold.report.page import write_report
from quotegold.workflows.export import ExportOptions, export_file

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

# 0 Ann 1 Lee 2 said 3 we 4 must 5 fight 6 terror 7 . 8 Bob 9 Ray 10 said 11 the 12 talks
# 13 went 14 well 15 .
TEXT = "Ann Lee said we must fight terror. Bob Ray said the talks went well."


def at(text: str, surface: str, nth: int = 0) -> dict[str, Any]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return {"start": start, "end": start + len(surface), "text": surface}


def speaker(rid: str, surface: str, name: str, text: str = TEXT) -> dict[str, Any]:
    return {"id": rid, **at(text, surface), "name": name, "kind": "person"}


def cue(rid: str, nth: int = 0, text: str = TEXT) -> dict[str, Any]:
    return {"id": rid, **at(text, "said", nth)}


def quote(
    rid: str,
    surface: str,
    *,
    speaker_id: str | None,
    stance: str = "neutral",
    target: str | None = None,
    cue_id: str | None = None,
    text: str = TEXT,
) -> dict[str, Any]:
    span = at(text, surface)
    return {
        "id": rid,
        "spans": [span],
        "text": span["text"],
        "quote_type": "direct",
        "speaker_id": speaker_id,
        "no_speaker": speaker_id is None,
        "cue_id": cue_id,
        "stance": stance,
        "stance_target": target,
    }


def record(text: str = TEXT, **regions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "unused",
        "text": text,
        "speakers": regions.get("speakers", []),
        "cues": regions.get("cues", []),
        "quotes": regions.get("quotes", []),
        "initiatives": regions.get("initiatives", []),
    }


def annotation(
    annotation_id: int, annotator: int, made: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "id": annotation_id,
        "completed_by": annotator,
        "result": record_to_results(made),
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": f"2025-01-01T10:00:{annotation_id % 60:02d}Z",
        "updated_at": f"2025-01-01T10:00:{annotation_id % 60:02d}Z",
        **extra,
    }


def task(task_id: int, article_id: str, *annotations: dict[str, Any], text: str = TEXT) -> Any:
    return {
        "id": task_id,
        "project": 7,
        "data": {"text": text, "article_id": article_id},
        "annotations": list(annotations),
        "drafts": [],
        "predictions": [],
    }


# Annotator 1 and annotator 2 on TEXT.
FIRST = record(
    speakers=[speaker("s1", "Ann Lee", "Ann Lee"), speaker("s2", "Bob Ray", "Bob Ray")],
    cues=[cue("c1"), cue("c2", 1)],
    quotes=[
        quote("q1", "we must fight terror", speaker_id="s1", stance="oppose", target="security"),
        quote("q2", "the talks went well", speaker_id="s2"),
    ],
)
SECOND = record(
    # "Ray" alone (exact: no; overlap: yes), and another canonical name for him
    speakers=[speaker("a", "Ann Lee", "Ann Lee"), speaker("b", "Ray", "Robert Ray")],
    cues=[cue("k")],  # the second "said" is missing
    quotes=[
        quote("x", "we must fight terror", speaker_id="a", stance="support", target="security"),
        quote("y", "talks went well", speaker_id="b"),  # without "the"
    ],
)


def two_annotators() -> list[dict[str, Any]]:
    return [task(1, "a1", annotation(11, 1, FIRST), annotation(12, 2, SECOND))]


def test_two_annotators_by_hand() -> None:
    measured = measure_agreement(two_annotators())
    assert measured.issues == ()
    figures = measured.to_dict()
    layers = figures["layers"]
    # SPEAKER: 2 + 2 regions; exact: "Ann Lee" only; overlap: both. Tokens: {Ann, Lee, Bob,
    # Ray} against {Ann, Lee, Ray}: 3 shared, F1 = 6 / 7.
    assert layers["SPEAKER"] == {
        "regions": 4,
        "matched_exact": 1,
        "f1_exact": 0.5,
        "matched_overlap": 2,
        "f1_overlap": 1.0,
        "f1_tokens": pytest.approx(6 / 7),
    }
    # CUE: 2 + 1 regions, one match either way: 2 / 3.
    assert layers["CUE"]["regions"] == 3
    assert layers["CUE"]["f1_exact"] == layers["CUE"]["f1_overlap"] == pytest.approx(2 / 3)
    # QUOTE: 2 + 2; exact: q1 only; overlap: both. Tokens: 8 against 7, 7 shared: 14 / 15.
    assert (layers["QUOTE"]["f1_exact"], layers["QUOTE"]["f1_overlap"]) == (0.5, 1.0)
    assert layers["QUOTE"]["f1_tokens"] == pytest.approx(14 / 15)
    assert layers["INITIATIVE"]["regions"] == 0 and layers["INITIATIVE"]["f1_exact"] is None
    # q1: Ann Lee both; q2: Bob Ray against Robert Ray.
    assert figures["relations"]["said_by"] == {
        "quote_pairs": 2,
        "same_speaker": 1,
        "agreement": 0.5,
    }
    # stance: units (oppose, support), (neutral, neutral). o_os = o_so = 1, o_nn = 2;
    # n_o = n_s = 1, n_n = 2, n = 4: alpha = 1 - 3 · 2 / (2 · (1·1 + 1·2 + 1·2)) = 0.4.
    # speaker name: (ann lee, ann lee), (bob ray, robert ray): the same counts, 0.4.
    # quote type: every quote is direct: no variation, alpha undefined.
    assert figures["alpha"] == {
        "stance": {"alpha": pytest.approx(0.4), "units": 2, "values": 4},
        "quote_type": {"alpha": None, "units": 2, "values": 4},
        "speaker_name": {"alpha": pytest.approx(0.4), "units": 2, "values": 4},
    }
    assert figures["summary"] == {
        "tasks": 1,
        "tasks_compared": 1,
        "annotators": 2,
        "pairs": 1,
        "quotes_compared": 2,
    }
    pair = figures["pairs"]["annotator 1 \u00d7 annotator 2"]
    assert pair["tasks"] == 1 and pair["QUOTE f1_exact"] == 0.5 and pair["said_by"] == 0.5
    assert "INITIATIVE f1_exact" not in pair  # nobody marked one
    assert figures["annotators"]["annotator 2"] == {
        "tasks": 1,
        "tasks_compared": 1,
        "pairs": 1,
        **{key: value for key, value in pair.items() if key != "tasks"},
    }
    json.dumps(figures, allow_nan=False)


def test_annotators_are_shown_by_name_when_known() -> None:
    measured = measure_agreement(two_annotators(), names={"1": "ann@example.com"})
    figures = measured.to_dict()
    assert list(figures["annotators"]) == ["ann@example.com", "annotator 2"]
    assert list(figures["pairs"]) == ["ann@example.com \u00d7 annotator 2"]


def test_the_reference_side_does_not_matter() -> None:
    swapped = [task(1, "a1", annotation(11, 2, FIRST), annotation(12, 1, SECOND))]
    assert (
        measure_agreement(swapped).to_dict()["layers"]
        == (measure_agreement(two_annotators()).to_dict()["layers"])
    )


# 0 one 1 two 2 three 3 four 4 five 5 six 6 .
SHORT = "one two three four five six."


def one_quote(surface: str, stance: str = "neutral", rid: str = "q") -> dict[str, Any]:
    target = None if stance == "neutral" else "other"
    return quote(rid, surface, speaker_id=None, stance=stance, target=target, text=SHORT)


def test_three_annotators_per_annotator_means_and_micro_overall() -> None:
    made = {
        1: record(SHORT, quotes=[one_quote("one two three", "support", "a")]),
        2: record(SHORT, quotes=[one_quote("one two three", "support", "b")]),
        3: record(SHORT, quotes=[one_quote("two three", "oppose", "c")]),
    }
    tasks = [task(1, "t", *(annotation(10 + n, n, r) for n, r in made.items()), text=SHORT)]
    figures = measure_agreement(tasks).to_dict()
    # QUOTE exact: pair 1-2 matches, 1-3 and 2-3 do not; overall 1 match in 6 regions: 2 / 6.
    assert figures["layers"]["QUOTE"]["f1_exact"] == pytest.approx(1 / 3)
    assert figures["layers"]["QUOTE"]["f1_overlap"] == 1.0
    means = {name: row["QUOTE f1_exact"] for name, row in figures["annotators"].items()}
    assert means == {"annotator 1": 0.5, "annotator 2": 0.5, "annotator 3": 0.0}
    assert list(figures["pairs"]) == [
        "annotator 1 \u00d7 annotator 2",
        "annotator 1 \u00d7 annotator 3",
        "annotator 2 \u00d7 annotator 3",
    ]
    # The three quotes are one unit with three values: support, support, oppose. Each
    # ordered pair weighs 1/2: o_ss = 1, o_so = o_os = 1; n_s = 2, n_o = 1, n = 3:
    # alpha = 1 - 2 · 2 / (2 · 2 · 1) = 0.
    assert figures["alpha"]["stance"] == {"alpha": 0.0, "units": 1, "values": 3}
    assert figures["summary"]["quotes_compared"] == 1


def test_a_chain_of_matches_through_one_annotator_twice_is_split_into_pairs() -> None:
    made = {
        # 1 has two quotes; 2's long quote matches 1's first (2 tokens shared against 1),
        # 3's matches 2's and 1's second: the group would hold two of 1's quotes.
        1: record(SHORT, quotes=[one_quote("one two", rid="a1"), one_quote("four five", rid="a2")]),
        2: record(SHORT, quotes=[one_quote("one two three four", rid="b")]),
        3: record(SHORT, quotes=[one_quote("three four five", "oppose", rid="c")]),
    }
    tasks = [task(1, "t", *(annotation(10 + n, n, r) for n, r in made.items()), text=SHORT)]
    stance = measure_agreement(tasks).to_dict()["alpha"]["stance"]
    assert (stance["units"], stance["values"]) == (3, 6)


ALPHA_CASES = [
    # units (annotator → value), alpha, units, values
    pytest.param(
        # o_ss = 2, o_so = o_os = 1, o_oo = 2, o_nn = 2; n_s = n_o = 3, n_n = 2, n = 8:
        # alpha = 1 - 7 · 2 / (2 · (3·3 + 3·2 + 3·2)) = 1 - 14 / 42 = 2/3
        [
            {"a": "s", "b": "s"},
            {"a": "s", "b": "o"},
            {"a": "o", "b": "o"},
            {"a": "n", "b": "n"},
        ],
        2 / 3,
        4,
        8,
        id="hand-worked",
    ),
    pytest.param([{"a": "s", "b": "s"}, {"a": "s", "b": "s"}], None, 2, 4, id="one value"),
    pytest.param([{"a": "s", "b": None}, {"a": "o"}], None, 0, 0, id="nothing pairable"),
    pytest.param([], None, 0, 0, id="no units"),
    pytest.param([{"a": "s", "b": "o"}, {"a": "o", "b": "s"}], -0.5, 2, 4, id="always differ"),
]


@pytest.mark.parametrize(("units", "alpha", "count", "values"), ALPHA_CASES)
def test_krippendorff_alpha(
    units: list[dict[str, str | None]], alpha: float | None, count: int, values: int
) -> None:
    found = krippendorff_alpha(units)
    assert (found.units, found.values) == (count, values)
    if alpha is None:
        assert found.alpha is None
    else:
        assert found.alpha == pytest.approx(alpha)


def test_alpha_comes_from_the_krippendorff_package(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    def fake(**kwargs: Any) -> float:
        calls.append(kwargs)
        return 0.25

    monkeypatch.setattr(agreement_module.krippendorff, "alpha", fake)
    assert krippendorff_alpha([{"a": "x", "b": "y"}]) == Alpha(0.25, 1, 2)
    (call,) = calls
    assert call["level_of_measurement"] == "nominal"
    assert call["reliability_data"] == [[0.0], [1.0]]  # values as integer codes


def test_skips_single_annotations_and_earlier_versions_are_not_compared() -> None:
    older = annotation(21, 2, FIRST, updated_at="2025-01-01T09:00:00Z")
    tasks = [
        # annotator 2's later annotation counts; their earlier one (identical to 1's) not
        task(1, "a1", annotation(11, 1, FIRST), older, annotation(22, 2, SECOND)),
        task(2, "a2", annotation(31, 1, FIRST)),  # one annotator
        task(3, "a3", annotation(41, 1, FIRST), annotation(42, 2, record(), was_cancelled=True)),
        task(4, "a4"),  # unannotated
    ]
    measured = measure_agreement(tasks)
    assert measured.to_dict()["layers"] == measure_agreement(two_annotators()).to_dict()["layers"]
    summary = measured.to_dict()["summary"]
    assert (summary["tasks"], summary["tasks_compared"]) == (4, 1)
    assert dict(measured.annotated) == {"1": 3, "2": 1}


def test_an_annotation_that_does_not_convert_is_left_out_with_an_issue() -> None:
    broken = annotation(12, 2, SECOND)
    broken["result"][0]["value"]["start"] += 1  # offsets no longer match the text
    measured = measure_agreement([task(1, "a1", annotation(11, 1, FIRST), broken)])
    assert measured.pairs == () and measured.compared == 0
    (issue,) = measured.issues
    assert issue.location.task == 1 and issue.location.annotation == 12
    assert issue.message.startswith("annotation left out of the agreement:")


# -- in the export, the card and the report ------------------------------------------------


def three_tasks(path: Path) -> Path:
    """An export: two annotators agree on two tasks and disagree (FIRST/SECOND) on one."""
    same = [f"{TEXT} Yes.", f"{TEXT} No."]
    agreeing = [
        record(
            text,
            speakers=[speaker("s1", "Ann Lee", "Ann Lee", text)],
            quotes=[quote("q1", "we must fight terror", speaker_id="s1", text=text)],
        )
        for text in same
    ]
    tasks = [
        task(1, "a1", annotation(11, 1, FIRST), annotation(12, 2, SECOND)),
        *(
            task(
                n, f"a{n}", annotation(10 * n + 1, 1, made), annotation(10 * n + 2, 2, made), text=t
            )
            for n, made, t in zip((2, 3), agreeing, same, strict=True)
        ),
    ]
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def test_export_report_card_and_html_carry_the_agreement(tmp_path: Path) -> None:
    source = three_tasks(tmp_path / "export.json")
    out = tmp_path / "dataset"
    _, report = export_file(source, out=out, options=ExportOptions(name="agree"))
    figures = report["agreement"]
    # QUOTE exact over the three tasks: 1 + 1 + 1 matches in 4 + 2 + 2 regions: 6 / 8.
    assert figures["layers"]["QUOTE"]["f1_exact"] == 0.75
    assert figures["summary"]["tasks_compared"] == 3
    assert json.loads((out / "report.json").read_text("utf-8"))["agreement"] == figures
    assert report["counts"]["conflict"] == 1

    card = (out / "README.md").read_text("utf-8")
    assert "## Agreement between annotators" in card
    assert "| QUOTE | 8 | 0.750 | 1.000 |" in card
    assert "| stance |" in card
    assert "agreement.layers" not in card  # not repeated in the flattened report table

    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.stderr
    html = (out / "report.html").read_text("utf-8")
    assert 'id="agreement"' in html
    assert "<td>QUOTE</td><td>8</td><td>3</td><td>0.750</td><td>4</td><td>1.000</td>" in html
    assert "Krippendorff" in html


def test_an_export_with_one_annotator_per_task_has_no_agreement(tmp_path: Path) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps([task(1, "a1", annotation(11, 1, FIRST))]), encoding="utf-8")
    _, report = export_file(source, out=tmp_path / "d", options=ExportOptions(name="one"))
    assert "agreement" not in report
    assert "Agreement between" not in (tmp_path / "d" / "README.md").read_text("utf-8")


# -- the command ---------------------------------------------------------------------------


def test_agreement_command_on_an_export_file(tmp_path: Path) -> None:
    source = three_tasks(tmp_path / "export.json")
    written = tmp_path / "figures.json"
    result = runner.invoke(app, ["agreement", str(source), "--json", str(written)])
    assert result.exit_code == 0, result.stderr
    figures = json.loads(written.read_text("utf-8"))
    assert figures["layers"]["QUOTE"]["f1_exact"] == 0.75
    assert "3 of 3 task(s) annotated by two annotators or more" in result.stdout
    assert "Krippendorff" in result.stdout and "0.750" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "give --project TITLE, or set title under [project] in quotegold.toml"),
        (["x.json", "--project", "p"], "give one of --project TITLE or EXPORT.json, not both"),
        ([str(ROOT / "tasks" / "gold" / "seeds.jsonl")], "is a gold JSONL file"),
    ],
)
def test_agreement_command_errors(arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["agreement", *arguments])
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_agreement_command_reports_what_it_left_out(tmp_path: Path) -> None:
    broken = annotation(12, 2, SECOND)
    broken["result"][0]["value"]["start"] += 1
    source = tmp_path / "export.json"
    source.write_text(json.dumps([task(1, "a1", annotation(11, 1, FIRST), broken)]), "utf-8")
    result = runner.invoke(app, ["agreement", str(source)])
    assert result.exit_code == 1
    assert "0 of 1 task(s)" in result.stdout
    assert "left out of the agreement" in result.stderr and "annotation 12" in result.stderr


@pytest.mark.parametrize(
    "command", [["agreement"], ["adjudicate"], ["annotators", "add"], ["annotators", "list"]]
)
def test_new_commands_have_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_report_without_agreement_in_the_export_still_works(tmp_path: Path) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps([task(1, "a1", annotation(11, 1, FIRST))]), encoding="utf-8")
    export_file(source, out=tmp_path / "d", options=ExportOptions(name="one"))
    out = write_report(tmp_path / "d", tmp_path / "r.html")
    assert 'id="agreement"' not in out.read_text("utf-8")
