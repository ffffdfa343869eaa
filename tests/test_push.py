"""Pushing articles into a real Label Studio: project, config, idempotency, resumption."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from collections import Counter
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from quotegold.articles.ingest import Article, read_articles
from quotegold.articles.tasks import Predictor
from quotegold.errors import LabelStudioAuthError, LabelStudioUnavailable, PreannotationError
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.preannotate.pool import WARM_UP_ARTICLE, pipelined_batch_sizes, worker_count
from quotegold.preannotate.predictions import predict_article
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.schema.labelconfig import render_label_config
from quotegold.workflows.push import push_articles

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
    assert project.label_config.strip() == render_label_config(SCHEMA).strip()
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
    old = ET.fromstring(render_label_config(SCHEMA))
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


class LookupCountingClient(LabelStudioClient):
    """Counts the article-id lookups, which filter every task in the project."""

    lookups = 0

    def find_articles(self, project_id: int, article_ids: Any) -> Any:
        self.lookups += 1
        return super().find_articles(project_id, article_ids)


def test_push_into_an_empty_project_looks_nothing_up(label_studio: ServerInfo, title: str) -> None:
    articles = made_up_articles(9, prefix="fresh")
    repeated = [*articles, articles[0], articles[4]]  # repeats in later batches
    with LookupCountingClient(url=label_studio.url, api_key=label_studio.api_key) as client:
        first = push_articles(client, repeated, project_title=title, batch_size=2)
        assert client.lookups == 0
        assert (first.created, first.already_present) == (9, 2)
        # a second push finds tasks it did not create, so it looks every batch up
        second = push_articles(client, articles, project_title=title, batch_size=2)
        assert client.lookups == 5
        assert (second.created, second.already_present) == (0, 9)
        assert sorted(article_ids_in(client, first.project.id)) == sorted(a.id for a in articles)


def test_task_added_by_someone_else_during_a_push_is_not_duplicated(
    client: LabelStudioClient, title: str
) -> None:
    articles = made_up_articles(10, prefix="race")
    project_ids: list[int] = []

    def add_a_later_article(done: int) -> None:
        # after the first batch, another pusher (of an older quotegold: no key in the data)
        # stores an article of the last batch
        if done == 2 and not project_ids:
            project_ids.append(client.find_project(title).id)  # type: ignore[union-attr]
            data = {"article_id": "race-9", "text": articles[9].text}
            client.import_tasks(project_ids[0], [{"data": data}])

    result = push_articles(
        client, articles, project_title=title, batch_size=2, on_progress=add_a_later_article
    )
    assert (result.created, result.already_present, result.changed) == (9, 1, [])
    ids = article_ids_in(client, result.project.id)
    assert sorted(ids) == sorted(a.id for a in articles)


def test_duplicates_in_one_batch_make_one_task(client: LabelStudioClient, title: str) -> None:
    a, b, c = made_up_articles(3, prefix="twice")
    result = push_articles(client, [a, b, a, c, b], project_title=title)
    assert (result.created, result.already_present) == (3, 2)
    assert sorted(article_ids_in(client, result.project.id)) == sorted(x.id for x in (a, b, c))


# -- pre-annotation, here and in a worker process ------------------------------------------
# Predictors a worker process can run are module-level functions (or partials of them); a
# lambda runs in the pushing process.


def pid_prediction(article: Article) -> dict[str, Any]:
    """A prediction that says which process made it."""
    return {"model_version": f"pid-{os.getpid()}", "score": 0.5, "result": []}


def failing_prediction(article: Article) -> dict[str, Any]:
    if article.id.endswith("-7"):
        raise ValueError("no quotes in here")
    return pid_prediction(article)


def dying_prediction(article: Article) -> dict[str, Any]:
    if article.id.endswith("-7"):
        os._exit(3)  # as a worker killed by the kernel for lack of memory
    return pid_prediction(article)


def logged_prediction(log: Path, article: Article) -> dict[str, Any]:
    with log.open("a", encoding="utf-8") as handle:
        handle.write(article.id + "\n")
    return pid_prediction(article)


def slow_prediction(article: Article) -> dict[str, Any]:
    time.sleep(0.2)
    return pid_prediction(article)


def slow_logged_prediction(log: Path, article: Article) -> dict[str, Any]:
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\n")
    return slow_prediction(article)


def predictions_by_article(client: LabelStudioClient, project_id: int) -> dict[str, Any]:
    return {
        task["data"]["article_id"]: (
            task["data"],
            [(p["model_version"], p["score"], p["result"]) for p in task["predictions"]],
        )
        for task in client.iter_tasks(project_id)
    }


def test_worker_makes_the_same_tasks_as_inline(client: LabelStudioClient, title: str) -> None:
    articles = seed_articles() + made_up_articles(7)
    extras = {"article-3": {"predictions": [{"model_version": "mine", "result": []}]}}
    pushed = {}
    for where, predictor in (("here", lambda a: predict_article(a)), ("worker", predict_article)):
        result = push_articles(
            client,
            articles,
            project_title=f"{title} {where}",
            batch_size=4,
            predictor=predictor,
            task_extras=extras,
        )
        assert result.created == 9
        pushed[where] = predictions_by_article(client, result.project.id)
    assert pushed["worker"] == pushed["here"]
    assert [p[0] for p in pushed["worker"]["article-3"][1]] == ["mine"]  # extras win
    assert any(p[2] for _, predictions in pushed["worker"].values() for p in predictions)


@pytest.mark.parametrize(
    ("count", "batch_size", "here", "elsewhere"),
    [
        (10, 4, 0, 10),  # half-size batches, all in the workers (the first included)
        # more than twice MIN_PIPELINED_BATCH articles in one batch: batches up to 100, all
        # in the workers (a push of 1,000 in one batch had no worker)
        (250, 1000, 0, 250),
        (4, 4, 4, 0),  # one batch: not worth starting a worker
        (2, 1000, 2, 0),
    ],
)
def test_every_batch_of_a_pipelined_push_is_pre_annotated_in_a_worker(
    client: LabelStudioClient, title: str, count: int, batch_size: int, here: int, elsewhere: int
) -> None:
    articles = made_up_articles(count)
    result = push_articles(
        client, articles, project_title=title, batch_size=batch_size, predictor=pid_prediction
    )
    versions = Counter(
        prediction[0]
        for _, predictions in predictions_by_article(client, result.project.id).values()
        for prediction in predictions
    )
    mine = f"pid-{os.getpid()}"
    assert versions.pop(mine, 0) == here
    assert sum(versions.values()) == elsewhere
    assert len(versions) <= worker_count()
    assert multiprocessing.active_children() == []


def test_pipelined_batches_grow_from_a_small_first_one() -> None:
    assert list(islice(pipelined_batch_sizes(200), 6)) == [32, 64, 128, 200, 200, 200]
    assert list(islice(pipelined_batch_sizes(50), 3)) == [32, 50, 50]
    assert list(islice(pipelined_batch_sizes(20), 3)) == [20, 20, 20]


@pytest.mark.skipif(worker_count() < 2, reason="one core: one worker")
def test_a_pipelined_push_shares_each_batch_among_the_workers(
    client: LabelStudioClient, title: str
) -> None:
    articles = made_up_articles(300)
    result = push_articles(client, articles, project_title=title, predictor=pid_prediction)
    by_article = predictions_by_article(client, result.project.id)
    assert sorted(by_article) == sorted(article.id for article in articles)
    made_by = [by_article[article.id][1][0][0] for article in articles]
    assert f"pid-{os.getpid()}" not in made_by
    # batches of 32, 64, then 100 (`pipelined_batch_size` of 300 articles), the first half of
    # each in the first worker, the second in the second
    first, second = made_by[0], made_by[16]
    halves = [(0, 32), (32, 96), (96, 196), (196, 296), (296, 300)]
    assert made_by == [
        worker
        for start, end in halves
        for worker in [first] * ((end - start + 1) // 2) + [second] * ((end - start) // 2)
    ]
    assert first != second


@pytest.mark.parametrize(
    "predictor", [failing_prediction, lambda a: failing_prediction(a)], ids=["worker", "here"]
)
def test_failing_predictor_is_a_clear_error(
    client: LabelStudioClient, title: str, predictor: Predictor
) -> None:
    with pytest.raises(PreannotationError) as raised:
        push_articles(
            client, made_up_articles(12), project_title=title, batch_size=4, predictor=predictor
        )
    assert str(raised.value).startswith(
        "pre-annotating article 'article-7' failed (ValueError: no quotes in here); "
    )
    assert multiprocessing.active_children() == []


def test_dying_worker_is_a_clear_error(client: LabelStudioClient, title: str) -> None:
    with pytest.raises(PreannotationError, match="worker process stopped unexpectedly"):
        push_articles(
            client,
            made_up_articles(12),
            project_title=title,
            batch_size=4,
            predictor=dying_prediction,
        )
    assert multiprocessing.active_children() == []


def test_stopping_a_push_stops_its_worker(client: LabelStudioClient, title: str) -> None:
    def stop(count: int) -> None:
        raise KeyboardInterrupt  # as Ctrl-C would, while the worker pre-annotates

    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        push_articles(
            client,
            made_up_articles(200),
            project_title=title,
            batch_size=40,
            predictor=slow_prediction,
            on_progress=stop,
        )
    assert time.monotonic() - began < 20  # not the 40 s of pre-annotating the whole lot
    assert multiprocessing.active_children() == []


def test_retried_batch_is_pre_annotated_once_in_the_worker(
    label_studio: ServerInfo, title: str, tmp_path: Path
) -> None:
    articles = made_up_articles(7, prefix="flaky")
    log = tmp_path / "predicted.txt"
    with FlakyClient(url=label_studio.url, api_key=label_studio.api_key) as client:
        result = push_articles(
            client,
            articles,
            project_title=title,
            batch_size=3,
            backoff=0.01,
            predictor=partial(logged_prediction, log),
        )
        ids = article_ids_in(client, result.project.id)
    assert sorted(ids) == sorted(a.id for a in articles)
    assert result.created + result.already_present == 7
    predicted = [made for made in log.read_text("utf-8").split() if made != WARM_UP_ARTICLE.id]
    assert sorted(predicted) == sorted(a.id for a in articles)  # each once, none twice


KILLED_PUSH = """
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, {tests!r})
from test_push import made_up_articles, slow_logged_prediction

from quotegold.labelstudio import LabelStudioClient
from quotegold.workflows.push import push_articles

if __name__ == "__main__":
    with LabelStudioClient(url={url!r}, api_key={key!r}) as client:
        push_articles(
            client,
            made_up_articles(400),
            project_title={title!r},
            batch_size=40,
            predictor=partial(slow_logged_prediction, Path({log!r})),
        )
"""


def pids_in(log: Path) -> set[int]:
    return {int(pid) for pid in log.read_text().split()} if log.exists() else set()


def running(pid: int) -> bool:
    """Whether a process runs (a zombie waiting to be reaped does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_killed_push_leaves_no_worker(label_studio: ServerInfo, title: str, tmp_path: Path) -> None:
    log = tmp_path / "pids.txt"
    script = tmp_path / "push.py"
    tests = str(Path(__file__).parent)
    values = {"url": label_studio.url, "key": label_studio.api_key, "title": title}
    script.write_text(textwrap.dedent(KILLED_PUSH.format(tests=tests, log=str(log), **values)))
    push = subprocess.Popen([sys.executable, str(script)])
    try:
        deadline = time.monotonic() + 120
        while len(workers := pids_in(log) - {push.pid}) < worker_count():
            assert push.poll() is None and time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)
    finally:
        push.send_signal(signal.SIGKILL)  # no chance to clean up
        push.wait()
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [pid for pid in workers if running(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)  # not left behind, even by a failing test
    assert survivors == []
