"""Pairwise comparison of annotated records: the core of evaluation and of agreement.

`compare(reference, candidate)` pairs records by article id and scores each span layer
exactly, by overlap and by tokens, then speaker attribution and stance over matched quotes.

How it works, in more detail: docs/design.md, "measure.comparison".
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict, cast

from quotegold.dataset.tokens import Token, tokenize
from quotegold.gold.model import GoldRecord, GoldRegion, Quote, regions_of, spans_of
from quotegold.schema.definition import LABEL_VALUES
from quotegold.schema.formats import LAYER_KEYS

__all__ = [
    "LAYERS",
    "MATCH_MODES",
    "Accuracy",
    "ArticleFigures",
    "Comparison",
    "EvaluationFigures",
    "Figures",
    "LayerScores",
    "QuotePair",
    "Score",
    "compare",
    "speaker_key",
]

LAYERS: tuple[str, ...] = LABEL_VALUES
MATCH_MODES: tuple[str, ...] = ("exact", "overlap", "tokens")

# A score's or an accuracy's counts and ratios, by name; a ratio is None when undefined.
Figures = dict[str, int | float | None]


class ArticleFigures(TypedDict):
    """Which articles were compared, and which were left out and why."""

    compared: int
    only_in_gold: list[str]
    only_in_predicted: list[str]
    text_differs: list[str]
    duplicates: list[str]


class EvaluationFigures(TypedDict):
    """`Comparison.to_dict()`: what `quotegold evaluate --json` writes."""

    articles: ArticleFigures
    layers: dict[str, dict[str, Figures]]  # layer → match mode → figures
    quotes: dict[str, Figures]  # speaker_attribution, stance, stance_and_target


# -- figures -------------------------------------------------------------------------------


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 from counts: gold (reference), predicted (candidate), matched."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0

    @property
    def precision(self) -> float | None:
        return _ratio(self.matched, self.predicted)

    @property
    def recall(self) -> float | None:
        return _ratio(self.matched, self.gold)

    @property
    def f1(self) -> float | None:
        return _ratio(2 * self.matched, self.gold + self.predicted)

    def __add__(self, other: Score) -> Score:
        return Score(
            self.gold + other.gold, self.predicted + other.predicted, self.matched + other.matched
        )

    def to_dict(self) -> Figures:
        return {
            "gold": self.gold,
            "predicted": self.predicted,
            "matched": self.matched,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class Accuracy:
    """A share of matched quote pairs that agree on something, with the counts behind it."""

    gold: int
    predicted: int
    matched: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return _ratio(self.correct, self.matched)

    def to_dict(self) -> Figures:
        return {
            "gold": self.gold,
            "predicted": self.predicted,
            "matched": self.matched,
            "correct": self.correct,
            "accuracy": self.accuracy,
        }


@dataclass(frozen=True)
class LayerScores:
    """One layer's scores under each way of matching."""

    exact: Score = Score()
    overlap: Score = Score()
    tokens: Score = Score()

    def __add__(self, other: LayerScores) -> LayerScores:
        return LayerScores(
            self.exact + other.exact, self.overlap + other.overlap, self.tokens + other.tokens
        )

    def to_dict(self) -> dict[str, Figures]:
        return {mode: getattr(self, mode).to_dict() for mode in MATCH_MODES}


def speaker_key(name: str | None) -> str | None:
    """A canonical speaker name compared case- and whitespace-insensitively; None: nobody."""
    if name is None:
        return None
    return " ".join(name.split()).casefold() or None


@dataclass(frozen=True)
class QuotePair:
    """A reference quote and the candidate quote matched to it by token overlap."""

    article_id: str
    reference: Quote
    candidate: Quote
    # Canonical speaker names as written; None when the quote has no speaker.
    reference_speaker: str | None
    candidate_speaker: str | None
    shared_tokens: int
    exact: bool
    # The reference quote has a speaker whose name its gold does not give (imported gold).
    reference_name_absent: bool = False

    @property
    def same_speaker(self) -> bool:
        return speaker_key(self.reference_speaker) == speaker_key(self.candidate_speaker)

    @property
    def same_stance(self) -> bool:
        return self.reference.get("stance") == self.candidate.get("stance")

    @property
    def same_stance_and_target(self) -> bool:
        target = self.reference.get("stance_target") == self.candidate.get("stance_target")
        return self.same_stance and target


@dataclass(frozen=True)
class Comparison:
    """Everything `compare` found; `to_dict` gives the figures as JSON-ready data."""

    layers: Mapping[str, LayerScores]
    quote_pairs: tuple[QuotePair, ...]
    compared: tuple[str, ...]
    only_in_reference: tuple[str, ...]
    only_in_candidate: tuple[str, ...]
    text_differs: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()

    def _accuracy(self, correct: int, matched: int | None = None) -> Accuracy:
        quotes = self.layers["QUOTE"].overlap
        counted = len(self.quote_pairs) if matched is None else matched
        return Accuracy(quotes.gold, quotes.predicted, counted, correct)

    # Gold imported from a corpus that does not annotate a speaker's name or a quote's
    # stance holds null there: those pairs are left out of that figure, never scored.
    @property
    def speaker_attribution(self) -> Accuracy:
        known = [pair for pair in self.quote_pairs if not pair.reference_name_absent]
        return self._accuracy(sum(pair.same_speaker for pair in known), len(known))

    @property
    def stance(self) -> Accuracy:
        known = [pair for pair in self.quote_pairs if pair.reference.get("stance") is not None]
        return self._accuracy(sum(pair.same_stance for pair in known), len(known))

    @property
    def stance_and_target(self) -> Accuracy:
        known = [pair for pair in self.quote_pairs if pair.reference.get("stance") is not None]
        return self._accuracy(sum(pair.same_stance_and_target for pair in known), len(known))

    def to_dict(self) -> EvaluationFigures:
        return {
            "articles": {
                "compared": len(self.compared),
                "only_in_gold": list(self.only_in_reference),
                "only_in_predicted": list(self.only_in_candidate),
                "text_differs": list(self.text_differs),
                "duplicates": list(self.duplicates),
            },
            "layers": {layer: scores.to_dict() for layer, scores in self.layers.items()},
            "quotes": {
                "speaker_attribution": self.speaker_attribution.to_dict(),
                "stance": self.stance.to_dict(),
                "stance_and_target": self.stance_and_target.to_dict(),
            },
        }


# -- comparing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Region:
    spans: tuple[tuple[int, int], ...]
    tokens: frozenset[int]
    data: GoldRegion


def compare(reference: Sequence[GoldRecord], candidate: Sequence[GoldRecord]) -> Comparison:
    """Score `candidate` records against `reference` records, paired by article id.

    Records need `id`, `text` and the four region lists, as gold records have; attributes
    may be missing (a missing stance simply never agrees with a given one). An article whose
    text differs between the sides is left out and listed in `text_differs`: its offsets
    cannot be compared. Of several records with one id, the first counts.
    """
    references, duplicates = _by_id(reference)
    candidates, more = _by_id(candidate)
    totals = {layer: LayerScores() for layer in LAYERS}
    pairs: list[QuotePair] = []
    compared: list[str] = []
    differs: list[str] = []
    for article_id, ref in references.items():
        cand = candidates.get(article_id)
        if cand is not None and cand.get("text") != ref.get("text"):
            differs.append(article_id)
            continue
        scores, found = _compare_article(article_id, ref, cand)
        totals = {layer: totals[layer] + scores[layer] for layer in LAYERS}
        pairs += found
        compared.append(article_id)
    return Comparison(
        layers=totals,
        quote_pairs=tuple(pairs),
        compared=tuple(compared),
        only_in_reference=tuple(i for i in references if i not in candidates),
        only_in_candidate=tuple(i for i in candidates if i not in references),
        text_differs=tuple(differs),
        duplicates=tuple(dict.fromkeys(duplicates + more)),
    )


def _by_id(records: Iterable[GoldRecord]) -> tuple[dict[str, GoldRecord], list[str]]:
    found: dict[str, GoldRecord] = {}
    duplicates: list[str] = []
    for record in records:
        article_id = str(record["id"])
        if article_id in found:
            duplicates.append(article_id)
        else:
            found[article_id] = record
    return found, duplicates


def _compare_article(
    article_id: str, reference: GoldRecord, candidate: GoldRecord | None
) -> tuple[dict[str, LayerScores], list[QuotePair]]:
    tokens = tokenize(str(reference["text"]))
    ref_regions = _regions(reference, tokens)
    cand_regions = _regions(candidate, tokens) if candidate is not None else {}
    scores: dict[str, LayerScores] = {}
    pairs: list[QuotePair] = []
    for layer in LAYERS:
        ref, cand = ref_regions.get(layer, []), cand_regions.get(layer, [])
        matches = _overlap_matches(ref, cand)
        scores[layer] = LayerScores(
            exact=Score(len(ref), len(cand), _exact_matches(ref, cand)),
            overlap=Score(len(ref), len(cand), len(matches)),
            tokens=_token_score(ref, cand),
        )
        if layer == "QUOTE" and candidate is not None:
            pairs = [
                _quote_pair(article_id, ref[i], cand[j], reference, candidate, shared)
                for i, j, shared in matches
            ]
    return scores, pairs


def _regions(record: GoldRecord, tokens: Sequence[Token]) -> dict[str, list[_Region]]:
    starts = [token.start for token in tokens]
    ends = [token.end for token in tokens]
    regions: dict[str, list[_Region]] = {}
    for label in LAYER_KEYS:
        for item in regions_of(record, label):
            spans = tuple((span["start"], span["end"]) for span in spans_of(item))
            covered = frozenset(i for span in spans for i in _token_indices(starts, ends, span))
            regions.setdefault(label, []).append(_Region(spans, covered, item))
    return regions


def _token_indices(
    starts: Sequence[int], ends: Sequence[int], span: tuple[int, int]
) -> Iterable[int]:
    # Tokens do not overlap, so their ends rise: the first whose end is past the span's
    # start is the first that can overlap it.
    index = bisect_right(ends, span[0])
    while index < len(starts) and starts[index] < span[1]:
        yield index
        index += 1


def _exact_matches(reference: Sequence[_Region], candidate: Sequence[_Region]) -> int:
    wanted = Counter(region.spans for region in reference)
    offered = Counter(region.spans for region in candidate)
    return sum((wanted & offered).values())


def _overlap_matches(
    reference: Sequence[_Region], candidate: Sequence[_Region]
) -> list[tuple[int, int, int]]:
    """One-to-one (reference index, candidate index, shared tokens), most shared first."""
    options = []
    for i, ref in enumerate(reference):
        for j, cand in enumerate(candidate):
            shared = len(ref.tokens & cand.tokens)
            if shared:
                options.append((-shared, len(ref.tokens | cand.tokens), i, j))
    used_ref: set[int] = set()
    used_cand: set[int] = set()
    matches = []
    for negative, _, i, j in sorted(options):
        if i not in used_ref and j not in used_cand:
            used_ref.add(i)
            used_cand.add(j)
            matches.append((i, j, -negative))
    return sorted(matches)


def _token_score(reference: Sequence[_Region], candidate: Sequence[_Region]) -> Score:
    ref = frozenset().union(*(region.tokens for region in reference))
    cand = frozenset().union(*(region.tokens for region in candidate))
    return Score(len(ref), len(cand), len(ref & cand))


def _speaker_name(record: GoldRecord, quote: Quote) -> str | None:
    if quote.get("no_speaker") is True or quote.get("speaker_id") is None:
        return None
    for speaker in record.get("speakers") or []:
        if speaker.get("id") == quote["speaker_id"]:
            name = speaker.get("name")
            return name if isinstance(name, str) else None
    return None


def _quote_pair(
    article_id: str,
    reference: _Region,
    candidate: _Region,
    reference_record: GoldRecord,
    candidate_record: GoldRecord,
    shared: int,
) -> QuotePair:
    # Regions of the QUOTE layer are quotes (a partial one may lack `spans`: one span).
    ref, cand = cast(Quote, reference.data), cast(Quote, candidate.data)
    return QuotePair(
        article_id=article_id,
        reference=ref,
        candidate=cand,
        reference_speaker=_speaker_name(reference_record, ref),
        candidate_speaker=_speaker_name(candidate_record, cand),
        shared_tokens=shared,
        exact=reference.spans == candidate.spans,
        reference_name_absent=_name_absent(reference_record, ref),
    )


def _name_absent(record: GoldRecord, quote: Quote) -> bool:
    if quote.get("no_speaker") is True or quote.get("speaker_id") is None:
        return False
    for speaker in record.get("speakers") or []:
        if speaker.get("id") == quote["speaker_id"]:
            return speaker.get("name") is None
    return False
