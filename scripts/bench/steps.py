"""The steps the bench measures: quotegold's push, export and validation, and their baselines.

The baselines make the same calls a user of the bare SDK would: `projects.import_tasks` in
batches of 1,000 for the push, and Label Studio's own JSON export download (plus the SDK's
CoNLL converter) for the export. Each step is a plain function of the server and its input;
`run` hands it to `sampling.measured`, which runs it in a forked child and returns what it
returned, so results are small and picklable.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

from quotegold.articles.ingest import Article
from quotegold.articles.tasks import Predictor
from quotegold.gold.validate import default_validator
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.client import EXPORT_SLICE, WHOLE_EXPORT_MAX
from quotegold.preannotate.predictions import predict_article
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.labelconfig import render_label_config
from quotegold.workflows.export import ExportOptions, export_file, export_project
from quotegold.workflows.push import push_articles
from scripts.bench.corpus import annotated_task, make_article
from scripts.bench.server import Server

BATCH = 1000


def _sdk(server: Server) -> Any:
    # Long timeouts: a large export is made in full before its first byte is sent.
    return LabelStudio(base_url=server.url, api_key=server.api_key, timeout=7200)


def _client(server: Server) -> LabelStudioClient:
    return LabelStudioClient(url=server.url, api_key=server.api_key)


def new_project(server: Server, title: str) -> int:
    """A fresh project with quotegold's labelling config, made with a bare SDK call."""
    project = _sdk(server).projects.create(
        title=title, label_config=render_label_config(DEFAULT_SCHEMA)
    )
    return int(project.id)


def warm_up(folder: Path) -> None:
    """Build once, in the parent, what every measured child would otherwise load first
    (spaCy's pipeline, the validator, the tokenizer): the children are forked from it."""
    folder.mkdir(parents=True)
    tasks = []
    for index in range(3):
        article, record = make_article(10**9 + index)
        predict_article(article)
        tasks.append({"id": index + 1, **annotated_task(article, record)})
        tasks[-1]["annotations"][0]["id"] = index + 1
    (folder / "export.json").write_text(json.dumps(tasks), encoding="utf-8")
    export_file(folder / "export.json", out=folder / "dataset", options=ExportOptions(name="w"))


# --- pre-annotation ------------------------------------------------------------------------


def preannotate_all(articles: list[Article], path: Path) -> float:
    """Pre-annotate every article into a file (id, tab, prediction JSON); the seconds spent
    pre-annotating alone. JSON text, not Python objects: 100,000 predictions as dicts would
    take over 10 GB."""
    spent = 0.0
    with path.open("w", encoding="utf-8") as handle:
        for article in articles:
            began = time.perf_counter()
            prediction = predict_article(article)
            spent += time.perf_counter() - began
            handle.write(_line(article.id, prediction))
    return spent


def _line(article_id: str, prediction: dict[str, Any]) -> str:
    """One line of the predictions file: article id, tab, prediction JSON."""
    return f"{article_id}\t{json.dumps(prediction, ensure_ascii=False)}\n"


def _prediction_line(article: Article) -> str:
    return _line(article.id, predict_article(article))


def preannotate_in_parallel(articles: list[Article], path: Path) -> None:
    """The same file as `preannotate_all`, made on two cores (not measured)."""
    with multiprocessing.get_context("fork").Pool(2) as pool, path.open("w") as handle:
        for line in pool.imap(_prediction_line, articles, chunksize=64):
            handle.write(line)


def read_predictions(path: Path) -> dict[str, str]:
    """The predictions file as article id → prediction JSON text."""
    with path.open(encoding="utf-8") as handle:
        return dict(line.rstrip("\n").split("\t", 1) for line in handle)


def precomputed(predictions: Mapping[str, str]) -> Predictor:
    """A predictor that reads each article's prediction from `read_predictions`."""

    def predict(article: Article) -> dict[str, Any]:
        prediction: dict[str, Any] = json.loads(predictions[article.id])
        return prediction

    return predict


# --- push ----------------------------------------------------------------------------------


def bare_import(
    server: Server, project_id: int, tasks: Callable[[int, int], list[Any]], count: int
) -> int:
    """`projects.import_tasks` in batches of 1,000; `tasks(first, end)` makes a batch."""
    sdk = _sdk(server)
    for first in range(0, count, BATCH):
        sdk.projects.import_tasks(project_id, request=tasks(first, min(first + BATCH, count)))
    return count


def push(server: Server, title: str, articles: list[Article], predictor: Predictor) -> int:
    """`push_articles` into a new project, as the CLI runs it; the tasks it created."""
    with _client(server) as client:
        result = push_articles(client, articles, project_title=title, predictor=predictor)
    if result.created != len(articles):
        raise RuntimeError(f"push created {result.created} of {len(articles)} tasks")
    return result.created


# --- export --------------------------------------------------------------------------------


def download_json(server: Server, project_id: int, path: Path, size: int) -> int:
    """Label Studio's own JSON export, downloaded with bare SDK calls the way quotegold does:
    whole up to WHOLE_EXPORT_MAX tasks, above that EXPORT_SLICE task ids at a time with the
    slices joined byte-wise (a whole download of 100,000 tasks runs the server out of
    memory, so it is no baseline there)."""
    sdk = _sdk(server)

    def chunks(options: dict[str, Any] | None = None) -> Any:
        return sdk.projects.exports.download_sync(
            project_id, export_type="JSON", download_all_tasks=True, request_options=options
        )

    with path.open("wb") as handle:
        if size <= WHOLE_EXPORT_MAX:
            handle.writelines(chunks())
            return path.stat().st_size
        pager = sdk.tasks.list(project=project_id, include="id", page_size=1000)
        ids = sorted(int(task.id) for task in pager)
        handle.write(b"[")
        separator = b""
        for first in range(0, len(ids), EXPORT_SLICE):
            wanted = [str(i) for i in ids[first : first + EXPORT_SLICE]]
            body = b"".join(chunks({"additional_query_parameters": {"ids[]": wanted}}))
            items = body.strip()[1:-1].strip()
            if items:  # a slice whose tasks were deleted meanwhile comes back empty
                handle.write(separator + items)
                separator = b","
        handle.write(b"]")
    return path.stat().st_size


def convert_conll(label_config: str, source: Path, folder: Path) -> int:
    """The SDK's Converter, JSON → CONLL2003, on a downloaded export; the bytes written."""
    # Imported here, in the measured child: loading the converter is part of its route.
    from label_studio_sdk.converter import Converter

    logging.disable(logging.WARNING)  # it logs a line per task without a text span
    converter = Converter(config=label_config, project_dir=str(folder), download_resources=False)
    converter.convert_to_conll2003(str(source), str(folder), is_dir=False)
    return sum(path.stat().st_size for path in folder.rglob("*.conll"))


def export(server: Server, title: str, out: Path) -> int:
    """`export_project` of a project to a dataset folder; the records it holds."""
    with _client(server) as client:
        summary, _ = export_project(client, title, out=out, options=ExportOptions(name="bench"))
    return summary.articles


# --- validation ----------------------------------------------------------------------------


def validate_all(count: int) -> float:
    """CPU seconds `default_validator()` takes over the `count` gold records, made a batch at
    a time (making them is not timed)."""
    validator = default_validator()
    spent = 0.0
    for first in range(0, count, BATCH):
        records = [make_article(index)[1] for index in range(first, min(first + BATCH, count))]
        began = time.process_time()
        for record in records:
            if validator.validate(record):
                raise RuntimeError(f"synthetic record {record['id']} is not valid")
        spent += time.process_time() - began
    return spent
