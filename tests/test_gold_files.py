"""The gold files shipped in tasks/gold/ stay valid, each against the schema it was made with,
and match the articles they annotate."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotegold.articles.ingest import read_articles
from quotegold.gold.exportfile import read_gold_jsonl
from quotegold.gold.validate import validate_file
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema
from quotegold.schema.projectfile import read_project_file

TASKS = Path(__file__).parents[1] / "tasks"
GOLD_FILES = sorted((TASKS / "gold").rglob("*.jsonl"))
ARTICLE_SOURCES = [
    TASKS / "seeds",
    TASKS / "wikinews",
    TASKS / "hardcases",
    TASKS / "wikinews-2019-2020",
]
# The seed gold has the demo's own stance targets (tasks/seeds/quotegold.toml); every other
# file was annotated with the built-in, topic-neutral ones.
DEMO_CONFIG = TASKS / "seeds" / "quotegold.toml"


def schema_of(path: Path) -> AnnotationSchema:
    return read_project_file(DEMO_CONFIG).schema if path.name == "seeds.jsonl" else DEFAULT_SCHEMA


def test_the_development_set_is_large_enough() -> None:
    wikinews = [p for p in GOLD_FILES if p.name.startswith("wikinews") and "heldout" not in p.parts]
    assert sum(len(read_gold_jsonl(p).records) for p in wikinews) >= 80
    assert {"seeds.jsonl", "hardcases.jsonl"} <= {p.name for p in GOLD_FILES}


def test_the_held_out_part_is_apart_and_disjoint() -> None:
    held = TASKS / "gold" / "heldout" / "wikinews-2019-2020.jsonl"
    developed = TASKS / "gold" / "wikinews-2019-2020.jsonl"
    held_ids = {record["id"] for record, _ in read_gold_jsonl(held)}
    developed_ids = {record["id"] for record, _ in read_gold_jsonl(developed)}
    assert (len(held_ids), len(developed_ids)) == (27, 57)
    assert not held_ids & developed_ids
    assert held not in sorted((TASKS / "gold").glob("*.jsonl")), "a glob of gold/ skips it"
    assert "never" in (held.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.relative_to(TASKS / "gold").as_posix())
def test_gold_file_validates(path: Path) -> None:
    checked, issues = validate_file(path, schema=schema_of(path))
    assert issues == []
    assert checked > 0


def test_the_seed_gold_is_not_the_built_in_schema() -> None:
    # Checked against the built-in lists, the SCO-era records say which schema they need.
    _, issues = validate_file(TASKS / "gold" / "seeds.jsonl", schema=DEFAULT_SCHEMA)
    assert len(issues) == 1 and "were made with schema" in issues[0].message


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.relative_to(TASKS / "gold").as_posix())
def test_gold_annotates_the_articles_as_ingested(path: Path) -> None:
    articles = {article.id: article for article in read_articles(ARTICLE_SOURCES).articles}
    for record, where in read_gold_jsonl(path).records:
        article = articles.get(record["id"])
        assert article is not None, f"{where}: no article with id {record['id']} in tasks/"
        assert record["text"] == article.text, where
        flagged = [{"start": b.start, "end": b.end} for b in article.boilerplate]
        assert record["meta"]["boilerplate"] == flagged, where
