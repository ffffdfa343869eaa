"""Pre-annotations as Label Studio predictions: their shape, task files, push and refresh."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quotegold.articles.ingest import Article, read_articles
from quotegold.articles.tasks import article_to_task, iter_tasks
from quotegold.cli.main import app
from quotegold.gold.convert import annotation_to_record
from quotegold.gold.validate import default_validator
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.learn.modelfile import read_info
from quotegold.learn.predictor import SHIPPED_MODEL
from quotegold.preannotate import MODEL_VERSION, Suggestion
from quotegold.preannotate.predictions import (
    article_from_task,
    is_ours,
    predict_article,
    suggestion_to_prediction,
)
from quotegold.workflows.predict import refresh_predictions
from quotegold.workflows.push import push_articles

ROOT = Path(__file__).resolve().parents[1]
# The CLI pre-annotates with the shipped model unless told --rules.
SHIPPED_VERSION = read_info(SHIPPED_MODEL).model_version
SEEDS = ROOT / "tasks" / "seeds"
runner = CliRunner()

TEXT = "Ann Lee said we must fight terror, and that talks go on. The plan was agreed."


def span(surface: str) -> dict[str, Any]:
    start = TEXT.index(surface)
    return {"start": start, "end": start + len(surface), "text": surface}


def suggested_record() -> dict[str, Any]:
    parts = [span("we must fight terror"), span("talks go on")]
    return {
        "id": "art-1",
        "text": TEXT,
        "meta": {"title": None, "url": None, "source": None, "published": None, "boilerplate": []},
        "speakers": [{"id": "s1", **span("Ann Lee"), "name": "Ann Lee", "kind": "person"}],
        "cues": [{"id": "c1", **span("said")}],
        "quotes": [
            {
                "id": "q1",
                "spans": parts,
                "text": " … ".join(part["text"] for part in parts),
                "quote_type": "indirect",
                "speaker_id": "s1",
                "no_speaker": False,
                "cue_id": "c1",
                "stance": "oppose",
                "stance_target": "security",
            }
        ],
        "initiatives": [
            {"id": "i1", **span("The plan"), "status": "agreed", "proponent_ids": ["s1"]}
        ],
        "provenance": {
            "schema_version": "1.0.0",
            "project_id": None,
            "project_title": None,
            "task_id": None,
            "annotation_ids": [],
            "annotator_ids": [MODEL_VERSION],
            "created_at": None,
            "updated_at": None,
        },
    }


SCORES = {"s1": 0.9, "c1": 0.8, "q1": 0.7, "i1": 0.6}


@pytest.fixture
def suggestion() -> Suggestion:
    record = suggested_record()
    assert default_validator().validate(record) == []
    return Suggestion(record=record, scores=dict(SCORES))


def test_prediction_shape(suggestion: Suggestion) -> None:
    prediction = suggestion_to_prediction(suggestion)
    assert set(prediction) == {"model_version", "score", "result"}
    assert prediction["model_version"] == MODEL_VERSION
    assert prediction["score"] == pytest.approx(suggestion.score)
    regions = [item for item in prediction["result"] if item["type"] != "relation"]
    assert regions and all("score" in item for item in regions)
    # the quote's second part gets a fresh id and the score of the part it continues
    expected = {**SCORES, "q1-2": 0.7}
    assert {item["id"]: item["score"] for item in regions} == expected


def test_prediction_keeps_relations(suggestion: Suggestion) -> None:
    result = suggestion_to_prediction(suggestion)["result"]
    relations = {
        (item["from_id"], item["to_id"], *item["labels"])
        for item in result
        if item["type"] == "relation"
    }
    assert relations == {
        ("q1", "q1-2", "continues"),
        ("q1", "s1", "said_by"),
        ("q1", "c1", "cued_by"),
        ("i1", "s1", "put_forward_by"),
    }
    assert all("score" not in item for item in result if item["type"] == "relation")


def test_prediction_converts_back_to_the_suggested_record(suggestion: Suggestion) -> None:
    prediction = suggestion_to_prediction(suggestion)
    task = article_to_task(Article(id="art-1", text=TEXT))
    record, issues = annotation_to_record(task, {"result": prediction["result"]})
    assert issues == [] and record is not None
    for name in ("speakers", "cues", "quotes", "initiatives"):
        assert record[name] == suggestion.record[name]


def test_region_without_a_score_takes_the_overall_score(suggestion: Suggestion) -> None:
    partial = Suggestion(record=suggestion.record, scores={"s1": 1.0, "c1": 0.5})
    prediction = suggestion_to_prediction(partial)
    scores = {item["id"]: item["score"] for item in prediction["result"] if "score" in item}
    assert prediction["score"] == 0.75
    assert scores == {"s1": 1.0, "c1": 0.5, "q1": 0.75, "q1-2": 0.75, "i1": 0.75}


@pytest.mark.parametrize(
    ("model_version", "ours"),
    [
        (MODEL_VERSION, True),
        ("quotegold-rules-0.0.1", True),
        ("quotegold-rules-2.0.0rc1", True),
        ("quotegold-model-wikinews-cf667acf", True),
        ("quotegold-rules", False),
        ("quotegold-rulesets-1", False),
        ("my-model-1", False),
        (None, False),
    ],
)
def test_is_ours(model_version: str | None, ours: bool) -> None:
    assert is_ours(model_version) is ours


def test_article_from_task_rebuilds_the_article() -> None:
    text = "Title\nAlso read: more\nBody said."
    data = article_to_task(
        Article(id="a9", text=text, title="Title", url="https://example.com/a9", source="Ex")
    )["data"]
    data["boilerplate"] = [{"start": 6, "end": 21, "text": "Also read: more", "reason": "r"}]
    article = article_from_task(data, task_id=7)
    assert (article.id, article.text, article.title, article.url) == (
        "a9",
        text,
        "Title",
        "https://example.com/a9",
    )
    assert (article.source, article.published, article.origin) == ("Ex", None, "task 7")
    assert [(b.start, b.end, b.text, b.reason) for b in article.boilerplate] == [
        (6, 21, "Also read: more", "r")
    ]


@pytest.mark.parametrize(
    ("data", "article_id"),
    [
        ({"text": "Plain text.", "article_id": 42}, "42"),
        ({"text": "Plain text.", "boilerplate": [{"start": 0, "end": 99}, "x"]}, None),
    ],
)
def test_article_from_a_task_not_made_by_quotegold(
    data: dict[str, Any], article_id: str | None
) -> None:
    article = article_from_task(data)
    assert article.boilerplate == ()
    assert article.id == (article_id or article_from_task({"text": "Plain text."}).id)


def test_article_from_a_task_without_text() -> None:
    with pytest.raises(ValueError, match="task 3 has no text"):
        article_from_task({"article_id": "x", "text": ""}, task_id=3)


def test_tasks_with_a_predictor(suggestion: Suggestion) -> None:
    article = Article(id="art-1", text=TEXT)
    prediction = suggestion_to_prediction(suggestion)
    task = article_to_task(article, predictor=lambda _: prediction)
    assert task["predictions"] == [prediction]
    assert "predictions" not in article_to_task(article)
    assert [t["predictions"] for t in iter_tasks([article] * 2, predictor=lambda _: {})] == [
        [{}],
        [{}],
    ]


def sample_articles() -> list[Article]:
    result = read_articles([SEEDS, ROOT / "tasks" / "wikinews"])
    assert result.issues == []
    return result.articles


def test_real_predictions_fit_their_articles() -> None:
    """Every prediction of the pre-annotator converts back cleanly: offsets, labels, links;
    what it lacks is only the stances it found no evidence for, left to the annotator."""
    for article in sample_articles():
        prediction = predict_article(article)
        assert prediction["model_version"] == MODEL_VERSION
        assert 0.0 <= prediction["score"] <= 1.0
        regions = [item for item in prediction["result"] if item["type"] != "relation"]
        assert all(0.0 <= item["score"] <= 1.0 for item in regions)
        record, issues = annotation_to_record(
            article_to_task(article), {"result": prediction["result"]}
        )
        left_empty = [
            issue for issue in issues if issue.message.split(";")[0].endswith("has no stance")
        ]
        assert issues == left_empty, article.id
        stances = [i for i in prediction["result"] if i.get("from_name") == "stance"]
        assert all(i["value"]["choices"] != ["neutral"] for i in stances)
        assert record is not None


# -- the tasks command ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "version"), [([], SHIPPED_VERSION), (["--rules"], MODEL_VERSION)]
)
def test_tasks_command_adds_one_prediction_per_task(
    tmp_path: Path, flags: list[str], version: str
) -> None:
    out = tmp_path / "tasks.json"
    result = runner.invoke(app, ["tasks", str(SEEDS), "--out", str(out), *flags])
    assert result.exit_code == 0, result.stderr
    tasks = json.loads(out.read_text("utf-8"))
    assert len(tasks) == 2
    for task in tasks:
        assert len(task["predictions"]) == 1
        assert task["predictions"][0]["model_version"] == version


def test_tasks_command_without_predictions(tmp_path: Path) -> None:
    out = tmp_path / "tasks.json"
    result = runner.invoke(app, ["tasks", str(SEEDS), "--out", str(out), "--no-predictions"])
    assert result.exit_code == 0, result.stderr
    tasks = json.loads(out.read_text("utf-8"))
    assert len(tasks) == 2 and all(set(task) == {"data"} for task in tasks)


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_new_commands_have_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout


# -- against the real Label Studio ---------------------------------------------------------


def stored(client: LabelStudioClient, project_id: int) -> dict[str, dict[str, Any]]:
    """Each task's annotations and predictions, by article id."""
    return {task["data"]["article_id"]: task for task in client.iter_tasks(project_id)}


def versions(task: dict[str, Any]) -> list[str]:
    return sorted(prediction["model_version"] for prediction in task["predictions"])


@pytest.mark.integration
def test_push_then_refresh_keeps_annotations(client: LabelStudioClient, title: str) -> None:
    articles = read_articles([SEEDS]).articles
    first, second = (article.id for article in articles)
    pushed = push_articles(client, articles, project_title=title, predictor=predict_article)
    project_id = pushed.project.id
    tasks = stored(client, project_id)
    for task in tasks.values():
        assert versions(task) == [MODEL_VERSION]
        assert task["annotations"] == []

    # an annotator's work on one task; an older version of ours there, another model's
    # prediction on the other
    annotated = tasks[first]["id"]
    result = [
        {
            "id": "mine",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {
                "start": 0,
                "end": 2,
                "text": tasks[first]["data"]["text"][:2],
                "labels": ["CUE"],
            },
        }
    ]
    annotation_id = client.create_annotation(annotated, result)
    extra = [
        {"task": annotated, "result": [], "score": 0.1, "model_version": "quotegold-rules-0.0.1"},
        {"task": tasks[second]["id"], "result": [], "score": 0.5, "model_version": "other-1"},
    ]
    assert client.create_predictions(project_id, extra) == 2
    before = {p.id for p in client.list_predictions(project_id) if is_ours(p.model_version)}

    progress: list[tuple[int, int]] = []
    refreshed = refresh_predictions(
        client, title, batch_size=1, on_progress=lambda n, total: progress.append((n, total))
    )
    assert (refreshed.tasks, refreshed.refreshed, refreshed.replaced) == (2, 2, 3)
    assert refreshed.issues == [] and progress == [(1, 2), (1, 2)]

    after = stored(client, project_id)
    assert versions(after[first]) == [MODEL_VERSION]
    assert versions(after[second]) == sorted([MODEL_VERSION, "other-1"])
    ours_now = {p.id for p in client.list_predictions(project_id) if is_ours(p.model_version)}
    assert len(ours_now) == 2 and not ours_now & before
    assert [p.model_version for p in client.list_predictions(project_id, task_id=annotated)] == [
        MODEL_VERSION
    ]
    (annotation,) = after[first]["annotations"]
    assert annotation["id"] == annotation_id
    assert annotation["result"] == result
    assert after[second]["annotations"] == []

    again = push_articles(client, articles, project_title=title, predictor=predict_article)
    assert (again.created, again.already_present) == (0, 2)
    assert {k: versions(t) for k, t in stored(client, project_id).items()} == {
        k: versions(t) for k, t in after.items()
    }


@pytest.fixture
def server_env(label_studio: ServerInfo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUOTEGOLD_DATA_DIR", raising=False)
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)


@pytest.mark.usefixtures("server_env")
def test_push_and_predict_commands(client: LabelStudioClient) -> None:
    project = f"cli {uuid.uuid4().hex[:8]}"
    pushed = runner.invoke(app, ["push", str(SEEDS), "--project", project, "--no-predictions"])
    assert pushed.exit_code == 0, pushed.stderr
    found = client.find_project(project)
    assert found is not None
    assert client.list_predictions(found.id) == []

    first = runner.invoke(app, ["predict", "--project", project, "--rules"])
    assert first.exit_code == 0, first.stderr
    assert f"2 of 2 task(s) refreshed with {MODEL_VERSION}" in first.stdout
    assert "0 earlier prediction(s) replaced" in first.stdout
    assert [p.model_version for p in client.list_predictions(found.id)] == [MODEL_VERSION] * 2
    # without --rules, the shipped model's predictions replace the rules'
    second = runner.invoke(app, ["predict", "--project", project])
    assert second.exit_code == 0, second.stderr
    assert f"refreshed with {SHIPPED_VERSION}" in second.stdout
    assert "2 earlier prediction(s) replaced" in second.stdout
    assert [p.model_version for p in client.list_predictions(found.id)] == [SHIPPED_VERSION] * 2


@pytest.mark.usefixtures("server_env")
def test_predict_for_a_missing_project() -> None:
    result = runner.invoke(app, ["predict", "--project", f"missing {uuid.uuid4().hex[:8]}"])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: no project titled")
    assert "quotegold push" in lines[0]


def test_a_stance_without_evidence_is_left_empty(suggestion: Suggestion) -> None:
    """The rules say neutral only when they found no position: that guess is not suggested,
    so the (required) stance is empty on the screen and the annotator decides."""
    record = suggestion.record
    record["quotes"][0].update(stance="neutral", stance_target=None)
    result = suggestion_to_prediction(suggestion)["result"]
    names = [item.get("from_name") for item in result if item.get("id") == "q1"]
    assert "stance" not in names and "quote_type" in names
    converted, issues = annotation_to_record(
        article_to_task(Article(id="art-1", text=TEXT)), {"result": result}
    )
    assert converted is not None
    assert [issue.message.split(";")[0] for issue in issues] == [
        "QUOTE 3 'we must fight terror' has no stance"
    ]


def test_a_stance_with_evidence_is_suggested(suggestion: Suggestion) -> None:
    result = suggestion_to_prediction(suggestion)["result"]
    stances = [item["value"]["choices"] for item in result if item.get("from_name") == "stance"]
    assert stances == [["oppose"]]


def test_the_soccer_article_gets_its_three_multi_paragraph_quotes_with_no_stance() -> None:
    (article,) = [
        a
        for a in read_articles([ROOT / "tasks" / "wikinews" / "articles.jsonl"]).articles
        if a.id == "wikinews-soccer"
    ]
    prediction = predict_article(article)
    quotes = [
        item["value"]["text"]
        for item in prediction["result"]
        if item.get("from_name") == "label" and item["value"]["labels"] == ["QUOTE"]
    ]
    ends = [
        "they were able to focus better.",
        "put the game to bed early.",
        "concentration in the coming games.",
    ]
    assert [text.count("\n") for text in quotes] == [1, 1, 1]
    assert [text.endswith(end) for text, end in zip(quotes, ends, strict=True)] == [True] * 3
    assert not [item for item in prediction["result"] if item.get("from_name") == "stance"]
