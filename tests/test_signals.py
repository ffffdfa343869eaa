"""SIGINT and SIGTERM at any moment of a real `quotegold export` or `quotegold push` (a
subprocess, against the real Label Studio): one line and exit code 130 or 143, no
traceback, no temporary folder or copy of the data left, no child process left, and the
previous export byte for byte as it was."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from quotegold.articles.ingest import Article
from quotegold.gold.results import record_to_results
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.workflows.push import push_articles

pytestmark = pytest.mark.integration

SEED_GOLD = Path(__file__).parents[1] / "tasks" / "gold" / "wikinews-a.jsonl"
TASKS = 300


@pytest.fixture(scope="module")
def annotated(label_studio: ServerInfo) -> str:
    """A project of 300 annotated tasks; its title."""
    title = f"signals {uuid.uuid4().hex[:6]}"
    record = json.loads(SEED_GOLD.read_text("utf-8").splitlines()[0])
    made = [Article(id=f"gold-{n}", text=record["text"]) for n in range(TASKS)]
    results = record_to_results(record)
    extras = {
        article.id: {
            "annotations": [{"result": results, "ground_truth": False, "was_cancelled": False}]
        }
        for article in made
    }
    with LabelStudioClient(url=label_studio.url, api_key=label_studio.api_key) as client:
        push_articles(client, made, project_title=title, task_extras=extras)
    return title


class Run:
    """One `python -m quotegold …` with its own temp folder and a mark in its environment
    that every process it starts inherits."""

    def __init__(self, label_studio: ServerInfo, folder: Path) -> None:
        self.folder = folder
        self.scratch = folder / "scratch"
        self.scratch.mkdir(exist_ok=True)
        self.mark = uuid.uuid4().hex
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO")},
            "LABEL_STUDIO_URL": label_studio.url,
            "LABEL_STUDIO_API_KEY": label_studio.api_key,
            "TMPDIR": str(self.scratch),
            "QUOTEGOLD_SIGNAL_TEST": self.mark,
        }

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "quotegold", *args],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def marked_processes(self) -> list[int]:
        """Processes that carry this run's mark (the command and anything it started)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    environ = (entry / "environ").read_bytes()
                except OSError:
                    continue
                if self.mark.encode() in environ:
                    found.append(int(entry.name))
        return found

    def leftovers(self) -> list[Path]:
        """What the temp folder holds but quotegold's own (empty) folder of runs and the
        push locks' folder (empty lock files, kept on purpose: removing one another process
        may hold would break the lock)."""
        ours = {f"quotegold-{os.getuid()}", f"quotegold-locks-{os.getuid()}"}
        return [
            path
            for path in self.scratch.rglob("*")
            if path.name not in ours and not path.parent.name.startswith("quotegold-locks-")
        ]


def digest(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def wait_for(found: Callable[[], bool], process: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not found():
        assert process.poll() is None, f"it ended before the moment: {process.communicate()}"
        assert time.monotonic() < deadline, "the moment never came"
        time.sleep(0.005)


def stopped_cleanly(run: Run, process: subprocess.Popen[str], signum: int) -> str:
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signum, (stdout, stderr)
    assert "Traceback" not in stdout + stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines[-1] == ("interrupted" if signum == signal.SIGINT else "terminated"), stderr
    deadline = time.monotonic() + 10
    while run.marked_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert run.marked_processes() == [], "a child process outlived the command"
    assert run.leftovers() == [], "temporary data was left behind"
    return stderr


@pytest.fixture(scope="module")
def previous(
    annotated: str, label_studio: ServerInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("signals")
    run = Run(label_studio, folder)
    out = folder / "exports" / "gold"
    done = run.start("export", "--project", annotated, "--out", str(out))
    _, stderr = done.communicate(timeout=600)
    assert done.returncode == 0, stderr
    yield out, digest(out)


def _early(run: Run, out: Path, pid: int) -> bool:
    """As soon as the command handles SIGTERM (Python itself catches only SIGINT): while it
    still loads its libraries, which takes seconds."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    caught = int(
        next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16
    )
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def _downloading(run: Run, out: Path, pid: int) -> bool:
    return any(run.scratch.glob(f"quotegold-*/run-{pid}-export-*/export.json"))


def _writing(run: Run, out: Path, pid: int) -> bool:
    return any(out.parent.glob(f".{out.name}.tmp-{pid}-*/data"))


@pytest.mark.parametrize(
    ("moment", "signum"),
    [
        (_early, signal.SIGINT),
        (_downloading, signal.SIGTERM),
        (_writing, signal.SIGTERM),
        (_writing, signal.SIGINT),
    ],
    ids=["early-sigint", "downloading-sigterm", "writing-sigterm", "writing-sigint"],
)
def test_a_signal_during_an_export_leaves_nothing_behind(
    annotated: str,
    label_studio: ServerInfo,
    previous: tuple[Path, dict[str, str]],
    moment: Callable[[Run, Path, int], bool],
    signum: int,
) -> None:
    out, before = previous
    run = Run(label_studio, out.parents[1])
    # --full: an export into its own earlier folder would download nothing (incremental).
    process = run.start("export", "--project", annotated, "--out", str(out), "--full")
    wait_for(lambda: moment(run, out, process.pid), process, 300)
    stopped_cleanly(run, process, signum)
    assert digest(out) == before
    assert [path.name for path in out.parent.iterdir()] == [out.name]


def _worker_started(run: Run, pid: int) -> bool:
    """The push's pre-annotation worker process is running."""
    return any(other != pid for other in run.marked_processes())


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_a_signal_during_a_push_stops_it_and_its_worker(
    label_studio: ServerInfo, client: LabelStudioClient, title: str, tmp_path: Path, signum: int
) -> None:
    articles = tmp_path / "articles.jsonl"
    lines = [
        {"id": f"a-{n}", "text": f"Minister {n} said: \u201cWe will talk.\u201d"}
        for n in range(600)
    ]
    articles.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    run = Run(label_studio, tmp_path)
    process = run.start("push", str(articles), "--project", title, "--batch-size", "100")
    wait_for(lambda: _worker_started(run, process.pid), process, 300)
    stopped_cleanly(run, process, signum)
    # What was imported is there once; a second push completes it.
    again = run.start("push", str(articles), "--project", title, "--no-predictions")
    _, stderr = again.communicate(timeout=600)
    assert again.returncode == 0, stderr
    project = client.require_project(title)
    ids = [data["article_id"] for _, data in client.iter_task_data(project.id)]
    assert sorted(ids) == sorted(line["id"] for line in lines)
