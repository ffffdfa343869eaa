"""Run the rule pre-annotator once and keep both what the model needs from it: the token
view and the suggestion (whose tags become features, and whose names and links the model's
regions take over where they meet). The rules' quotes get no stance here (`neutral`): the
model's quotes take theirs from their own words (`decode`), so the rules' was never read.
"""

from __future__ import annotations

from dataclasses import dataclass

from quotegold.articles.ingest import Article
from quotegold.learn.features import INITIATIVE_LAYERS, MAIN_LAYERS, ArticleTokens, bio_tags
from quotegold.learn.features import region_spans as spans_of_layers
from quotegold.preannotate import MODEL_VERSION, PreAnnotator, Suggestion
from quotegold.preannotate.initiatives import find_initiatives
from quotegold.preannotate.orphans import find_orphans
from quotegold.preannotate.quotes import find_attributions
from quotegold.preannotate.record import RecordBuilder, empty_record
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema

__all__ = ["RuleReading", "read_with_rules"]


@dataclass
class RuleReading:
    """An article's tokens with the rules' tags, and the rules' suggestion."""

    tokens: ArticleTokens
    suggestion: Suggestion


_ANNOTATORS: dict[AnnotationSchema, PreAnnotator] = {}


def _annotator(schema: AnnotationSchema) -> PreAnnotator:
    found = _ANNOTATORS.get(schema)
    if found is None:
        found = _ANNOTATORS[schema] = PreAnnotator(schema)
    return found


def read_with_rules(article: Article, *, schema: AnnotationSchema = DEFAULT_SCHEMA) -> RuleReading:
    """Tokenize the article and pre-annotate it with the rules, on one shared view (what
    `PreAnnotator.__call__` does, keeping the view)."""
    annotator = _annotator(schema)
    record = empty_record(article, MODEL_VERSION, schema.version)
    view = annotator.view(article.text, [(b.start, b.end) for b in article.boilerplate])
    founds = find_attributions(view)
    founds = sorted(founds + find_orphans(view, founds), key=lambda found: found.start)
    builder = RecordBuilder(view, record, None)
    builder.add(founds, find_initiatives(view))
    suggestion = Suggestion(record, builder.scores)
    tokens = ArticleTokens(view, [], [])
    tokens.rule_main = bio_tags(tokens, spans_of_layers(record, MAIN_LAYERS))
    tokens.rule_initiative = bio_tags(tokens, spans_of_layers(record, INITIATIVE_LAYERS))
    return RuleReading(tokens, suggestion)
