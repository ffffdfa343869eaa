"""Cross-validate the trainer on the development gold with the external check's scoring.

    nice -n 10 .venv/bin/python -m scripts.bench.crossval [--folds 5]
        [--config NAME:FEATURES:C1:C2[:ITERATIONS] ...] [--thresholds 0,0.5,0.6] [--rules]

The development gold (tasks/gold/*.jsonl, never tasks/gold/heldout/) is split into `--folds`
folds (records sorted by id, record i in fold i mod k); each config trains on k-1 folds and
predicts the last, and the predictions of all folds are scored together with
`quotegold.measure.trimmed`: regions trimmed of quotation marks and punctuation, exact match
for speakers and cues, Jaccard >= 0.5 for quotes (both modes printed for every layer).
`--thresholds` also scores each config keeping only the regions whose score (mean marginal)
is at least the threshold (a precision-oriented decoding). `--rules` adds the rules.

`--heldout` scores once on the held-out gold instead (tasks/gold/heldout/, never tuned on):
each config trained on all the development gold, `--model PATH` as it is (the shipped model,
say), and the rules with `--rules`.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from quotegold.gold.model import GoldRecord
from quotegold.learn.crf import CrfSettings
from quotegold.learn.predictor import ModelPredictor
from quotegold.learn.train import GoldSet, read_gold, train_model
from quotegold.measure.evaluate import article_from_record
from quotegold.measure.trimmed import score_trimmed
from quotegold.preannotate import PreAnnotator, Suggestion

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "tasks" / "gold" / "heldout" / "wikinews-2019-2020.jsonl"
GOLD = sorted((ROOT / "tasks" / "gold").glob("*.jsonl"))  # not heldout/: a folder of its own
LAYER_KEYS = {"SPEAKER": "speakers", "CUE": "cues", "QUOTE": "quotes"}


def parse_config(config: str) -> tuple[str, CrfSettings]:
    """`NAME:FEATURES:C1:C2[:ITERATIONS]` as a name and the settings it gives."""
    name, features, c1, c2, *more = config.split(":")
    iterations = int(more[0]) if more else CrfSettings.max_iterations
    return name, CrfSettings(
        c1=float(c1), c2=float(c2), features=features, max_iterations=iterations
    )


def folds(records: list[GoldRecord], k: int) -> list[list[GoldRecord]]:
    ordered = sorted(records, key=lambda record: str(record["id"]))
    return [ordered[i::k] for i in range(k)]


def kept(suggestion: Suggestion, threshold: float) -> GoldRecord:
    """The suggestion's record without the regions scored below `threshold`."""
    record = copy.deepcopy(suggestion.record)
    for key in LAYER_KEYS.values():
        regions = record[key]  # type: ignore[literal-required]
        record[key] = [  # type: ignore[literal-required]
            r for r in regions if suggestion.scores.get(str(r["id"]), 1.0) >= threshold
        ]
    return record


def cross_validate(
    parts: list[list[GoldRecord]], settings: CrfSettings, work: Path
) -> tuple[list[GoldRecord], list[Suggestion], float]:
    gold: list[GoldRecord] = []
    made: list[Suggestion] = []
    seconds = 0.0
    for number, test in enumerate(parts):
        train = [r for other, part in enumerate(parts) if other != number for r in part]
        began = time.perf_counter()
        result = train_model(GoldSet(train, []), work / f"fold{number}", settings=settings)
        seconds += time.perf_counter() - began
        model = ModelPredictor(result.folder)
        gold += test
        made += [model.suggest(article_from_record(record)) for record in test]
        shutil.rmtree(result.folder)
    return gold, made, seconds


def report(name: str, gold: list[GoldRecord], made: list[GoldRecord]) -> dict[str, object]:
    scores = score_trimmed(gold, made)
    row: dict[str, object] = {"config": name}
    cells = []
    for layer, mode in (
        ("SPEAKER", "exact"),
        ("CUE", "exact"),
        ("QUOTE", "jaccard"),
        ("QUOTE", "exact"),
    ):
        s = scores[layer][mode]
        p, r, f1 = (round(100 * (v or 0.0), 1) for v in (s.precision, s.recall, s.f1))
        row[f"{layer}_{mode}"] = {"p": p, "r": r, "f1": f1}
        cells.append(f"{layer[:2]} {mode[:2]} {p:5.1f}/{r:5.1f}/{f1:5.1f}")
    print(f"{name:28} " + " | ".join(cells), flush=True)
    return row


def heldout(records: list[GoldRecord], args: argparse.Namespace) -> int:
    tests = read_gold([HELDOUT]).records
    print(f"held-out: {len(tests)} records; trained on {len(records)} development records")
    if args.rules:
        rules = PreAnnotator()
        report("rules", tests, [rules(article_from_record(r)).record for r in tests])
    for folder in args.model:
        model = ModelPredictor(folder)
        made = [model.suggest(article_from_record(r)).record for r in tests]
        report(f"model {folder.name}", tests, made)
    work = Path(tempfile.mkdtemp(prefix="quotegold-heldout-"))
    try:
        for config in args.config:
            name, settings = parse_config(config)
            result = train_model(GoldSet(records, []), work / name, settings=settings)
            model = ModelPredictor(result.folder)
            made = [model.suggest(article_from_record(r)).record for r in tests]
            report(name, tests, made)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(prog="python -m scripts.bench.crossval")
    options.add_argument("--folds", type=int, default=5)
    options.add_argument(
        "--config", action="append", default=[], help="NAME:FEATURES:C1:C2[:ITERATIONS]"
    )
    options.add_argument("--thresholds", default="0")
    options.add_argument("--rules", action="store_true")
    options.add_argument("--out", type=Path, help="write the rows as JSON here")
    options.add_argument("--heldout", action="store_true", help="score on the held-out gold")
    options.add_argument("--model", type=Path, action="append", default=[])
    args = options.parse_args(argv)
    records = read_gold(GOLD).records
    if args.heldout:
        return heldout(records, args)
    parts = folds(records, args.folds)
    print(f"{len(records)} development gold records, {args.folds} folds; P/R/F1 in %")
    rows: list[dict[str, object]] = []
    if args.rules:
        rules = PreAnnotator()
        ordered = [r for part in parts for r in part]
        ruled = [rules(article_from_record(r)).record for r in ordered]
        rows.append(report("rules", ordered, ruled))
    work = Path(tempfile.mkdtemp(prefix="quotegold-crossval-"))
    try:
        for config in args.config or ["lean:lean:0.05:0.05"]:
            name, settings = parse_config(config)
            gold, made, seconds = cross_validate(parts, settings, work)
            for threshold in (float(t) for t in args.thresholds.split(",")):
                label = f"{name}" + (f" >= {threshold}" if threshold else "")
                row = report(label, gold, [kept(s, threshold) for s in made])
                row["train_seconds"] = round(seconds, 1)
                rows.append(row)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
