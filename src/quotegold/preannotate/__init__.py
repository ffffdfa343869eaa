"""Weights-free pre-annotation: suggest speakers, cues, quotes and initiatives for an article.

`preannotate(article, schema=…)` returns a `Suggestion`: a gold-record-shaped dict that
passes the validator of the built-in lists, and a confidence in [0, 1] for every region. The
stance targets it proposes are the schema's (`stance`); speaker kinds and initiative statuses
a project lacks are left out of its predictions (`predictions`). Annotators correct
suggestions instead of starting from a blank page, so the rules prefer precision: when a
construction is unclear nothing is suggested.

The rules, in brief: spaCy's blank English tokenizer and sentencizer's rule split the article;
quotation marks are paired per paragraph (an unclosed mark never runs past its paragraph);
reporting cues ("said", "told", "according to", "was quoted as saying", …) outside
quotation marks are attributed to a speaker mention next to them with the content after or
before them; unclaimed quotes after a colon, before a dash or continuing the previous
quote are attributed too; names get their longest full form, pronouns the last compatible
speaker; initiatives and a lexicon stance complete the record.

Modules: `textview` (tokens, sentences, paragraphs, paired marks), `cues`, `content`
(what was said), `quotes` (attribution around cues), `orphans` (quotes no cue claimed),
`propernames` and `speakers` (mentions), `names` (canonical names, pronouns),
`initiatives`, `stance`, `record` (the gold-record-shaped output) and `lexicon`.
"""

from __future__ import annotations

from dataclasses import dataclass

from quotegold.articles.ingest import Article
from quotegold.gold.model import GoldRecord
from quotegold.preannotate.initiatives import find_initiatives
from quotegold.preannotate.orphans import find_orphans
from quotegold.preannotate.quotes import find_attributions
from quotegold.preannotate.record import RecordBuilder, empty_record
from quotegold.preannotate.stance import TargetFinder
from quotegold.preannotate.textview import TextView, build_view, chunks
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema

__all__ = [
    "MODEL_VERSION",
    "PREANNOTATOR_NAME",
    "PREANNOTATOR_VERSION",
    "PreAnnotator",
    "Suggestion",
    "preannotate",
]

PREANNOTATOR_NAME = "quotegold-rules"
PREANNOTATOR_VERSION = "0.1.0"
MODEL_VERSION = f"{PREANNOTATOR_NAME}-{PREANNOTATOR_VERSION}"


@dataclass(frozen=True)
class Suggestion:
    """A suggested gold record and a confidence in [0, 1] for each of its regions."""

    record: GoldRecord
    scores: dict[str, float]

    @property
    def score(self) -> float:
        """The mean region confidence; 0.0 when nothing is suggested."""
        if not self.scores:
            return 0.0
        return round(sum(self.scores.values()) / len(self.scores), 3)


class PreAnnotator:
    """Rule-based pre-annotator for one schema (it proposes that schema's stance targets);
    builds its spaCy pipeline once. Not thread-safe."""

    def __init__(self, schema: AnnotationSchema = DEFAULT_SCHEMA) -> None:
        import spacy  # slow to import: only when a pre-annotator is built

        self.schema = schema
        self._targets = TargetFinder.for_targets(schema.stance_targets)
        self._nlp = spacy.blank("en")  # sentences: `textview`, by the sentencizer's rule

    def view(self, text: str, blocked: list[tuple[int, int]] | None = None) -> TextView:
        """The tokens, sentences, paragraphs and quotation marks of `text`."""
        pieces = list(chunks(text, blocked or []))
        docs = self._nlp.pipe(piece for _, piece in pieces)
        return build_view(text, zip((offset for offset, _ in pieces), docs, strict=True))

    def __call__(self, article: Article) -> Suggestion:
        """Suggest regions for one article."""
        record = empty_record(article, MODEL_VERSION, self.schema.version)
        view = self.view(article.text, [(b.start, b.end) for b in article.boilerplate])
        founds = find_attributions(view)
        founds = sorted(founds + find_orphans(view, founds), key=lambda found: found.start)
        builder = RecordBuilder(view, record, self._targets)
        builder.add(founds, find_initiatives(view))
        return Suggestion(record, builder.scores)


# One per schema a process has used (a push, a worker or a test run uses one or two).
_SHARED: dict[AnnotationSchema, PreAnnotator] = {}


def preannotate(article: Article, *, schema: AnnotationSchema = DEFAULT_SCHEMA) -> Suggestion:
    """Suggest regions for one article with a shared, lazily built `PreAnnotator` of `schema`."""
    annotator = _SHARED.get(schema)
    if annotator is None:
        annotator = _SHARED[schema] = PreAnnotator(schema)
    return annotator(article)
