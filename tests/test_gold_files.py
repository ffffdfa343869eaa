"""The gold files shipped in tasks/gold/ stay valid and match the articles they annotate."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotegold.articles.ingest import read_articles
from quotegold.gold.exportfile import read_gold_jsonl
from quotegold.gold.validate import validate_file

TASKS = Path(__file__).parents[1] / "tasks"
GOLD_FILES = sorted((TASKS / "gold").glob("*.jsonl"))
ARTICLE_SOURCES = [TASKS / "seeds", TASKS / "wikinews", TASKS / "hardcases"]


def test_the_development_set_is_large_enough() -> None:
    wikinews = [p for p in GOLD_FILES if p.name.startswith("wikinews")]
    assert sum(len(read_gold_jsonl(p).records) for p in wikinews) >= 15
    assert {"seeds.jsonl", "hardcases.jsonl"} <= {p.name for p in GOLD_FILES}


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_gold_file_validates(path: Path) -> None:
    checked, issues = validate_file(path)
    assert issues == []
    assert checked > 0


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_gold_annotates_the_articles_as_ingested(path: Path) -> None:
    articles = {article.id: article for article in read_articles(ARTICLE_SOURCES).articles}
    for record, where in read_gold_jsonl(path).records:
        article = articles.get(record["id"])
        assert article is not None, f"{where}: no article with id {record['id']} in tasks/"
        assert record["text"] == article.text, where
        flagged = [{"start": b.start, "end": b.end} for b in article.boilerplate]
        assert record["meta"]["boilerplate"] == flagged, where
