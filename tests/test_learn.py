"""`quotegold train`, `--model` on tasks, evaluate, push and predict, and the learning curve:
a small model trained once on a few gold articles, on the CPU."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pycrfsuite
import pytest
from typer.testing import CliRunner

from quotegold.articles.ingest import Article, read_articles
from quotegold.cli.main import app
from quotegold.errors import ModelError
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.learn.crf import CrfSettings, tag_with_marginals
from quotegold.learn.features import ArticleTokens, _reference_features, token_features
from quotegold.learn.modelfile import MAIN_FILE, read_info
from quotegold.learn.predictor import (
    MAX_CHARS,
    SHIPPED_MODEL,
    ModelPredictor,
    load_model,
    predict_with_model,
)
from quotegold.learn.rules import read_with_rules
from quotegold.learn.train import read_gold, train_model
from quotegold.preannotate.predictions import is_ours
from quotegold.workflows.predict import refresh_predictions

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tasks" / "gold"
TRAIN = GOLD / "wikinews-a.jsonl"
DEV = GOLD / "wikinews-b.jsonl"
SEEDS = ROOT / "tasks" / "seeds"
runner = CliRunner()


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models") / "tiny"
    args = ["train", str(TRAIN), "--out", str(folder), "--dev", str(DEV), "--max-iterations", "30"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert "training on 8 article(s)" in result.stdout
    return folder


def test_train_writes_a_described_model_folder(model: Path) -> None:
    info = read_info(model)
    assert info.model_version.startswith("quotegold-model-tiny-")
    assert len(info.model_version.rsplit("-", 1)[1]) == 8
    assert info.data[0]["file"] == str(TRAIN) and info.data[0]["records"] == 8
    assert len(info.data[0]["sha256"]) == 64
    assert info.settings["max_iterations"] == 30
    assert 1 <= info.training["iterations"]["main"] <= 30
    dev = info.scores["dev"]
    assert set(dev) >= {"SPEAKER", "CUE", "QUOTE", "quotes"}
    assert dev["CUE"]["overlap_f1"] is not None and dev["CUE"]["overlap_f1"] > 0.3
    card = (model / "README.md").read_text("utf-8")
    assert info.model_version in card and "wikinews-a.jsonl" in card


def test_model_predictions_carry_the_version_and_region_scores(model: Path) -> None:
    article = read_articles([SEEDS]).articles[0]
    prediction = predict_with_model(article, model=str(model))
    assert prediction["model_version"] == read_info(model).model_version
    assert is_ours(prediction["model_version"])
    assert 0.0 <= prediction["score"] <= 1.0
    regions = [item for item in prediction["result"] if item["type"] != "relation"]
    assert regions and all(0.0 <= item["score"] <= 1.0 for item in regions)
    for item in (item for item in regions if item["type"] == "labels"):
        value = item["value"]
        assert article.text[value["start"] : value["end"]] == value["text"]


def test_tasks_with_a_model(model: Path, tmp_path: Path) -> None:
    out = tmp_path / "tasks.json"
    result = runner.invoke(app, ["tasks", str(SEEDS), "--out", str(out), "--model", str(model)])
    assert result.exit_code == 0, result.stderr
    tasks = json.loads(out.read_text("utf-8"))
    version = read_info(model).model_version
    assert [task["predictions"][0]["model_version"] for task in tasks] == [version] * 2


def test_evaluate_with_a_model(model: Path, tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    args = ["evaluate", str(DEV), "--model", str(model), "--json", str(figures)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    scores = json.loads(figures.read_text("utf-8"))
    assert scores["articles"]["compared"] == 8
    assert scores["layers"]["CUE"]["overlap"]["predicted"] > 0


def _broken(model: Path, tmp_path: Path, how: str) -> Path:
    folder = tmp_path / "broken"
    if how == "missing":
        return folder
    folder.mkdir()
    for item in model.iterdir():
        (folder / item.name).write_bytes(item.read_bytes())
    if how == "no model.json":
        (folder / "model.json").unlink()
    elif how == "bad model.json":
        (folder / "model.json").write_text("{not json", encoding="utf-8")
    elif how == "no crf file":
        (folder / MAIN_FILE).unlink()
    elif how == "damaged crf file":
        (folder / MAIN_FILE).write_bytes(b"garbage")
    elif how == "unknown feature set":
        info = json.loads((folder / "model.json").read_text("utf-8"))
        info["settings"]["features"] = "from-the-future"
        (folder / "model.json").write_text(json.dumps(info), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "how",
    [
        "missing",
        "no model.json",
        "bad model.json",
        "no crf file",
        "damaged crf file",
        "unknown feature set",
    ],
)
@pytest.mark.parametrize("command", ["tasks", "evaluate"])
def test_a_missing_or_damaged_model_is_one_error_line(
    model: Path, tmp_path: Path, how: str, command: str
) -> None:
    folder = _broken(model, tmp_path, how)
    if command == "tasks":
        args = ["tasks", str(SEEDS), "--out", str(tmp_path / "t.json"), "--model", str(folder)]
    else:
        args = ["evaluate", str(DEV), "--model", str(folder)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert str(folder) in lines[0] and "Traceback" not in result.stderr
    if how in ("damaged crf file", "unknown feature set"):
        with pytest.raises(ModelError):
            ModelPredictor(folder)


def test_a_very_long_article_gets_no_suggestion_and_a_warning(
    model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = ('"We will win," Ann Lee said. ' * 10_000)[: MAX_CHARS + 70_000]
    article = Article(id="long", text=text)
    with caplog.at_level(logging.WARNING, logger="quotegold.learn.predictor"):
        prediction = load_model(model)(article)
    assert (
        prediction["result"] == [] and prediction["model_version"] == read_info(model).model_version
    )
    assert "no suggestions" in caplog.text and "'long'" in caplog.text


def test_the_curve_prints_a_row_per_share_beside_the_rules(tmp_path: Path) -> None:
    out = tmp_path / "curve"
    args = ["train", str(TRAIN), "--out", str(out), "--dev", str(DEV), "--curve"]
    result = runner.invoke(app, [*args, "--max-iterations", "10"])
    assert result.exit_code == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "speaker names" in line]
    assert [row.split(":")[0].strip() for row in rows] == [
        "rules",
        "25% (2 articles)",
        "50% (4 articles)",
        "75% (6 articles)",
        "100% (8 articles)",
    ]
    assert (out / MAIN_FILE).is_file()


def test_the_curve_needs_dev_gold(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", str(TRAIN), "--out", str(tmp_path / "m"), "--curve"])
    assert result.exit_code == 1 and "--curve needs --dev" in result.stderr


@pytest.mark.parametrize("command", ["train", "import"])
def test_the_new_commands_have_an_example(command: str) -> None:
    args = [command, "--help"] if command == "train" else ["import", "brat", "--help"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "Example:" in result.stdout


def test_training_on_brat_imported_records(tmp_path: Path) -> None:
    gold = tmp_path / "brat.jsonl"
    brat = ROOT / "tests" / "fixtures" / "brat" / "ok"
    assert runner.invoke(app, ["import", "brat", str(brat), "--out", str(gold)]).exit_code == 0
    result = runner.invoke(app, ["train", str(gold), "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.stderr
    assert not read_info(tmp_path / "m").initiatives


# -- against the real Label Studio ---------------------------------------------------------


def _versions(client: LabelStudioClient, project_id: int) -> list[str]:
    return sorted(str(p.model_version) for p in client.list_predictions(project_id))


@pytest.mark.integration
def test_push_and_predict_with_a_model(
    model: Path,
    label_studio: ServerInfo,
    client: LabelStudioClient,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUOTEGOLD_DATA_DIR", raising=False)
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)
    title = f"model-{uuid.uuid4().hex[:8]}"
    version = read_info(model).model_version
    pushed = runner.invoke(app, ["push", str(SEEDS), "--project", title, "--model", str(model)])
    assert pushed.exit_code == 0, pushed.stderr
    project: Any = client.find_project(title)
    assert _versions(client, project.id) == [version, version]
    # the rules replace the model's predictions, and the model the rules'
    refresh_predictions(client, title)
    assert all(v.startswith("quotegold-rules-") for v in _versions(client, project.id))
    result = runner.invoke(app, ["predict", "--project", title, "--model", str(model)])
    assert result.exit_code == 0, result.stderr
    assert version in result.stdout
    assert _versions(client, project.id) == [version, version]


# -- features: made fast, the same strings ----------------------------------------------------


def _tokens() -> list[ArticleTokens]:
    articles = read_articles([SEEDS, ROOT / "tasks" / "wikinews" / "articles.jsonl"]).articles
    return [read_with_rules(article).tokens for article in articles[:8]]


def test_features_are_the_reference_features_and_a_model_sees_those_it_knows(
    model: Path,
) -> None:
    known = load_model(model)._known
    for tokens in _tokens():
        for start, end in tokens.paragraphs:
            reference = _reference_features(tokens, start, end)
            assert token_features(tokens, start, end) == reference
            kept = token_features(tokens, start, end, known)
            # the words' strings the model does not know are left out (CRFsuite would
            # ignore them); the order of the others is kept
            for made, full in zip(kept, reference, strict=True):
                assert [f for f in made if f in known] == [f for f in full if f in known]
                assert set(made) <= set(full)
                assert not [f for f in made if f.startswith(("w=", "-1:w=")) and f not in known]


def test_the_shipped_model_tags_the_same_with_and_without_unknown_features() -> None:
    predictor = load_model(SHIPPED_MODEL)
    tagger = pycrfsuite.Tagger()
    tagger.open(str(SHIPPED_MODEL / MAIN_FILE))
    for tokens in _tokens()[:3]:
        for start, end in tokens.paragraphs:
            every = tag_with_marginals(tagger, token_features(tokens, start, end))
            known = token_features(tokens, start, end, predictor._known)
            assert tag_with_marginals(tagger, known) == every


@pytest.mark.parametrize("features", ["plain", "lean", "rich"])
def test_a_model_records_its_feature_set_and_predicts_with_it(
    features: str, tmp_path: Path
) -> None:
    gold = read_gold([TRAIN])
    settings = CrfSettings(max_iterations=15, features=features)
    train_model(gold, tmp_path / "m", settings=settings)
    assert read_info(tmp_path / "m").settings["features"] == features
    prediction = predict_with_model(read_articles([SEEDS]).articles[0], model=str(tmp_path / "m"))
    assert prediction["model_version"] == read_info(tmp_path / "m").model_version


# -- brat in another corpus's conventions, end to end -------------------------------------------


def test_brat_news_with_doubled_apostrophes_trains_and_predicts(tmp_path: Path) -> None:
    """Hand-written brat files in the style of US political news (doubled apostrophes as
    quotation marks, long appositives, reported speech over sentences): import, train on
    them in seconds, pre-annotate them with the model."""
    brat = ROOT / "tests" / "fixtures" / "brat" / "external"
    gold = tmp_path / "external.jsonl"
    imported = runner.invoke(app, ["import", "brat", str(brat), "--out", str(gold)])
    assert imported.exit_code == 0, imported.stderr
    assert "4 record(s)" in imported.stdout and "14 quotes" in imported.stdout
    args = ["train", str(gold), "--out", str(tmp_path / "news"), "--max-iterations", "60"]
    assert runner.invoke(app, args).exit_code == 0
    out = tmp_path / "tasks.json"
    args = ["tasks", str(brat), "--out", str(out), "--model", str(tmp_path / "news")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    tasks = {t["data"]["text"].split()[0]: t for t in json.loads(out.read_text("utf-8"))}
    assert sorted(tasks) == ["Court", "Governor", "Mayor", "Senate"]
    regions = {
        (item["value"]["labels"][0], item["value"]["text"])
        for item in tasks["Senate"]["predictions"][0]["result"]
        if item["type"] == "labels"
    }
    # learnt from its own gold: the appositive speaker whole, a quote in doubled apostrophes
    assert ("SPEAKER", "Johnnie Wilson, of Springfield, Va.,") in regions or (
        "SPEAKER",
        "Johnnie Wilson, of Springfield, Va.",
    ) in regions
    assert ("CUE", "said") in regions
    assert any(
        label == "QUOTE" and "We will keep fighting for the family farm" in text
        for label, text in regions
    )
