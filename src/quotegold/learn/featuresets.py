"""The feature sets a model can be trained with, by name (recorded in its `model.json`).

- `full`: `features.token_features`, the first models' set (about 31 strings a token: word,
  prefix, suffixes, shape, ±3 words, word pairs, quotation state, rule tags, distances).
- `lean`: the same signals with fewer strings (about 22 a token): no prefix, no second
  suffix, ±2 words, no word pairs; chosen by cross-validation on the development gold to
  lose no F1 while making tagging (whose cost grows with the strings) faster.
- `plain`: the baseline CRF of the literature: word, suffix, shape, ±3 words, and whether
  the token is inside quotation marks (doubled apostrophes included), nothing from the rules.

A model folder without a recorded set was trained with `full`.
"""

from __future__ import annotations

from collections.abc import Callable

from quotegold.learn import features as base
from quotegold.learn.features import ArticleTokens

__all__ = [
    "DEFAULT_FEATURES",
    "FEATURE_SETS",
    "OLD_FEATURES",
    "FeatureFunction",
    "feature_function",
]

# (tokens, first, last + 1, the model's attributes or None) -> each token's strings; a set
# may leave out strings that are not among the attributes (CRFsuite ignores them anyway).
FeatureFunction = Callable[[ArticleTokens, int, int, frozenset[str] | None], list[list[str]]]
DEFAULT_FEATURES = "full"
OLD_FEATURES = "full"

_Lookup = base._Lookup
_NEAR_W = {f"{sign}{offset}": _Lookup(f"{sign}{offset}:w") for sign in "-+" for offset in (1, 2, 3)}
_S3 = _Lookup("s3")
_PLAIN_Q = _Lookup("q")


def lean_features(
    tokens: ArticleTokens, start: int, end: int, known: frozenset[str] | None = None
) -> list[list[str]]:
    """The `lean` set of one paragraph's tokens."""
    view = tokens.view
    words, lower = view.words, view.lower
    rule_main, rule_initiative = tokens.rule_main, tokens.rule_initiative
    state = base._quotation_state(words, start, end)
    distances = base._mark_distances(words, start, end)
    cue_distances = base._cue_distances(view, start, end)
    infos = [base._word(words[index], lower[index]) for index in range(start, end)]
    bucketed = base._bucketed
    count = end - start
    sequence: list[list[str]] = []
    for local in range(count):
        index = start + local
        info = infos[local]
        own = info.own
        left, right = distances[local]
        cue_left, cue_right = cue_distances[local]
        rule = rule_main[index]
        quoted = state[local]
        cl = bucketed(cue_left)
        feats = [
            "bias",
            own[0],  # w=
            own[3],  # s3=
            own[4],  # sh=
            base._Q[quoted],
            base._ML[bucketed(left)],
            base._MR[bucketed(right)],
            base._R[rule],
            base._RI[rule_initiative[index]],
            base._RQ[rule, quoted],
            base._CL[cl],
            base._CR[bucketed(cue_right)],
            base._CLQ[cl, quoted],
            *info.flags,
        ]
        feats += base.position_flags(view, index, first=local == 0)
        for sign, other in (("-", local - 1), ("+", local + 1)):
            if 0 <= other < count:
                feats += (
                    infos[other].near[f"{sign}1"][0],
                    base._NEAR_Q[sign][state[other]],
                    base._NEAR_R[f"{sign}1"][rule_main[start + other]],
                )
            else:
                feats.append(base._EDGE[f"{sign}1"])
        for sign, other in (("-", local - 2), ("+", local + 2)):
            if 0 <= other < count:
                feats += (
                    infos[other].near[f"{sign}2"][0],
                    base._NEAR_R[f"{sign}2"][rule_main[start + other]],
                )
            else:
                feats.append(base._EDGE[f"{sign}2"])
        sequence.append(feats)
    return sequence


def plain_features(
    tokens: ArticleTokens, start: int, end: int, known: frozenset[str] | None = None
) -> list[list[str]]:
    """The `plain` baseline set of one paragraph's tokens."""
    view = tokens.view
    words, lower = view.words, view.lower
    state = base._quotation_state(words, start, end)
    infos = [base._word(words[index], lower[index]) for index in range(start, end)]
    count = end - start
    sequence: list[list[str]] = []
    for local in range(count):
        own = infos[local].own
        feats = ["bias", own[0], own[3], own[4], _PLAIN_Q[state[local] == 1]]
        for offset in (1, 2, 3):
            for sign, other in (("-", local - offset), ("+", local + offset)):
                key = f"{sign}{offset}"
                if 0 <= other < count:
                    feats.append(_NEAR_W[key][infos[other].lower])
                else:
                    feats.append(base._EDGE[key])
        sequence.append(feats)
    return sequence


_SP = _Lookup("sp")
_SE = _Lookup("se")
_R3 = {sign: _Lookup(f"{sign}3:r") for sign in "-+"}


def rich_features(
    tokens: ArticleTokens, start: int, end: int, known: frozenset[str] | None = None
) -> list[list[str]]:
    """The `rich` set: `full`, and where the token stands in its sentence (buckets of the
    distance to its start and end), whether its sentence holds a cue word or a quotation
    mark, cue words next to it, and the rule tags three tokens away."""
    view = tokens.view
    sequence = base.token_features(tokens, start, end, known)
    sents, sent, lower, words = view.sents, view.sent, view.lower, view.words
    cue_words, marks = base._CUE_WORDS, base.MARKS
    holds: dict[int, list[str]] = {}
    for local, feats in enumerate(sequence):
        index = start + local
        number = sent[index]
        first, last = sents[number]
        found = holds.get(number)
        if found is None:
            found = holds[number] = [
                *(["s_cue"] if any(lower[i] in cue_words for i in range(first, last)) else []),
                *(["s_mark"] if any(words[i] in marks for i in range(first, last)) else []),
            ]
        feats += found
        feats.append(_SP[base._bucketed(index - first)])
        feats.append(_SE[base._bucketed(last - 1 - index)])
        for sign, other in (("-", index - 1), ("+", index + 1), ("-", index - 2), ("+", index + 2)):
            if start <= other < end and lower[other] in cue_words:
                feats.append(f"{sign}{abs(other - index)}:cue")
        for sign, other in (("-", index - 3), ("+", index + 3)):
            if start <= other < end:
                feats.append(_R3[sign][tokens.rule_main[other]])
    return sequence


FEATURE_SETS: dict[str, FeatureFunction] = {
    "full": base.token_features,
    "rich": rich_features,
    "lean": lean_features,
    "plain": plain_features,
}


def feature_function(name: str) -> FeatureFunction:
    """The feature function of a set's name (a `KeyError` for an unknown one)."""
    return FEATURE_SETS[name]
