"""Two benchmarks of issue 14: a re-export after 1% of an annotated project changed, side by
side with the full export it replaces (target: ≤ 0.1 x), and two concurrent `quotegold push`
processes of 2,000 overlapping articles each, repeated (target: exactly the distinct
articles, in one project, every time).

The re-export: N annotated tasks are exported in full (measured), then 1% of the tasks
change (half of them an annotation edited, a quarter deleted, a quarter added with an
annotation), then the same folder is exported again (measured: the incremental export),
and a full export of the changed project into another folder must hold the same records.
This runs twice: first with the project just imported, so every task was updated minutes
before the full export and falls inside the ten-minute margin a re-export lists again (the
worst case, and the figure this bench gave before), then with every task's, annotation's
and prediction's `created_at`/`updated_at` moved a day back in the throwaway server's SQLite
database (`age_project`), as when a team re-exports after a day of annotation, long after
its bulk import. Both rows are printed.

The concurrent pushes: two real `python -m quotegold push` processes started together on a
new title each run (articles 0..1999 and 1000..2999 of the bench corpus, no predictions);
a run counts when the title has one project holding each of the 3,000 articles once.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

from quotegold.dataset.rowcache import CACHE_DIR
from quotegold.labelstudio import LabelStudioClient
from quotegold.workflows.export import ExportOptions, export_project_changes
from scripts.bench.corpus import annotated_task, make_article
from scripts.bench.sampling import measured
from scripts.bench.server import Server
from scripts.bench.steps import bare_import, new_project
from scripts.bench.table import Row, load, measured_row, verdict

REEXPORT_TARGET = 0.1
CHANGED_SHARE = 0.01
# The two rounds of the re-export step: the project as the import left it (every task
# updated minutes before the full export), then aged by AGE (`age_project`), as a project is
# when a team re-exports after a day of annotation.
AGE = timedelta(days=1)
JUST_IMPORTED = "project just imported (every task inside the margin)"
AGED = "project aged 1 day"
PUSHED = 2000  # articles each concurrent push gives
OVERLAP = 1000  # of them, given by both


def reexport_rows(
    server: Server,
    size: int,
    scratch: Path,
    rows: list[Row],
    log: Callable[[str], None],
    *,
    profile: bool = False,
) -> None:
    """Two rounds of full export, 1% changed, re-export, each measured side by side (the
    re-exports profiled with `profile`, their costliest functions printed): first with the
    project as just imported, then with it aged by `AGE` (`age_project`)."""
    title = f"bench reexport {size}"
    project_id = new_project(server, title)
    log(f"[{size}] importing {size} annotated tasks for the re-export")
    began = time.perf_counter()
    bare_import(server, project_id, _annotated, size)
    rows.append(Row(size, "(setup) import annotated tasks, bare SDK", _since(began), load=load()))
    folder = scratch / f"reexport-{size}"
    round_ = partial(_round, server, size, title, project_id, folder, rows, log, profile=profile)
    round_(JUST_IMPORTED, offset=0)
    log(f"[{size}] ageing the project by {AGE.days} day(s) in Label Studio's database")
    age_project(server, project_id, AGE)
    round_(AGED, offset=1)


def _round(
    server: Server,
    size: int,
    title: str,
    project_id: int,
    folder: Path,
    rows: list[Row],
    log: Callable[[str], None],
    condition: str,
    *,
    offset: int,
    profile: bool,
) -> None:
    """A full export into `folder`, 1% of the tasks changed, the re-export into the same
    folder (both measured), and a full export of the changed project elsewhere that must
    hold the same records."""
    log(f"[{size}] full export (the baseline of the re-export), {condition}")
    full = measured(partial(_export, server, title, folder, True), server)
    rows.append(
        measured_row(size, f"export, full download, {condition}", full, "tasks", ratio="1.00")
    )

    log(f"[{size}] changing {CHANGED_SHARE:.0%} of the tasks")
    changed = _change(server, project_id, size, offset)
    log(f"[{size}] re-export into the same folder (incremental), {condition}")
    step = partial(_export, server, title, folder, False)
    stats = folder.with_name(f"{folder.name}.prof")
    again = measured(partial(_profiled, step, stats) if profile else step, server)
    if profile:
        print(f"--- profile of the re-export, {condition}", file=sys.stderr)
        pstats.Stats(str(stats), stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    downloaded = again.result
    ratio = again.wall / full.wall
    label = f"re-export after {changed} changed ({downloaded} downloaded), incremental, {condition}"
    target = verdict(ratio, REEXPORT_TARGET)
    rows.append(measured_row(size, label, again, "tasks", ratio=f"{ratio:.2f}", target=target))
    cache = _megabytes(folder / CACHE_DIR)
    log(f"[{size}] dataset {_megabytes(folder) - cache:.1f} MB, {CACHE_DIR}/ {cache:.1f} MB")

    log(f"[{size}] full export of the changed project, to check the re-export against")
    check = folder.with_name(f"{folder.name}-check")
    _export(server, title, check, True)
    if (folder / "gold.jsonl").read_bytes() != (check / "gold.jsonl").read_bytes():
        raise RuntimeError("the re-export's gold.jsonl differs from a full export's")
    shutil.rmtree(check)


def age_project(server: Server, project_id: int, age: timedelta) -> int:
    """Move the `created_at` and `updated_at` of the project's tasks, annotations and
    predictions `age` into the past, in the SQLite database of the bench's own throwaway
    Label Studio (never a product step: the bench owns that data dir). A team re-exports
    after a day of annotation, long after its bulk import; without this, the bench's full
    export runs minutes after the import, every task is inside the ten-minute margin that a
    re-export lists again, and the re-export lists the whole project. The tasks keep their
    order of `updated_at`, to the millisecond. Returns the tasks moved."""
    shift = f"-{age.total_seconds():.0f} seconds"
    moved = "strftime('%Y-%m-%d %H:%M:%f', {0}, ?)"
    tasks = "SELECT id FROM task WHERE project_id = ?"
    statements = [
        f"UPDATE task SET created_at = {moved.format('created_at')}, "
        f"updated_at = {moved.format('updated_at')} WHERE project_id = ?",
        f"UPDATE task_completion SET created_at = {moved.format('created_at')}, "
        f"updated_at = {moved.format('updated_at')} WHERE task_id IN ({tasks})",
        f"UPDATE prediction SET created_at = {moved.format('created_at')}, "
        f"updated_at = {moved.format('updated_at')} WHERE task_id IN ({tasks})",
    ]
    with closing(sqlite3.connect(server.database, timeout=600)) as database, database:
        counts = [database.execute(sql, (shift, shift, project_id)).rowcount for sql in statements]
    return counts[0]


def _profiled(step: Callable[[], int], path: Path) -> int:
    """Run `step` under cProfile, its statistics dumped to `path`."""
    profiler = cProfile.Profile()
    try:
        return profiler.runcall(step)
    finally:
        profiler.dump_stats(str(path))


def _megabytes(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def _annotated(first: int, end: int) -> list[dict[str, Any]]:
    return [annotated_task(*make_article(index)) for index in range(first, end)]


def _export(server: Server, title: str, out: Path, full: bool) -> int:
    """Export the project into `out`; how many tasks it downloaded."""
    with LabelStudioClient(url=server.url, api_key=server.api_key) as client:
        done = export_project_changes(
            client, title, out=out, options=ExportOptions(name="bench"), full=full
        )
    if not full and done.changes.full:
        raise RuntimeError(f"the re-export downloaded everything: {done.changes.reason}")
    return done.changes.downloaded


def _change(server: Server, project_id: int, size: int, offset: int = 0) -> int:
    """Change 1% of the project's tasks: edit annotations, delete tasks, add tasks (picked
    every so many from the `offset`th, so rounds change different tasks)."""
    sdk = LabelStudio(base_url=server.url, api_key=server.api_key, timeout=600)
    count = max(4, int(size * CHANGED_SHARE))
    ids = sorted(int(t.id) for t in sdk.tasks.list(project=project_id, page_size=1000))
    step = max(1, len(ids) // count)
    picked = ids[offset % step :: step][:count]
    edits, deletions = picked[: count // 2], picked[count // 2 : count // 2 + count // 4]
    for task_id in edits:
        [annotation] = sdk.annotations.list(task_id)
        sdk.annotations.update(annotation.id, result=annotation.result, ground_truth=True)
    for task_id in deletions:
        sdk.tasks.delete(str(task_id))
    added = count - len(edits) - len(deletions)
    first = size + offset * count  # new articles, never one of an earlier round
    new = [annotated_task(*make_article(first + n)) for n in range(added)]
    sdk.projects.import_tasks(project_id, request=new)
    return count


def concurrent_rows(
    server: Server, repeats: int, scratch: Path, rows: list[Row], log: Callable[[str], None]
) -> None:
    """Two `quotegold push` processes of overlapping articles at once, `repeats` times."""
    first = _write(scratch / "concurrent-a.jsonl", range(0, PUSHED))
    second = _write(scratch / "concurrent-b.jsonl", range(PUSHED - OVERLAP, 2 * PUSHED - OVERLAP))
    expected = 2 * PUSHED - OVERLAP
    exact, walls = 0, []
    for run in range(repeats):
        title = f"bench concurrent {run} {time.time_ns()}"
        log(f"concurrent pushes, run {run + 1} of {repeats}")
        began = time.perf_counter()
        _push_together(server, title, [first, second])
        walls.append(_since(began))
        projects, counts = _project_counts(server, title)
        ok = projects == 1 and len(counts) == expected and set(counts.values()) == {1}
        exact += ok
        log(f"  {projects} project(s), {sum(counts.values())} tasks, {len(counts)} distinct")
    rows.append(
        Row(
            PUSHED,
            f"two concurrent pushes of {PUSHED:,} articles ({OVERLAP:,} shared), new title",
            sum(walls) / len(walls),
            rate=f"{exact}/{repeats} runs exact",
            ratio=f"{expected:,} distinct expected",
            target=f"{repeats}/{repeats}: {'met' if exact == repeats else 'MISSED'}",
            load=load(),
        )
    )


def _write(path: Path, numbers: range) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for index in numbers:
            article = make_article(index)[0]
            handle.write(json.dumps({"id": article.id, "text": article.text}) + "\n")
    return path


def _push_together(server: Server, title: str, files: list[Path]) -> None:
    env = {**os.environ, "LABEL_STUDIO_URL": server.url, "LABEL_STUDIO_API_KEY": server.api_key}
    command = [sys.executable, "-m", "quotegold", "push", "--project", title, "--no-predictions"]
    processes = [
        subprocess.Popen(
            [*command, str(file)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for file in files
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=3600)
        if process.returncode != 0:
            raise RuntimeError(f"a push failed ({process.returncode}): {stderr.decode()[-500:]}")


def _project_counts(server: Server, title: str) -> tuple[int, Counter[str]]:
    sdk = LabelStudio(base_url=server.url, api_key=server.api_key, timeout=600)
    projects = [p for p in sdk.projects.list(title=title) if p.title == title]
    counts: Counter[str] = Counter()
    for project in projects:
        for task in sdk.tasks.list(project=project.id, include="id,data", page_size=1000):
            counts[str(task.data["article_id"])] += 1
    return len(projects), counts


def _since(began: float) -> float:
    return time.perf_counter() - began
