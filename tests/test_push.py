"""Pushing articles into a real Label Studio: project, config, idempotency, resumption."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from quotegold.errors import LabelStudioAuthError, LabelStudioUnavailable
from quotegold.ingest import Article, read_articles
from quotegold.labelconfig import render_label_config
from quotegold.labelstudio import LabelStudioClient
from quotegold.push import push_articles
from quotegold.server import ServerInfo

SEEDS = Path(__file__).parents[1] / "tasks" / "seeds"

pytestmark = pytest.mark.integration


def seed_articles() -> list[Article]:
    result = read_articles([SEEDS])
    assert result.issues == []
    return result.articles


def made_up_articles(count: int, prefix: str = "article") -> list[Article]:
    return [
        Article(id=f"{prefix}-{n}", text=f"Number {n} 😀 said “hello”, reported नमस्ते.")
        for n in range(count)
    ]


def article_ids_in(client: LabelStudioClient, project_id: int) -> list[str]:
    return [task["data"]["article_id"] for task in client.iter_tasks(project_id)]


def test_push_creates_project_with_our_interface(client: LabelStudioClient, title: str) -> None:
    result = push_articles(client, seed_articles(), project_title=title)
    assert result.project_created and result.created == 2 and result.already_present == 0
    project = client.get_project(result.project.id)
    assert project.label_config.strip() == render_label_config().strip()
    raw = client._sdk.projects.get(project.id)
    assert raw.show_instruction is True
    assert "quotegold annotation guidelines" in (raw.expert_instruction or "")
    tasks = list(client.iter_tasks(project.id))
    assert sorted(t["data"]["article_id"] for t in tasks) == sorted(a.id for a in seed_articles())
    texts = {t["data"]["article_id"]: t["data"]["text"] for t in tasks}
    assert all(texts[a.id] == a.text for a in seed_articles())


def test_pushing_twice_creates_no_duplicates(client: LabelStudioClient, title: str) -> None:
    first = push_articles(client, seed_articles(), project_title=title)
    second = push_articles(client, seed_articles(), project_title=title)
    assert (first.created, first.already_present) == (2, 0)
    assert (second.created, second.already_present) == (0, 2)
    assert not second.project_created and not second.config_updated
    assert len(article_ids_in(client, first.project.id)) == 2


def test_only_new_articles_are_imported(client: LabelStudioClient, title: str) -> None:
    articles = made_up_articles(25)
    push_articles(client, articles[:10], project_title=title, batch_size=4)
    result = push_articles(client, articles, project_title=title, batch_size=4)
    assert (result.created, result.already_present) == (15, 10)
    ids = article_ids_in(client, result.project.id)
    assert sorted(ids) == sorted(a.id for a in articles)


def test_ids_with_regex_characters_are_matched_literally(
    client: LabelStudioClient, title: str
) -> None:
    articles = [Article(id=i, text=f"Text of {i}.") for i in ("a.b", "a|b", "a+b(1)", "axb")]
    push_articles(client, articles[:3], project_title=title)
    result = push_articles(client, articles, project_title=title)
    assert (result.created, result.already_present) == (1, 3)


class FlakyClient(LabelStudioClient):
    """Stores the first batch, then reports a dropped connection, as a dying server can."""

    failures_left = 1

    def import_tasks(self, project_id: int, tasks: Any) -> list[int]:
        created = super().import_tasks(project_id, tasks)
        if self.failures_left:
            self.failures_left -= 1
            raise LabelStudioUnavailable("connection dropped", url=self.url)
        return created


def test_failed_batch_is_retried_without_duplicates(label_studio: ServerInfo, title: str) -> None:
    articles = made_up_articles(7, prefix="flaky")
    with FlakyClient(url=label_studio.url, api_key=label_studio.api_key) as client:
        result = push_articles(client, articles, project_title=title, batch_size=3, backoff=0.01)
        ids = article_ids_in(client, result.project.id)
    assert sorted(ids) == sorted(a.id for a in articles)
    # the batch that "failed" had arrived: the retry found it and imported nothing twice
    assert result.created == 4 and result.already_present == 3


def test_changed_schema_updates_the_config(client: LabelStudioClient, title: str) -> None:
    old = ET.fromstring(render_label_config())
    for relations in old.iter("Relations"):
        relations.remove(relations[-1])
    project = client._sdk.projects.create(
        title=title, label_config=ET.tostring(old, encoding="unicode")
    )
    result = push_articles(client, seed_articles()[:1], project_title=title)
    assert result.config_updated and not result.project_created
    assert result.project.id == project.id
    assert "continues" in client.get_project(project.id).label_config


def test_wrong_key_is_refused(label_studio: ServerInfo) -> None:
    with (
        LabelStudioClient(url=label_studio.url, api_key="0" * 40) as client,
        pytest.raises(LabelStudioAuthError, match="refused the API key"),
    ):
        client.check_connection()


def test_unreachable_server() -> None:
    url = "http://127.0.0.1:9"
    with LabelStudioClient(url=url, api_key="x" * 40, attempts=2, backoff=0.01) as client:
        with pytest.raises(LabelStudioUnavailable, match="cannot reach Label Studio"):
            client.check_connection()
        with pytest.raises(LabelStudioUnavailable, match="gave up after 2 attempts"):
            client.find_project("anything")
