"""The learning curve: train on 25, 50, 75 and 100% of the gold and score each model on the
dev records, beside the rules, so a team sees whether more annotation still pays (Prodigy's
`train-curve`). The shares are nested (each holds the one before) and drawn in a fixed order
(by a hash of the record id), so the curve is the same on every run.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from quotegold.gold.model import GoldRecord
from quotegold.learn.crf import CrfSettings
from quotegold.learn.train import GoldSet, Progress, layer_scores, suggest_all, train_model
from quotegold.measure.comparison import compare
from quotegold.measure.evaluate import preannotated
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema

__all__ = ["SHARES", "CurvePoint", "learning_curve"]

SHARES: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class CurvePoint:
    """Dev scores of a model trained on `share` of the gold (`articles` records); share 0 is
    the rules."""

    share: float
    articles: int
    scores: dict[str, dict[str, float | None]]


def _order(record: GoldRecord) -> str:
    return hashlib.sha256(str(record["id"]).encode()).hexdigest()


def learning_curve(
    gold: GoldSet,
    dev: Sequence[GoldRecord],
    *,
    shares: Sequence[float] = SHARES,
    settings: CrfSettings | None = None,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
    progress: Progress | None = None,
    on_point: Callable[[CurvePoint], None] | None = None,
) -> list[CurvePoint]:
    """The rules' dev scores, then one point per share of the gold."""
    ordered = sorted(gold.records, key=_order)
    points = [CurvePoint(0.0, 0, layer_scores(compare(dev, preannotated(dev, schema=schema))))]
    if on_point is not None:
        on_point(points[0])
    work = Path(tempfile.mkdtemp(prefix="quotegold-curve-"))
    try:
        for share in shares:
            part = ordered[: max(1, round(len(ordered) * share))]
            folder = work / f"share-{int(share * 100)}"
            train_model(
                GoldSet(part, gold.sources),
                folder,
                settings=settings,
                schema=schema,
                progress=progress,
            )
            scores = layer_scores(compare(dev, suggest_all(folder, dev, schema)))
            points.append(CurvePoint(share, len(part), scores))
            if on_point is not None:
                on_point(points[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return points
