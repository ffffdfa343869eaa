"""Gold records as Label Studio result items: the inverse of `quotegold.gold.convert`.

Pre-annotations and imported gold annotations are made this way, so what an annotator
corrects converts back to the same record.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from quotegold.gold.regions import ATTRIBUTES, QUOTE_ATTRIBUTES
from quotegold.schema.formats import LABELS_NAME, TEXT_NAME


def record_to_results(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Label Studio result items for a gold record: the inverse of `annotation_to_record`.

    Continued quotes become one region per span, joined by `continues` relations; the
    parts after the first get fresh ids. Attributes and relations sit on the first part.
    """
    taken = {
        r["id"] for name in ("speakers", "cues", "quotes", "initiatives") for r in record[name]
    }
    results: list[dict[str, Any]] = []
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


def _quote_items(quote: Mapping[str, Any], taken: set[str]) -> list[dict[str, Any]]:
    ids = [quote["id"]]
    for number in range(2, len(quote["spans"]) + 1):
        candidate = f"{quote['id']}-{number}"
        while candidate in taken:
            candidate += "x"
        taken.add(candidate)
        ids.append(candidate)
    attrs = {name: quote[name] for name in (*QUOTE_ATTRIBUTES, "no_speaker")}
    items = _region_items(ids[0], "QUOTE", quote["spans"][0], attrs)
    for rid, span in zip(ids[1:], quote["spans"][1:], strict=True):
        items += _region_items(rid, "QUOTE", span, {})
    items += [_relation(first, then, "continues") for first, then in pairwise(ids)]
    for name, kind in (("speaker_id", "said_by"), ("cue_id", "cued_by")):
        if quote[name] is not None:
            items.append(_relation(ids[0], quote[name], kind))
    return items


def _region_items(
    rid: str, label: str, span: Mapping[str, Any], attrs: Mapping[str, Any]
) -> list[dict[str, Any]]:
    where = {"start": span["start"], "end": span["end"], "text": span["text"]}
    items = [_item(rid, LABELS_NAME, "labels", {**where, "labels": [label]})]
    for name, value in attrs.items():
        attribute = ATTRIBUTES[name]
        if attribute.kind == "text" and value is not None:
            items.append(_item(rid, name, "textarea", {**where, "text": [value]}))
        elif attribute.kind == "flag" and value:
            items.append(_item(rid, name, "choices", {**where, "choices": [*attribute.values]}))
        elif attribute.kind == "choice" and value is not None:
            items.append(_item(rid, name, "choices", {**where, "choices": [value]}))
    return items


def _item(rid: str, name: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"id": rid, "from_name": name, "to_name": TEXT_NAME, "type": kind, "value": value}


def _relation(source: str, target: str, label: str) -> dict[str, Any]:
    return dict(type="relation", from_id=source, to_id=target, direction="right", labels=[label])
