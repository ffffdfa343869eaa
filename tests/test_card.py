"""The dataset card's parts: field docs complete, tables safe, licence notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotegold.dataset.card import (
    CONFIG_ROWS,
    FIELD_DOCS,
    RELATION_FIELDS,
    _size_category,
    _table,
)
from quotegold.dataset.cardnotes import licence_section
from quotegold.dataset.writer import CONFIGS, features_for, write_dataset
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA


@pytest.mark.parametrize("config", CONFIGS)
def test_every_field_is_documented(config: str) -> None:
    assert list(FIELD_DOCS[config]) == list(features_for(config))
    assert all(FIELD_DOCS[config].values())


def test_every_config_and_relation_is_described() -> None:
    assert list(CONFIG_ROWS) == list(CONFIGS)
    assert list(RELATION_FIELDS) == list(SCHEMA.relation_values)


def test_tables_escape_pipes_and_newlines() -> None:
    table = _table(["a", "b"], [("x|y", "line\nbreak")])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | line break |"]


@pytest.mark.parametrize(
    ("count", "category"),
    [(0, "n<1K"), (999, "n<1K"), (1_000, "1K<n<10K"), (50_000, "10K<n<100K"), (10**6, "1M<n<10M")],
)
def test_size_categories(count: int, category: str) -> None:
    assert _size_category(count) == category


def test_licence_notes() -> None:
    wikinews = {"cc-by-2.5": {"articles": 3, "sources": {"Wikinews": 3}}}
    unknown = {"unknown": {"articles": 2, "sources": {"(not given)": 2}}}
    text = licence_section("unknown", unknown, "  ", given=False)
    assert "No article gives a licence, so the dataset's licence is `unknown`." in text
    assert "2 article(s) give no licence" in text
    same = licence_section("cc-by-2.5", wikinews, None, given=False)
    assert "Every article gives the licence `cc-by-2.5`" in same
    assert "No attribution text was given." in text
    text = licence_section("cc-by-2.5", wikinews, "Wikinews, CC BY 2.5\n")
    assert "as given when exporting: `cc-by-2.5`." in text
    assert "| `cc-by-2.5` | 3 | Wikinews (3) |" in text
    assert "must be credited" in text
    assert text.endswith("Wikinews, CC BY 2.5\n")
    mixed = licence_section(["cc-by-2.5", "unknown"], {**wikinews, **unknown}, None)
    assert "several licences" in mixed and "`unknown` (no licence given) | 2 |" in mixed


def test_the_name_project_title_and_attribution_reach_the_card_escaped(tmp_path: Path) -> None:
    from test_dataset import REPORT, make_records

    records = make_records()
    for record in records:
        record["provenance"]["project_title"] = "<img src=x onerror=alert(1)>\x1b[31m"
    out = tmp_path / "ds"
    write_dataset(
        records,
        out=out,
        report=REPORT,
        name='<script>alert("x")</script>',
        attribution="<b>Wikinews</b>\x00",
    )
    card = (out / "README.md").read_text(encoding="utf-8")
    body = card.split("\n---\n", 1)[1]  # after the YAML header, which YAML quotes
    # Outside code blocks (which Markdown shows as they are), nothing is raw HTML.
    prose = "".join(body.split("```")[::2])
    assert "<script>" not in prose and "<img" not in prose and "<b>" not in prose
    assert '# &lt;script&gt;alert("x")&lt;/script&gt;' in body
    assert "&lt;img src=x onerror=alert(1)&gt;[31m (id" in body
    assert "&lt;b&gt;Wikinews&lt;/b&gt;" in body
    assert "\x1b" not in card and "\x00" not in card
    # The code samples stay Python: the path is a string literal.
    assert 'load_dataset("exports/<script>alert(\\"x\\")</script>", "quotes")' in body
