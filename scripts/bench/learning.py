"""Benchmark the learning pre-annotator: training time, prediction speed, model size, and a
push with the model against a bare import.

    nice -n 10 .venv/bin/python -m scripts.bench.learning [--articles 800] [--push 1000]
        [--url URL --api-key KEY] [--skip-train | --model PATH]

- Training: `--articles` articles of about 900 words each, made by concatenating the
  development gold records (tasks/gold/*.jsonl, never the held-out part) with their regions
  shifted: the project has about 94 gold articles, so the 800 articles repeat them in
  different combinations (say so when quoting the figure). One `train_model` run, default
  settings, no dev set.
- Prediction: the trained model over real raw Wikinews texts (tasks/wikinews), one
  process, after a warm-up; articles per second, beside the rules alone.
- Model size: the model folder on disk.
- Push: `--push` raw articles imported into three projects made beforehand: with bare SDK
  calls (`projects.import_tasks`, batches of 1,000, the model's predictions precomputed),
  with `push_articles` pre-annotating with the model as the CLI does (a worker process),
  and with the rules; the ratio to the bare import. It uses the Label Studio at --url (the
  projects are deleted afterwards), else skips the push.

Temporary folders are removed on exit, on Ctrl-C and on SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any, cast

from quotegold.articles.ingest import Article, read_articles
from quotegold.gold.model import GoldRecord
from quotegold.learn.predictor import SHIPPED_MODEL, ModelPredictor, predict_with_model
from quotegold.learn.train import GoldSet, read_gold, train_model
from quotegold.preannotate import PreAnnotator
from quotegold.preannotate.predictions import predict_article

ROOT = Path(__file__).resolve().parents[2]
GOLD = sorted((ROOT / "tasks" / "gold").glob("*.jsonl"))  # not heldout/: a folder of its own
RAW = [ROOT / "tasks" / "wikinews" / "articles.jsonl", ROOT / "tasks" / "seeds"]
WORDS = 900


_TEMPORARY: list[Path] = []


def _stop(signum: int, frame: FrameType | None) -> None:
    # Remove the temporary folders here and leave at once: an exception raised from a signal
    # handler while CRFsuite trains would land in its log callback, which swallows it.
    for folder in _TEMPORARY:
        shutil.rmtree(folder, ignore_errors=True)
    os._exit(128 + signum)


def synthetic_gold(records: list[GoldRecord], count: int) -> list[GoldRecord]:
    """`count` records of about `WORDS` words, each a concatenation of gold records (in an
    order that differs from one to the next), regions shifted to the joined text."""
    made: list[GoldRecord] = []
    for number in range(count):
        parts: list[GoldRecord] = []
        words = 0
        step = 1 + number % 7
        index = number
        while words < WORDS:
            record = records[index % len(records)]
            parts.append(record)
            words += len(record["text"].split())
            index += step
        made.append(_join(parts, f"bench-{number}"))
    return made


def _shift(span: dict[str, Any], offset: int) -> dict[str, Any]:
    return {**span, "start": span["start"] + offset, "end": span["end"] + offset}


def _join(parts: list[GoldRecord], record_id: str) -> GoldRecord:
    text = ""
    joined: dict[str, list[Any]] = {"speakers": [], "cues": [], "quotes": [], "initiatives": []}
    for number, part in enumerate(parts):
        if text:
            text += "\n\n"
        offset = len(text)
        text += part["text"]

        def ident(value: str | None, n: int = number) -> str | None:
            return None if value is None else f"p{n}{value}"

        for speaker in part["speakers"]:
            joined["speakers"].append({**_shift(dict(speaker), offset), "id": ident(speaker["id"])})
        for cue in part["cues"]:
            joined["cues"].append({**_shift(dict(cue), offset), "id": ident(cue["id"])})
        for quote in part["quotes"]:
            joined["quotes"].append(
                {
                    **quote,
                    "id": ident(quote["id"]),
                    "spans": [_shift(dict(s), offset) for s in quote["spans"]],
                    "speaker_id": ident(quote["speaker_id"]),
                    "cue_id": ident(quote["cue_id"]),
                }
            )
        for item in part["initiatives"]:
            joined["initiatives"].append(
                {
                    **_shift(dict(item), offset),
                    "id": ident(item["id"]),
                    "proponent_ids": [ident(p) for p in item["proponent_ids"]],
                }
            )
    first = parts[0]
    record: dict[str, Any] = {
        "id": record_id,
        "text": text,
        "meta": {**first["meta"], "boilerplate": []},
        **joined,
        "provenance": first["provenance"],
    }
    return cast(GoldRecord, record)


def bench_training(articles: int, work: Path) -> Path:
    gold = read_gold(GOLD)
    records = synthetic_gold(gold.records, articles)
    words = sum(len(r["text"].split()) for r in records)
    print(
        f"training: {len(records)} synthetic articles, {words / len(records):.0f} words on "
        f"average, made from {len(gold.records)} development gold records"
    )
    began, cpu = time.perf_counter(), time.process_time()
    result = train_model(GoldSet(records, gold.sources), work / "model")
    wall = time.perf_counter() - began
    print(
        f"  trained in {wall:.0f} s wall ({(time.process_time() - cpu):.0f} s CPU), "
        f"{result.info.training['iterations']} iterations"
    )
    return result.folder


def folder_size(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def corpus(count: int) -> list[Article]:
    base = read_articles(RAW).articles
    return [replace(base[i % len(base)], id=f"{base[i % len(base)].id}-{i}") for i in range(count)]


def bench_prediction(model: Path, count: int = 300) -> None:
    articles = corpus(count)
    predictor, rules = ModelPredictor(model), PreAnnotator()
    for article in articles[:20]:
        predictor(article)
        rules(article)
    for name, run in (("model", predictor), ("rules", rules)):
        began = time.perf_counter()
        for article in articles:
            run(article)
        wall = time.perf_counter() - began
        print(f"  prediction ({name}): {count / wall:.1f} articles/s over {count} articles")


def bench_push(model: Path, url: str, api_key: str, count: int) -> None:
    """Bare `import_tasks` of the tasks with their (precomputed) predictions, against
    `push_articles` pre-annotating them as the CLI does, with the model and with the rules;
    each into a project made beforehand, so only the import is timed."""
    from label_studio_sdk import LabelStudio

    from quotegold.articles.tasks import article_to_task
    from quotegold.labelstudio import LabelStudioClient
    from quotegold.schema.defaults import DEFAULT_SCHEMA
    from quotegold.workflows.push import push_articles

    sdk = LabelStudio(base_url=url, api_key=api_key)
    articles = corpus(count)
    model_predictor = partial(predict_with_model, model=str(model), schema=DEFAULT_SCHEMA)
    tasks = [dict(article_to_task(a, predictor=model_predictor)) for a in articles]
    titles = {name: f"bench-{name}-{uuid.uuid4().hex[:6]}" for name in ("bare", "model", "rules")}
    created: list[int] = []
    try:
        with LabelStudioClient(url=url, api_key=api_key) as client:
            for title in titles.values():
                created.append(push_articles(client, [], project_title=title).project.id)
        began = time.perf_counter()
        for first in range(0, count, 1000):
            sdk.projects.import_tasks(created[0], request=tasks[first : first + 1000])
        bare = time.perf_counter() - began
        print(f"  push: bare import of {count} tasks with predictions {bare:.1f} s")
        for name, predictor in (
            ("model", model_predictor),
            ("rules", partial(predict_article, schema=DEFAULT_SCHEMA)),
        ):
            began = time.perf_counter()
            with LabelStudioClient(url=url, api_key=api_key) as client:
                push_articles(client, articles, project_title=titles[name], predictor=predictor)
            took = time.perf_counter() - began
            print(f"  push with the {name}: {took:.1f} s, {took / bare:.2f}x the bare import")
    finally:
        for project_id in created:
            sdk.projects.delete(project_id)


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(prog="python -m scripts.bench.learning")
    options.add_argument("--articles", type=int, default=800)
    options.add_argument("--push", type=int, default=1000, help="articles pushed (0: none)")
    options.add_argument("--url")
    options.add_argument("--api-key")
    options.add_argument(
        "--model", type=Path, help="time this model instead of training one (--skip-train)"
    )
    options.add_argument(
        "--skip-train",
        action="store_true",
        help="time the shipped model (src/quotegold/learn/models/wikinews) unless --model",
    )
    args = options.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    work = Path(tempfile.mkdtemp(prefix="quotegold-bench-learning-"))
    _TEMPORARY.append(work)
    try:
        if args.skip_train and args.model is None:
            args.model = SHIPPED_MODEL
        model = args.model or bench_training(args.articles, work)
        print(f"  model size on disk: {folder_size(model):.1f} MB")
        print(json.dumps(json.loads((model / "model.json").read_text())["training"]))
        bench_prediction(model)
        if args.push and args.url and args.api_key:
            bench_push(model, args.url, args.api_key, args.push)
        elif args.push:
            print("  push: skipped (give --url and --api-key of a Label Studio)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
