"""Pre-annotate with a trained model: the rules read the article, the CRF tags it, the tags
become a suggested record (`decode`), and the record a Label Studio prediction whose
`model_version` is the model's and whose regions keep their scores.

The CRF's weights are read from its file once (`crfmodel`); each token's label scores are
summed from per-word and per-value tables for the `full` feature set (`fastfeatures`), or
from the feature strings for the other sets, and tagged by CRFsuite through a compact model
of those scores (`crfmodel.CompactTagger`): the tags and scores of tagging the strings with
the trained model, in about a third of the time.

`predict_with_model(article, model=PATH, schema=…)` is a `Predictor` once `model` and
`schema` are bound with `functools.partial`; it can be sent to a push's worker process,
which loads the model once. Like the rules, it is bounded: an article longer than
`MAX_CHARS`, or one whose prediction takes longer than `MAX_SECONDS`, gets an empty
prediction and a logged warning, so one odd article cannot stall a push.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from quotegold.articles.ingest import Article
from quotegold.errors import ModelError
from quotegold.learn.crfmodel import (
    CompactTagger,
    CrfWeights,
    Floats,
    joined,
    read_weights,
    string_emissions,
)
from quotegold.learn.decode import TaggedSpan, build_record, spans_from_tags
from quotegold.learn.fastfeatures import FullScores
from quotegold.learn.features import ArticleTokens
from quotegold.learn.featuresets import FEATURE_SETS, OLD_FEATURES, feature_function
from quotegold.learn.modelfile import INITIATIVE_FILE, MAIN_FILE, ModelInfo, read_info
from quotegold.learn.rules import read_with_rules
from quotegold.preannotate import Suggestion
from quotegold.preannotate.bounds import (
    MAX_PREDICT_SECONDS,
    MAX_PREDICTED_CHARS,
    skipped_reason,
    within_bounds,
)
from quotegold.preannotate.predictions import suggestion_to_prediction
from quotegold.preannotate.record import empty_record
from quotegold.preannotate.stance import TargetFinder
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema

__all__ = [
    "MAX_CHARS",
    "MAX_SECONDS",
    "SHIPPED_MODEL",
    "ModelPredictor",
    "TooSlow",
    "load_model",
    "predict_with_model",
]

# The model shipped with quotegold: trained on the project's development gold (see its card);
# the CLI pre-annotates with it unless told --rules or --model PATH.
SHIPPED_MODEL = Path(__file__).parent / "models" / "wikinews"
# The bounds of every pre-annotator (`preannotate.bounds`), under this module's names.
MAX_CHARS = MAX_PREDICTED_CHARS
MAX_SECONDS = MAX_PREDICT_SECONDS
_LOG = logging.getLogger(__name__)


class TooSlow(Exception):
    """A prediction ran past its time budget (caught here: the article gets no suggestion)."""


class ModelPredictor:
    """A loaded model for one schema. Not thread-safe (a CRFsuite tagger holds its state)."""

    def __init__(self, folder: Path, schema: AnnotationSchema = DEFAULT_SCHEMA) -> None:
        self.folder = folder
        self.info: ModelInfo = read_info(folder)
        self.schema = schema
        self._targets = TargetFinder.for_targets(schema.stance_targets)
        features = str(self.info.settings.get("features", OLD_FEATURES))
        if features not in FEATURE_SETS:
            raise ModelError(
                f"model folder {folder}: its feature set {features!r} is not one this quotegold "
                f"knows ({', '.join(FEATURE_SETS)}); upgrade quotegold or train the model again"
            )
        self._features = feature_function(features)
        self._fast = features == "full"
        models = [_open(folder / MAIN_FILE)]
        if self.info.initiatives:
            models.append(_open(folder / INITIATIVE_FILE))
        # One sum scores both CRFs (their labels side by side); each tags its own columns.
        self._weights = joined(models) if len(models) > 1 else models[0]
        self._taggers: list[tuple[CompactTagger, int, int]] = []
        first = 0
        for model in models:
            self._taggers.append((CompactTagger(model), first, first + len(model.labels)))
            first += len(model.labels)
        self._scores = FullScores(self._weights) if self._fast else None
        # The attributes the CRFs know: the other sets' strings are made without the others
        # (which would score nothing), so fewer strings are made and looked up.
        self._known = frozenset(self._weights.attributes)

    @property
    def model_version(self) -> str:
        return self.info.model_version

    def suggest(self, article: Article, *, deadline: float | None = None) -> Suggestion:
        """The model's suggested record for one article (unbounded unless `deadline`, a
        `time.monotonic()` value, is given: past it, `TooSlow`)."""
        reading = read_with_rules(article, schema=self.schema)
        tokens = reading.tokens
        if deadline is not None and time.monotonic() > deadline:
            raise TooSlow
        main, *initiative = self._tag(tokens, self._emissions(tokens, deadline))
        spans = main
        initiatives = initiative[0] if initiative else None
        record = empty_record(article, self.model_version, self.schema.version)
        return build_record(
            tokens,
            reading.suggestion,
            record,
            spans,
            targets=self._targets,
            initiatives=initiatives,
        )

    def _emissions(self, tokens: ArticleTokens, deadline: float | None) -> list[Floats]:
        """Each paragraph's label scores (tokens by the CRFs' labels)."""
        if self._scores is not None:
            return self._scores(tokens)
        found: list[Floats] = []
        for start, end in tokens.paragraphs:
            if deadline is not None and time.monotonic() > deadline:
                raise TooSlow
            features = self._features(tokens, start, end, self._known)
            found.append(string_emissions(self._weights, features))
        return found

    def _tag(self, tokens: ArticleTokens, emissions: list[Floats]) -> list[list[TaggedSpan]]:
        """Each CRF's spans over the article's paragraphs."""
        spans: list[list[TaggedSpan]] = []
        for tagger, first, last in self._taggers:
            found: list[TaggedSpan] = []
            mine = [scores[:, first:last] for scores in emissions]
            tagged = tagger.tag_all(mine)
            for (start, _), (tags, marginals) in zip(tokens.paragraphs, tagged, strict=True):
                found += spans_from_tags(tags, marginals, start)
            spans.append(found)
        return spans

    def __call__(self, article: Article) -> dict[str, Any]:
        """The Label Studio prediction for one article, bounded (see the module)."""
        try:
            prediction = within_bounds(article, self._predict)
        except TooSlow:  # the model's own deadline, which holds in any thread
            prediction = None
        if prediction is None:
            _LOG.warning(
                "article %r: no suggestions made (%s)", article.id, skipped_reason(article)
            )
            return {"model_version": self.model_version, "score": 0.0, "result": []}
        return prediction

    def _predict(self, article: Article) -> dict[str, Any]:
        suggestion = self.suggest(article, deadline=time.monotonic() + MAX_SECONDS)
        prediction = suggestion_to_prediction(suggestion, schema=self.schema)
        prediction["model_version"] = self.model_version
        return prediction


def _open(path: Path) -> CrfWeights:
    return read_weights(path)


_LOADED: dict[tuple[str, AnnotationSchema], ModelPredictor] = {}


def load_model(folder: Path | str, schema: AnnotationSchema = DEFAULT_SCHEMA) -> ModelPredictor:
    """A model loaded once per process and schema."""
    key = (str(Path(folder).resolve()), schema)
    found = _LOADED.get(key)
    if found is None:
        found = _LOADED[key] = ModelPredictor(Path(folder), schema)
    return found


def predict_with_model(
    article: Article, *, model: str, schema: AnnotationSchema = DEFAULT_SCHEMA
) -> dict[str, Any]:
    """The model's prediction for one article (a `Predictor` once `model` and `schema` are
    bound, which a worker process can be sent)."""
    return load_model(model, schema)(article)
