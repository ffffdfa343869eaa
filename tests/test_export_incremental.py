"""Incremental export against a real Label Studio: a re-export into the folder of an earlier
export of the same project downloads only what changed and writes the same dataset as a
full export (checked over random edits, deletions, additions and re-annotations)."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from quotegold.articles.ingest import Article
from quotegold.cli.main import app
from quotegold.dataset.rowcache import CACHE_DIR
from quotegold.dataset.target import MARKER_FILE
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.workflows import exportchanges
from quotegold.workflows.export import ExportOptions, export_project_changes
from quotegold.workflows.exportchanges import current_stamps
from quotegold.workflows.exportstate import LISTED_FROM, STATE_FILE, read_header
from quotegold.workflows.push import push_articles

pytestmark = pytest.mark.integration
runner = CliRunner()
OPTIONS = ExportOptions(name="incremental")


def text_of(n: int) -> str:
    return f"Report {n} 😀 नमस्ते. Minister Singh said “We must fight together.” Talks went on."


def result(text: str, stance: str) -> list[dict[str, Any]]:
    """A quote, its speaker and cue, linked, as the editor stores them."""
    quote, speaker = "We must fight together.", "Minister Singh"
    q, s, c = text.index(quote), text.index(speaker), text.index("said")

    def item(rid: str, name: str, kind: str, start: int, end: int, **value: Any) -> dict[str, Any]:
        value = {"start": start, "end": end, "text": text[start:end], **value}
        return {"id": rid, "from_name": name, "to_name": "text", "type": kind, "value": value}

    return [
        item("q1", "label", "labels", q, q + len(quote), labels=["QUOTE"]),
        item("q1", "quote_type", "choices", q, q + len(quote), choices=["direct"]),
        item("q1", "stance", "choices", q, q + len(quote), choices=[stance]),
        item("q1", "stance_target", "choices", q, q + len(quote), choices=["other"]),
        item("s1", "label", "labels", s, s + len(speaker), labels=["SPEAKER"]),
        item("s1", "speaker_name", "textarea", s, s + len(speaker), text=["Rajnath Singh"]),
        item("s1", "speaker_kind", "choices", s, s + len(speaker), choices=["person"]),
        item("c1", "label", "labels", c, c + 4, labels=["CUE"]),
        {"type": "relation", "from_id": "s1", "to_id": "q1", "direction": "left"},
        {"type": "relation", "from_id": "q1", "to_id": "c1", "direction": "bi"},
    ]


class Project:
    """A project of annotated articles, and the edits a team makes between two exports."""

    def __init__(self, client: LabelStudioClient, title: str, size: int) -> None:
        self.client, self.title, self.made = client, title, 0
        self.tasks: dict[int, list[int]] = {}  # task id -> its annotation ids
        self.add(size)

    def add(self, count: int = 1) -> None:
        articles = [Article(f"inc-{self.made + n}", text_of(self.made + n)) for n in range(count)]
        pushed = push_articles(self.client, articles, project_title=self.title)
        self.project_id = pushed.project.id
        for task_id, article in zip(pushed.task_ids, articles, strict=True):
            annotation = self.client.create_annotation(task_id, result(article.text, "support"))
            self.tasks[task_id] = [annotation]
        self.made += count

    def apply(self, action: str, pick: int) -> None:
        if action == "add":
            self.add()
            return
        task_id = sorted(self.tasks)[pick % len(self.tasks)]
        text = text_of(int(self.client._sdk.tasks.get(str(task_id)).data["article_id"][4:]))
        sdk = self.client._sdk
        if action == "delete" and len(self.tasks) > 1:
            sdk.tasks.delete(str(task_id))
            del self.tasks[task_id]
        elif action == "edit":
            sdk.annotations.update(self.tasks[task_id][-1], result=result(text, "oppose"))
        elif action == "reannotate":
            stance = "neutral" if len(self.tasks[task_id]) % 2 else "support"
            created = self.client.create_annotation(task_id, result(text, stance))
            self.tasks[task_id].append(created)
        elif action == "ground_truth":
            self.client.set_ground_truth(self.tasks[task_id][0])
        elif action == "skip":
            created = self.client.create_annotation(task_id, [], was_cancelled=True)
            self.tasks[task_id].append(created)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dataset_of(folder: Path) -> dict[str, Any]:
    """What must be equal between two exports of the same tasks: every file (the report
    without its time, the state without its changelog), but the cache of rows and outcomes
    (`export-cache/`: its segments depend on the exports before) and the marker listing it."""
    files: dict[str, Any] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if not path.is_file() or name.startswith(f"{CACHE_DIR}/") or name == MARKER_FILE:
            continue
        if name == "report.json":
            report = json.loads(path.read_text("utf-8"))
            report.pop("created_at")
            files[name] = report
        elif name == "README.md":  # the card shows when the export was made
            lines = path.read_text("utf-8").splitlines()
            files[name] = [line for line in lines if not line.startswith("| created_at |")]
        elif name == STATE_FILE:
            lines = path.read_text("utf-8").splitlines()
            files[name] = lines[1:]
        else:
            files[name] = digest(path)
    return files


EVERY_KIND = [("delete", 1), ("reannotate", 2), ("edit", 3), ("add", 0), ("ground_truth", 2)]
EVERY_KIND += [("skip", 4), ("reannotate", 2)]
ACTIONS = st.sampled_from(["edit", "delete", "reannotate", "ground_truth", "skip", "add"])


@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # each example costs a project: no shrinking
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=st.lists(st.tuples(ACTIONS, st.integers(0, 50)), min_size=1, max_size=4))
@example(edits=EVERY_KIND)
def test_re_export_after_random_edits_equals_a_full_export(
    client: LabelStudioClient, tmp_path_factory: pytest.TempPathFactory, edits: list[Any]
) -> None:
    title = f"incremental {uuid.uuid4().hex[:8]}"
    project = Project(client, title, size=12)  # edits touch under half: no full download
    folder = tmp_path_factory.mktemp("inc") / "export"
    first = export_project_changes(client, title, out=folder, options=OPTIONS)
    assert first.changes.full and first.changes.tasks == 12
    # The full export replaces the same earlier export, so both write the same changelog.
    full = tmp_path_factory.mktemp("full") / "export"
    shutil.copytree(folder, full)
    for action, pick in edits:
        project.apply(action, pick)
    again = export_project_changes(client, title, out=folder, options=OPTIONS)
    assert not again.changes.full
    assert again.changes.downloaded <= len(edits)  # only what the edits touched
    whole = export_project_changes(client, title, out=full, options=OPTIONS, full=True)
    assert whole.changes.full
    assert dataset_of(folder) == dataset_of(full)
    assert again.report["counts"] == whole.report["counts"]


def test_unchanged_project_downloads_nothing_and_deletions_are_dropped(
    client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    project = Project(client, title, size=4)
    out = tmp_path / "export"
    export_project_changes(client, title, out=out, options=OPTIONS)
    same = export_project_changes(client, title, out=out, options=OPTIONS)
    assert (same.changes.full, same.changes.downloaded, same.changes.removed) == (False, 0, [])
    gone = sorted(project.tasks)[1]
    project.apply("delete", 1)
    project.apply("edit", 0)
    after = export_project_changes(client, title, out=out, options=OPTIONS)
    assert after.changes.removed == [gone]
    assert after.changes.updated == [sorted(project.tasks)[0]] and after.changes.added == []
    assert after.summary.articles == 3
    header = read_header(out)
    assert header is not None and header["changes"]["removed"] == 1
    assert header["project_id"] == project.project_id


def test_an_export_of_another_project_in_the_folder_means_a_full_download(
    client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    Project(client, title, size=2)
    other = f"{title} other"
    Project(client, other, size=2)
    out = tmp_path / "export"
    export_project_changes(client, title, out=out, options=OPTIONS)
    switched = export_project_changes(client, other, out=out, options=OPTIONS)
    assert switched.changes.full and "another server or project" in switched.changes.reason


def test_cli_says_what_an_incremental_export_downloaded(
    label_studio: ServerInfo, client: LabelStudioClient, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)
    title = f"cli incremental {uuid.uuid4().hex[:8]}"
    project = Project(client, title, size=3)
    args = ["export", "--project", title, "--out", str(tmp_path / "out")]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    assert "downloaded all 3 task(s) (no earlier export state in" in first.stdout
    project.apply("add", 0)
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.stderr
    assert "incremental: 1 of 4 task(s) downloaded (1 added, 0 changed), 0 removed" in second.stdout
    forced = runner.invoke(app, [*args, "--full"])
    assert "downloaded all 4 task(s) (--full)" in forced.stdout


def test_a_hand_edited_state_means_a_full_download_and_the_right_dataset(
    client: LabelStudioClient, title: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    Project(client, title, size=3)
    out = tmp_path_factory.mktemp("edited") / "export"
    export_project_changes(client, title, out=out, options=OPTIONS)
    state = out / STATE_FILE
    # Someone edits a kept task's text: its stamp still matches the server's.
    state.write_text(state.read_text("utf-8").replace("Report 1 ", "Report 9 "), "utf-8")
    again = export_project_changes(client, title, out=out, options=OPTIONS)
    assert again.changes.full and "changed by hand or is damaged" in again.changes.reason
    full = tmp_path_factory.mktemp("full") / "export"
    shutil.copytree(out, full)
    export_project_changes(client, title, out=full, options=OPTIONS, full=True)
    assert dataset_of(out) == dataset_of(full)


@pytest.mark.parametrize("damage", ["outcomes", "segment", "manifest"])
def test_a_damaged_cache_is_a_line_and_the_right_dataset(
    client: LabelStudioClient, title: str, tmp_path_factory: pytest.TempPathFactory, damage: str
) -> None:
    project = Project(client, title, size=3)
    out = tmp_path_factory.mktemp("damaged") / "export"
    export_project_changes(client, title, out=out, options=OPTIONS)
    full = tmp_path_factory.mktemp("full") / "export"
    shutil.copytree(out, full)
    cache = out / CACHE_DIR
    if damage == "outcomes":  # an edited outcome: another stance in a kept gold record
        outcomes = cache / "outcomes.jsonl"
        outcomes.write_text(outcomes.read_text("utf-8").replace("support", "oppose"), "utf-8")
    elif damage == "segment":
        segment = cache / "quotes.0.arrow"
        segment.write_bytes(segment.read_bytes()[:-10])
    else:
        (cache / "manifest.json").unlink()
    project.apply("edit", 0)
    again = export_project_changes(client, title, out=out, options=OPTIONS)
    assert not again.changes.full and again.changes.downloaded == 1
    assert any("were not reused" in note for note in again.summary.notes)
    export_project_changes(client, title, out=full, options=OPTIONS, full=True)
    assert dataset_of(out) == dataset_of(full)


def test_what_changed_is_found_with_counts_of_id_ranges(
    client: LabelStudioClient, title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleted tasks are found by halving id ranges (here down to ranges of 2 tasks), edited
    and added ones by one filtered listing: the stamps equal a listing of every task. In a
    project this small, listing every task is cheaper: None says so. (No margin here: the
    tasks were all just made, and the margin would list them all.)"""
    monkeypatch.setattr(exportchanges, "MARGIN", timedelta(0))
    project = Project(client, title, size=20)
    old = client.task_stamps(project.project_id)
    assert current_stamps(client, project.project_id, old) == old
    for pick in (3, 11, 12, 17):
        project.apply("delete", pick)
    project.apply("edit", 5)
    project.apply("add", 0)
    assert current_stamps(client, project.project_id, old) is None
    monkeypatch.setattr(exportchanges, "LEAF", 2)
    monkeypatch.setattr(exportchanges, "TASK_SECONDS", 10.0)  # as if listing were dear
    now = current_stamps(client, project.project_id, old)
    assert now == client.task_stamps(project.project_id)
    assert now is not None and len(now) == 17


def test_a_task_committed_late_inside_the_margin_is_found(
    client: LabelStudioClient, title: str
) -> None:
    """A task saved just before the earlier listing but committed after it (so missing from
    the earlier state, with an `updated_at` older than the newest one seen) is found: the
    margin is listed again. So is one whose predictions differ from the state's."""
    project = Project(client, title, size=6)
    now = client.task_stamps(project.project_id)
    newest = max(now, key=lambda task_id: now[task_id].split("|")[0])
    late = min(task_id for task_id in now if task_id != newest)
    earlier = {task_id: stamp for task_id, stamp in now.items() if task_id != late}
    assert current_stamps(client, project.project_id, earlier) == now
    other = min(task_id for task_id in now if task_id not in (newest, late))
    when, annotations, _ = now[other].split("|")
    changed = {**now, other: f"{when}|{annotations}|1"}
    assert current_stamps(client, project.project_id, changed) == now
    # Saved again before the earlier listing but committed after it: its stamp moved within
    # the margin and no count changed. Only listing the margin again finds it.
    moved = (datetime.fromisoformat(when) - timedelta(seconds=1)).isoformat()
    stale = {**now, other: f"{moved}|{annotations}|{now[other].split('|')[2]}"}
    assert current_stamps(client, project.project_id, stale) == now


def test_label_studios_clock_is_read_from_its_answer(client: LabelStudioClient, title: str) -> None:
    project = Project(client, title, size=1)
    before = datetime.now(UTC).replace(microsecond=0)
    clock = client.server_time(project.project_id)
    after = datetime.now(UTC)
    # The same machine's clock, rounded down to the second by the `Date` header.
    assert clock is not None and before - timedelta(seconds=1) <= clock <= after


UTC_NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("listed_from", "now", "expected"),
    [
        (None, UTC_NOON, UTC_NOON - timedelta(hours=1)),  # an older state: its newest stamp
        (UTC_NOON, None, UTC_NOON - timedelta(hours=1)),  # no clock now: the newest stamp
        (UTC_NOON, UTC_NOON + timedelta(days=1), UTC_NOON - exportchanges.MARGIN),  # the clock
        (UTC_NOON, UTC_NOON - timedelta(seconds=1), UTC_NOON - timedelta(hours=1)),  # set back
    ],
)
def test_the_margin_runs_back_from_the_earlier_listing_or_the_newest_stamp(
    listed_from: datetime | None, now: datetime | None, expected: datetime
) -> None:
    newest = UTC_NOON - timedelta(hours=1) + exportchanges.MARGIN
    assert exportchanges.settled_time(newest, listed_from, now) == expected
    # A stamp newer than the recorded clock (a save between the two) is never listed later.
    later = UTC_NOON + timedelta(minutes=1)
    assert exportchanges.settled_time(later, UTC_NOON, later) == later - exportchanges.MARGIN


def _spied(client: LabelStudioClient, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many tasks each filtered listing of recent stamps returned, as they happen."""
    listed: list[int] = []
    since = client.task_stamps_since

    def spy(project_id: int, when: str) -> dict[int, str]:
        found = since(project_id, when)
        listed.append(len(found))
        return found

    monkeypatch.setattr(client, "task_stamps_since", spy)
    return listed


def test_only_tasks_updated_after_the_earlier_listing_began_are_listed_again(
    client: LabelStudioClient, title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With Label Studio's clock kept from before the earlier listing, tasks updated long
    before it (here: more than a shortened margin) are not listed again, even when they are
    the newest the state holds; without it (an older state) the newest stamp rules and all
    of them are. Both give the stamps a listing of every task gives."""
    monkeypatch.setattr(exportchanges, "MARGIN", timedelta(seconds=2))
    project = Project(client, title, size=5)
    time.sleep(4)  # the tasks are now older than the margin
    listed_from = client.server_time(project.project_id)
    old = client.task_stamps(project.project_id)
    project.apply("edit", 2)
    listed = _spied(client, monkeypatch)
    now = client.server_time(project.project_id)
    found = current_stamps(client, project.project_id, old, listed_from=listed_from, now=now)
    assert found == client.task_stamps(project.project_id)
    assert listed == [1]  # the edited task alone
    older = current_stamps(client, project.project_id, old, listed_from=None, now=now)
    assert older == found and listed[1] >= 2


def test_a_late_commit_before_the_recorded_clock_is_found(
    client: LabelStudioClient, title: str
) -> None:
    """A task whose stamp moved within the margin before the earlier listing began, after
    the state saw it (committed late), is listed again under the clock rule too."""
    project = Project(client, title, size=4)
    listed_from = client.server_time(project.project_id)
    assert listed_from is not None
    now = client.task_stamps(project.project_id)
    task_id = min(now)
    when, annotations, predictions = now[task_id].split("|")
    moved = (datetime.fromisoformat(when) - timedelta(seconds=1)).isoformat()
    stale = {**now, task_id: f"{moved}|{annotations}|{predictions}"}
    clock = client.server_time(project.project_id)
    found = current_stamps(client, project.project_id, stale, listed_from=listed_from, now=clock)
    assert found == now


def test_the_state_keeps_the_clock_and_an_older_state_without_it_still_works(
    client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    project = Project(client, title, size=3)
    out, full = tmp_path / "export", tmp_path / "full"
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    export_project_changes(client, title, out=out, options=OPTIONS)
    header = read_header(out)
    assert header is not None and datetime.fromisoformat(header[LISTED_FROM]) >= before
    # As a state written before the clock was kept: the header without it (the checksum
    # covers the task lines only).
    state = out / STATE_FILE
    lines = state.read_text("utf-8").splitlines(keepends=True)
    del header[LISTED_FROM]
    state.write_text(json.dumps(header) + "\n" + "".join(lines[1:]), "utf-8")
    shutil.copytree(out, full)  # so both write the same changelog
    project.apply("edit", 1)
    project.apply("add", 0)
    again = export_project_changes(client, title, out=out, options=OPTIONS)
    assert not again.changes.full and again.changes.downloaded == 2
    rewritten = read_header(out)
    assert rewritten is not None and rewritten[LISTED_FROM] is not None
    export_project_changes(client, title, out=full, options=OPTIONS, full=True)
    assert dataset_of(out) == dataset_of(full)


@pytest.mark.parametrize("most_queries", [500, 1])
def test_deleted_tasks_found_while_the_tasks_are_read_give_the_full_exports_dataset(
    client: LabelStudioClient,
    title: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    most_queries: int,
) -> None:
    """The search for deleted tasks runs on while the state is merged and read (here down
    to ranges of 2 tasks, as if listing every task were dear). When it gives up midway
    (`most_queries` 1), the export starts again from a listing of every task: the same
    dataset either way, and only the changed tasks downloaded."""
    monkeypatch.setattr(exportchanges, "MARGIN", timedelta(0))
    monkeypatch.setattr(exportchanges, "LEAF", 2)
    monkeypatch.setattr(exportchanges, "TASK_SECONDS", 10.0)
    monkeypatch.setattr(exportchanges, "MOST_QUERIES", most_queries)
    project = Project(client, title, size=20)
    out, full = tmp_path / "export", tmp_path / "full"
    export_project_changes(client, title, out=out, options=OPTIONS)
    shutil.copytree(out, full)  # so both write the same changelog
    gone = [sorted(project.tasks)[pick] for pick in (2, 9, 10, 18)]
    for task_id in gone:
        project.apply("delete", sorted(project.tasks).index(task_id))
    project.apply("edit", 5)
    project.apply("add", 0)
    listed = _spied_full_listings(client, monkeypatch)
    again = export_project_changes(client, title, out=out, options=OPTIONS)
    assert not again.changes.full and again.changes.downloaded == 2
    assert again.changes.removed == gone
    assert listed == ([] if most_queries > 1 else [16 + 1])
    export_project_changes(client, title, out=full, options=OPTIONS, full=True)
    assert dataset_of(out) == dataset_of(full)


def _spied_full_listings(client: LabelStudioClient, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many tasks each listing of every task's stamp returned."""
    listed: list[int] = []
    every = client.task_stamps

    def spy(project_id: int) -> dict[int, str]:
        found = every(project_id)
        listed.append(len(found))
        return found

    monkeypatch.setattr(client, "task_stamps", spy)
    return listed
