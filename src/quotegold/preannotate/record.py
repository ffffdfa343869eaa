"""Assemble the gold-record-shaped suggestion from what the rules found."""

from __future__ import annotations

from quotegold.articles.ingest import Article
from quotegold.gold import model
from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.cues import Cue
from quotegold.preannotate.initiatives import Initiative
from quotegold.preannotate.names import NameResolver
from quotegold.preannotate.quotes import Found
from quotegold.preannotate.speakers import Mention, speaker_left
from quotegold.preannotate.stance import TargetFinder, stance
from quotegold.preannotate.textview import TextView
from quotegold.schema.formats import JOINER

_PROPONENT_VERBS = lex.PROPOSE_WORDS | lex.AGREE_WORDS | lex.ENDORSE_WORDS


def empty_record(article: Article, annotator: str, schema_version: str) -> model.GoldRecord:
    """A record with the article, its meta and provenance, and no regions."""
    record = _empty_record(article, annotator, schema_version)
    # Only when given, so records of articles without them stay as they were.
    if article.license:
        record["meta"]["license"] = article.license
    if article.split:
        record["meta"]["split"] = article.split
    return record


def _empty_record(article: Article, annotator: str, schema_version: str) -> model.GoldRecord:
    return {
        "id": article.id,
        "text": article.text,
        "meta": {
            "title": article.title,
            "url": article.url,
            "source": article.source,
            "published": article.published,
            "boilerplate": [{"start": b.start, "end": b.end} for b in article.boilerplate],
        },
        "speakers": [],
        "cues": [],
        "quotes": [],
        "initiatives": [],
        "provenance": {
            "schema_version": schema_version,
            "project_id": None,
            "project_title": None,
            "task_id": None,
            "annotation_ids": [],
            "annotator_ids": [annotator],
            "created_at": None,
            "updated_at": None,
        },
    }


class RecordBuilder:
    """Turns found quotes and initiatives into regions with ids and scores."""

    def __init__(
        self, view: TextView, record: model.GoldRecord, targets: TargetFinder | None
    ) -> None:
        self.view = view
        self.record = record
        self.targets = targets
        self.scores: dict[str, float] = {}
        self._speaker_ids: dict[tuple[int, int], str] = {}
        self._cue_ids: dict[tuple[int, int], str] = {}
        self._speaker_tokens: dict[int, str] = {}

    def _span(self, start: int, end: int) -> model.Span:
        first, last = self.view.starts[start], self.view.ends[end - 1]
        return {"start": first, "end": last, "text": self.view.text[first:last]}

    def add(self, founds: list[Found], initiatives: list[Initiative]) -> None:
        """Add every region; speakers that cannot be named drop their quotes."""
        by_sentence = {self.view.sent[f.speaker.start]: f.speaker for f in reversed(founds)}
        proponents = [self._proponent(item, by_sentence) for item in initiatives]
        mentions = {found.speaker.key: found.speaker for found in founds}
        mentions.update({m.key: m for m in proponents if m is not None})
        kept = NameResolver(self.view).resolve(mentions.values())
        for mention in sorted(kept, key=lambda m: m.start):
            self._add_speaker(mention)
        cues = sorted(
            {found.cue.key: found.cue for found in founds if found.cue is not None}.values(),
            key=lambda cue: cue.start,
        )
        usable = [found for found in founds if self._speaker_of(found.speaker) is not None]
        used = {found.cue.key for found in usable if found.cue is not None}
        for cue in cues:
            if cue.key in used:
                self._add_cue(cue)
        for found in usable:
            self._add_quote(found)
        for initiative, proponent in zip(initiatives, proponents, strict=True):
            self._add_initiative(initiative, proponent)

    def _speaker_of(self, mention: Mention) -> str | None:
        return self._speaker_ids.get(mention.key)

    def _add_speaker(self, mention: Mention) -> None:
        for index in range(mention.start, mention.end):
            if index in self._speaker_tokens:
                # Overlapping mentions share the region of the first.
                self._speaker_ids[mention.key] = self._speaker_tokens[index]
                return
        rid = f"s{len(self.record['speakers']) + 1}"
        self._speaker_tokens.update(dict.fromkeys(range(mention.start, mention.end), rid))
        span = self._span(mention.start, mention.end)
        region: model.Speaker = {"id": rid, **span, "name": mention.name, "kind": mention.kind}
        self.record["speakers"].append(region)
        self.scores[rid] = round(mention.score, 3)
        self._speaker_ids[mention.key] = rid

    def _add_cue(self, cue: Cue) -> None:
        rid = f"c{len(self.record['cues']) + 1}"
        self.record["cues"].append({"id": rid, **self._span(cue.start, cue.end)})
        self.scores[rid] = round(cue.score, 3)
        self._cue_ids[cue.key] = rid

    def _add_quote(self, found: Found) -> None:
        rid = f"q{len(self.record['quotes']) + 1}"
        spans = [self._span(part.start, part.end) for part in found.parts]
        words = [w for part in found.parts for w in self.view.lower[part.start : part.end]]
        # No targets: a reader that does not use stance (the model's rule pass) skips it.
        position, target = (
            ("neutral", None) if self.targets is None else stance(words, self.targets)
        )
        self.record["quotes"].append(
            {
                "id": rid,
                "spans": spans,
                "text": JOINER.join(span["text"] for span in spans),
                "quote_type": found.quote_type,
                "speaker_id": self._speaker_of(found.speaker),
                "no_speaker": False,
                "cue_id": None if found.cue is None else self._cue_ids.get(found.cue.key),
                "stance": position,
                "stance_target": target,
            }
        )
        self.scores[rid] = round(found.score, 3)

    def _add_initiative(self, initiative: Initiative, proponent: Mention | None) -> None:
        rid = f"i{len(self.record['initiatives']) + 1}"
        span = self._span(initiative.start, initiative.end)
        speaker = None if proponent is None else self._speaker_of(proponent)
        region: model.Initiative = {
            "id": rid,
            **span,
            "status": initiative.status,
            "proponent_ids": [speaker] if speaker else [],
        }
        self.record["initiatives"].append(region)
        self.scores[rid] = round(initiative.score, 3)

    def _proponent(self, initiative: Initiative, by_sentence: dict[int, Mention]) -> Mention | None:
        """The speaker of the initiative's sentence, or the subject of a proposing verb;
        nobody for an initiative only mentioned."""
        view = self.view
        if initiative.status == "mentioned":
            return None
        sentence = view.sent[initiative.start]
        if sentence in by_sentence:
            return by_sentence[sentence]
        low, _ = view.sents[sentence]
        for index in range(low + 1, initiative.start):
            if view.lower[index] in _PROPONENT_VERBS and view.words[index][:1].islower():
                mention = speaker_left(view, index - 1, low)
                if mention is not None:
                    return mention
        return None
