"""The annotation schema's definition: labels, relations, attributes, stance targets.

Labels, relations, per-region attributes and stance targets live here and nowhere else.
`labelconfig` renders the Label Studio XML from it, `goldschema` the JSON Schema of a gold
record, and the dataset module the `datasets.Features`. Edit the lists below (for example
`STANCE_TARGETS`), bump `SCHEMA_VERSION`, then run `quotegold schema --write` to refresh
the committed copies in `schema/`; a test fails while they drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

SCHEMA_VERSION = "1.0.0"


@dataclass(frozen=True)
class SpanLabel:
    """A span layer annotators mark in the text."""

    value: str
    hotkey: str
    colour: str
    description: str


@dataclass(frozen=True)
class RelationType:
    """A directed link between two regions, from a `source` label to a `target` label."""

    value: str
    source: str
    target: str
    description: str


@dataclass(frozen=True)
class Choice:
    """One value of a choice attribute."""

    value: str
    hint: str
    hotkey: str | None = None


@dataclass(frozen=True)
class Attribute:
    """A per-region attribute shown when a region of `label` is selected."""

    name: str
    label: str
    title: str
    kind: Literal["choice", "text", "flag"]
    choices: tuple[Choice, ...] = ()
    placeholder: str = ""

    @cached_property  # read for every region of every exported record
    def values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)


@dataclass(frozen=True)
class AnnotationSchema:
    """Everything an annotator can mark, and the version it was made under."""

    version: str
    labels: tuple[SpanLabel, ...]
    relations: tuple[RelationType, ...]
    attributes: tuple[Attribute, ...]

    @cached_property
    def label_values(self) -> tuple[str, ...]:
        return tuple(label.value for label in self.labels)

    @cached_property
    def relation_values(self) -> tuple[str, ...]:
        return tuple(relation.value for relation in self.relations)

    def attribute(self, name: str) -> Attribute:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        raise KeyError(name)

    def attributes_for(self, label: str) -> tuple[Attribute, ...]:
        return tuple(attribute for attribute in self.attributes if attribute.label == label)

    def relation(self, value: str) -> RelationType:
        for relation in self.relations:
            if relation.value == value:
                return relation
        raise KeyError(value)


# The editable list of stance targets; "other" is always added last.
STANCE_TARGETS: tuple[Choice, ...] = (
    Choice("terrorism", "terrorism, extremism, militant groups", "t"),
    Choice("regional_security", "security and stability of a region", "g"),
    Choice(
        "sco_cooperation", "the Shanghai Cooperation Organisation and cooperation within it", "e"
    ),
    Choice("afghanistan", "the situation in or policy toward Afghanistan", "a"),
    Choice("defence_cooperation", "military or defence cooperation between countries", "d"),
    Choice("government_policy", "a government's policy, law or decision", "f"),
    Choice("other", "anything not in this list", "w"),
)

SCHEMA = AnnotationSchema(
    version=SCHEMA_VERSION,
    labels=(
        SpanLabel("SPEAKER", "s", "#1f77b4", "who a quote is attributed to, as written"),
        SpanLabel("CUE", "c", "#ff7f0e", "the words that signal attribution"),
        SpanLabel("QUOTE", "q", "#2ca02c", "what was said: the content"),
        SpanLabel("INITIATIVE", "i", "#9467bd", "a named proposal, programme or agreement"),
    ),
    relations=(
        RelationType("said_by", "QUOTE", "SPEAKER", "the quote is attributed to this speaker"),
        RelationType("cued_by", "QUOTE", "CUE", "the quote is signalled by this cue"),
        RelationType(
            "put_forward_by",
            "INITIATIVE",
            "SPEAKER",
            "the initiative is put forward by this speaker",
        ),
        RelationType("continues", "QUOTE", "QUOTE", "the next part of a quote split in two"),
    ),
    attributes=(
        Attribute(
            "quote_type",
            "QUOTE",
            "Quote type",
            "choice",
            (
                Choice("direct", "fully inside quotation marks", "1"),
                Choice("indirect", "reported speech, no quotation marks", "2"),
                Choice("mixed", "partly quoted, partly reported", "3"),
            ),
        ),
        Attribute(
            "stance",
            "QUOTE",
            "Stance of the speaker toward the target",
            "choice",
            (
                Choice("support", "in favour of the target", "4"),
                Choice("oppose", "against the target", "5"),
                Choice("neutral", "no clear position, or unsure", "6"),
            ),
        ),
        Attribute("stance_target", "QUOTE", "Stance target", "choice", STANCE_TARGETS),
        Attribute(
            "no_speaker",
            "QUOTE",
            "No identifiable speaker in the text",
            "flag",
            (Choice("no identifiable speaker", "tick when no SPEAKER mention exists", "z"),),
        ),
        Attribute(
            "speaker_name",
            "SPEAKER",
            "Canonical name (who this mention refers to)",
            "text",
            placeholder="e.g. Rajnath Singh",
        ),
        Attribute(
            "speaker_kind",
            "SPEAKER",
            "Kind of speaker",
            "choice",
            (
                Choice("person", "a named or described person", "p"),
                Choice("organisation", "a ministry, company, party, group", "o"),
                Choice("country", "a country or its government as a whole", "n"),
                Choice("unnamed", "an unnamed source: officials, sources", "x"),
            ),
        ),
        Attribute(
            "initiative_status",
            "INITIATIVE",
            "Initiative status",
            "choice",
            (
                Choice("proposed", "put forward, not yet agreed", "7"),
                Choice("agreed", "agreed or signed by the parties", "8"),
                Choice("endorsed", "backed by a speaker who did not propose it", "9"),
                Choice("mentioned", "only mentioned", "0"),
            ),
        ),
    ),
)


def schema_dir() -> Path:
    """The folder with the guidelines and rendered copies: the repository's, else the wheel's."""
    repository_copy = Path(__file__).resolve().parents[3] / "schema"
    if (repository_copy / "guidelines.md").is_file():
        return repository_copy
    return Path(str(resources.files("quotegold") / "_schema"))
