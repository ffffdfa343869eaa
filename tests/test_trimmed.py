"""`measure.trimmed`: the external check's scoring (trimmed spans, exact and Jaccard)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from quotegold.gold.model import GoldRecord
from quotegold.measure.trimmed import score_trimmed, trimmed_chars

TEXT = "''We will win,'' Mayor Ann Lee said on Monday, \"and soon.\""


def record(**layers: list[tuple[int, int] | list[tuple[int, int]]]) -> GoldRecord:
    made: dict[str, Any] = {"id": "a", "text": TEXT, "speakers": [], "cues": [], "quotes": []}
    for key, spans in layers.items():
        for number, span in enumerate(spans):
            parts = span if isinstance(span, list) else [span]
            pieces = [{"start": s, "end": e, "text": TEXT[s:e]} for s, e in parts]
            region = {"id": f"{key}{number}", **pieces[0]}
            made[key].append({**region, "spans": pieces} if key == "quotes" else region)
    return cast(GoldRecord, made)


@pytest.mark.parametrize(
    ("start", "end", "kept"),
    [
        (0, 16, "We will win"),  # doubled apostrophes and the comma go
        (17, 30, "Mayor Ann Lee"),
        (47, 58, "and soon"),
        (14, 16, ""),
    ],
)
def test_spans_are_trimmed_of_marks_and_punctuation(start: int, end: int, kept: str) -> None:
    chars = sorted(trimmed_chars(TEXT, [(start, end)]))
    assert "".join(TEXT[i] for i in chars) == kept


def test_exact_for_speakers_and_jaccard_for_quotes() -> None:
    gold = record(speakers=[(17, 30)], cues=[(31, 35)], quotes=[[(0, 16), (47, 58)]])
    made = record(
        speakers=[(17, 30), (23, 30)],  # one exact, one not
        cues=[(31, 46)],  # "said on Monday": not exact
        quotes=[(2, 13)],  # "We will win": 11 of 19 trimmed characters
    )
    scores = score_trimmed([gold], [made])
    speaker = scores["SPEAKER"]["exact"]
    assert (speaker.gold, speaker.predicted, speaker.matched) == (1, 2, 1)
    assert speaker.precision == 0.5 and speaker.recall == 1.0
    assert scores["CUE"]["exact"].matched == 0 and scores["CUE"]["jaccard"].matched == 0
    assert scores["QUOTE"]["exact"].matched == 0
    assert scores["QUOTE"]["jaccard"].matched == 1  # 11 / 19 >= 0.5


def test_a_gold_region_is_matched_once() -> None:
    gold = record(quotes=[(2, 13)])
    made = record(quotes=[(2, 13), (2, 12)])
    jaccard = score_trimmed([gold], [made])["QUOTE"]["jaccard"]
    assert (jaccard.matched, jaccard.predicted) == (1, 2)
    assert jaccard.f1 is not None and round(100 * jaccard.f1, 1) == 66.7
