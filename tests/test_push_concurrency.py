"""Concurrent pushes are safe: real `quotegold push` processes started together on one
project (and on a title that does not exist yet) leave each article exactly once, in one
project, against a real Label Studio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest

from quotegold.articles.ingest import Article
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.workflows.locks import lock_path, project_lock
from quotegold.workflows.push import push_articles

pytestmark = pytest.mark.integration


def write_articles(path: Path, numbers: range) -> Path:
    lines = (json.dumps({"id": f"c-{n}", "text": f"Article {n} says “hello”."}) for n in numbers)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def push_together(server: ServerInfo, title: str, files: list[Path]) -> list[str]:
    """Start one `quotegold push` per file at once; wait for all; their outputs."""
    env = {**os.environ, "LABEL_STUDIO_URL": server.url, "LABEL_STUDIO_API_KEY": server.api_key}
    command = [sys.executable, "-m", "quotegold", "push", "--project", title, "--no-predictions"]
    processes = [
        subprocess.Popen(
            [*command, "--batch-size", "100", str(file)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for file in files
    ]
    outputs = []
    for process in processes:
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output
        outputs.append(output)
    return outputs


def projects_titled(client: LabelStudioClient, title: str) -> list[int]:
    return [int(p.id) for p in client._sdk.projects.list(title=title) if p.title == title]


def article_counts(client: LabelStudioClient, project_id: int) -> Counter[str]:
    return Counter(str(data["article_id"]) for _, data in client.iter_task_data(project_id))


def test_two_pushes_to_a_new_title_make_one_project_with_each_article_once(
    label_studio: ServerInfo, client: LabelStudioClient, tmp_path: Path
) -> None:
    title = f"concurrent new {uuid.uuid4().hex[:8]}"
    first = write_articles(tmp_path / "a.jsonl", range(0, 300))
    second = write_articles(tmp_path / "b.jsonl", range(150, 450))
    outputs = push_together(label_studio, title, [first, second])
    [project_id] = projects_titled(client, title)
    counts = article_counts(client, project_id)
    assert sorted(counts) == sorted(f"c-{n}" for n in range(450))
    assert set(counts.values()) == {1}
    created = sorted(int(o.split(" task(s) created")[0].split()[-1]) for o in outputs)
    assert created == [150, 300]  # the second to get the lock found the first's 150


def test_two_pushes_into_one_project_import_each_article_once(
    label_studio: ServerInfo, client: LabelStudioClient, tmp_path: Path
) -> None:
    title = f"concurrent old {uuid.uuid4().hex[:8]}"
    seeds = [Article(f"c-{n}", f"Article {n} says “hello”.") for n in range(0, 500, 50)]
    project_id = push_articles(client, seeds, project_title=title).project.id
    first = write_articles(tmp_path / "a.jsonl", range(0, 250))
    second = write_articles(tmp_path / "b.jsonl", range(100, 350))
    third = write_articles(tmp_path / "c.jsonl", range(200, 500))
    push_together(label_studio, title, [first, second, third])
    assert projects_titled(client, title) == [project_id]
    counts = article_counts(client, project_id)
    assert sorted(counts) == sorted(f"c-{n}" for n in range(500))
    assert set(counts.values()) == {1}


def test_a_push_waits_while_another_process_holds_the_lock(
    client: LabelStudioClient, title: str
) -> None:
    # another process holds the lock of this project: a push says so and waits
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from quotegold.workflows.locks import project_lock\n"
            "with project_lock(sys.argv[1], sys.argv[2]):\n"
            "    print('held', flush=True); time.sleep(3)\n",
            client.url,
            title,
        ],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        waited: list[Path] = []
        result = push_articles(
            client, [Article("w-1", "Waited.")], project_title=title, on_wait=waited.append
        )
        assert waited == [lock_path(client.url, title)]
        assert holder.wait(timeout=30) == 0
    assert result.created == 1


def test_the_lock_is_per_server_and_title(tmp_path: Path) -> None:
    assert lock_path("http://a:8080/", "T") == lock_path("http://a:8080", "T")
    assert lock_path("http://a:8080", "T") != lock_path("http://a:8080", "T2")
    assert lock_path("http://a:8080", "T") != lock_path("http://b:8080", "T")
    with project_lock("http://a:8080", "T") as held, project_lock("http://a:8080", "U"):
        assert held.parent.stat().st_mode & 0o077 == 0  # this user's alone
