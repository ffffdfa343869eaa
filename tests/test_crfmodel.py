"""Tagging without feature strings: the weights read from a CRFsuite file, the `full` set's
scores summed from tables, and CRFsuite run over those scores give the tags and marginals
of CRFsuite over the strings (`features._reference_features`, the plain definition)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pycrfsuite
import pytest

from quotegold.articles.ingest import Article, read_articles
from quotegold.learn import fastfeatures, train
from quotegold.learn.crf import CrfSettings, tag_with_marginals
from quotegold.learn.crfmodel import (
    CompactTagger,
    CrfWeights,
    joined,
    read_weights,
    string_emissions,
)
from quotegold.learn.decode import TaggedSpan, build_record, spans_from_tags
from quotegold.learn.fastfeatures import FullScores
from quotegold.learn.features import ArticleTokens, _reference_features, token_features
from quotegold.learn.featuresets import feature_function
from quotegold.learn.modelfile import INITIATIVE_FILE, MAIN_FILE
from quotegold.learn.predictor import SHIPPED_MODEL, ModelPredictor
from quotegold.learn.rules import read_with_rules
from quotegold.learn.train import read_gold, train_model
from quotegold.preannotate import Suggestion
from quotegold.preannotate.record import empty_record
from quotegold.preannotate.stance import TargetFinder

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tasks" / "gold"
SEEDS = ROOT / "tasks" / "seeds"
WIKINEWS = ROOT / "tasks" / "wikinews" / "articles.jsonl"


def _tokens(count: int) -> list[ArticleTokens]:
    articles = read_articles([SEEDS, WIKINEWS]).articles
    return [read_with_rules(article).tokens for article in articles[:count]]


def _tagger(path: Path) -> pycrfsuite.Tagger:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return tagger


def _assert_same(
    expected: tuple[list[str], list[float]], got: tuple[list[str], list[float]]
) -> None:
    assert got[0] == expected[0]
    assert np.allclose(got[1], expected[1], rtol=0.0, atol=1e-9)


def test_the_weights_are_those_crfsuite_reports() -> None:
    path = SHIPPED_MODEL / MAIN_FILE
    weights = read_weights(path)
    info = _tagger(path).info()
    assert weights.labels == list(info.labels)
    assert weights.attributes == {name: int(number) for name, number in info.attributes.items()}
    label = {name: number for number, name in enumerate(weights.labels)}
    # the dump rounds the weights to six decimals; the file holds them exactly
    assert np.count_nonzero(weights.state) == len(info.state_features)
    for (attribute, name), value in info.state_features.items():
        assert abs(weights.state[weights.attributes[attribute], label[name]] - value) < 1e-6
    for (first, then), value in info.transitions.items():
        assert abs(weights.transitions[label[first], label[then]] - value) < 1e-6


def test_the_shipped_model_tags_as_crfsuite_does_over_the_strings() -> None:
    path = SHIPPED_MODEL / MAIN_FILE
    weights = read_weights(path)
    crfsuite, compact, scores = _tagger(path), CompactTagger(weights), FullScores(weights)
    tagged = 0
    for tokens in _tokens(12):
        paragraphs = scores(tokens)
        assert len(paragraphs) == len(tokens.paragraphs)
        for (start, end), emissions in zip(tokens.paragraphs, paragraphs, strict=True):
            strings = _reference_features(tokens, start, end)
            # the table sums are the strings' sums
            assert np.allclose(emissions, string_emissions(weights, strings), rtol=0, atol=1e-9)
            expected = tag_with_marginals(crfsuite, strings)
            _assert_same(expected, compact.tag(emissions))
            tagged += sum(tag != "O" for tag in expected[0])
    assert tagged > 50  # the sample has regions, not just O tags


def test_bounded_tables_are_emptied_between_articles_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full word and pair tables are emptied before an article, never while its rows are in
    use: the scores stay those of fresh tables."""
    monkeypatch.setattr(fastfeatures, "_MAX_WORDS", 40)
    weights = read_weights(SHIPPED_MODEL / MAIN_FILE)
    small = FullScores(weights)
    for tokens in _tokens(6):
        for made, fresh in zip(small(tokens), FullScores(weights)(tokens), strict=True):
            assert np.array_equal(made, fresh)
    assert len(small._word_rows) < 40 + max(len(t.view.words) for t in _tokens(6))


def test_two_crfs_share_one_sum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model with an initiative layer: the joined weights score both CRFs at once, each
    tags its own labels as CRFsuite does."""
    monkeypatch.setattr(train, "MIN_INITIATIVES", 10)  # the gold has a few dozen
    gold = read_gold([GOLD / "wikinews-c.jsonl", GOLD / "hardcases.jsonl"])
    folder = tmp_path / "m"
    train_model(gold, folder, settings=CrfSettings(max_iterations=10))
    assert (folder / INITIATIVE_FILE).exists()
    models = [read_weights(folder / MAIN_FILE), read_weights(folder / INITIATIVE_FILE)]
    both = joined(models)
    assert both.labels == models[0].labels + models[1].labels
    scores = FullScores(both)
    first = 0
    for model, name in zip(models, (MAIN_FILE, INITIATIVE_FILE), strict=True):
        crfsuite, compact = _tagger(folder / name), CompactTagger(model)
        columns = slice(first, first + len(model.labels))
        for tokens in _tokens(3):
            for (start, end), emissions in zip(tokens.paragraphs, scores(tokens), strict=True):
                strings = _reference_features(tokens, start, end)
                part = np.ascontiguousarray(emissions[:, columns])
                _assert_same(tag_with_marginals(crfsuite, strings), compact.tag(part))
        first += len(model.labels)


def test_other_feature_sets_tag_from_their_strings(tmp_path: Path) -> None:
    gold = read_gold([GOLD / "wikinews-a.jsonl"])
    train_model(gold, tmp_path / "m", settings=CrfSettings(max_iterations=15, features="lean"))
    weights: CrfWeights = read_weights(tmp_path / "m" / MAIN_FILE)
    crfsuite, compact = _tagger(tmp_path / "m" / MAIN_FILE), CompactTagger(weights)
    lean = feature_function("lean")
    for tokens in _tokens(3):
        for start, end in tokens.paragraphs:
            strings = lean(tokens, start, end, None)
            emissions = string_emissions(weights, strings)
            _assert_same(tag_with_marginals(crfsuite, strings), compact.tag(emissions))


def test_an_empty_sequence_has_no_tags() -> None:
    compact = CompactTagger(read_weights(SHIPPED_MODEL / MAIN_FILE))
    assert compact.tag(np.zeros((0, len(compact.labels)))) == ([], [])


def test_tagging_all_paragraphs_at_once_is_tagging_each() -> None:
    weights = read_weights(SHIPPED_MODEL / MAIN_FILE)
    compact, scores = CompactTagger(weights), FullScores(weights)
    paragraphs = scores(_tokens(2)[1])
    paragraphs.insert(1, np.zeros((0, len(weights.labels))))
    assert compact.tag_all(paragraphs) == [compact.tag(each) for each in paragraphs]
    assert compact.tag_all([]) == []


def _suggest_with_strings(predictor: ModelPredictor, article: Article) -> Suggestion:
    """What `ModelPredictor.suggest` made before the tables: CRFsuite over the strings."""
    reading = read_with_rules(article, schema=predictor.schema)
    tokens = reading.tokens
    taggers = [_tagger(predictor.folder / MAIN_FILE)]
    if predictor.info.initiatives:
        taggers.append(_tagger(predictor.folder / INITIATIVE_FILE))
    found: list[list[TaggedSpan]] = [[] for _ in taggers]
    for start, end in tokens.paragraphs:
        strings = token_features(tokens, start, end)
        for spans, tagger in zip(found, taggers, strict=True):
            spans += spans_from_tags(*tag_with_marginals(tagger, strings), start)
    record = empty_record(article, predictor.model_version, predictor.schema.version)
    return build_record(
        tokens,
        reading.suggestion,
        record,
        found[0],
        targets=TargetFinder.for_targets(predictor.schema.stance_targets),
        initiatives=found[1] if len(found) > 1 else None,
    )


@pytest.mark.parametrize("initiatives", [False, True], ids=["shipped", "with initiatives"])
def test_the_predictor_suggests_what_crfsuite_over_the_strings_does(
    initiatives: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = SHIPPED_MODEL
    if initiatives:
        monkeypatch.setattr(train, "MIN_INITIATIVES", 10)
        gold = read_gold([GOLD / "wikinews-c.jsonl", GOLD / "hardcases.jsonl"])
        folder = tmp_path / "m"
        train_model(gold, folder, settings=CrfSettings(max_iterations=10))
    predictor = ModelPredictor(folder)
    assert bool(predictor.info.initiatives) == initiatives
    for article in read_articles([SEEDS, WIKINEWS]).articles[:8]:
        made = predictor.suggest(article)
        assert made.record == _suggest_with_strings(predictor, article).record
        assert made.scores == _suggest_with_strings(predictor, article).scores
