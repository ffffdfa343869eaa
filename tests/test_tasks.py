"""Tests for quotegold.articles.tasks: Label Studio task dictionaries and the task file."""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quotegold.articles.ingest import Article, Boilerplate, read_articles
from quotegold.articles.tasks import article_to_task, iter_tasks, task_article_id, write_task_file
from quotegold.errors import ExportError
from quotegold.schema.formats import ARTICLE_ID_FIELD, article_key, text_hash

SEEDS = Path(__file__).resolve().parents[1] / "tasks" / "seeds"


def test_article_to_task_with_everything() -> None:
    article = Article(
        id="a1",
        text="Title\nAdvertisement\nBody.",
        title="Title",
        url="https://example.com/a1",
        source="Example News",
        published="2024-05-01",
        license="cc-by-2.5",
        split="test",
        origin="x.jsonl:1",
        boilerplate=(Boilerplate(6, 19, "Advertisement", "advertisement marker"),),
    )
    assert article_to_task(article) == {
        "data": {
            "text": "Title\nAdvertisement\nBody.",
            "article_id": "a1",
            "article_key": article_key("a1"),
            "text_hash": text_hash("Title\nAdvertisement\nBody."),
            "title": "Title",
            "url": "https://example.com/a1",
            "source": "Example News",
            "published": "2024-05-01",
            "license": "cc-by-2.5",
            "split": "test",
            "boilerplate": [
                {"start": 6, "end": 19, "text": "Advertisement", "reason": "advertisement marker"}
            ],
        }
    }


def test_missing_metadata_becomes_empty_strings() -> None:
    data = article_to_task(Article(id="a2", text="Body."))["data"]
    assert data == {
        "text": "Body.",
        "article_id": "a2",
        "article_key": article_key("a2"),
        "text_hash": text_hash("Body."),
        "title": "",
        "url": "",
        "source": "",
        "published": "",
        "license": "",
        "split": "",
        "boilerplate": [],
    }


def test_seed_task_boilerplate_slices_back() -> None:
    for task in iter_tasks(read_articles([SEEDS]).articles):
        data = task["data"]
        assert len(data["boilerplate"]) == 1
        for flag in data["boilerplate"]:
            assert data["text"][flag["start"] : flag["end"]] == flag["text"]


def test_article_id_field_name() -> None:
    # The push code filters Label Studio tasks on data.article_id: the name is an interface.
    assert ARTICLE_ID_FIELD == "article_id"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ({"data": {"article_id": "abc"}}, "abc"),
        ({"id": 12, "data": {"article_id": "abc", "text": "t"}, "annotations": []}, "abc"),
        ({"data": {"article_id": ""}}, None),
        ({"data": {"article_id": 5}}, None),
        ({"data": {"text": "no id"}}, None),
        ({"data": None}, None),
        ({"data": "not a dict"}, None),
        ({}, None),
    ],
)
def test_task_article_id(task: dict[str, Any], expected: str | None) -> None:
    assert task_article_id(task) == expected


def test_task_article_id_round_trips() -> None:
    article = Article(id="wikinews-afghan", text="Text.")
    assert task_article_id(article_to_task(article)) == "wikinews-afghan"


def test_iter_tasks_is_lazy() -> None:
    def articles() -> Iterator[Article]:
        yield Article(id="1", text="One.")
        raise AssertionError("read too far")

    tasks = iter_tasks(articles())
    assert task_article_id(next(tasks)) == "1"


# -- write_task_file ---------------------------------------------------------------------------


def sample_tasks() -> list[dict[str, Any]]:
    return [
        article_to_task(Article(id="1", text="Café “quoted” — नमस्ते 你好 😀\nline two")),
        article_to_task(
            Article(
                id="2",
                text="Title\nAdvertisement\nBody.",
                title="T",
                boilerplate=(Boilerplate(6, 19, "Advertisement", "advertisement marker"),),
            )
        ),
    ]


def test_write_task_file_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder" / "tasks.json"
    tasks = sample_tasks()
    assert write_task_file(tasks, out) == 2
    assert json.loads(out.read_text(encoding="utf-8")) == tasks
    raw = out.read_bytes()
    assert "Café “quoted” — नमस्ते 你好 😀".encode() in raw  # ensure_ascii=False
    assert raw.decode("utf-8") == json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"


def test_write_task_file_from_a_generator(tmp_path: Path) -> None:
    out = tmp_path / "tasks.json"
    articles = [Article(id=str(number), text=f"Article {number}.") for number in range(5)]
    assert write_task_file(iter_tasks(articles), out) == 5
    loaded = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(loaded, list)  # a list of task objects is what the import dialog takes
    assert [task_article_id(task) for task in loaded] == ["0", "1", "2", "3", "4"]


def test_write_empty_task_file(tmp_path: Path) -> None:
    out = tmp_path / "tasks.json"
    assert write_task_file([], out) == 0
    assert out.read_text(encoding="utf-8") == "[]\n"


def test_write_task_file_replaces_an_old_file(tmp_path: Path) -> None:
    out = tmp_path / "tasks.json"
    out.write_text("old", encoding="utf-8")
    write_task_file(sample_tasks()[:1], out)
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 1


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        pytest.param({"data": {"text": object()}}, TypeError, id="not serialisable"),
        pytest.param({"data": {"score": math.nan}}, ValueError, id="NaN"),
        pytest.param({"data": {"text": {1, 2}}}, TypeError, id="a set"),
    ],
)
def test_write_task_file_is_atomic(tmp_path: Path, bad: dict[str, Any], error: type) -> None:
    out = tmp_path / "tasks.json"
    out.write_text('["previous"]', encoding="utf-8")
    with pytest.raises(error):
        write_task_file([*sample_tasks(), bad], out)
    assert out.read_text(encoding="utf-8") == '["previous"]'
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tasks.json"]  # no temp file


def test_failed_first_write_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "tasks.json"
    with pytest.raises(TypeError):
        write_task_file([{"data": {"text": object()}}], out)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_generator_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "tasks.json"
    out.write_text("[]", encoding="utf-8")

    def tasks() -> Iterator[dict[str, Any]]:
        yield sample_tasks()[0]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_task_file(tasks(), out)
    assert out.read_text(encoding="utf-8") == "[]"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tasks.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_file_modes(tmp_path: Path) -> None:
    new = tmp_path / "new.json"
    write_task_file([], new)
    assert stat.S_IMODE(new.stat().st_mode) == 0o644  # not mkstemp's private 0o600
    existing = tmp_path / "existing.json"
    existing.write_text("[]", encoding="utf-8")
    existing.chmod(0o664)
    write_task_file([], existing)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o664


def test_unwritable_destination_is_an_export_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ExportError, match="could not write the task file") as caught:
        write_task_file([], blocker / "tasks.json")
    assert str(blocker / "tasks.json") in str(caught.value)
