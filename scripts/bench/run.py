"""Benchmark push, export and validation at scale against a throwaway local Label Studio.

    .venv/bin/python -m scripts.bench [--sizes 10000,100000] [--steps push,export,...] [--keep]
        [--repeats 10]

For each size N it generates N synthetic news articles of about 3 KB (deterministic: quotes,
speakers, cues, initiatives, some emoji and non-Latin text), with a gold record for each,
and measures against a Label Studio it starts in a temporary folder on a free port (and
stops at the end, whatever happens):

- pre-annotation alone: the rule-based pre-annotator over the N articles;
- the bare SDK import: `projects.import_tasks` of the tasks with their predictions, in
  batches of 1,000, into a fresh project: the baseline of the push ratios;
- `quotegold.workflows.push.push_articles` as the CLI runs it (pre-annotating as it goes),
  and again with the predictions precomputed, each into a fresh project (target: ≤ 1.3 x
  the bare import);
- Label Studio's own JSON export download of a project of N annotated tasks (imported with
  annotations made from the gold records, `ground_truth` false): the export baseline. Above
  20,000 tasks it is downloaded 900 task ids at a time with bare SDK calls, as quotegold's
  export does, since a whole download of 100,000 tasks runs the server out of memory;
- `quotegold.workflows.export.export_project` of that project to a dataset folder (target:
  ≤ 2 x the JSON download), and the SDK's route to CoNLL: the JSON download plus
  `label_studio_sdk.converter.Converter` JSON → CONLL2003 on the downloaded file;
- validation alone: `default_validator()` over the N gold records, one core (target:
  ≥ 20,000 records/s);
- reexport: a full export of N annotated tasks, then, after 1% of them changed, the
  incremental re-export into the same folder, side by side (target: ≤ 0.1 x the full one);
  twice: with the project just imported (every task inside the ten-minute margin a
  re-export lists again), then with it aged by a day in the throwaway server's SQLite
  database (`incremental.age_project`), as when a team re-exports after a day's work;
- concurrent (once, not per size): two `quotegold push` processes of 2,000 overlapping
  articles started together on a new title, --repeats times (target: every run exact).
  (`scripts.bench.incremental` says how.)

Every measured step runs in a child process forked for it (`sampling` says how its memory
and CPU time are counted).

--steps picks what to run (all by default): push (the bare import and the push that
pre-annotates), preannotation (pre-annotation alone, measured; without it the predictions
for the bare import are made on two cores, unmeasured), precomputed (the push with the
predictions precomputed), export, validation, reexport, concurrent. A run at 100,000 can
leave out the two extras.

--profile profiles the re-export step (cProfile, in its child) and prints its costliest
functions. It prints one table at the end. --keep leaves the temporary folder (Label Studio's data,
the downloaded export, the datasets) for inspection; the server is stopped either way.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

from quotegold.articles.ingest import Article
from quotegold.articles.tasks import Predictor, article_to_task
from quotegold.labelstudio.client import EXPORT_SLICE, WHOLE_EXPORT_MAX
from quotegold.preannotate.predictions import predict_article
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.labelconfig import render_label_config
from scripts.bench.corpus import annotated_task, make_article
from scripts.bench.incremental import concurrent_rows, reexport_rows
from scripts.bench.sampling import StepFailed, measured
from scripts.bench.server import Server, label_studio
from scripts.bench.steps import (
    bare_import,
    convert_conll,
    download_json,
    export,
    new_project,
    preannotate_all,
    preannotate_in_parallel,
    precomputed,
    push,
    read_predictions,
    validate_all,
    warm_up,
)
from scripts.bench.table import (
    Row,
    failed_row,
    header_lines,
    load,
    measured_row,
    print_table,
    verdict,
)

TARGETS = {"push": 1.3, "export": 2.0, "validation": 20_000}


def bench(
    *, sizes: list[int], steps: set[str], keep: bool, repeats: int = 10, profile: bool = False
) -> int:
    """Run `steps` at each of `sizes` and print the table; 1 if a step failed, else 0."""
    scratch = Path(tempfile.mkdtemp(prefix="quotegold-bench-"))
    began = time.strftime("%Y-%m-%d %H:%M:%S")
    load_at_start = "/".join(f"{value:.1f}" for value in os.getloadavg())
    rows: list[Row] = []
    _stop_on_signals()
    try:
        _log("warming up: imports, the pre-annotator, the validator, the tokenizer")
        warm_up(scratch / "warm-up")
        with ExitStack() as stack:
            server = None  # validation alone needs no server
            if steps & {"push", "export", "reexport", "concurrent"}:
                server = stack.enter_context(label_studio(scratch / "labelstudio", _log))
            exit_code = run_sizes(server, sizes, scratch, steps, rows, profile=profile)
            if server is not None and "concurrent" in steps and not exit_code:
                concurrent_rows(server, repeats, scratch, rows, _log)
    finally:
        if keep:
            _log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print_table(rows, header_lines(began, load_at_start))
    return exit_code


def _stop_on_signals() -> None:
    """Turn Ctrl-C (even when started in the background, where the shell ignores it) and
    `kill` into exceptions, so that Label Studio is stopped and the scratch folder removed
    however the run ends."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def run_sizes(
    server: Server | None,
    sizes: list[int],
    scratch: Path,
    steps: set[str],
    rows: list[Row],
    *,
    profile: bool = False,
) -> int:
    """Run the steps at each size until one fails; 1 if one did (its row says why)."""
    for size in sizes:
        try:
            run_size(server, size, scratch, steps, rows, profile=profile)
        except StepFailed as failed:
            # The rows measured so far still count; the failure is a row of its own.
            _log(f"a step failed: {failed.reason}")
            rows.append(failed_row(size, failed))
            return 1
    return 0


def run_size(
    server: Server | None,
    size: int,
    scratch: Path,
    steps: set[str],
    rows: list[Row],
    *,
    profile: bool = False,
) -> None:
    """Run the steps at one size, adding a row to `rows` as each is measured."""
    _log(f"[{size}] generating {size} articles")
    articles = [make_article(index)[0] for index in range(size)]
    average = sum(len(a.text.encode("utf-8")) for a in articles) / size
    if server is not None and "push" in steps:
        push_rows(server, size, articles, scratch, steps, rows)
    if server is not None and "export" in steps:
        export_rows(server, size, scratch, rows)
    if server is not None and "reexport" in steps:
        reexport_rows(server, size, scratch, rows, _log, profile=profile)
    if "validation" in steps:
        rows.append(validation_row(size))
    _log(f"[{size}] done; average article {average:,.0f} bytes")


def push_rows(
    server: Server,
    size: int,
    articles: list[Article],
    scratch: Path,
    steps: set[str],
    rows: list[Row],
) -> None:
    """Pre-annotation alone, the bare SDK import and the push (or both pushes)."""
    predictions_file = scratch / f"predictions-{size}.tsv"
    if "preannotation" in steps:
        _log(f"[{size}] pre-annotating")
        pre = measured(partial(preannotate_all, articles, predictions_file), server)
        pre.wall = pre.result  # the pre-annotator's own time, without writing the file
        rows.append(measured_row(size, "pre-annotation alone (1 process)", pre, "articles"))
    else:  # only the payload of the bare import is needed: make it on both cores
        _log(f"[{size}] pre-annotating (setup, 2 processes)")
        began = time.perf_counter()
        preannotate_in_parallel(articles, predictions_file)
        wall = time.perf_counter() - began
        rows.append(Row(size, "(setup) pre-annotation, 2 processes", wall, load=load()))
    predictions = read_predictions(predictions_file)

    def with_prediction(first: int, end: int) -> list[dict[str, Any]]:
        return [
            {**article_to_task(a), "predictions": [json.loads(predictions[a.id])]}
            for a in articles[first:end]
        ]

    _log(f"[{size}] bare SDK import")
    bare_id = new_project(server, f"bench bare {size}")
    bare = measured(partial(bare_import, server, bare_id, with_prediction, size), server)
    rows.append(
        measured_row(size, "bare SDK import_tasks, with predictions", bare, "tasks", ratio="1.00")
    )

    pushes: list[tuple[str, str, Predictor]] = [
        ("push, pre-annotating (as the CLI)", f"bench push {size}", predict_article)
    ]
    if "precomputed" in steps:
        label, title = "push, predictions precomputed", f"bench push precomputed {size}"
        pushes.append((label, title, precomputed(predictions)))
    for label, title, predictor in pushes:
        _log(f"[{size}] {label}")
        step = measured(partial(push, server, title, articles, predictor), server)
        ratio = step.wall / bare.wall
        target = verdict(ratio, TARGETS["push"])
        rows.append(
            measured_row(size, label, step, "articles", ratio=f"{ratio:.2f}", target=target)
        )


def export_rows(server: Server, size: int, scratch: Path, rows: list[Row]) -> None:
    """Label Studio's JSON download, the quotegold export and the SDK's CoNLL converter."""
    _log(f"[{size}] importing {size} annotated tasks for the export")
    title = f"bench annotated {size}"
    annotated_id = new_project(server, title)
    began = time.perf_counter()
    bare_import(server, annotated_id, _annotated_tasks, size)
    wall = time.perf_counter() - began
    rows.append(Row(size, "(setup) import annotated tasks, bare SDK", wall, load=load()))

    _log(f"[{size}] Label Studio JSON export download")
    downloaded = scratch / f"export-{size}.json"
    ls = measured(partial(download_json, server, annotated_id, downloaded, size), server)
    megabytes = downloaded.stat().st_size / 1e6
    sliced = f", {EXPORT_SLICE} ids a slice" if size > WHOLE_EXPORT_MAX else ""
    label = f"Label Studio JSON export download{sliced} ({megabytes:,.0f} MB)"
    rows.append(measured_row(size, label, ls, "tasks", ratio="1.00"))

    _log(f"[{size}] quotegold export")
    ours = measured(partial(export, server, title, scratch / f"dataset-{size}"), server)
    if ours.result != size:
        raise RuntimeError(f"the export holds {ours.result} of {size} records")
    ratio = ours.wall / ls.wall
    target = verdict(ratio, TARGETS["export"])
    label = "quotegold export_project → dataset"
    rows.append(measured_row(size, label, ours, "records", ratio=f"{ratio:.2f}", target=target))

    _log(f"[{size}] SDK converter JSON → CONLL2003")
    conll_folder = scratch / f"conll-{size}"
    conll_folder.mkdir()
    convert = partial(convert_conll, render_label_config(DEFAULT_SCHEMA), downloaded, conll_folder)
    conll = measured(convert, server)
    label = "SDK Converter JSON → CONLL2003 (file)"
    rows.append(measured_row(size, label, conll, "tasks", ratio=f"{conll.wall / ls.wall:.2f}"))
    route = ls.wall + conll.wall
    rows.append(
        Row(
            size,
            "SDK route to CoNLL: download + convert",
            route,
            f"{size / route:,.0f} tasks/s",
            ratio=f"export {ours.wall / route:.2f} x this",
            load=load(),
        )
    )


def _annotated_tasks(first: int, end: int) -> list[dict[str, Any]]:
    """Tasks `first` to `end` of the corpus, each with its gold record as an annotation."""
    return [annotated_task(*make_article(index)) for index in range(first, end)]


def validation_row(size: int) -> Row:
    """Validation alone, in this process's CPU time, on one core."""
    _log(f"[{size}] validation")
    cpu = validate_all(size)
    rate = size / cpu
    return Row(
        size,
        "validation alone (CPU time, 1 core)",
        cpu,
        f"{rate:,.0f} records/s",
        target=verdict(rate, TARGETS["validation"], at_most=False),
        load=load(),
    )
