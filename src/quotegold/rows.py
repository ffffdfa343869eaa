"""The rows of each dataset configuration, built from gold records as plain dicts.

Nothing here imports `datasets`: rows are dicts of plain values (strings for class labels),
and `quotegold.features.project` trims them to a configuration's features before writing.
The report uses the speaker rows too, without paying for the `datasets` import.

Speaker identity across articles: a SPEAKER mention's canonical `name` casefolded with its
whitespace collapsed, together with its `kind`. The same name with two kinds ("India" the
country and "India" an organisation, say) is two speakers: the kind is part of what the
annotator said, and merging would hide a disagreement worth seeing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quotegold.schema import SCHEMA
from quotegold.tokens import token_columns

__all__ = [
    "ATTRIBUTE_FIELDS",
    "LAYER_KEYS",
    "article_row",
    "normalise_name",
    "quote_rows",
    "speaker_key",
    "speaker_rows",
    "token_row",
]

# Where each schema label's regions sit in a gold record.
LAYER_KEYS: dict[str, str] = {
    "SPEAKER": "speakers",
    "CUE": "cues",
    "QUOTE": "quotes",
    "INITIATIVE": "initiatives",
}
# The field of a region that holds each schema attribute.
ATTRIBUTE_FIELDS: dict[str, str] = {
    "quote_type": "quote_type",
    "stance": "stance",
    "stance_target": "stance_target",
    "no_speaker": "no_speaker",
    "speaker_name": "name",
    "speaker_kind": "kind",
    "initiative_status": "status",
}


# --- one row per article or quote -----------------------------------------------------------


def article_row(record: Mapping[str, Any]) -> dict[str, Any]:
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


def quote_rows(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The `quotes` rows of one article: each quote with its speaker, cue and context."""
    text: str = record["text"]
    speakers = {speaker["id"]: speaker for speaker in record["speakers"]}
    cues = {cue["id"]: cue for cue in record["cues"]}
    speaker_fields = [ATTRIBUTE_FIELDS[a.name] for a in SCHEMA.attributes_for("SPEAKER")]
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
            }
        )
    return rows


def _spans(record: Mapping[str, Any], label: str) -> list[tuple[int, int]]:
    regions = record[LAYER_KEYS[label]]
    return [
        (span["start"], span["end"]) for region in regions for span in region.get("spans", [region])
    ]


def token_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """The `tokens` row: the article's tokens and BIO tags, per layer and combined."""
    spans = {label: _spans(record, label) for label in SCHEMA.label_values}
    return {"id": record["id"], **token_columns(record["text"], spans)}


# --- one row per speaker, across articles ---------------------------------------------------


def normalise_name(name: str) -> str:
    """A canonical name as compared across articles: casefolded, whitespace collapsed."""
    return " ".join(name.casefold().split())


def speaker_key(mention: Mapping[str, Any]) -> tuple[str, str]:
    """Who a SPEAKER mention is: (normalised canonical name, kind).

    A name that is only whitespace falls back to the mention's text, so such mentions are
    grouped by what was written rather than all lumped together.
    """
    name = normalise_name(mention["name"]) or normalise_name(mention["text"])
    return name, mention["kind"]


@dataclass
class _Speaker:
    kind: str
    names: Counter[str] = field(default_factory=Counter)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    articles: dict[str, None] = field(default_factory=dict)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    initiatives: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def _stances(quotes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Quote counts by target and stance: schema targets in schema order, then no target."""
    stances = SCHEMA.attribute("stance").values
    order = {target: rank for rank, target in enumerate(SCHEMA.attribute("stance_target").values)}
    counts: dict[str | None, Counter[str]] = {}
    for quote in quotes:
        counts.setdefault(quote["stance_target"], Counter())[quote["stance"]] += 1
    targets = sorted(counts, key=lambda t: (t is None, order.get(t or "", len(order)), t or ""))
    return [
        {"target": target, **{stance: counts[target][stance] for stance in stances}}
        for target in targets
    ]


def _add_record(speakers: dict[tuple[str, str], _Speaker], record: Mapping[str, Any]) -> None:
    article = record["id"]
    keys: dict[str, tuple[str, str]] = {}
    for mention in record["speakers"]:
        key = keys[mention["id"]] = speaker_key(mention)
        entry = speakers.setdefault(key, _Speaker(kind=mention["kind"]))
        entry.names[" ".join(mention["name"].split()) or " ".join(mention["text"].split())] += 1
        entry.articles[article] = None
        entry.mentions.append(
            {"article_id": article, **{k: mention[k] for k in ("id", "text", "start", "end")}}
        )
    for quote in record["quotes"]:
        said_by = keys.get(quote["speaker_id"] or "")
        if said_by is not None:
            speakers[said_by].quotes.append(
                {
                    "article_id": article,
                    "quote_id": quote["id"],
                    "quote": quote["text"],
                    "speaker_id": quote["speaker_id"],
                    **{k: quote[k] for k in ("quote_type", "stance", "stance_target")},
                }
            )
    for initiative in record["initiatives"]:
        # Two mentions of one speaker may both put an initiative forward: list it once.
        for key in dict.fromkeys(keys[p] for p in initiative["proponent_ids"] if p in keys):
            speakers[key].initiatives[(article, initiative["id"])] = {
                "article_id": article,
                "initiative_id": initiative["id"],
                "text": initiative["text"],
                "status": initiative["status"],
            }


def speaker_rows(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The `speakers` rows: one per canonical speaker (see `speaker_key`) over all records.

    `name` is the most frequent written form of the canonical name (the first seen on a tie);
    mentions, articles, quotes and initiatives keep the order of the records given. Rows are
    sorted by normalised name, then kind in schema order.
    """
    speakers: dict[tuple[str, str], _Speaker] = {}
    for record in records:
        _add_record(speakers, record)
    kinds = {kind: rank for rank, kind in enumerate(SCHEMA.attribute("speaker_kind").values)}
    ordered = sorted(speakers.items(), key=lambda item: (item[0][0], kinds.get(item[0][1], 0)))
    return [
        {
            "name": entry.names.most_common(1)[0][0],
            "kind": entry.kind,
            "mentions": entry.mentions,
            "articles": list(entry.articles),
            "quotes": entry.quotes,
            "stances": _stances(entry.quotes),
            "initiatives": list(entry.initiatives.values()),
        }
        for _, entry in ordered
    ]
