"""scripts/goldsketch: anchors, sketch -> gold -> sketch round trips, offsets in any script."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from quotegold.articles.ingest import Article, read_articles
from quotegold.gold.validate import default_validator
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.projectfile import read_project_file

ROOT = Path(__file__).parents[1]
GOLD = sorted((ROOT / "tasks" / "gold").rglob("*.jsonl"))
ARTICLES = [
    ROOT / "tasks" / "wikinews",
    ROOT / "tasks" / "hardcases",
    ROOT / "tasks" / "seeds",
    ROOT / "tasks" / "wikinews-2019-2020",
]
# The seed gold has the demo's own stance targets; the rest, the built-in ones.
DEMO_CONFIG = ROOT / "tasks" / "seeds" / "quotegold.toml"


def _load() -> ModuleType:
    path = ROOT / "scripts" / "goldsketch_lib.py"
    spec = importlib.util.spec_from_file_location("goldsketch_lib", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["goldsketch_lib"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


gs = _load()

TEXT = (
    "Minister Ana Ruiz said the plan was sound. Ruiz said on Monday that talks would go on.\n"
    '"We will not give up," Ruiz said.'
)


def article(text: str = TEXT, article_id: str = "t-1") -> Article:
    return Article(id=article_id, text=text, title="A title", source="Test")


def resolve(text: str, needle: str, context: str | None = None, at: int | None = None) -> str:
    start, end = gs.resolve_anchor(text, gs.Anchor(needle, context, at))
    return str(text[start:end]) + f"@{start}"


# -- anchors ---------------------------------------------------------------------------------


def test_a_unique_text_anchors_alone() -> None:
    assert resolve(TEXT, "the plan was sound") == f"the plan was sound@{TEXT.index('the plan')}"


def test_in_picks_the_occurrence_inside_its_context() -> None:
    start = TEXT.index("Ruiz said on") + len("Ruiz ")
    assert resolve(TEXT, "said", "Ruiz said on Monday") == f"said@{start}"


def test_at_counts_occurrences_from_one() -> None:
    third = [i for i in range(len(TEXT)) if TEXT.startswith("said", i)][2]
    assert resolve(TEXT, "said", at=3) == f"said@{third}"
    # with "in", "at" counts inside the context
    context = "Ruiz said the plan was sound. Ruiz said"
    second = TEXT.index("Ruiz said on") + len("Ruiz ")
    assert resolve(TEXT, "said", context, at=2) == f"said@{second}"


def test_an_ambiguous_text_says_how_often_and_offers_contexts() -> None:
    with pytest.raises(gs.AnchorError) as caught:
        resolve(TEXT, "said")
    message = str(caught.value)
    assert '"said" occurs 3 times' in message
    assert 'add "in"' in message and '"in":' in message


@pytest.mark.parametrize(
    ("needle", "context", "at", "expected"),
    [
        ("plans", None, None, "is not in the article text"),
        ("said", "Ruiz said", None, 'the "in" context "Ruiz said" occurs 3 times'),
        ("said", "Ruiz shouted", None, 'the "in" context "Ruiz shouted" is not in the article'),
        ("told", "Ruiz said on Monday", None, "is not inside its"),
        ("said", None, 4, '"at" is 4 but "said" occurs 3 times'),
        ("said", None, 0, "occurrences count from 1"),
        ("", None, None, '"text" is empty'),
    ],
)
def test_missing_and_wrong_anchors_are_refused_with_a_reason(
    needle: str, context: str | None, at: int | None, expected: str
) -> None:
    with pytest.raises(gs.AnchorError) as caught:
        resolve(TEXT, needle, context, at)
    assert expected in str(caught.value)


def test_a_near_miss_names_the_exact_text_to_copy() -> None:
    with pytest.raises(gs.AnchorError) as caught:
        resolve(TEXT, "“We will not give up,”  Ruiz")
    assert '"\\"We will not give up,\\" Ruiz"' in str(caught.value)


def test_anchor_for_is_minimal_and_resolves_back() -> None:
    for start in range(len(TEXT)):
        for end in (start + 1, start + 4, start + 11):
            if end > len(TEXT) or TEXT[start:end].strip() != TEXT[start:end]:
                continue
            anchor = gs.anchor_for(TEXT, start, end)
            found = gs.resolve_anchor(
                TEXT, gs.Anchor(anchor["text"], anchor.get("in"), anchor.get("at"))
            )
            assert found == (start, end), anchor
    assert gs.anchor_for(TEXT, 0, 8) == {"text": "Minister"}
    said = TEXT.index("Ruiz said on") + len("Ruiz ")
    assert gs.anchor_for(TEXT, said, said + 4) == {"text": "said", "in": "said on"}


# -- build -----------------------------------------------------------------------------------


def sketch(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "t-1",
        "speakers": [
            {"id": "s1", "text": "Minister Ana Ruiz", "name": "Ana Ruiz", "kind": "person"},
            {
                "id": "s2",
                "text": "Ruiz",
                "in": "Ruiz said on",
                "name": "Ana Ruiz",
                "kind": "person",
            },
        ],
        "cues": [{"id": "c1", "text": "said", "in": "Ruiz said the"}],
        "quotes": [
            {
                "id": "q1",
                "spans": [{"text": "the plan was sound"}],
                "type": "indirect",
                "speaker": "s1",
                "cue": "c1",
                "no_speaker": False,
                "stance": "support",
                "target": "governance",
            },
            {
                "id": "q2",
                "text": "We will not give up,",
                "type": "direct",
                "speaker": "s2",
                "stance": "neutral",
            },
        ],
        "initiatives": [],
        "notes": "",
    }
    base.update(changes)
    return base


def test_build_makes_a_valid_gold_record_in_the_gold_shape() -> None:
    result = gs.build_record(sketch(), article(), date="2026-01-02T00:00:00Z")
    assert result.ok, result.problems
    record = result.record
    assert list(record) == [
        "id",
        "text",
        "meta",
        "speakers",
        "cues",
        "quotes",
        "initiatives",
        "provenance",
    ]
    assert record["meta"] == {
        "title": "A title",
        "url": None,
        "source": "Test",
        "published": None,
        "boilerplate": [],
    }
    assert record["provenance"]["annotator_ids"] == ["quotegold-team"]
    assert record["provenance"]["created_at"] == "2026-01-02T00:00:00Z"
    q2 = record["quotes"][1]
    assert q2["cue_id"] is None and q2["stance_target"] is None and q2["no_speaker"] is False
    assert default_validator().validate(record) == []


def test_build_locates_every_problem_by_region() -> None:
    bad = sketch()
    bad["cues"][0] = {"id": "c1", "text": "said"}
    bad["quotes"][0]["target"] = None  # support needs a target
    bad["speakers"][0]["speker"] = "typo"
    result = gs.build_record(bad, article(), file="x.json")
    assert not result.ok
    regions = {problem.region for problem in result.problems if problem.error}
    assert {"c1", "s1"} <= regions
    assert all(problem.file == "x.json" for problem in result.problems)
    # once the anchors are fixed, the validator's rules are reported per region too
    bad["cues"][0] = {"id": "c1", "text": "said", "at": 1}
    del bad["speakers"][0]["speker"]
    result = gs.build_record(bad, article(), file="x.json")
    assert [p.region for p in result.problems if p.error] == ["q1"]
    assert "no stance_target" in result.problems[0].message


def test_split_quotes_are_joined_with_the_projects_joiner() -> None:
    from quotegold.schema.formats import JOINER

    two = sketch()
    two["quotes"][0]["spans"] = [{"text": "the plan"}, {"text": "was sound"}]
    record = gs.build_record(two, article()).record
    assert record["quotes"][0]["text"] == f"the plan{JOINER}was sound"


def test_emoji_and_non_latin_offsets_are_code_points() -> None:
    text = "🎉🎉 Учитель 王丽 said “数据 😀 很好” yesterday. 王丽 smiled."
    data = {
        "id": "t-2",
        "speakers": [{"id": "s1", "text": "王丽", "at": 1, "name": "Wang Li", "kind": "person"}],
        "cues": [{"id": "c1", "text": "said"}],
        "quotes": [
            {
                "id": "q1",
                "spans": [{"text": "数据 😀 很好"}],
                "type": "direct",
                "speaker": "s1",
                "cue": "c1",
                "stance": "neutral",
            }
        ],
        "initiatives": [],
    }
    result = gs.build_record(data, article(text, "t-2"))
    assert result.ok, result.problems
    quote = result.record["quotes"][0]["spans"][0]
    assert (quote["start"], quote["end"]) == (text.index("数据"), text.index("数据") + 7)
    assert text[quote["start"] : quote["end"]] == "数据 😀 很好"
    assert result.record["speakers"][0]["start"] == 11
    again = gs.record_to_sketch(result.record)
    assert again["speakers"][0]["in"] == "王丽 said"
    assert gs.build_record(again, article(text, "t-2")).record == result.record


# -- round trip over the project's gold --------------------------------------------------------


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return {a.id: a for a in read_articles(ARTICLES).articles}


@pytest.mark.parametrize("path", GOLD, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_from_gold_then_build_reproduces_every_gold_record(
    path: Path, articles: dict[str, Article]
) -> None:
    demo = path.name == "seeds.jsonl"
    schema = read_project_file(DEMO_CONFIG).schema if demo else DEFAULT_SCHEMA
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        sketch_data = json.loads(gs.dump_sketch(gs.record_to_sketch(record)))
        result = gs.build_record(
            sketch_data,
            articles[record["id"]],
            date=record["provenance"]["updated_at"],
            validate=False,
            schema=schema,
        )
        assert not [p for p in result.problems if p.error], result.problems
        assert gs.gold_line(result.record) == line


def test_the_command_line_round_trip(tmp_path: Path) -> None:
    gold = ROOT / "tasks" / "gold" / "wikinews-a.jsonl"
    sketches, out = tmp_path / "sketches", tmp_path / "out.jsonl"
    assert gs.main(["from-gold", str(gold), "--out", str(sketches)]) == 0
    assert len(list(sketches.glob("*.json"))) == 8
    assert gs.main(["from-gold", str(gold), "--out", str(sketches)]) == 0  # skips, keeps
    argv = ["build", "--no-validate", "--date", "2026-12-07", "--out", str(out)]
    argv += [arg for path in ARTICLES for arg in ("--articles", str(path))]
    assert gs.main([*argv, str(sketches)]) == 0
    assert out.read_text(encoding="utf-8") == gold.read_text(encoding="utf-8")


def test_build_refuses_invalid_records_and_writes_the_rest(tmp_path: Path) -> None:
    articles_file = tmp_path / "articles.jsonl"
    articles_file.write_text(
        json.dumps({"id": "t-1", "text": TEXT}) + "\n" + json.dumps({"id": "t-3", "text": TEXT})
    )
    (tmp_path / "t-1.json").write_text(json.dumps(sketch()))
    broken = sketch(id="t-3")
    broken["cues"] = [{"id": "c1", "text": "said"}]  # ambiguous
    (tmp_path / "t-3.json").write_text(json.dumps(broken))
    out = tmp_path / "gold.jsonl"
    argv = ["build", "--articles", str(articles_file), "--out", str(out), str(tmp_path)]
    assert gs.main(argv) == 1
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["t-1"]


def test_show_marks_regions_inline() -> None:
    record = gs.build_record(sketch(), article()).record
    shown = gs.render_inline(record)
    assert "[s1 Minister Ana Ruiz|Ana Ruiz] {c1 said} «q1 the plan was sound»." in shown
    assert "[s2 Ruiz|Ana Ruiz] said on Monday" in shown
    assert '"«q2 We will not give up,»" Ruiz said.' in shown
