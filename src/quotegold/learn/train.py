"""Train a model folder from gold records: read, featurise, train the CRFs, score, describe.

Gold comes as gold JSONL files, export folders (their `gold.jsonl`) or Label Studio JSON
exports (each task's chosen annotation). A record read twice (same id) counts once. What a
record does not annotate is skipped, not learnt as "nothing here": the initiative layer is
trained only when the gold has at least `MIN_INITIATIVES` initiatives (else the rules'
initiatives are used), and a record imported without a layer is left out of that layer.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from quotegold.errors import ModelError
from quotegold.gold.model import GoldRecord
from quotegold.learn.crf import CrfSettings, Sequences, TrainLog, train_crf
from quotegold.learn.features import gold_tags
from quotegold.learn.featuresets import feature_function
from quotegold.learn.modelfile import (
    INITIATIVE_FILE,
    MAIN_FILE,
    MODEL_PREFIX,
    ModelInfo,
    model_hash,
    write_card,
    write_info,
)
from quotegold.learn.rules import read_with_rules
from quotegold.measure.comparison import Comparison, compare
from quotegold.measure.evaluate import article_from_record, load_records
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema

__all__ = [
    "MIN_INITIATIVES",
    "GoldSet",
    "Progress",
    "TrainResult",
    "layer_scores",
    "read_gold",
    "suggest_all",
    "train_model",
]

MIN_INITIATIVES = 150
# progress(stage, done, total): stages are "reading", "training", "initiatives", "scoring".
Progress = Callable[[str, int, int], None]


@dataclass
class GoldSet:
    """Gold records and the files they came from (with their hashes)."""

    records: list[GoldRecord]
    sources: list[dict[str, object]]


def _gold_file(path: Path) -> Path:
    return path / "gold.jsonl" if path.is_dir() else path


def read_gold(paths: Sequence[Path], *, schema: AnnotationSchema = DEFAULT_SCHEMA) -> GoldSet:
    """The records of every file (an id seen before is skipped); a file that cannot be read
    or holds no usable record is a `ModelError`."""
    records: list[GoldRecord] = []
    sources: list[dict[str, object]] = []
    seen: set[str] = set()
    for given in paths:
        path = _gold_file(given)
        if not path.is_file():
            raise ModelError(f"no gold file at {path}; give gold JSONL files or export folders")
        loaded = load_records(path, schema=schema)
        fresh = [r for r in loaded.records if str(r["id"]) not in seen]
        seen.update(str(r["id"]) for r in fresh)
        records += fresh
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        sources.append({"file": str(path), "sha256": digest, "records": len(fresh)})
    if not records:
        raise ModelError(f"no gold records in {', '.join(map(str, paths))}; nothing to train on")
    return GoldSet(records, sources)


def _sequences(
    records: Sequence[GoldRecord],
    schema: AnnotationSchema,
    progress: Progress | None,
    feature_set: str,
) -> tuple[Sequences, Sequences]:
    token_features = feature_function(feature_set)
    main: Sequences = []
    initiative: Sequences = []
    for done, record in enumerate(records, start=1):
        tokens = read_with_rules(article_from_record(record), schema=schema).tokens
        tags, initiative_tags = gold_tags(tokens, record)
        for start, end in tokens.paragraphs:
            features = token_features(tokens, start, end, None)
            main.append((features, tags[start:end]))
            if "initiatives" in record:
                initiative.append((features, initiative_tags[start:end]))
        if progress is not None:
            progress("reading", done, len(records))
    return main, initiative


@dataclass
class TrainResult:
    """What `train_model` made."""

    folder: Path
    info: ModelInfo
    seconds: float


def train_model(
    gold: GoldSet,
    out: Path,
    *,
    name: str | None = None,
    dev: Sequence[GoldRecord] = (),
    settings: CrfSettings | None = None,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
    progress: Progress | None = None,
    licence: str = "the licence of the training data",
    stop_on_dev: bool = True,
) -> TrainResult:
    """Train on `gold` and write the model folder `out` (replaced only once complete); with
    `dev`, record the scores on it, and stop at the iteration that scored best on it unless
    `stop_on_dev` is False (a held-out part must only be scored)."""
    settings = settings or CrfSettings()
    began = time.monotonic()
    name = name or out.name
    main, initiative = _sequences(gold.records, schema, progress, settings.features)
    stopping = dev if stop_on_dev else ()
    dev_main, dev_initiative = (
        _sequences(stopping, schema, None, settings.features) if stopping else ([], [])
    )
    with_initiatives = sum(len(r.get("initiatives", [])) for r in gold.records) >= MIN_INITIATIVES
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        logs: dict[str, TrainLog] = {}
        logs["main"] = train_crf(
            main,
            work / MAIN_FILE,
            settings=settings,
            dev=dev_main or None,
            on_iteration=_stage(progress, "training"),
        )
        if with_initiatives:
            logs["initiative"] = train_crf(
                initiative,
                work / INITIATIVE_FILE,
                settings=settings,
                dev=dev_initiative or None,
                on_iteration=_stage(progress, "initiatives"),
            )
        plain = asdict(settings)
        info = ModelInfo(
            name=name,
            model_version=f"{MODEL_PREFIX}{name}-{model_hash(work, plain)}",
            settings=plain,
            data=gold.sources,
            initiatives=with_initiatives,
            training={
                "articles": len(gold.records),
                "paragraphs": len(main),
                "iterations": {key: log.kept for key, log in logs.items()},
                "dev_articles": len(dev),
                "stopped_on_dev": bool(stopping),
            },
            licence=licence,
        )
        write_info(work, info)
        if dev:
            if progress is not None:
                progress("scoring", 0, len(dev))
            info.scores = {"dev": layer_scores(compare(dev, suggest_all(work, dev, schema)))}
        info.training["seconds"] = round(time.monotonic() - began, 1)
        write_info(work, info)
        write_card(work, info)
        if out.exists():
            shutil.rmtree(out)
        work.chmod(0o755)  # mkdtemp made it private; a model folder is shared like any file
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return TrainResult(out, info, time.monotonic() - began)


def _stage(progress: Progress | None, stage: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)


def suggest_all(
    folder: Path, records: Sequence[GoldRecord], schema: AnnotationSchema
) -> list[GoldRecord]:
    """The model's suggested record for each record's article (unbounded: for scoring)."""
    from quotegold.learn.predictor import ModelPredictor

    model = ModelPredictor(folder, schema)
    return [model.suggest(article_from_record(record)).record for record in records]


def layer_scores(comparison: Comparison) -> dict[str, dict[str, float | None]]:
    """Per layer: exact and overlap F1 (and precision, recall), plus speaker attribution."""
    figures = comparison.to_dict()
    scores: dict[str, dict[str, float | None]] = {}
    for layer, modes in figures["layers"].items():
        row: dict[str, float | None] = {}
        for mode in ("exact", "overlap"):
            for key in ("precision", "recall", "f1"):
                value = modes[mode][key]
                row[f"{mode}_{key}"] = None if value is None else round(float(value), 4)
        scores[layer] = row
    attribution = figures["quotes"]["speaker_attribution"]["accuracy"]
    scores["quotes"] = {
        "speaker_attribution": None if attribution is None else round(float(attribution), 4)
    }
    return scores
