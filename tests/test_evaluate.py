"""Tests for measure.comparison, measure.evaluate and `evaluate`, on hand-built records.

Expected figures are counted by hand from the token lists written next to each text
(spaCy's blank English tokenizer: words and punctuation, whitespace left out).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quotegold.cli.main import app
from quotegold.errors import SettingsError, ValidationError
from quotegold.gold.adjudicate import choose_annotation
from quotegold.gold.exportfile import read_label_studio_export
from quotegold.measure.comparison import LAYERS, Comparison, Score, compare, speaker_key
from quotegold.measure.evaluate import article_from_record, evaluate_files, load_records

ROOT = Path(__file__).resolve().parents[1]
SEEDS_GOLD = ROOT / "tasks" / "gold" / "seeds.jsonl"
FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def at(text: str, surface: str, nth: int = 0) -> dict[str, Any]:
    """The span of the nth occurrence of `surface` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return {"start": start, "end": start + len(surface), "text": surface}


def speaker(rid: str, text: str, surface: str, name: str, nth: int = 0) -> dict[str, Any]:
    return {"id": rid, **at(text, surface, nth), "name": name, "kind": "person"}


def cue(rid: str, text: str, surface: str, nth: int = 0) -> dict[str, Any]:
    return {"id": rid, **at(text, surface, nth)}


def quote(
    rid: str,
    text: str,
    *parts: str,
    speaker_id: str | None = None,
    stance: str = "neutral",
    target: str | None = None,
) -> dict[str, Any]:
    spans = [at(text, part) for part in parts]
    return {
        "id": rid,
        "spans": spans,
        "text": " … ".join(span["text"] for span in spans),
        "quote_type": "indirect",
        "speaker_id": speaker_id,
        "no_speaker": speaker_id is None,
        "cue_id": None,
        "stance": stance,
        "stance_target": target,
    }


def record(article_id: str, text: str, **regions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": article_id,
        "text": text,
        "meta": {"title": None, "url": None, "source": None, "published": None, "boilerplate": []},
        "speakers": regions.get("speakers", []),
        "cues": regions.get("cues", []),
        "quotes": regions.get("quotes", []),
        "initiatives": regions.get("initiatives", []),
        "provenance": {"schema_version": "1.0.0"},
    }


# Tokens: 0 Ann 1 Lee 2 said 3 we 4 must 5 fight 6 terror 7 . 8 Bob 9 Ray 10 said 11 the
# 12 plan 13 is 14 bad 15 . 16 The 17 minister 18 warned 19 of 20 unrest 21 .
TEXT_A = (
    "Ann Lee said we must fight terror. Bob Ray said the plan is bad. "
    "The minister warned of unrest."
)
# Tokens: 0 We 1 will 2 win 3 , 4 the 5 coach 6 said 7 , 8 and 9 we 10 will 11 not 12 stop
# 13 . 14 Sources 15 said 16 talks 17 failed 18 .
TEXT_B = "We will win, the coach said, and we will not stop. Sources said talks failed."
# Tokens: 0 Mia 1 said 2 no 3 .
TEXT_C = "Mia said no."

GOLD_A = record(
    "a",
    TEXT_A,
    speakers=[
        speaker("s1", TEXT_A, "Ann Lee", "Ann Lee"),
        speaker("s2", TEXT_A, "Bob Ray", "Bob Ray"),
        speaker("s3", TEXT_A, "The minister", "Minister"),
    ],
    cues=[
        cue("c1", TEXT_A, "said"),
        cue("c2", TEXT_A, "said", 1),
        cue("c3", TEXT_A, "warned"),
    ],
    quotes=[
        quote(
            "q1",
            TEXT_A,
            "we must fight terror",
            speaker_id="s1",
            stance="oppose",
            target="security",
        ),
        quote(
            "q2",
            TEXT_A,
            "the plan is bad",
            speaker_id="s2",
            stance="oppose",
            target="governance",
        ),
        quote("q3", TEXT_A, "of unrest", speaker_id="s3"),
    ],
    initiatives=[
        {"id": "i1", **at(TEXT_A, "the plan"), "status": "proposed", "proponent_ids": ["s2"]}
    ],
)
PRED_A = record(
    "a",
    TEXT_A,
    speakers=[
        speaker("x1", TEXT_A, "Ann Lee", "ann  LEE"),  # same name, other case and spacing
        speaker("x2", TEXT_A, "Ray", "Robert Ray"),  # overlaps Bob Ray; another name
    ],
    cues=[
        cue("y1", TEXT_A, "said"),
        cue("y2", TEXT_A, "said", 1),
        cue("y3", TEXT_A, "warned"),
    ],
    quotes=[
        # overlaps q1 by 3 tokens, not exact; same speaker, stance and target
        quote("z1", TEXT_A, "we must fight", speaker_id="x1", stance="oppose", target="security"),
        # exact q2; other speaker name, other stance
        quote(
            "z2",
            TEXT_A,
            "the plan is bad",
            speaker_id="x2",
            stance="support",
            target="governance",
        ),
        # overlaps no gold quote
        quote("z3", TEXT_A, "The minister warned"),
    ],
)
GOLD_B = record(
    "b",
    TEXT_B,
    speakers=[speaker("s1", TEXT_B, "the coach", "Coach")],
    cues=[cue("c1", TEXT_B, "said"), cue("c2", TEXT_B, "said", 1)],
    quotes=[
        # a quote split in two parts around "the coach said"
        quote(
            "q1",
            TEXT_B,
            "We will win",
            "and we will not stop",
            speaker_id="s1",
            stance="support",
            target="other",
        ),
        quote("q2", TEXT_B, "talks failed"),  # no speaker
    ],
)
PRED_B = record(
    "b",
    TEXT_B,
    speakers=[speaker("x1", TEXT_B, "the coach", "coach")],
    cues=[cue("y1", TEXT_B, "said")],
    quotes=[
        # each part on its own: q1 goes to the part sharing more tokens (5 against 3)
        quote("z1", TEXT_B, "We will win", speaker_id="x1", stance="support", target="other"),
        quote(
            "z2",
            TEXT_B,
            "and we will not stop",
            speaker_id="x1",
            stance="support",
            target="security",
        ),
        quote("z3", TEXT_B, "talks failed"),  # exact, no speaker on both sides
    ],
)
GOLD_C = record(
    "c",
    TEXT_C,
    speakers=[speaker("s1", TEXT_C, "Mia", "Mia")],
    cues=[cue("c1", TEXT_C, "said")],
    quotes=[quote("q1", TEXT_C, "no", speaker_id="s1", stance="oppose", target="other")],
)
PRED_D = record("d", "Nobody said anything.")


@pytest.fixture(scope="module")
def hand() -> Comparison:
    return compare([GOLD_A, GOLD_B, GOLD_C], [PRED_A, PRED_B, PRED_D])


def figures(score: Score) -> tuple[Any, ...]:
    return (score.gold, score.predicted, score.matched, score.precision, score.recall, score.f1)


# (layer, mode) → gold, predicted, matched, P, R, F1 — summed over articles a, b, c.
EXPECTED = [
    # speakers a: exact Ann Lee; Ray overlaps Bob Ray; the minister missed. b: exact. c: missed.
    ("SPEAKER", "exact", (5, 3, 2, 2 / 3, 2 / 5, 0.5)),
    ("SPEAKER", "overlap", (5, 3, 3, 1.0, 3 / 5, 0.75)),
    # tokens a: gold {0,1,8,9,16,17} pred {0,1,9}; b: {4,5} both; c: {0} gold only
    ("SPEAKER", "tokens", (9, 5, 5, 1.0, 5 / 9, 10 / 14)),
    ("CUE", "exact", (6, 4, 4, 1.0, 4 / 6, 0.8)),
    ("CUE", "overlap", (6, 4, 4, 1.0, 4 / 6, 0.8)),
    ("CUE", "tokens", (6, 4, 4, 1.0, 4 / 6, 0.8)),
    # quotes a: z2 exact, z1 overlaps q1, z3 nothing; b: z3 exact, z2 overlaps q1, z1 left
    ("QUOTE", "exact", (6, 6, 2, 2 / 6, 2 / 6, 1 / 3)),
    ("QUOTE", "overlap", (6, 6, 4, 4 / 6, 4 / 6, 2 / 3)),
    # tokens a: gold {3-6, 11-14, 19, 20} pred {3-5, 11-14, 16-18}, 7 shared; b: the same
    # 10 on both sides; c: 1 gold token
    ("QUOTE", "tokens", (21, 20, 17, 17 / 20, 17 / 21, 34 / 41)),
    ("INITIATIVE", "exact", (1, 0, 0, None, 0.0, 0.0)),
    ("INITIATIVE", "overlap", (1, 0, 0, None, 0.0, 0.0)),
    ("INITIATIVE", "tokens", (2, 0, 0, None, 0.0, 0.0)),
]


@pytest.mark.parametrize(("layer", "mode", "expected"), EXPECTED)
def test_hand_counted_scores(
    hand: Comparison, layer: str, mode: str, expected: tuple[Any, ...]
) -> None:
    assert figures(getattr(hand.layers[layer], mode)) == pytest.approx(expected)


def test_quote_pairs(hand: Comparison) -> None:
    pairs = [
        (p.article_id, p.reference["id"], p.candidate["id"], p.shared_tokens, p.exact)
        for p in hand.quote_pairs
    ]
    assert pairs == [
        ("a", "q1", "z1", 3, False),
        ("a", "q2", "z2", 4, True),
        ("b", "q1", "z2", 5, False),
        ("b", "q2", "z3", 2, True),
    ]
    speakers = [
        (p.reference_speaker, p.candidate_speaker, p.same_speaker) for p in hand.quote_pairs
    ]
    assert speakers == [
        ("Ann Lee", "ann  LEE", True),
        ("Bob Ray", "Robert Ray", False),
        ("Coach", "coach", True),
        (None, None, True),
    ]


def test_speaker_and_stance_accuracy(hand: Comparison) -> None:
    # 6 gold quotes, 6 predicted, 4 matched pairs
    attribution = hand.speaker_attribution
    assert (attribution.gold, attribution.predicted, attribution.matched) == (6, 6, 4)
    assert (attribution.correct, attribution.accuracy) == (3, 0.75)  # Bob Ray ≠ Robert Ray
    assert (hand.stance.correct, hand.stance.accuracy) == (3, 0.75)  # oppose ≠ support in a
    # and in b the second part's target differs: security ≠ other
    assert (hand.stance_and_target.correct, hand.stance_and_target.accuracy) == (2, 0.5)


def test_articles_on_one_side_only(hand: Comparison) -> None:
    assert hand.compared == ("a", "b", "c")
    assert hand.only_in_reference == ("c",)
    assert hand.only_in_candidate == ("d",)
    assert hand.text_differs == ()


def test_to_dict_carries_every_figure(hand: Comparison) -> None:
    data = json.loads(json.dumps(hand.to_dict(), allow_nan=False))
    assert data["articles"] == {
        "compared": 3,
        "only_in_gold": ["c"],
        "only_in_predicted": ["d"],
        "text_differs": [],
        "duplicates": [],
    }
    assert set(data["layers"]) == set(LAYERS)
    assert data["layers"]["QUOTE"]["exact"] == {
        "gold": 6,
        "predicted": 6,
        "matched": 2,
        "precision": pytest.approx(1 / 3),
        "recall": pytest.approx(1 / 3),
        "f1": pytest.approx(1 / 3),
    }
    assert data["layers"]["INITIATIVE"]["exact"]["precision"] is None
    assert data["quotes"]["stance_and_target"] == {
        "gold": 6,
        "predicted": 6,
        "matched": 4,
        "correct": 2,
        "accuracy": 0.5,
    }


@pytest.mark.parametrize(
    ("gold", "predicted", "matched", "precision", "recall", "f1"),
    [
        (0, 0, 0, None, None, None),
        (4, 0, 0, None, 0.0, 0.0),
        (0, 3, 0, 0.0, None, 0.0),
        (4, 4, 4, 1.0, 1.0, 1.0),
        (4, 2, 1, 0.5, 0.25, 1 / 3),
    ],
)
def test_score_conventions(
    gold: int,
    predicted: int,
    matched: int,
    precision: float | None,
    recall: float | None,
    f1: float | None,
) -> None:
    assert figures(Score(gold, predicted, matched))[3:] == pytest.approx((precision, recall, f1))


def test_both_sides_empty() -> None:
    nothing = compare([], [])
    assert nothing.compared == () and nothing.quote_pairs == ()
    assert all(
        figures(getattr(nothing.layers[layer], m)) == (0, 0, 0, None, None, None)
        for layer in LAYERS
        for m in ("exact", "overlap", "tokens")
    )
    assert nothing.speaker_attribution.accuracy is None


def test_empty_candidate_record_misses_everything() -> None:
    result = compare([GOLD_C], [record("c", TEXT_C)])
    assert figures(result.layers["QUOTE"].overlap) == (1, 0, 0, None, 0.0, 0.0)
    assert result.only_in_reference == () and result.quote_pairs == ()


def test_empty_reference_record_makes_every_prediction_wrong() -> None:
    result = compare([record("c", TEXT_C)], [GOLD_C])
    assert figures(result.layers["SPEAKER"].exact) == (0, 1, 0, 0.0, None, 0.0)
    assert figures(result.layers["QUOTE"].tokens) == (0, 1, 0, 0.0, None, 0.0)


def test_identical_records_score_one() -> None:
    result = compare([GOLD_A, GOLD_B], [GOLD_A, GOLD_B])
    for layer in LAYERS:
        for mode in ("exact", "overlap", "tokens"):
            score = getattr(result.layers[layer], mode)
            assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)
    assert result.speaker_attribution.accuracy == result.stance_and_target.accuracy == 1.0
    assert all(pair.exact for pair in result.quote_pairs)


def test_one_prediction_covering_two_quotes_matches_only_one() -> None:
    text = "Ann said yes and no and maybe."
    gold = record("g", text, quotes=[quote("q1", text, "yes"), quote("q2", text, "no and maybe")])
    pred = record("g", text, quotes=[quote("z1", text, "yes and no and maybe")])
    result = compare([gold], [pred])
    assert figures(result.layers["QUOTE"].overlap)[:3] == (2, 1, 1)
    assert [p.reference["id"] for p in result.quote_pairs] == ["q2"]  # 3 shared tokens beat 1


def test_other_text_is_left_out_and_reported() -> None:
    result = compare([GOLD_C], [record("c", "Mia said yes.")])
    assert result.text_differs == ("c",) and result.compared == ()
    assert result.layers["QUOTE"].overlap == Score()


def test_duplicate_ids_count_once() -> None:
    result = compare([GOLD_C, GOLD_C], [GOLD_C])
    assert result.duplicates == ("c",)
    assert result.layers["QUOTE"].exact == Score(1, 1, 1)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Rajnath  Singh ", "rajnath singh"),
        ("RAJNATH\nSINGH", "rajnath singh"),
        ("  ", None),
        (None, None),
    ],
)
def test_speaker_key(name: str | None, key: str | None) -> None:
    assert speaker_key(name) == key


def test_article_from_record_keeps_metadata() -> None:
    gold = {
        **GOLD_C,
        "meta": {**GOLD_C["meta"], "title": "T", "boilerplate": [{"start": 4, "end": 8}]},
    }
    article = article_from_record(gold)
    assert (article.id, article.text, article.title, article.url) == ("c", TEXT_C, "T", None)
    assert [(b.start, b.end, b.text) for b in article.boilerplate] == [(4, 8, "said")]


# -- files -------------------------------------------------------------------------------


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_files_are_compared(tmp_path: Path) -> None:
    gold = write_jsonl(tmp_path / "gold.jsonl", [GOLD_A, GOLD_B, GOLD_C])
    pred = write_jsonl(tmp_path / "pred.jsonl", [PRED_A, PRED_B, PRED_D])
    evaluation = evaluate_files(gold, pred)
    assert evaluation.issues == []
    assert (
        evaluation.comparison.to_dict()
        == compare([GOLD_A, GOLD_B, GOLD_C], [PRED_A, PRED_B, PRED_D]).to_dict()
    )


def test_unusable_lines_and_other_texts_are_reported(tmp_path: Path) -> None:
    gold = write_jsonl(tmp_path / "gold.jsonl", [GOLD_A, GOLD_C])
    pred = tmp_path / "pred.jsonl"
    broken = {**PRED_A, "quotes": [{"id": "z", "spans": [{"start": "0", "end": 2}]}]}
    lines = [json.dumps(broken), "not json", json.dumps(record("c", "Mia said yes."))]
    pred.write_text("\n".join(lines) + "\n", encoding="utf-8")
    evaluation = evaluate_files(gold, pred)
    shown = [str(issue) for issue in evaluation.issues]
    assert len(shown) == 3
    assert f"{pred}:1: a region in quotes ('z') has no whole-number offsets" in shown[0]
    assert f"{pred}:2: invalid JSON" in shown[1]
    assert f"{pred}:3: article c has another text" in shown[2]
    assert evaluation.comparison.only_in_reference == ("a",)


def export_as_gold(export: Path, out: Path) -> Path:
    records = [choose_annotation(task).record for task in read_label_studio_export(export)]
    return write_jsonl(out, [r for r in records if r is not None])


@pytest.mark.parametrize("export_side", ["gold", "predicted"])
def test_a_label_studio_export_on_either_side(tmp_path: Path, export_side: str) -> None:
    export = FIXTURES / "export_full.json"
    jsonl = export_as_gold(export, tmp_path / "gold.jsonl")
    gold, pred = (export, jsonl) if export_side == "gold" else (jsonl, export)
    evaluation = evaluate_files(gold, pred)
    assert evaluation.issues == []
    assert len(evaluation.comparison.compared) == 2
    assert evaluation.comparison.layers["QUOTE"].exact.f1 == 1.0
    assert evaluation.comparison.stance_and_target.accuracy == 1.0


def test_conflicting_tasks_of_an_export_are_reported() -> None:
    loaded = load_records(FIXTURES / "export_annotators.json")
    reported = {issue.location.task for issue in loaded.issues}
    assert reported == {202, 207}  # disagreements; skipped and unannotated tasks are not news
    assert all("no gold record (conflict)" in str(i) for i in loaded.issues)


def test_bad_arguments() -> None:
    with pytest.raises(SettingsError, match="exactly one of PRED"):
        evaluate_files(SEEDS_GOLD)
    with pytest.raises(SettingsError, match="strategy"):
        load_records(SEEDS_GOLD, strategy="vote")
    with pytest.raises(ValidationError, match="cannot read"):
        load_records(Path("no-such-file.jsonl"))


# -- the command ---------------------------------------------------------------------------


def test_evaluate_seeds_against_themselves(tmp_path: Path) -> None:
    out = tmp_path / "figures" / "seeds.json"
    result = runner.invoke(app, ["evaluate", str(SEEDS_GOLD), str(SEEDS_GOLD), "--json", str(out)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text("utf-8"))
    assert data["articles"]["compared"] == 2
    for layer in LAYERS:
        for mode in ("exact", "overlap", "tokens"):
            score = data["layers"][layer][mode]
            assert score["gold"] == score["predicted"] == score["matched"] > 0
            assert score["precision"] == score["recall"] == score["f1"] == 1.0
    for accuracy in data["quotes"].values():
        assert accuracy["matched"] == 17 and accuracy["accuracy"] == 1.0
    for shown in ("SPEAKER", "INITIATIVE", "overlap", "speaker attribution", "1.000"):
        assert shown in result.stdout


def test_evaluate_the_preannotator(tmp_path: Path) -> None:
    out = tmp_path / "pre.json"
    result = runner.invoke(app, ["evaluate", str(SEEDS_GOLD), "--preannotate", "--json", str(out)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text("utf-8"))
    assert data["articles"]["compared"] == 2 and data["articles"]["only_in_gold"] == []
    assert data["layers"]["QUOTE"]["exact"]["gold"] == 17


def test_evaluate_reports_left_out_records_and_exits_1(tmp_path: Path) -> None:
    pred = tmp_path / "pred.jsonl"
    pred.write_text(SEEDS_GOLD.read_text("utf-8") + "[1, 2]\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(SEEDS_GOLD), str(pred)])
    assert result.exit_code == 1
    assert "left out of the evaluation (1)" in result.stderr
    assert "not a gold record object" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "arguments",
    [[str(SEEDS_GOLD)], [str(SEEDS_GOLD), str(SEEDS_GOLD), "--preannotate"]],
)
def test_evaluate_wants_one_candidate(arguments: list[str]) -> None:
    result = runner.invoke(app, ["evaluate", *arguments])
    assert result.exit_code == 1
    assert result.stderr.startswith("error:") and "--preannotate" in result.stderr


def test_evaluate_a_missing_file_is_one_line() -> None:
    result = runner.invoke(app, ["evaluate", "missing.jsonl", str(SEEDS_GOLD)])
    assert result.exit_code == 1
    assert "cannot read the file" in result.stderr and "Traceback" not in result.stderr


def test_evaluate_help_has_an_example() -> None:
    result = runner.invoke(app, ["evaluate", "--help"])
    assert result.exit_code == 0 and "Example:" in result.stdout
