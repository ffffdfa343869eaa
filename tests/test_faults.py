"""Faults injected for real: Label Studio stopped mid-push and mid-export, a timeout, a 500,
and a 401 after the API key was rotated.

These tests stop, restart and re-key a Label Studio of their own (the `spare` fixture, one
per module, on its own data dir and port), so the session's server is never touched. The
timeout and the 500 come from `faultproxy.FaultProxy`, a real HTTP proxy between quotegold
and that server; nothing is mocked. Retries are made quick by passing small attempts and
backoff to the library (and, for the CLI, to the client and push function it builds).

What must hold every time: a clear message naming the URL and what to do; a non-zero exit
with one readable line and no traceback from the CLI; never a partial dataset (the previous
export stays byte for byte, no temporary folder is left); and a push run again after the
fault completes with no duplicates and nothing missing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

import quotegold.cli.annotate
import quotegold.cli.data
import quotegold.workflows.push
from faultproxy import FaultProxy
from quotegold.articles.ingest import Article
from quotegold.cli.main import app
from quotegold.errors import LabelStudioUnavailable
from quotegold.gold.results import record_to_results
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import free_port, start_server, stop_server
from quotegold.settings import CREDENTIALS_FILE, Settings, read_credentials
from quotegold.workflows.export import ExportOptions, export_project
from quotegold.workflows.push import push_articles

pytestmark = pytest.mark.integration

# Gold made with the built-in schema, which the projects here have.
SEED_GOLD = Path(__file__).parents[1] / "tasks" / "gold" / "wikinews-a.jsonl"
QUICK = {"attempts": 2, "backoff": 0.05}  # retries, but in well under a second
runner = CliRunner()


@dataclass
class Spare:
    """The module's own Label Studio: stopped, restarted and re-keyed by these tests."""

    data_dir: Path
    port: int
    url: str
    api_key: str

    def start(self) -> None:
        """Start it again on the same data dir and port (about 10 s), or find it running."""
        start_server(data_dir=self.data_dir, port=self.port, timeout=240)

    def stop(self) -> None:
        stop_server(data_dir=self.data_dir)

    def client(self, url: str | None = None, **options: Any) -> LabelStudioClient:
        return LabelStudioClient(url=url or self.url, api_key=self.api_key, **options)

    def rotate_key(self) -> str:
        """Reset the admin's API token as Account & Settings does; return the old one."""
        response = httpx.post(
            f"{self.url}/api/current-user/reset-token/",
            headers={"Authorization": f"Token {self.api_key}"},
            trust_env=False,
        )
        assert response.status_code == 201, response.text
        old, self.api_key = self.api_key, str(response.json()["token"])
        # A restart checks the recorded key: record the new one, as the user would.
        credentials = self.data_dir / CREDENTIALS_FILE
        stored = json.loads(credentials.read_text("utf-8"))
        credentials.write_text(json.dumps({**stored, "api_key": self.api_key}), "utf-8")
        return old


@pytest.fixture(scope="module")
def spare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Spare]:
    """A Label Studio for this module alone (a first start takes 30-90 s).

    For quick local runs, QUOTEGOLD_TEST_SPARE_DATA_DIR names a data dir to reuse (a
    restart takes about 10 s); it is stopped at the end like the temporary one.
    """
    reused = os.environ.get("QUOTEGOLD_TEST_SPARE_DATA_DIR")
    data_dir = Path(reused) if reused else tmp_path_factory.mktemp("spare-labelstudio")
    recorded = read_credentials(data_dir.resolve()).get("url", "")
    port = int(recorded.rsplit(":", 1)[1]) if recorded else free_port()
    info = start_server(data_dir=data_dir, port=port, timeout=240)
    try:
        yield Spare(data_dir=info.data_dir, port=port, url=info.url, api_key=info.api_key)
    finally:
        stop_server(data_dir=data_dir)


@pytest.fixture
def live(spare: Spare) -> Spare:
    """The spare server, running (an earlier test may have stopped it)."""
    spare.start()
    return spare


@pytest.fixture
def proxy(live: Spare) -> Iterator[FaultProxy]:
    with FaultProxy(live.url) as running:
        yield running


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder every temporary file and folder goes to, so leftovers can be seen."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def quick_cli(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """The CLI with two quick attempts, and a 2 s timeout for the timeout faults (30 s for
    the others, so that a slow but healthy server never fails a test). It has no flags
    for these, so the client and push function it builds are given them; the export
    download timeout comes from the CLI's own `--download-timeout`, as a user gives it."""
    params = getattr(request.node, "callspec", None)
    timeout = 2.0 if params and params.params.get("fault") == "timeout" else 30.0

    def make_client(settings: Settings) -> LabelStudioClient:
        return LabelStudioClient(
            url=settings.url,
            api_key=settings.require_api_key(),
            key_source=settings.api_key_source,
            timeout=timeout,
            export_timeout=settings.export_timeout,
            **QUICK,
        )

    monkeypatch.setattr(quotegold.cli.annotate, "make_client", make_client)
    monkeypatch.setattr(quotegold.cli.data, "make_client", make_client)
    monkeypatch.setattr(
        quotegold.workflows.push, "push_articles", functools.partial(push_articles, **QUICK)
    )


def articles(count: int, prefix: str) -> list[Article]:
    return [
        Article(id=f"{prefix}-{n}", text=f"Minister {n} said “We will talk.” 😀 नमस्ते.")
        for n in range(count)
    ]


def write_jsonl(path: Path, items: list[Article]) -> Path:
    lines = (json.dumps({"id": a.id, "text": a.text}, ensure_ascii=False) for a in items)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def article_ids(client: LabelStudioClient, title: str) -> list[str]:
    """Every task's article id, duplicates kept."""
    project = client.find_project(title)
    assert project is not None
    return [str(data["article_id"]) for _, data in client.iter_task_data(project.id)]


def folder_digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def one_error_line(result: Result) -> str:
    """The CLI failed as it should: exit 1, one line on stderr, no traceback."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def cli(*args: str | Path, url: str, api_key: str, data_dir: Path) -> Result:
    options = ["--url", url, "--api-key", api_key, "--data-dir", str(data_dir)]
    return runner.invoke(app, [*map(str, args), *options])


# -- Label Studio stopped in the middle of a push -------------------------------------------


def test_push_stopped_midway_fails_clearly_and_resumes_without_duplicates(live: Spare) -> None:
    pushed = articles(3000, "stopped")
    title = f"stopped push {uuid.uuid4().hex[:6]}"
    stop_now, stopped = threading.Event(), threading.Event()
    handled = 0
    outcome: dict[str, BaseException | None] = {}

    def progress(count: int) -> None:
        nonlocal handled
        handled += count
        if handled >= 400:
            stop_now.set()  # the server goes down while the third batch is on its way
        if handled >= 600:
            stopped.wait(timeout=120)  # and the push cannot finish before it is down

    def push() -> None:
        try:
            with live.client(**QUICK) as client:
                push_articles(
                    client,
                    pushed,
                    project_title=title,
                    batch_size=200,
                    on_progress=progress,
                    **QUICK,
                )
            outcome["error"] = None
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc

    worker = threading.Thread(target=push)
    worker.start()
    try:
        assert stop_now.wait(timeout=180), "the push never got going"
        live.stop()
    finally:
        stopped.set()
        worker.join(timeout=180)
    assert not worker.is_alive(), "the push hangs after the server went away"
    error = outcome["error"]
    assert isinstance(error, LabelStudioUnavailable), repr(error)
    message = str(error)
    assert live.url in message and "cannot reach Label Studio" in message
    assert "start it with `quotegold serve`" in message
    assert "gave up after 2 attempts" in message and "\n" not in message

    live.start()
    with live.client() as client:
        before = article_ids(client, title)
        assert 400 <= len(before) < 3000 and len(set(before)) == len(before)
        again = push_articles(client, pushed, project_title=title, batch_size=200)
        after = article_ids(client, title)
    assert sorted(after) == sorted(article.id for article in pushed)  # no duplicate, none lost
    assert (again.created, again.already_present) == (3000 - len(before), len(before))


def test_cli_push_stopped_midway_exits_with_one_line_then_resumes(
    live: Spare, proxy: FaultProxy, tmp_path: Path, quick_cli: None
) -> None:
    source = write_jsonl(tmp_path / "articles.jsonl", articles(3000, "cli-stopped"))
    title = f"cli stopped {uuid.uuid4().hex[:6]}"
    # Two batches arrive; the server is stopped while the third is being imported.
    proxy.on_forward(r"/import", live.stop, skip=2)
    push = ("push", source, "--project", title, "--batch-size", "200", "--no-predictions")
    line = one_error_line(cli(*push, url=proxy.url, api_key=live.api_key, data_dir=tmp_path))
    assert f"cannot reach Label Studio at {proxy.url}" in line
    assert "start it with `quotegold serve` or check LABEL_STUDIO_URL" in line

    live.start()
    proxy.pass_through()
    again = cli(*push, url=proxy.url, api_key=live.api_key, data_dir=tmp_path)
    assert again.exit_code == 0, again.stderr
    with live.client() as client:
        ids = article_ids(client, title)
    assert sorted(ids) == sorted(f"cli-stopped-{n}" for n in range(3000))  # no duplicates
    found = re.search(r"(\d+) task\(s\) created, (\d+) already there", again.stdout)
    assert found is not None, again.stdout
    created, present = map(int, found.groups())
    assert created + present == 3000 and present >= 400  # the first two batches were kept


# -- faults while pushing through the CLI ----------------------------------------------------


@pytest.fixture(scope="module")
def annotated(spare: Spare) -> str:
    """A project of 40 annotated tasks on the spare server; its title."""
    spare.start()
    title = f"annotated {uuid.uuid4().hex[:6]}"
    record = json.loads(SEED_GOLD.read_text("utf-8").splitlines()[0])
    made = [Article(id=f"gold-{n}", text=record["text"]) for n in range(40)]
    extras = {
        article.id: {
            "annotations": [
                {"result": record_to_results(record), "ground_truth": False, "was_cancelled": False}
            ]
        }
        for article in made
    }
    with spare.client() as client:
        push_articles(client, made, project_title=title, task_extras=extras)
    return title


def test_a_500_after_the_server_stored_a_batch_is_retried_without_duplicates(
    live: Spare, proxy: FaultProxy, tmp_path: Path, quick_cli: None
) -> None:
    """The nastiest 500: the import went through, only the answer was lost."""
    source = write_jsonl(tmp_path / "articles.jsonl", articles(30, "late-500"))
    title = f"late 500 {uuid.uuid4().hex[:6]}"
    proxy.fail(r"/import", status=500, after_forward=True, skip=1, times=1)
    result = cli(
        "push", source, "--project", title, "--batch-size", "10", "--no-predictions",
        url=proxy.url, api_key=live.api_key, data_dir=tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "20 task(s) created, 10 already there" in result.stdout  # the retry found them
    with live.client() as client:
        assert sorted(article_ids(client, title)) == sorted(f"late-500-{n}" for n in range(30))


PUSH_FAULTS: dict[str, tuple[Callable[[FaultProxy], None], tuple[str, ...]]] = {
    "timeout": (
        lambda proxy: proxy.hang(r"/import"),
        ("did not answer within 2 s while importing 10 tasks into project", "check its log"),
    ),
    "500": (
        lambda proxy: proxy.fail(r"/import", status=500),
        ("failed while importing 10 tasks into project", "HTTP 500", "see the server's log"),
    ),
}


@pytest.mark.parametrize("fault", PUSH_FAULTS, ids=list(PUSH_FAULTS))
def test_cli_push_fault_is_one_clear_line_and_a_rerun_completes(
    fault: str, live: Spare, proxy: FaultProxy, tmp_path: Path, quick_cli: None
) -> None:
    switch, words = PUSH_FAULTS[fault]
    source = write_jsonl(tmp_path / "articles.jsonl", articles(30, f"push-{fault}"))
    title = f"push {fault} {uuid.uuid4().hex[:6]}"
    push = ("push", source, "--project", title, "--batch-size", "10", "--no-predictions")
    switch(proxy)
    line = one_error_line(cli(*push, url=proxy.url, api_key=live.api_key, data_dir=tmp_path))
    assert f"Label Studio at {proxy.url}" in line
    for word in words:
        assert word in line
    proxy.pass_through()
    again = cli(*push, url=proxy.url, api_key=live.api_key, data_dir=tmp_path)
    assert again.exit_code == 0, again.stderr
    with live.client() as client:
        assert sorted(article_ids(client, title)) == sorted(f"push-{fault}-{n}" for n in range(30))


# -- faults while exporting ------------------------------------------------------------------


@pytest.fixture
def previous(live: Spare, annotated: str, tmp_path: Path) -> Path:
    """An export of the annotated project: what every failed export must leave alone."""
    out = tmp_path / "exports" / "gold"
    with live.client() as client:
        summary, _ = export_project(client, annotated, out=out, options=ExportOptions(name="gold"))
    assert summary.articles == 40
    return out


def leftovers(scratch: Path) -> list[Path]:
    """What the temp folder holds but quotegold's own (empty) folder of runs."""
    return [path for path in scratch.rglob("*") if not path.name.startswith("quotegold-")]


def assert_untouched(out: Path, before: dict[str, str], scratch: Path) -> None:
    assert folder_digest(out) == before  # byte for byte
    assert [path.name for path in out.parent.iterdir()] == [out.name]  # no .gold.tmp-… beside
    assert leftovers(scratch) == []  # no download or spill left in the temp folder


EXPORT_FAULTS: dict[str, tuple[Callable[[FaultProxy], None], int, tuple[str, ...]]] = {
    # Not retried: each try would make Label Studio build the whole export again.
    "timeout": (
        lambda proxy: proxy.hang(r"/export"),
        1,
        (
            "sent nothing for 3 s while downloading the export of project",
            "the export download timeout",
            "--download-timeout SECONDS",
            "QUOTEGOLD_EXPORT_TIMEOUT",
        ),
    ),
    "500": (
        lambda proxy: proxy.fail(r"/export", status=500),
        2,
        (
            "failed while downloading the export of project",
            "HTTP 500",
            "see the server's log",
            "gave up after 2 attempts",
        ),
    ),
}


@pytest.mark.parametrize("fault", EXPORT_FAULTS, ids=list(EXPORT_FAULTS))
def test_cli_export_fault_is_one_clear_line_and_no_partial_dataset(
    fault: str,
    live: Spare,
    proxy: FaultProxy,
    annotated: str,
    previous: Path,
    scratch: Path,
    tmp_path: Path,
    quick_cli: None,
) -> None:
    switch, tries, words = EXPORT_FAULTS[fault]
    before = folder_digest(previous)
    switch(proxy)
    result = cli(
        "export", "--project", annotated, "--out", previous, "--download-timeout", "3",
        url=proxy.url, api_key=live.api_key, data_dir=tmp_path,
    )  # fmt: skip
    line = one_error_line(result)
    assert f"Label Studio at {proxy.url}" in line
    for word in words:
        assert word in line
    assert sum("/export" in path for _, path in proxy.seen) == tries
    assert_untouched(previous, before, scratch)


# -- a 401 after the API key was rotated ------------------------------------------------------


def test_rotated_key_is_refused_clearly_and_the_new_one_works(
    live: Spare,
    annotated: str,
    previous: Path,
    scratch: Path,
    tmp_path: Path,
    quick_cli: None,
) -> None:
    before = folder_digest(previous)
    source = write_jsonl(tmp_path / "articles.jsonl", articles(5, "rotated"))
    old = live.rotate_key()
    where = {"url": live.url, "data_dir": tmp_path}
    refused = [
        cli("push", source, "--project", annotated, "--no-predictions", api_key=old, **where),
        cli("export", "--project", annotated, "--out", previous, api_key=old, **where),
    ]
    for result in refused:
        line = one_error_line(result)
        assert f"Label Studio at {live.url} refused the API key from the command-line flag" in line
        assert "HTTP 401" in line and "set LABEL_STUDIO_API_KEY to a valid token" in line
    assert_untouched(previous, before, scratch)
    # Everything works again with the new key, and the old one stays refused.
    again = cli("export", "--project", annotated, "--out", previous, api_key=live.api_key, **where)
    assert again.exit_code == 0, again.stderr
    assert "exported 40 article(s)" in again.stdout
    assert leftovers(scratch) == []


# -- Label Studio stopped in the middle of an export (last: it leaves the server stopped) --


def test_export_stopped_midway_leaves_the_previous_export(
    live: Spare,
    proxy: FaultProxy,
    annotated: str,
    previous: Path,
    scratch: Path,
    tmp_path: Path,
    quick_cli: None,
) -> None:
    before = folder_digest(previous)
    # Stopped once the download request has reached the server, before it answers.
    proxy.on_forward(r"/export", live.stop)
    result = cli(
        "export", "--project", annotated, "--out", previous,
        url=proxy.url, api_key=live.api_key, data_dir=tmp_path,
    )  # fmt: skip
    line = one_error_line(result)
    assert f"cannot reach Label Studio at {proxy.url} while downloading the export" in line
    assert "start it with `quotegold serve`" in line
    assert_untouched(previous, before, scratch)
