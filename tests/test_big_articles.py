"""Big articles: the size limit at ingest, the bounds on pre-annotating one article, and
Label Studio's refusal of a large body turned into a line naming the article and the fix."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faultproxy import FaultProxy
from quotegold.articles.ingest import MAX_ARTICLE_CHARS, Article, read_articles
from quotegold.cli.main import app
from quotegold.errors import LabelStudioTooLarge
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.preannotate.bounds import MAX_PREDICTED_CHARS, skipped_reason, within_bounds
from quotegold.preannotate.predictions import predict_article
from quotegold.workflows.push import push_articles

runner = CliRunner()
SENTENCE = 'Minister Singh said "we must talk" on Friday. '


def long_text(chars: int) -> str:
    return (SENTENCE * (chars // len(SENTENCE) + 1))[:chars].strip()


@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_an_article_over_the_limit_is_an_issue_with_file_and_line(
    tmp_path: Path, suffix: str
) -> None:
    text = long_text(MAX_ARTICLE_CHARS + 10)
    path = tmp_path / f"big{suffix}"
    if suffix == ".txt":
        path.write_text(text, encoding="utf-8")
    else:
        lines = [{"id": "ok", "text": "Singh said it."}, {"id": "big", "text": text}]
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = read_articles([path])
    (issue,) = result.issues
    assert issue.location.file == str(path)
    assert issue.location.line == (2 if suffix == ".jsonl" else None)
    assert f"more than the limit of {MAX_ARTICLE_CHARS:,}" in issue.message
    assert "split it" in issue.message
    assert [article.id for article in result.articles] == (["ok"] if suffix == ".jsonl" else [])


def test_an_article_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "limit.txt"
    path.write_text(long_text(MAX_ARTICLE_CHARS), encoding="utf-8")
    result = read_articles([path])
    assert result.issues == [] and len(result.articles[0].text) <= MAX_ARTICLE_CHARS


def test_within_bounds_skips_a_long_article_without_calling_the_predictor() -> None:
    called: list[str] = []
    article = Article(id="long", text="x" * (MAX_PREDICTED_CHARS + 1))
    assert within_bounds(article, lambda a: called.append(a.id)) is None
    assert called == []
    assert f"more than the {MAX_PREDICTED_CHARS:,} pre-annotated" in skipped_reason(article)


def test_within_bounds_stops_a_predictor_that_takes_too_long() -> None:
    def slow(article: Article) -> dict[str, object]:
        try:
            while True:  # pure Python, never returning: only the alarm stops it
                time.sleep(0.01)
        except Exception:  # a predictor's own handler must not swallow the bound
            return {"swallowed": True}

    within_bounds(Article(id="warm-up", text="Hi."), lambda a: {})  # the first is not timed
    started = time.monotonic()
    assert within_bounds(Article(id="a", text="Hi."), slow, max_seconds=0.3) is None
    assert time.monotonic() - started < 3
    assert within_bounds(Article(id="a", text="Hi."), lambda a: {"ok": 1}) == {"ok": 1}
    assert "took more than 0.3 s" in skipped_reason(Article(id="a", text="Hi."), max_seconds=0.3)


@pytest.mark.integration
def test_a_long_article_is_pushed_without_suggestions_and_named(
    label_studio: ServerInfo, client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    articles = tmp_path / "articles.jsonl"
    lines = [
        {"id": "short", "text": "Minister Singh\u0083 said: \u201cWe will talk.\u201d"},
        {"id": "long-one", "text": long_text(270_000)},
    ]
    articles.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    started = time.monotonic()
    result = runner.invoke(
        app,
        ["push", str(articles), "--project", title],
        env={"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.api_key},
    )
    took = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "2 task(s) created" in result.stdout
    assert "1 control character(s) replaced by spaces" in result.stdout
    assert "article 'long-one'" in result.stderr and "imported without suggestions" in result.stderr
    assert f"{articles}:2" in result.stderr and "short" not in result.stderr
    project = client.require_project(title)
    tasks = {task["data"]["article_id"]: task for task in client.iter_tasks(project.id)}
    assert len(tasks["long-one"]["data"]["text"]) == 270_000
    assert tasks["long-one"]["predictions"] == [] and len(tasks["short"]["predictions"]) == 1
    assert tasks["short"]["data"]["control_chars_replaced"] == 1
    assert "control_chars_replaced" not in tasks["long-one"]["data"]
    assert took < 60


@pytest.mark.integration
def test_a_body_label_studio_refuses_as_too_large_names_the_article_and_the_fix(
    label_studio: ServerInfo, title: str
) -> None:
    articles = [
        Article(id="small", text="Singh said it.", origin="a.jsonl:1"),
        Article(id="biggest", text=long_text(5_000), origin="a.jsonl:2"),
    ]
    with FaultProxy(label_studio.url) as proxy:
        proxy.fail(r"/api/projects/\d+/import", status=413)
        with (
            LabelStudioClient(url=proxy.url, api_key=label_studio.api_key) as client,
            pytest.raises(LabelStudioTooLarge) as refused,
        ):
            push_articles(client, articles, project_title=title, predictor=predict_article)
    message = str(refused.value)
    assert "HTTP 413" in message and "'biggest' (a.jsonl:2, 5,000 characters)" in message
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in message and "split it" in message
    assert "\n" not in message
