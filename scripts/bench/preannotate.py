"""Benchmark the pre-annotator on real news texts, single process, one core.

    .venv/bin/python -m scripts.bench preannotate [--articles N] [--seed-check]

Builds N articles (default 1,000) by cycling through the raw texts in tasks/seeds and
tasks/wikinews (never the gold files), each with its own id, warms up, then times one
`PreAnnotator` over all of them and prints a small table. Wall time is what a user waits;
CPU time is the process's own, steadier on a busy machine.

--seed-check also prints, for information only, how many regions of the hand-made seed gold
(tasks/gold/seeds.jsonl) the suggestions overlap. It is a smoke test, not a score to tune.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from quotegold.articles.ingest import Article, read_articles
from quotegold.gold.model import regions_of
from quotegold.preannotate import MODEL_VERSION, PreAnnotator
from quotegold.schema.formats import LAYER_KEYS

ROOT = Path(__file__).resolve().parents[2]
RAW_TEXTS = [ROOT / "tasks" / "seeds", ROOT / "tasks" / "wikinews" / "articles.jsonl"]
SEED_GOLD = ROOT / "tasks" / "gold" / "seeds.jsonl"
WARM_UP = 50


@dataclass(frozen=True)
class Timing:
    """One timed pass of the pre-annotator over the corpus."""

    articles: int
    megabytes: float
    wall: float
    cpu: float
    regions: int


def bench(*, articles: int, seed_check: bool) -> None:
    """Time the pre-annotator over `articles` articles and print the table (and the seed
    check)."""
    pinned = pin_to_one_core()
    print(f"{MODEL_VERSION}: {articles} articles, single process, {pinned}")
    print_table(time_preannotator(corpus(max(articles, 1))))
    if seed_check:
        print_seed_check()


def pin_to_one_core() -> str:
    """Pin this process to one core, so the figures are a single core's; how it went."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to core {core}"


def corpus(count: int) -> list[Article]:
    """`count` articles cycling through the raw texts, each with an id of its own."""
    base = read_articles(RAW_TEXTS).articles
    if not base:
        raise SystemExit("no articles found in tasks/seeds or tasks/wikinews")
    return [replace(base[i % len(base)], id=f"{base[i % len(base)].id}-{i}") for i in range(count)]


def time_preannotator(articles: list[Article]) -> Timing:
    """Wall and CPU time of one `PreAnnotator` over `articles`, after a warm-up."""
    annotator = PreAnnotator()
    for article in articles[:WARM_UP]:
        annotator(article)
    wall, cpu = time.perf_counter(), time.process_time()
    regions = 0
    for article in articles:
        record = annotator(article).record
        regions += sum(len(regions_of(record, label)) for label in LAYER_KEYS)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    megabytes = sum(len(article.text.encode("utf-8")) for article in articles) / 1e6
    return Timing(len(articles), megabytes, wall, cpu, regions)


def print_table(timing: Timing) -> None:
    """Articles and megabytes per second, by wall and by CPU time."""
    count, megabytes = timing.articles, timing.megabytes
    print(f"{'clock':<6} {'articles':>8} {'MB':>7} {'seconds':>8} {'articles/s':>11} {'MB/s':>7}")
    for name, seconds in (("wall", timing.wall), ("cpu", timing.cpu)):
        print(
            f"{name:<6} {count:>8} {megabytes:>7.2f} {seconds:>8.2f} "
            f"{count / seconds:>11.1f} {megabytes / seconds:>7.2f}"
        )
    print(f"avg article {megabytes * 1e6 / count:,.0f} bytes; {timing.regions:.0f} regions")


def print_seed_check() -> None:
    """How many regions of the seed gold the suggestions overlap, and the other way round."""
    annotator = PreAnnotator()
    by_text = {article.text: article for article in read_articles(RAW_TEXTS[:1]).articles}
    # layer -> [gold regions overlapped, gold regions, suggestions overlapping, suggestions]
    counts = {key: [0, 0, 0, 0] for key in ("quotes", "speakers", "cues")}
    label_of = {key: label for label, key in LAYER_KEYS.items()}
    for line in SEED_GOLD.read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        article = by_text.get(gold["text"], Article(id=gold["id"], text=gold["text"]))
        record = annotator(article).record
        for layer, row in counts.items():
            theirs = _spans(gold[layer])
            ours = _spans(regions_of(record, label_of[layer]))
            row[0] += sum(any(_overlaps(g, o) for o in ours) for g in theirs)
            row[1] += len(theirs)
            row[2] += sum(any(_overlaps(o, g) for g in theirs) for o in ours)
            row[3] += len(ours)
    print("seed smoke check (information only, do not tune):")
    for layer, (gold_hit, gold_total, ours_hit, ours_total) in counts.items():
        print(
            f"  {layer:<9} gold overlapped {gold_hit}/{gold_total}   "
            f"suggestions overlapping gold {ours_hit}/{ours_total}"
        )


def _spans(regions: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The spans of regions: a quote's own spans, or the region itself."""
    spans: list[Mapping[str, Any]] = []
    for region in regions:
        spans.extend(region.get("spans", [region]))
    return spans


def _overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return bool(a["start"] < b["end"] and b["start"] < a["end"])
