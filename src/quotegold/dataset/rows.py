"""The rows of each dataset configuration, built from gold records as plain dicts.

Nothing here imports `datasets`: rows are dicts of plain values (strings for class labels),
and `quotegold.dataset.features.project` trims them to a configuration's features before writing.
The report uses the speaker rows too, without paying for the `datasets` import.

Speaker identity across articles: a SPEAKER mention's canonical `name` casefolded with its
whitespace collapsed, together with its `kind`. The same name with two kinds ("India" the
country and "India" an organisation, say) is two speakers: the kind is part of what the
annotator said, and merging would hide a disagreement worth seeing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from quotegold.dataset.tokens import token_columns
from quotegold.gold.model import GoldRecord, Speaker, regions_of, spans_of
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import LABEL_VALUES, STANCE_VALUES, AnnotationSchema
from quotegold.schema.formats import ATTRIBUTE_FIELDS

__all__ = [
    "SpeakerContribution",
    "SpeakerRow",
    "article_row",
    "normalise_name",
    "quote_rows",
    "speaker_contributions",
    "speaker_key",
    "speaker_order",
    "speaker_row",
    "speaker_rows",
    "token_row",
]


# --- one row per article or quote -----------------------------------------------------------

# Rows of `articles`, `quotes` and `tokens` are plain dicts for `features.project` and Arrow:
# their columns are the configuration's features.


def article_row(record: GoldRecord) -> dict[str, Any]:
    """The `articles` row: the record, its meta fields lifted, annotator ids as strings."""
    provenance = record["provenance"]
    return {
        **record["meta"],
        **record,
        "provenance": {
            **provenance,
            "annotator_ids": [str(annotator) for annotator in provenance["annotator_ids"]],
        },
        "schema_version": provenance["schema_version"],
    }


def quote_rows(record: GoldRecord) -> list[dict[str, Any]]:
    """The `quotes` rows of one article: each quote with its speaker, cue and context."""
    text = record["text"]
    # Read by the schema's attribute fields too.
    speakers: dict[str, Mapping[str, object]] = {s["id"]: s for s in record["speakers"]}
    cues = {cue["id"]: cue for cue in record["cues"]}
    speaker_fields = [ATTRIBUTE_FIELDS[name] for name in ("speaker_name", "speaker_kind")]
    rows = []
    for quote in record["quotes"]:
        speaker = speakers.get(quote["speaker_id"]) if quote["speaker_id"] else None
        cue = cues.get(quote["cue_id"]) if quote["cue_id"] else None
        start = min(span["start"] for span in quote["spans"])
        end = max(span["end"] for span in quote["spans"])
        # The context is the line(s) the quote sits on: the paragraph, in most articles.
        context_start = text.rfind("\n", 0, start) + 1
        context_end = text.find("\n", end)
        rows.append(
            {
                **quote,
                "article_id": record["id"],
                "quote_id": quote["id"],
                "quote": quote["text"],
                "start": start,
                "end": end,
                "speaker": speaker["text"] if speaker else None,
                **{f"speaker_{key}": speaker[key] if speaker else None for key in speaker_fields},
                "cue": cue["text"] if cue else None,
                "context": text[context_start : context_end if context_end >= 0 else len(text)],
                "context_start": context_start,
                "source": record["meta"].get("source"),
                "license": record["meta"].get("license"),
            }
        )
    return rows


def _spans(record: GoldRecord, label: str) -> list[tuple[int, int]]:
    return [
        (span["start"], span["end"])
        for region in regions_of(record, label)
        for span in spans_of(region)
    ]


def token_row(record: GoldRecord) -> dict[str, Any]:
    """The `tokens` row: the article's tokens and BIO tags, per layer and combined."""
    spans = {label: _spans(record, label) for label in LABEL_VALUES}
    return {"id": record["id"], **token_columns(record["text"], spans)}


# --- one row per speaker, across articles ---------------------------------------------------


class SpeakerMention(TypedDict):
    article_id: str
    id: str
    text: str
    start: int
    end: int


class SpeakerQuote(TypedDict):
    article_id: str
    quote_id: str
    quote: str
    speaker_id: str | None  # the mention the quote is attributed to
    quote_type: str
    stance: str
    stance_target: str | None


class SpeakerInitiative(TypedDict):
    article_id: str
    initiative_id: str
    text: str
    status: str


class SpeakerContribution(TypedDict):
    """What one record adds to one speaker (see `speaker_contributions`)."""

    article_id: str
    names: list[str]
    mentions: list[SpeakerMention]
    quotes: list[SpeakerQuote]
    initiatives: list[SpeakerInitiative]


class SpeakerRow(TypedDict):
    """A row of the `speakers` configuration."""

    name: str
    kind: str
    mentions: list[SpeakerMention]
    articles: list[str]
    quotes: list[SpeakerQuote]
    # Per target (null: none given): "target", then the quote count of each stance.
    stances: list[dict[str, Any]]
    initiatives: list[SpeakerInitiative]


def normalise_name(name: str) -> str:
    """A canonical name as compared across articles: casefolded, whitespace collapsed."""
    return " ".join(name.casefold().split())


def speaker_key(mention: Speaker) -> tuple[str, str]:
    """Who a SPEAKER mention is: (normalised canonical name, kind).

    A name that is only whitespace falls back to the mention's text, so such mentions are
    grouped by what was written rather than all lumped together.
    """
    name = normalise_name(mention["name"]) or normalise_name(mention["text"])
    return name, mention["kind"]


def _stances(quotes: Sequence[SpeakerQuote], schema: AnnotationSchema) -> list[dict[str, Any]]:
    """Quote counts by target and stance: schema targets in schema order, then no target."""
    stances = STANCE_VALUES
    order = {target.value: rank for rank, target in enumerate(schema.stance_targets)}
    counts: dict[str | None, Counter[str]] = {}
    for quote in quotes:
        counts.setdefault(quote["stance_target"], Counter())[quote["stance"]] += 1
    targets = sorted(counts, key=lambda t: (t is None, order.get(t or "", len(order)), t or ""))
    return [
        {"target": target, **{stance: counts[target][stance] for stance in stances}}
        for target in targets
    ]


def speaker_contributions(record: GoldRecord) -> dict[tuple[str, str], SpeakerContribution]:
    """What one record adds to each speaker it mentions, by `speaker_key`.

    Each contribution holds the record's `article_id`, the written `names` of its mentions
    and the record's `mentions`, `quotes` and `initiatives` entries of that speaker, in the
    record's order. `speaker_row` turns a speaker's contributions into its row; they need
    not all be in memory at once, so the export can group them on disk.
    """
    article = record["id"]
    keys: dict[str, tuple[str, str]] = {}
    found: dict[tuple[str, str], SpeakerContribution] = {}
    for mention in record["speakers"]:
        key = keys[mention["id"]] = speaker_key(mention)
        entry = found.setdefault(
            key,
            {"article_id": article, "names": [], "mentions": [], "quotes": [], "initiatives": []},
        )
        entry["names"].append(
            " ".join(mention["name"].split()) or " ".join(mention["text"].split())
        )
        entry["mentions"].append(
            {
                "article_id": article,
                "id": mention["id"],
                "text": mention["text"],
                "start": mention["start"],
                "end": mention["end"],
            }
        )
    for quote in record["quotes"]:
        said_by = keys.get(quote["speaker_id"] or "")
        if said_by is not None:
            found[said_by]["quotes"].append(
                {
                    "article_id": article,
                    "quote_id": quote["id"],
                    "quote": quote["text"],
                    "speaker_id": quote["speaker_id"],
                    "quote_type": quote["quote_type"],
                    "stance": quote["stance"],
                    "stance_target": quote["stance_target"],
                }
            )
    for initiative in record["initiatives"]:
        # Two mentions of one speaker may both put an initiative forward: list it once.
        for key in dict.fromkeys(keys[p] for p in initiative["proponent_ids"] if p in keys):
            _put_initiative(
                found[key]["initiatives"],
                {
                    "article_id": article,
                    "initiative_id": initiative["id"],
                    "text": initiative["text"],
                    "status": initiative["status"],
                },
            )
    return found


def _put_initiative(listed: list[SpeakerInitiative], item: SpeakerInitiative) -> None:
    """Add an initiative once per id: a later one with the same id takes the first's place."""
    for index, known in enumerate(listed):
        if known["initiative_id"] == item["initiative_id"]:
            listed[index] = item
            return
    listed.append(item)


def speaker_order(
    key: tuple[str, str], schema: AnnotationSchema = DEFAULT_SCHEMA
) -> tuple[str, int]:
    """Where a speaker's row goes: by normalised name, then kind in schema order."""
    kinds = schema.attribute("speaker_kind").values
    return key[0], kinds.index(key[1]) if key[1] in kinds else 0


def speaker_row(
    kind: str,
    contributions: Iterable[SpeakerContribution],
    schema: AnnotationSchema = DEFAULT_SCHEMA,
) -> SpeakerRow:
    """The `speakers` row of one speaker from its contributions, in the records' order; its
    stance counts list `schema`'s targets in its order."""
    names: Counter[str] = Counter()
    articles: dict[str, None] = {}
    mentions: list[SpeakerMention] = []
    quotes: list[SpeakerQuote] = []
    initiatives: dict[tuple[str, str], SpeakerInitiative] = {}
    for contribution in contributions:
        names.update(contribution["names"])
        articles[contribution["article_id"]] = None
        mentions += contribution["mentions"]
        quotes += contribution["quotes"]
        for item in contribution["initiatives"]:
            initiatives[(item["article_id"], item["initiative_id"])] = item
    return {
        "name": names.most_common(1)[0][0],
        "kind": kind,
        "mentions": mentions,
        "articles": list(articles),
        "quotes": quotes,
        "stances": _stances(quotes, schema),
        "initiatives": list(initiatives.values()),
    }


def speaker_rows(
    records: Iterable[GoldRecord], schema: AnnotationSchema = DEFAULT_SCHEMA
) -> list[SpeakerRow]:
    """The `speakers` rows: one per canonical speaker (see `speaker_key`) over all records.

    `name` is the most frequent written form of the canonical name (the first seen on a tie);
    mentions, articles, quotes and initiatives keep the order of the records given. Rows are
    sorted by normalised name, then kind in schema order (see `speaker_order`).
    """
    grouped: dict[tuple[str, str], list[SpeakerContribution]] = {}
    for record in records:
        for key, contribution in speaker_contributions(record).items():
            grouped.setdefault(key, []).append(contribution)
    ordered = sorted(grouped, key=lambda key: speaker_order(key, schema))
    return [speaker_row(key[1], grouped[key], schema) for key in ordered]
