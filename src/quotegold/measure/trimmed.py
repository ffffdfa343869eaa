"""Span scores as attribution corpora report them: regions trimmed of quotation marks,
punctuation and spaces at both ends, then matched exactly or by character overlap.

- **exact**: a predicted region counts when its trimmed characters are those of a gold
  region of the layer.
- **jaccard**: a predicted region counts when the Jaccard index of its trimmed characters and
  a gold region's (a quote's parts together) is at least `JACCARD` (0.5).

Each gold region is matched at most once (best overlaps first). This is the scoring of the
issue's external check (exact for sources and cues, Jaccard for contents); `quotegold
evaluate` keeps its own token-based scores.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from quotegold.gold.model import GoldRecord, regions_of, spans_of
from quotegold.measure.comparison import Score

__all__ = ["JACCARD", "score_trimmed", "trimmed_chars"]

JACCARD = 0.5
LAYERS = ("SPEAKER", "CUE", "QUOTE")


def _trimmable(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in ("P", "S") or char in "'`"


def trimmed_chars(text: str, spans: Iterable[tuple[int, int]]) -> frozenset[int]:
    """The character offsets of `spans`, each span trimmed of marks, punctuation, spaces."""
    chars: set[int] = set()
    for start, end in spans:
        while start < end and _trimmable(text[start]):
            start += 1
        while end > start and _trimmable(text[end - 1]):
            end -= 1
        chars.update(range(start, end))
    return frozenset(chars)


def _regions(record: GoldRecord, layer: str) -> list[frozenset[int]]:
    found = [
        trimmed_chars(record["text"], [(s["start"], s["end"]) for s in spans_of(region)])
        for region in regions_of(record, layer)
    ]
    return [chars for chars in found if chars]


def _matched(
    gold: Sequence[frozenset[int]], predicted: Sequence[frozenset[int]], exact: bool
) -> int:
    if exact:
        return sum((Counter(gold) & Counter(predicted)).values())
    pairs = sorted(
        (
            (len(g & p) / len(g | p), gi, pi)
            for gi, g in enumerate(gold)
            for pi, p in enumerate(predicted)
            if g & p
        ),
        reverse=True,
    )
    used_gold: set[int] = set()
    used_predicted: set[int] = set()
    for jaccard, gi, pi in pairs:
        if jaccard < JACCARD:
            break
        if gi not in used_gold and pi not in used_predicted:
            used_gold.add(gi)
            used_predicted.add(pi)
    return len(used_gold)


def score_trimmed(
    gold: Sequence[GoldRecord], predicted: Sequence[GoldRecord]
) -> dict[str, dict[str, Score]]:
    """Per layer, `exact` and `jaccard` scores of `predicted` against `gold` (same order,
    same texts), as `quotegold evaluate`'s `Score` (ratios from 0 to 1)."""
    scores = {layer: {"exact": Score(), "jaccard": Score()} for layer in LAYERS}
    for reference, candidate in zip(gold, predicted, strict=True):
        for layer in LAYERS:
            wanted, made = _regions(reference, layer), _regions(candidate, layer)
            for mode in ("exact", "jaccard"):
                scores[layer][mode] += Score(
                    len(wanted), len(made), _matched(wanted, made, mode == "exact")
                )
    return scores
