"""Agreement between annotators who annotated the same tasks.

Each pair of annotators of a task is compared with the code evaluation uses
(`measure.comparison.compare`): span F1 per layer, quote → speaker agreement, and
Krippendorff's alpha on the quote attributes; per pair, per annotator and overall.

How it works, in more detail: docs/design.md, "measure.agreement".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path

import krippendorff

from quotegold.dataset.reportfile import AgreementFigures, AlphaFigures, LayerAgreement, PairFigures
from quotegold.errors import Issue, Location, SettingsError
from quotegold.gold.adjudicate import recency
from quotegold.gold.convert import ProjectRef, annotation_to_record
from quotegold.gold.exportfile import detect_kind, read_label_studio_export
from quotegold.gold.model import Annotation, GoldRecord, Quote, Task
from quotegold.measure.comparison import LAYERS, LayerScores, QuotePair, Score, compare, speaker_key
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema

__all__ = [
    "ATTRIBUTES",
    "Agreement",
    "AgreementCounter",
    "Alpha",
    "PairAgreement",
    "agreement_of_file",
    "krippendorff_alpha",
    "measure_agreement",
]

# The quote attributes alpha is computed on.
ATTRIBUTES: tuple[str, ...] = ("stance", "quote_type", "speaker_name")
NO_SPEAKER = "(no speaker)"
PAIR_JOINER = " \u00d7 "

Unit = Mapping[str, Mapping[str, Hashable | None]]  # annotator → attribute → value


# -- figures -------------------------------------------------------------------------------


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _mean(values: Iterable[float | None]) -> float | None:
    given = [value for value in values if value is not None]
    return sum(given) / len(given) if given else None


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha over some units, with what it was computed from."""

    alpha: float | None
    units: int  # units with values from at least two annotators
    values: int  # the values in those units

    def to_dict(self) -> AlphaFigures:
        return {"alpha": self.alpha, "units": self.units, "values": self.values}


def krippendorff_alpha(units: Sequence[Mapping[str, Hashable | None]]) -> Alpha:
    """Nominal alpha; each unit maps an annotator to their value (None: no value).

    Values are mapped to integer codes and handed to `krippendorff.alpha`. Units with fewer
    than two values cannot be paired and are left out. Alpha is None when no unit is left
    or when every value is the same (the expected disagreement is then zero).
    """
    pairable = [
        {coder: value for coder, value in unit.items() if value is not None} for unit in units
    ]
    pairable = [unit for unit in pairable if len(unit) >= 2]
    domain = sorted({value for unit in pairable for value in unit.values()}, key=str)
    counted = sum(len(unit) for unit in pairable)
    if not pairable or len(domain) < 2:
        return Alpha(None, len(pairable), counted)
    codes = {value: code for code, value in enumerate(domain)}
    coders = sorted({coder for unit in pairable for coder in unit})
    data = [[float(codes[unit[c]]) if c in unit else math.nan for unit in pairable] for c in coders]
    value = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    return Alpha(None if math.isnan(value) else value, len(pairable), counted)


_EMPTY = LayerScores()


@dataclass
class PairAgreement:
    """What two annotators agree on over the tasks they both annotated."""

    annotators: tuple[str, str]
    tasks: int = 0
    layers: dict[str, LayerScores] = field(default_factory=lambda: dict.fromkeys(LAYERS, _EMPTY))
    quote_pairs: int = 0
    same_speaker: int = 0

    @property
    def said_by(self) -> float | None:
        """The share of quotes both marked whose speakers have the same canonical name."""
        return _ratio(self.same_speaker, self.quote_pairs)

    def add(self, layers: Mapping[str, LayerScores], pairs: Sequence[QuotePair]) -> None:
        self.tasks += 1
        self.layers = {layer: self.layers[layer] + layers[layer] for layer in LAYERS}
        self.quote_pairs += len(pairs)
        self.same_speaker += sum(pair.same_speaker for pair in pairs)

    def f1(self, layer: str, mode: str) -> float | None:
        score: Score = getattr(self.layers[layer], mode)
        return score.f1


@dataclass(frozen=True)
class Agreement:
    """Agreement figures over a set of tasks; `to_dict` gives them as JSON-ready data."""

    tasks: int
    compared: int  # tasks with usable annotations by two annotators or more
    annotated: Mapping[str, int]  # annotator → tasks with a submitted annotation of theirs
    shared: Mapping[str, int]  # annotator → of those, tasks compared with someone
    pairs: tuple[PairAgreement, ...]
    alpha: Mapping[str, Alpha]
    units: int  # quotes marked by two annotators or more
    issues: tuple[Issue, ...] = ()
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def layers(self) -> dict[str, LayerScores]:
        """Every pair's scores summed: the micro-averaged overall figures."""
        totals = dict.fromkeys(LAYERS, _EMPTY)
        for pair in self.pairs:
            totals = {layer: totals[layer] + pair.layers[layer] for layer in LAYERS}
        return totals

    @property
    def quote_pairs(self) -> int:
        return sum(pair.quote_pairs for pair in self.pairs)

    @property
    def same_speaker(self) -> int:
        return sum(pair.same_speaker for pair in self.pairs)

    @property
    def said_by(self) -> float | None:
        return _ratio(self.same_speaker, self.quote_pairs)

    def label(self, annotator: str) -> str:
        """How an annotator is shown: their email when known, else their user id."""
        return self.names.get(annotator) or f"annotator {annotator}"

    def _shown_layers(self) -> list[str]:
        """Layers someone marked; the per-pair and per-annotator tables leave out the rest."""
        return [layer for layer, scores in self.layers.items() if _regions(scores.exact)]

    def _scores(self, pairs: Sequence[PairAgreement]) -> PairFigures:
        """Per layer F1 (exact, overlap) and the speaker agreement, each the mean over pairs."""
        figures: PairFigures = {}
        for layer in self._shown_layers():
            for mode in ("exact", "overlap"):
                figures[f"{layer} f1_{mode}"] = _mean(pair.f1(layer, mode) for pair in pairs)
        figures["said_by"] = _mean(pair.said_by for pair in pairs)
        return figures

    def annotator_figures(self, annotator: str) -> PairFigures:
        """One annotator's tasks, and the mean of the figures of the pairs they are in."""
        theirs = [pair for pair in self.pairs if annotator in pair.annotators]
        return {
            "tasks": self.annotated.get(annotator, 0),
            "tasks_compared": self.shared.get(annotator, 0),
            "pairs": len(theirs),
            **self._scores(theirs),
        }

    def to_dict(self) -> AgreementFigures:
        """The figures, in the shape `quotegold.report.page.write_report(agreement=…)` renders."""
        return {
            "summary": {
                "tasks": self.tasks,
                "tasks_compared": self.compared,
                "annotators": len(self.annotated),
                "pairs": len(self.pairs),
                "quotes_compared": self.units,
            },
            "layers": {layer: _layer_dict(scores) for layer, scores in self.layers.items()},
            "relations": {
                "said_by": {
                    "quote_pairs": self.quote_pairs,
                    "same_speaker": self.same_speaker,
                    "agreement": self.said_by,
                }
            },
            "alpha": {name: alpha.to_dict() for name, alpha in self.alpha.items()},
            "annotators": {
                self.label(annotator): self.annotator_figures(annotator)
                for annotator in _ordered(self.annotated)
            },
            "pairs": {
                PAIR_JOINER.join(map(self.label, pair.annotators)): {
                    "tasks": pair.tasks,
                    **self._scores([pair]),
                }
                for pair in self.pairs
            },
        }


def _regions(score: Score) -> int:
    return score.gold + score.predicted


def _layer_dict(scores: LayerScores) -> LayerAgreement:
    return {
        "regions": _regions(scores.exact),
        "matched_exact": scores.exact.matched,
        "f1_exact": scores.exact.f1,
        "matched_overlap": scores.overlap.matched,
        "f1_overlap": scores.overlap.f1,
        "f1_tokens": scores.tokens.f1,
    }


def _ordered(annotators: Iterable[str]) -> list[str]:
    """User ids in numeric order, then anything else (emails) alphabetically."""
    return sorted(annotators, key=lambda a: (not a.isdigit(), int(a) if a.isdigit() else 0, a))


# -- counting ------------------------------------------------------------------------------


def _annotator(annotation: Annotation) -> str:
    """Who made an annotation: the user id (or email) in `completed_by`."""
    value = annotation.get("completed_by")
    if isinstance(value, Mapping):
        value = value.get("id") if isinstance(value.get("id"), int) else value.get("email")
    return str(value) if value not in (None, "") else "unknown"


class AgreementCounter:
    """Counts agreement one task at a time, so the tasks can be streamed.

    `add` every task, then take the `result`. Only the figures and the values of quotes
    marked by several annotators are kept, never the records.
    """

    def __init__(
        self, *, project: ProjectRef | None = None, schema: AnnotationSchema = DEFAULT_SCHEMA
    ) -> None:
        self._project = project
        self._schema = schema
        self._tasks = 0
        self._compared = 0
        self._annotated: Counter[str] = Counter()
        self._shared: Counter[str] = Counter()
        self._pairs: dict[tuple[str, str], PairAgreement] = {}
        self._units: list[Unit] = []
        self._issues: list[Issue] = []

    def add(self, task: Task) -> None:
        """Count one Label Studio task (as exported: `id`, `data`, `annotations`)."""
        self._tasks += 1
        latest = _latest_by_annotator(task)
        self._annotated.update(list(latest))
        if len(latest) < 2:
            return
        records = self._records(task, latest)
        if len(records) < 2:
            return
        self._compared += 1
        self._shared.update(list(records))
        found: list[tuple[str, str, QuotePair]] = []
        for first, second in combinations(_ordered(records), 2):
            comparison = compare([records[first]], [records[second]])
            pair = self._pairs.setdefault((first, second), PairAgreement((first, second)))
            pair.add(comparison.layers, comparison.quote_pairs)
            found += [(first, second, quote) for quote in comparison.quote_pairs]
        self._units += _units(found)

    def _records(self, task: Task, latest: Mapping[str, Annotation]) -> dict[str, GoldRecord]:
        records: dict[str, GoldRecord] = {}
        for annotator, annotation in latest.items():
            record, issues = annotation_to_record(
                task, annotation, project=self._project, schema=self._schema
            )
            if record is not None and not issues:
                records[annotator] = record
                continue
            where = issues[0].location if issues else Location(task=_plain(task.get("id")))
            why = issues[0].message if issues else "it could not be converted"
            more = f" (and {len(issues) - 1} more problem(s))" if len(issues) > 1 else ""
            message = f"annotation left out of the agreement: {why}{more}"
            self._issues.append(Issue(where, message))
        return records

    def result(self, *, names: Mapping[str, str] | None = None) -> Agreement:
        """The figures so far; `names` shows annotators (user id → email) by name."""
        order = {a: i for i, a in enumerate(_ordered({a for key in self._pairs for a in key}))}

        def rank(key: tuple[str, str]) -> tuple[int, int]:
            return order[key[0]], order[key[1]]

        alpha = {
            name: krippendorff_alpha(
                [{coder: values[name] for coder, values in unit.items()} for unit in self._units]
            )
            for name in ATTRIBUTES
        }
        return Agreement(
            tasks=self._tasks,
            compared=self._compared,
            annotated=dict(self._annotated),
            shared=dict(self._shared),
            # copies: adding tasks later must not change a result already given
            pairs=tuple(replace(self._pairs[key]) for key in sorted(self._pairs, key=rank)),
            alpha=alpha,
            units=len(self._units),
            issues=tuple(self._issues),
            names=dict(names or {}),
        )


def _plain(value: object) -> int | str | None:
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def _latest_by_annotator(task: Task) -> dict[str, Annotation]:
    """Each annotator's latest submitted annotation of the task."""
    annotations = task.get("annotations")
    if not isinstance(annotations, list):
        return {}
    submitted = [a for a in annotations if isinstance(a, Mapping) and not a.get("was_cancelled")]
    return {_annotator(a): a for a in sorted(submitted, key=recency)}


def _quote_values(quote: Quote, speaker: str | None) -> dict[str, Hashable | None]:
    return {
        "stance": quote.get("stance"),
        "quote_type": quote.get("quote_type"),
        "speaker_name": speaker_key(speaker) or NO_SPEAKER,
    }


def _units(found: Sequence[tuple[str, str, QuotePair]]) -> list[Unit]:
    """Alpha's units from the quotes matched between pairs of annotators in one task.

    Quotes linked by matches form one unit when each annotator has at most one quote in
    it; otherwise each match in the group is a unit of its own.
    """
    parent: dict[tuple[str, str], tuple[str, str]] = {}
    values: dict[tuple[str, str], dict[str, Hashable | None]] = {}

    def root(node: tuple[str, str]) -> tuple[str, str]:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    edges = []
    for first, second, quote in found:
        one, other = (first, str(quote.reference["id"])), (second, str(quote.candidate["id"]))
        values[one] = _quote_values(quote.reference, quote.reference_speaker)
        values[other] = _quote_values(quote.candidate, quote.candidate_speaker)
        parent[root(one)] = root(other)
        edges.append((one, other))
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for node in values:
        groups.setdefault(root(node), []).append(node)
    units: list[Unit] = []
    for nodes in groups.values():
        coders = [coder for coder, _ in nodes]
        if len(set(coders)) == len(coders):
            units.append({coder: values[(coder, quote)] for coder, quote in nodes})
            continue
        members = set(nodes)
        units += [{a[0]: values[a], b[0]: values[b]} for a, b in edges if a in members]
    return units


# -- entry points --------------------------------------------------------------------------


def measure_agreement(
    tasks: Iterable[Task],
    *,
    project: ProjectRef | None = None,
    names: Mapping[str, str] | None = None,
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> Agreement:
    """Agreement over Label Studio tasks (as in a JSON export), their annotations read
    against `schema`; see the module's docstring."""
    counter = AgreementCounter(project=project, schema=schema)
    for task in tasks:
        counter.add(task)
    return counter.result(names=names)


def agreement_of_file(path: Path, *, schema: AnnotationSchema = DEFAULT_SCHEMA) -> Agreement:
    """Agreement over the tasks of a Label Studio JSON export file, made with `schema`."""
    if detect_kind(path) != "label-studio-export":
        raise SettingsError(
            f"{path} is a gold JSONL file, with one record per article; agreement needs a "
            "Label Studio JSON export, which keeps every annotator's annotation"
        )
    return measure_agreement(read_label_studio_export(path), schema=schema)
