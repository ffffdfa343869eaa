"""Train and run one linear-chain CRF (CRFsuite through python-crfsuite, on the CPU).

Training is L-BFGS with L1 (`c1`) and L2 (`c2`) regularisation. With dev sequences, each
iteration's dev tag F1 is read from CRFsuite's log; CRFsuite cannot be stopped from its log
callback, so when the dev score peaked before the last iteration the model is trained again
up to that iteration (L-BFGS is deterministic, so that is the model as it was at the peak).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycrfsuite

__all__ = [
    "CrfSettings",
    "Sequences",
    "TrainLog",
    "tag_with_marginals",
    "tagged_sequence",
    "train_crf",
]

# One sequence: each token's feature strings, and its tags.
Sequences = list[tuple[list[list[str]], list[str]]]


@dataclass(frozen=True)
class CrfSettings:
    """CRFsuite's L-BFGS settings, and the feature set (`featuresets`) the CRF sees."""

    c1: float = 0.05
    c2: float = 0.05
    max_iterations: int = 100
    min_freq: int = 1
    features: str = "full"


@dataclass
class TrainLog:
    """What a training run did: iterations run, the one kept, dev F1 per iteration."""

    iterations: int = 0
    kept: int = 0
    dev_f1: list[float] = field(default_factory=list)


class _Trainer(pycrfsuite.Trainer):  # type: ignore[misc]
    """A trainer that reports iterations instead of printing them."""

    def __init__(self, on_iteration: Callable[[int, dict[str, Any]], None] | None) -> None:
        super().__init__(verbose=True)
        self._report = on_iteration

    def on_start(self, log: str) -> None: ...
    def on_featgen_progress(self, log: str, percent: float) -> None: ...
    def on_featgen_end(self, log: str) -> None: ...
    def on_prepared(self, log: str) -> None: ...
    def on_prepare_error(self, log: str) -> None: ...
    def on_optimization_end(self, log: str) -> None: ...
    def on_end(self, log: str) -> None: ...

    def on_iteration(self, log: str, info: dict[str, Any]) -> None:
        if self._report is not None:
            self._report(int(info["num"]), info)


def _run(
    train: Sequences,
    dev: Sequences,
    path: Path,
    settings: CrfSettings,
    iterations: int,
    on_iteration: Callable[[int, dict[str, Any]], None] | None,
) -> None:
    trainer = _Trainer(on_iteration)
    for features, tags in train:
        trainer.append(features, tags, 0)
    for features, tags in dev:
        trainer.append(features, tags, 1)
    trainer.set_params(
        {
            "c1": settings.c1,
            "c2": settings.c2,
            "max_iterations": iterations,
            "feature.minfreq": settings.min_freq,
            "feature.possible_transitions": True,
        }
    )
    trainer.train(str(path), holdout=1 if dev else -1)


def train_crf(
    train: Sequences,
    path: Path,
    *,
    settings: CrfSettings,
    dev: Sequences | None = None,
    on_iteration: Callable[[int, int], None] | None = None,
) -> TrainLog:
    """Train a CRF on `train`, write it to `path`; with `dev`, keep the iteration whose dev
    tag F1 (macro over the tags other than O) was best. `on_iteration(done, planned)`."""
    log = TrainLog()

    def seen(number: int, info: dict[str, Any]) -> None:
        log.iterations = number
        if dev:
            scores = [s.f1 for tag, s in info.get("scores", {}).items() if tag != "O"]
            log.dev_f1.append(sum(scores) / len(scores) if scores else 0.0)
        if on_iteration is not None:
            on_iteration(number, settings.max_iterations)

    _run(train, dev or [], path, settings, settings.max_iterations, seen)
    log.kept = log.iterations
    if dev and log.dev_f1:
        best = max(range(len(log.dev_f1)), key=lambda index: log.dev_f1[index]) + 1
        if best < log.iterations:
            _run(train, [], path, settings, best, None)
            log.kept = best
    return log


def tag_with_marginals(
    tagger: pycrfsuite.Tagger, features: Sequence[list[str]]
) -> tuple[list[str], list[float]]:
    """The best tag sequence and each token's marginal probability of its tag (1.0 for
    an O tag: only the regions' scores are used, and most tokens are O). Predictions tag
    from summed weights instead (`crfmodel.CompactTagger`); tests hold the two equal."""
    if not features:
        return [], []
    tagger.set(list(features))
    return tagged_sequence(tagger)


def tagged_sequence(tagger: pycrfsuite.Tagger) -> tuple[list[str], list[float]]:
    """The best tags of the sequence the tagger was last `set` to, and each token's marginal
    probability of its tag (1.0 for an O tag)."""
    tags: list[str] = list(tagger.tag())
    return tags, [
        1.0 if tag == "O" else float(tagger.marginal(tag, index)) for index, tag in enumerate(tags)
    ]
