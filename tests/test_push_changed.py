"""Changed articles (an id the project holds with other text) are never silent, and ids of
any length dedupe and resume: against a real Label Studio."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotegold.articles.ingest import Article, read_articles
from quotegold.cli.main import app
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.schema.formats import MAX_ID_LENGTH, article_key, text_hash
from quotegold.workflows.push import ChangedArticle, push_articles

pytestmark = pytest.mark.integration
runner = CliRunner()


def texts_by_id(client: LabelStudioClient, project_id: int) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for _, data in client.iter_task_data(project_id):
        found.setdefault(str(data["article_id"]), []).append(str(data["text"]))
    return found


def outcomes(changed: list[ChangedArticle]) -> list[tuple[str, str, str]]:
    return [(entry.article_id, entry.outcome, entry.detail) for entry in changed]


# -- changed articles -------------------------------------------------------------------------


def test_changed_article_is_listed_and_skipped_by_default(
    client: LabelStudioClient, title: str
) -> None:
    first = push_articles(client, [Article("dup-1", "First text.")], project_title=title)
    again = push_articles(
        client, [Article("dup-1", "Second, different text.")], project_title=title
    )
    assert (again.created, again.already_present) == (0, 0)
    assert outcomes(again.changed) == [("dup-1", "skipped", "")]
    assert again.changed[0].task_id == first.task_ids[0]
    assert texts_by_id(client, first.project.id) == {"dup-1": ["First text."]}


def test_update_replaces_the_data_of_an_unannotated_task(
    client: LabelStudioClient, title: str
) -> None:
    first = push_articles(client, [Article("u-1", "Old text.")], project_title=title)
    new = Article("u-1", "New text, longer.", title="Now with a title")
    updated = push_articles(client, [new], project_title=title, on_changed="update")
    assert outcomes(updated.changed) == [("u-1", "updated", "")]
    assert updated.created == 0
    [(task_id, data)] = list(client.iter_task_data(first.project.id))
    assert task_id == first.task_ids[0]
    assert (data["text"], data["title"]) == ("New text, longer.", "Now with a title")
    assert data["text_hash"] == text_hash("New text, longer.")
    # the stored text is now the new one: pushing it again finds it there
    again = push_articles(client, [new], project_title=title, on_changed="update")
    assert (again.created, again.already_present, again.changed) == (0, 1, [])


def test_update_refuses_a_task_with_annotations(client: LabelStudioClient, title: str) -> None:
    first = push_articles(client, [Article("a-1", "Annotated text.")], project_title=title)
    client.create_annotation(first.task_ids[0], [])
    refused = push_articles(
        client, [Article("a-1", "Edited text.")], project_title=title, on_changed="update"
    )
    [entry] = refused.changed
    assert entry.outcome == "refused"
    assert "1 annotation(s)" in entry.detail and "new-version" in entry.detail
    assert texts_by_id(client, first.project.id) == {"a-1": ["Annotated text."]}


def test_new_version_imports_under_the_next_free_id(client: LabelStudioClient, title: str) -> None:
    first = push_articles(client, [Article("v-1", "Version one.")], project_title=title)
    second = push_articles(
        client, [Article("v-1", "Version two.")], project_title=title, on_changed="new-version"
    )
    assert outcomes(second.changed) == [("v-1", "new version", "v-1~v2")]
    assert second.created == 1
    # the same version again: already there, nothing made
    repeat = push_articles(
        client, [Article("v-1", "Version two.")], project_title=title, on_changed="new-version"
    )
    assert (repeat.created, outcomes(repeat.changed)) == (0, [("v-1", "version there", "v-1~v2")])
    third = push_articles(
        client, [Article("v-1", "Version three.")], project_title=title, on_changed="new-version"
    )
    assert outcomes(third.changed) == [("v-1", "new version", "v-1~v3")]
    assert texts_by_id(client, first.project.id) == {
        "v-1": ["Version one."],
        "v-1~v2": ["Version two."],
        "v-1~v3": ["Version three."],
    }


def test_cli_lists_changed_articles_and_exits_0(
    label_studio: ServerInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)
    project = f"cli changed {uuid.uuid4().hex[:8]}"
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(json.dumps({"id": "dup-1", "text": "First text."}) + "\n")
    second.write_text(
        json.dumps({"id": "dup-1", "text": "Second, different text."})
        + "\n"
        + json.dumps({"id": "new-2", "text": "Another."})
        + "\n"
    )
    args = ["--project", project, "--no-predictions"]
    assert runner.invoke(app, ["push", str(first), *args]).exit_code == 0
    skipped = runner.invoke(app, ["push", str(second), *args])
    assert skipped.exit_code == 0, skipped.stderr
    assert "changed: dup-1 (skipped" in skipped.stdout
    assert "1 task(s) created, 0 already there, 1 changed (1 skipped)" in skipped.stdout
    versioned = runner.invoke(app, ["push", str(second), *args, "--on-changed", "new-version"])
    assert versioned.exit_code == 0, versioned.stderr
    assert "changed: dup-1 (imported as 'dup-1~v2'" in versioned.stdout
    assert "1 task(s) created, 1 already there, 1 changed (1 new version)" in versioned.stdout
    wrong = runner.invoke(app, ["push", str(second), *args, "--on-changed", "overwrite"])
    assert wrong.exit_code != 0 and "--on-changed" in wrong.stderr


# -- ids of any length ------------------------------------------------------------------------


def url_ids(count: int) -> list[str]:
    """URL-like ids of about 111 characters, with the characters a regex would take."""
    return [
        f"https://news.example.org/2026/12/07/world/a-long-headline-about-things-{n:05d}"
        f"?utm_source=feed&ref=(x|y).*+{n}"
        for n in range(count)
    ]


def test_400_long_ids_pushed_twice_create_nothing_the_second_time(
    client: LabelStudioClient, title: str
) -> None:
    ids = url_ids(400)
    assert 105 <= len(ids[0]) <= 120
    articles = [Article(article_id, f"Text of {article_id}.") for article_id in ids]
    first = push_articles(client, articles, project_title=title, batch_size=100)
    assert first.created == 400
    second = push_articles(client, articles, project_title=title, batch_size=100)
    assert (second.created, second.already_present, second.changed) == (0, 400, [])


def test_interrupted_push_of_long_ids_resumes(client: LabelStudioClient, title: str) -> None:
    articles = [Article(article_id, f"Text of {article_id}.") for article_id in url_ids(300)]
    # as a push stopped after its first batches
    push_articles(client, articles[:130], project_title=title, batch_size=50)
    resumed = push_articles(client, articles, project_title=title, batch_size=50)
    assert (resumed.created, resumed.already_present) == (170, 130)
    stored = texts_by_id(client, resumed.project.id)
    assert sorted(stored) == sorted(a.id for a in articles)
    assert all(len(texts) == 1 for texts in stored.values())


def test_an_id_of_1500_characters_dedupes(client: LabelStudioClient, title: str) -> None:
    long_id = "id-" + "x(y)|z.*" * 187
    assert len(long_id) == 1499
    article = Article(long_id, "A text with a very long id.")
    assert push_articles(client, [article], project_title=title).created == 1
    again = push_articles(client, [article], project_title=title)
    assert (again.created, again.already_present) == (0, 1)


def test_tasks_pushed_before_keys_were_kept_still_dedupe(
    client: LabelStudioClient, title: str
) -> None:
    first = push_articles(client, [Article("seed", "Seed.")], project_title=title)
    # tasks as an older quotegold made them: the id and text, no key and no text hash
    old = [{"data": {"article_id": f"old-{n}", "text": f"Old {n}."}} for n in range(3)]
    client.import_tasks(first.project.id, old)
    articles = [Article(f"old-{n}", f"Old {n}.") for n in range(3)]
    changed = Article("old-2", "Old 2, edited.")
    again = push_articles(
        client, [*articles[:2], changed, Article("new", "New.")], project_title=title
    )
    assert (again.created, again.already_present) == (1, 2)
    assert outcomes(again.changed) == [("old-2", "skipped", "")]
    stored = texts_by_id(client, first.project.id)
    assert sorted(stored) == ["new", "old-0", "old-1", "old-2", "seed"]


def test_task_data_holds_the_key_and_the_text_hash(client: LabelStudioClient, title: str) -> None:
    pushed = push_articles(client, [Article("k-1", "Keyed text.")], project_title=title)
    [(_, data)] = list(client.iter_task_data(pushed.project.id))
    assert data["article_key"] == article_key("k-1") and len(data["article_key"]) == 16
    assert data["text_hash"] == text_hash("Keyed text.")


@pytest.mark.parametrize(("length", "refused"), [(MAX_ID_LENGTH, False), (MAX_ID_LENGTH + 1, True)])
def test_ids_longer_than_the_limit_are_refused_at_ingest(
    tmp_path: Path, length: int, refused: bool
) -> None:
    path = tmp_path / "ids.jsonl"
    lines = [{"id": "short", "text": "Fine."}, {"id": "x" * length, "text": "Long id."}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = read_articles([path])
    if not refused:
        assert result.issues == [] and len(result.articles) == 2
        return
    assert [a.id for a in result.articles] == ["short"]
    [issue] = result.issues
    assert (issue.location.file, issue.location.line) == (str(path), 2)
    assert f"more than the {MAX_ID_LENGTH:,} allowed" in issue.message
