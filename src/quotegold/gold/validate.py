"""Validate gold records in two layers: the JSON Schema rendered from the annotation schema,
then the rules a JSON Schema cannot say (spans match the text, references resolve, every
quote has one speaker or `no_speaker`), with a generated fast path for valid records.

How it works, in more detail: docs/design.md, "gold.validate".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeGuard

import jsonschema
from jsonschema import Draft202012Validator

from quotegold.errors import Issue, Location, SchemaError
from quotegold.gold.adjudicate import choose_annotation
from quotegold.gold.exportfile import detect_kind, read_gold_jsonl, read_label_studio_export
from quotegold.gold.fastcheck import fast_check
from quotegold.gold.model import GoldRecord, Span
from quotegold.gold.regions import first_words
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import AnnotationSchema
from quotegold.schema.formats import JOINER
from quotegold.schema.goldschema import render_gold_schema

_LAYER_KEYS = ("speakers", "cues", "quotes", "initiatives")
_LAYER_LABELS = dict(zip(_LAYER_KEYS, ("SPEAKER", "CUE", "QUOTE", "INITIATIVE"), strict=True))
# Quote fields whose schema errors the rule layer reports in its own words.
_RULE_FIELDS = frozenset({"stance", "stance_target", "speaker_id", "no_speaker", "cue_id"})
_FIX = "fix the gold record, or fix the annotation in Label Studio and export again"
_MISSING = object()
_POSITIONS = ("support", "oppose")  # stances that need a stance_target
_ID, _TEXT = itemgetter("id"), itemgetter("text")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class _Vocabulary:
    stances: tuple[str, ...]
    targets: tuple[str, ...]


class GoldValidator:
    """Checks gold records against the JSON Schema and the rules; build once, reuse."""

    def __init__(self, schema: AnnotationSchema = DEFAULT_SCHEMA) -> None:
        self.schema = schema
        json_schema = render_gold_schema(schema)
        try:
            Draft202012Validator.check_schema(json_schema)
        except jsonschema.SchemaError as exc:
            raise SchemaError(f"the rendered gold JSON Schema is invalid: {exc.message}") from exc
        self._validator = Draft202012Validator(json_schema)
        self._fast = fast_check(json_schema)
        stances, targets = (schema.attribute(name).values for name in ("stance", "stance_target"))
        self._vocabulary = _Vocabulary(stances, targets)

    def validate(self, record: Any, *, location: Location | None = None) -> list[Issue]:
        """Every problem of one record, located by file/line (from `location`) and by the
        record's task, first annotation and region."""
        shaped = self._fast(record)
        if shaped and _follows_rules(record, self._vocabulary):
            return []  # the common case, checked without building a single issue
        issues = [] if shaped else self._schema_issues(record, location)
        if isinstance(record, Mapping):
            issues += _Rules(record, location, self._vocabulary).check()
        return issues

    def _schema_issues(self, record: Any, location: Location | None) -> list[Issue]:
        base = _base_location(record, location)
        return [
            _schema_issue(error, record, base)
            for error in self._validator.iter_errors(record)
            if not _left_to_rules(error)
        ]


@cache
def validator_for(schema: AnnotationSchema) -> GoldValidator:
    """The validator of a schema, built once per schema."""
    return GoldValidator(schema)


def default_validator() -> GoldValidator:
    """The validator of the built-in schema."""
    return validator_for(DEFAULT_SCHEMA)


def validate_records(
    records: Iterable[tuple[Any, Location]], *, schema: AnnotationSchema = DEFAULT_SCHEMA
) -> list[Issue]:
    """The issues of many records, each with the location it was read from."""
    validator = validator_for(schema)
    return [
        issue for record, where in records for issue in validator.validate(record, location=where)
    ]


def _version_of(record: Any) -> str | None:
    provenance = record.get("provenance") if isinstance(record, Mapping) else None
    version = provenance.get("schema_version") if isinstance(provenance, Mapping) else None
    return version if isinstance(version, str) else None


def other_schema_issue(
    records: Iterable[tuple[Any, Location]], schema: AnnotationSchema, *, source: str
) -> tuple[list[tuple[Any, Location]], Issue | None]:
    """The records made with `schema`'s version, and one issue saying how many were made
    with another (located at the first), or None when all were.

    A record's `provenance.schema_version` says which lists it was annotated with; checked
    against other lists, its values would only look wrong, one by one. `source` names where
    `schema` comes from, for the message.
    """
    same: list[tuple[Any, Location]] = []
    other: list[tuple[str, Location]] = []
    for record, where in records:
        version = _version_of(record)
        if version is None or version == schema.version:
            same.append((record, where))
        else:
            other.append((version, where))
    if not other:
        return same, None
    versions = ", ".join(sorted({version for version, _ in other}))
    message = (
        f"{len(other)} record(s) were made with schema {versions}, not {schema.version} "
        f"({source}); pass --config with the quotegold.toml they were annotated with, or "
        "validate the export folder they come from (its schema.json)"
    )
    return same, Issue(other[0][1], message)


def validate_file(
    path: Path, *, schema: AnnotationSchema = DEFAULT_SCHEMA, source: str = "the built-in schema"
) -> tuple[int, list[Issue]]:
    """Check a gold JSONL file, or the gold records a Label Studio export would give, against
    `schema` (from `source`, named in messages).

    Returns how many records were checked and every issue: bad lines, records made with
    another schema (one issue for all of them), invalid records and, for an export,
    annotations that do not convert or disagree. Unreadable files raise `ValidationError`.
    """
    if detect_kind(path) == "gold-jsonl":
        gold = read_gold_jsonl(path)
        same, other = other_schema_issue(gold.records, schema, source=source)
        found = gold.issues + ([other] if other else [])
        return len(gold.records), found + validate_records(same, schema=schema)
    records: list[tuple[GoldRecord, Location]] = []
    issues: list[Issue] = []
    for task in read_label_studio_export(path):
        choice = choose_annotation(task, schema=schema)
        issues += [
            replace(issue, location=replace(issue.location, file=str(path)))
            for issue in choice.issues
        ]
        if choice.conflict is not None:
            conflict = choice.conflict
            message = f"annotations {', '.join(map(str, conflict.annotation_ids))} disagree: "
            message += "; ".join(conflict.differences)
            message += "; fix them or mark the right one as ground truth in Label Studio"
            issues.append(Issue(Location(file=str(path), task=conflict.task_id), message))
        if choice.record is not None:
            records.append((choice.record, Location(file=str(path))))
    return len(records), issues + validate_records(records, schema=schema)


def _base_location(record: Any, location: Location | None) -> Location:
    where = location or Location()
    provenance = record.get("provenance") if isinstance(record, Mapping) else None
    task = annotation = None
    if isinstance(provenance, Mapping):
        task = provenance.get("task_id")
        ids = provenance.get("annotation_ids")
        annotation = ids[0] if isinstance(ids, list) and ids else None
    return Location(
        file=where.file,
        line=where.line,
        task=where.task if where.task is not None else _plain_id(task),
        annotation=where.annotation if where.annotation is not None else _plain_id(annotation),
        region=where.region,
    )


def _plain_id(value: object) -> int | str | None:
    if _is_int(value) or isinstance(value, str):
        return value
    return None


def _left_to_rules(error: jsonschema.ValidationError) -> bool:
    path = error.absolute_path
    return len(path) == 3 and path[0] == "quotes" and path[2] in _RULE_FIELDS


def _region_at(record: Any, path: Any) -> str | None:
    if len(path) < 2 or path[0] not in _LAYER_KEYS or not isinstance(path[1], int):
        return None
    region = record[path[0]][path[1]]
    rid = region.get("id") if isinstance(region, Mapping) else None
    return rid if isinstance(rid, str) else None


def _schema_issue(error: jsonschema.ValidationError, record: Any, base: Location) -> Issue:
    where = _with_region(base, _region_at(record, error.absolute_path))
    return Issue(where, f"{error.json_path}: {_short(error.message)}; {_FIX}")


def _with_region(base: Location, region: str | None) -> Location:
    if region is None:
        return base
    return Location(base.file, base.line, base.task, base.annotation, region)


class _Rules:
    """The checks of one record that a JSON Schema cannot express."""

    def __init__(
        self, record: Mapping[str, Any], location: Location | None, vocabulary: _Vocabulary
    ) -> None:
        self.record, self.location, self.vocabulary = record, location, vocabulary
        self.issues: list[Issue] = []
        text = record.get("text")
        self.text = text if isinstance(text, str) else None
        self.lists = {name: _objects(record.get(name)) for name in _LAYER_KEYS}

    def add(self, message: str, region: str | None = None) -> None:
        base = _base_location(self.record, self.location)
        self.issues.append(Issue(_with_region(base, region), f"{message}; {_FIX}"))

    def name(self, rid: str | None) -> str:
        """A region as messages name it: its label, its id and its first words."""
        for layer, label in _LAYER_LABELS.items():
            for region in self.lists[layer]:
                if region.get("id") == rid:
                    text = region.get("text")
                    words = first_words(text) if isinstance(text, str) else ""
                    return f"{label} {rid}" + (f" {words!r}" if words else "")
        return f"region {rid}"

    def regions(self, name: str) -> list[Mapping[str, Any]]:
        return self.lists[name]

    def ids(self, name: str) -> set[str]:
        return {rid for item in self.lists[name] if isinstance(rid := item.get("id"), str)}

    def check(self) -> list[Issue]:
        speakers = self.ids("speakers")
        self.check_spans()
        self.check_unique_ids()
        self.check_names()
        self.check_quotes(speakers)
        self.check_proponents(speakers)
        self.check_boilerplate()
        return self.issues

    def check_spans(self) -> None:
        if self.text is None:
            return
        for name in ("speakers", "cues", "initiatives"):
            for region in self.regions(name):
                self.check_span(region, _rid(region))
        for quote in self.regions("quotes"):
            spans = quote.get("spans")
            if not isinstance(spans, list):
                continue
            for span in spans:
                if isinstance(span, Mapping):
                    self.check_span(span, _rid(quote))
            texts = [span.get("text") if isinstance(span, Mapping) else None for span in spans]
            if not texts or not all(isinstance(text, str) for text in texts):
                continue
            joined = JOINER.join(map(str, texts))
            if quote.get("text") != joined:
                self.add(
                    f"quote text {_show(quote.get('text'))} is not its spans' texts joined "
                    f"with {JOINER!r}: {_show(joined)}",
                    _rid(quote),
                )

    def check_span(self, span: Mapping[str, Any], rid: str | None) -> None:
        assert self.text is not None
        start, end, stored = span.get("start"), span.get("end"), span.get("text")
        if isinstance(start, float) or isinstance(end, float):
            # JSON Schema accepts 10.0 as an integer; Python cannot slice with it.
            self.add(
                f"offsets {start}-{end} of {self.name(rid)} must be whole numbers like 10", rid
            )
            return
        if not (_is_int(start) and _is_int(end)) or start < 0:
            return  # the JSON Schema reports wrong types and negative offsets
        if not start < end <= len(self.text):
            self.add(
                f"span {start}-{end} of {self.name(rid)} is not inside the text "
                f"({len(self.text)} characters) or is empty",
                rid,
            )
        elif stored != self.text[start:end]:
            self.add(
                f"span text {_show(stored)} of {self.name(rid)} does not match "
                f"text[{start}:{end}] {_show(self.text[start:end])}",
                rid,
            )

    def check_unique_ids(self) -> None:
        ids = [region.get("id") for regions in self.lists.values() for region in regions]
        strings = [rid for rid in ids if isinstance(rid, str)]
        if len(set(strings)) == len(strings):
            return
        for rid, count in Counter(strings).items():
            if count > 1:
                self.add(f"the id {rid} is used by {count} regions; ids must be unique", rid)

    def check_names(self) -> None:
        # Label Studio's text box keeps what is typed and the converter strips it, so a
        # blank or padded name would not survive a round trip through Label Studio.
        for speaker in self.regions("speakers"):
            name, rid = speaker.get("name"), _rid(speaker)
            if isinstance(name, str) and name and name != name.strip():
                fix = f"write it as {_show(name.strip())}" if name.strip() else "type the name"
                self.add(f"name {_show(name)} of {self.name(rid)} is blank or padded; {fix}", rid)

    def check_quotes(self, speakers: set[str]) -> None:
        cues = self.ids("cues")
        for quote in self.regions("quotes"):
            rid = _rid(quote)
            self.check_speaker(quote, rid, speakers)
            cue = quote.get("cue_id")
            if cue is not None and (not isinstance(cue, str) or cue not in cues):
                self.add(f"cue_id {_show(cue)} of {self.name(rid)} is not the id of a cue", rid)
            self.check_stance(quote, rid)

    def check_speaker(self, quote: Mapping[str, Any], rid: str | None, speakers: set[str]) -> None:
        speaker, flag = quote.get("speaker_id"), quote.get("no_speaker", False)
        if not isinstance(flag, bool):
            self.add(f"no_speaker of {self.name(rid)} is {_show(flag)}, not true or false", rid)
        elif speaker is None and not flag:
            self.add(f"{self.name(rid)} has no speaker: set speaker_id, or no_speaker to true", rid)
        elif speaker is not None and flag:
            self.add(
                f"{self.name(rid)} has speaker_id {_show(speaker)} and no_speaker true; keep one",
                rid,
            )
        if speaker is not None and (not isinstance(speaker, str) or speaker not in speakers):
            self.add(
                f"speaker_id {_show(speaker)} of {self.name(rid)} is not the id of a speaker", rid
            )

    def check_stance(self, quote: Mapping[str, Any], rid: str | None) -> None:
        stance = quote.get("stance", _MISSING)
        target = quote.get("stance_target", _MISSING)
        stances, targets = self.vocabulary.stances, self.vocabulary.targets
        if stance is not _MISSING and stance not in stances:
            self.add(
                f"stance {_show(stance)} of {self.name(rid)} is not one of {', '.join(stances)}",
                rid,
            )
        if target is not _MISSING and target is not None and target not in targets:
            self.add(
                f"stance_target {_show(target)} of {self.name(rid)} is not one of "
                f"{', '.join(targets)}",
                rid,
            )
        if stance in _POSITIONS and target in (None, _MISSING):
            self.add(f"{self.name(rid)} has stance {stance} but no stance_target", rid)

    def check_proponents(self, speakers: set[str]) -> None:
        for initiative in self.regions("initiatives"):
            proponents = initiative.get("proponent_ids")
            for pid in proponents if isinstance(proponents, list) else []:
                if isinstance(pid, str) and pid not in speakers:
                    rid = _rid(initiative)
                    self.add(f"proponent {pid} of {self.name(rid)} is not the id of a speaker", rid)

    def check_boilerplate(self) -> None:
        meta = self.record.get("meta")
        entries = meta.get("boilerplate") if isinstance(meta, Mapping) else None
        if self.text is None or not isinstance(entries, list):
            return
        for entry in entries:
            start, end = (
                (entry.get("start"), entry.get("end"))
                if isinstance(entry, Mapping)
                else (None, None)
            )
            if _is_int(start) and _is_int(end) and start >= 0 and not start < end <= len(self.text):
                size = len(self.text)
                self.add(f"boilerplate {start}-{end} is not inside the text ({size} characters)")


def _follows_rules(record: GoldRecord, vocabulary: _Vocabulary) -> bool:
    """Whether `_Rules` would find nothing in a record the fast schema check accepted.

    That check guarantees every field is there with its schema type (offsets are ints of
    at least 0, ids strings, no_speaker a bool), so this indexes directly and builds no
    issue. Anything it finds goes through `_Rules` for the messages.
    """
    text = record["text"]
    size = len(text)
    speakers, cues = record["speakers"], record["cues"]
    quotes, initiatives = record["quotes"], record["initiatives"]
    speaker_ids = {speaker["id"] for speaker in speakers}
    cue_ids = {cue["id"] for cue in cues}
    stances, targets = vocabulary.stances, vocabulary.targets
    spans: list[Span] = [*speakers, *cues, *initiatives]
    for quote in quotes:
        parts = quote["spans"]
        spans += parts
        speaker, cue, stance = quote["speaker_id"], quote["cue_id"], quote["stance"]
        target = quote["stance_target"]
        joined = parts[0]["text"] if len(parts) == 1 else JOINER.join(map(_TEXT, parts))
        if (
            quote["text"] != joined
            or quote["no_speaker"] is not (speaker is None)
            or (speaker is not None and speaker not in speaker_ids)
            or (cue is not None and cue not in cue_ids)
            or stance not in stances
            or (target is None and stance in _POSITIONS)
            or (target is not None and target not in targets)
        ):
            return False
    for span in spans:
        start, end = span["start"], span["end"]
        if not start < end <= size or text[start:end] != span["text"]:
            return False
    for mention in speakers:
        if mention["name"] != mention["name"].strip():
            return False
    for initiative in initiatives:
        if not speaker_ids.issuperset(initiative["proponent_ids"]):
            return False
    for item in record["meta"]["boilerplate"]:
        if not item["start"] < item["end"] <= size:
            return False
    unique = speaker_ids.union(cue_ids, map(_ID, quotes), map(_ID, initiatives))
    return len(unique) == len(speakers) + len(cues) + len(quotes) + len(initiatives)


def _objects(items: Any) -> list[Mapping[str, Any]]:
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]


def _rid(region: Mapping[str, Any]) -> str | None:
    rid = region.get("id")
    return rid if isinstance(rid, str) else None


def _show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "…" + shown[-1]
