"""Gold records as Label Studio result items: the inverse of `quotegold.gold.convert`.

Pre-annotations and imported gold annotations are made this way, so what an annotator
corrects converts back to the same record.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any, Literal

from quotegold.gold.model import (
    GoldRecord,
    Quote,
    RegionItem,
    RelationItem,
    ResultItem,
    ResultValue,
    Span,
)
from quotegold.gold.regions import QUOTE_ATTRIBUTES
from quotegold.schema.definition import ATTRIBUTE_KINDS, NO_SPEAKER
from quotegold.schema.formats import LABELS_NAME, TEXT_NAME


def record_to_results(record: GoldRecord) -> list[ResultItem]:
    """Label Studio result items for a gold record: the inverse of `annotation_to_record`.

    Continued quotes become one region per span, joined by `continues` relations; the
    parts after the first get fresh ids. Attributes and relations sit on the first part.
    """
    regions = (*record["speakers"], *record["cues"], *record["quotes"], *record["initiatives"])
    taken = {region["id"] for region in regions}
    results: list[ResultItem] = []
    for speaker in record["speakers"]:
        attrs = {"speaker_name": speaker["name"], "speaker_kind": speaker["kind"]}
        results += _region_items(speaker["id"], "SPEAKER", speaker, attrs)
    for cue in record["cues"]:
        results += _region_items(cue["id"], "CUE", cue, {})
    for quote in record["quotes"]:
        results += _quote_items(quote, taken)
    for initiative in record["initiatives"]:
        results += _region_items(
            initiative["id"], "INITIATIVE", initiative, {"initiative_status": initiative["status"]}
        )
        results += [
            _relation(initiative["id"], s, "put_forward_by") for s in initiative["proponent_ids"]
        ]
    return results


def _quote_items(quote: Quote, taken: set[str]) -> list[ResultItem]:
    ids = [quote["id"]]
    for number in range(2, len(quote["spans"]) + 1):
        candidate = f"{quote['id']}-{number}"
        while candidate in taken:
            candidate += "x"
        taken.add(candidate)
        ids.append(candidate)
    fields: Mapping[str, object] = quote  # read by the attribute names of the schema
    attrs = {name: fields[name] for name in (*QUOTE_ATTRIBUTES, "no_speaker")}
    items = _region_items(ids[0], "QUOTE", quote["spans"][0], attrs)
    for rid, span in zip(ids[1:], quote["spans"][1:], strict=True):
        items += _region_items(rid, "QUOTE", span, {})
    items += [_relation(first, then, "continues") for first, then in pairwise(ids)]
    for target, kind in ((quote["speaker_id"], "said_by"), (quote["cue_id"], "cued_by")):
        if target is not None:
            items.append(_relation(ids[0], target, kind))
    return items


def _region_items(rid: str, label: str, span: Span, attrs: Mapping[str, Any]) -> list[ResultItem]:
    """The items of one region: its label, then one per attribute that is set.

    `attrs` maps schema attribute names to values whose type goes with the attribute's
    kind (text, choice or flag), which the schema's core fixes.
    """
    where: ResultValue = {"start": span["start"], "end": span["end"], "text": span["text"]}
    items: list[ResultItem] = [_item(rid, LABELS_NAME, "labels", {**where, "labels": [label]})]
    for name, value in attrs.items():
        kind = ATTRIBUTE_KINDS[name]
        if kind == "text" and value is not None:
            items.append(_item(rid, name, "textarea", {**where, "text": [value]}))
        elif kind == "flag" and value:
            items.append(_item(rid, name, "choices", {**where, "choices": [NO_SPEAKER.value]}))
        elif kind == "choice" and value is not None:
            items.append(_item(rid, name, "choices", {**where, "choices": [value]}))
    return items


def _item(
    rid: str, name: str, kind: Literal["labels", "choices", "textarea"], value: ResultValue
) -> RegionItem:
    return {"id": rid, "from_name": name, "to_name": TEXT_NAME, "type": kind, "value": value}


def _relation(source: str, target: str, label: str) -> RelationItem:
    return {
        "type": "relation",
        "from_id": source,
        "to_id": target,
        "direction": "right",
        "labels": [label],
    }
