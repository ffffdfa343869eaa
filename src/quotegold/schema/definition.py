"""The annotation schema: its fixed core, and the schema object every stage reads.

The labels, relations and the quote's type, stance and no-speaker flag are fixed: they are
what quotegold is. Three choice lists belong to each project (`PROJECT_LISTS`): the stance
targets, the speaker kinds and the initiative statuses. A project declares them in its
`quotegold.toml` (`quotegold.schema.projectfile`), a Label Studio project keeps them in its
labelling config (`quotegold.schema.stored`), and the built-in lists are in
`quotegold.schema.defaults`. `make_schema` joins the core and a project's lists into one
`AnnotationSchema`; the Label Studio config, the instructions, the JSON Schema of a gold
record, the dataset features and the dataset card are all rendered from that object.

The version is the core's version plus a short hash of the project's values: records made
under other lists carry another version, and `validate` says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

# Bumped when the fixed core changes or the built-in lists do (2.0.0: topic-neutral targets,
# project lists from quotegold.toml).
CORE_VERSION = "2.0.0"

AttributeKind = Literal["choice", "text", "flag"]


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
    """One value of a choice attribute: shown with its `hint`, chosen with its `hotkey`.

    `keywords` are words and phrases the pre-annotator looks for to propose this value (read
    for stance targets only).
    """

    value: str
    hint: str = ""
    hotkey: str | None = None
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attribute:
    """A per-region attribute shown when a region of `label` is selected.

    A `required` attribute must be set on every region of its label before Label Studio
    lets the annotation be submitted (and the export refuses a region without it); its
    `required_message` says so in plain words.
    """

    name: str
    label: str
    title: str
    kind: AttributeKind
    choices: tuple[Choice, ...] = ()
    placeholder: str = ""
    required: bool = False

    @property
    def required_message(self) -> str:
        """What Label Studio shows when a region lacks this attribute at Submit."""
        if self.kind == "text":
            how = f"type the {self.noun} in the box"
        else:
            how = f"choose {_or(self.values)}"
        return f"Every {self.label} needs its {self.noun}: select it and {how}."

    @property
    def noun(self) -> str:
        """The attribute in a few words: "speaker kind", "quote type"."""
        return ATTRIBUTE_NOUNS.get(self.name, self.name.replace("_", " "))

    @cached_property  # read for every region of every exported record
    def values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)


@dataclass(frozen=True)
class AnnotationSchema:
    """Everything an annotator can mark in one project, and the version it was made under."""

    version: str
    core_version: str
    labels: tuple[SpanLabel, ...]
    relations: tuple[RelationType, ...]
    attributes: tuple[Attribute, ...]

    @cached_property
    def _by_name(self) -> dict[str, Attribute]:
        return {attribute.name: attribute for attribute in self.attributes}

    @cached_property
    def label_values(self) -> tuple[str, ...]:
        return tuple(label.value for label in self.labels)

    @cached_property
    def attribute_names(self) -> tuple[str, ...]:
        return tuple(attribute.name for attribute in self.attributes)

    @cached_property
    def relation_values(self) -> tuple[str, ...]:
        return tuple(relation.value for relation in self.relations)

    def attribute(self, name: str) -> Attribute:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(name) from None

    def attributes_for(self, label: str) -> tuple[Attribute, ...]:
        return tuple(attribute for attribute in self.attributes if attribute.label == label)

    def relation(self, value: str) -> RelationType:
        for relation in self.relations:
            if relation.value == value:
                return relation
        raise KeyError(value)

    def project_list(self, key: str) -> tuple[Choice, ...]:
        """One of the project's lists by its quotegold.toml key (`stance_targets`, …)."""
        return self.attribute(PROJECT_LISTS[key]).choices

    @property
    def stance_targets(self) -> tuple[Choice, ...]:
        return self.attribute("stance_target").choices


LABELS: tuple[SpanLabel, ...] = (
    SpanLabel("SPEAKER", "s", "#1f77b4", "who a quote is attributed to, as written"),
    SpanLabel("CUE", "c", "#ff7f0e", "the words that signal attribution"),
    SpanLabel("QUOTE", "q", "#2ca02c", "what was said: the content"),
    SpanLabel("INITIATIVE", "i", "#9467bd", "a named proposal, programme or agreement"),
)
LABEL_VALUES: tuple[str, ...] = tuple(label.value for label in LABELS)

RELATIONS: tuple[RelationType, ...] = (
    RelationType("said_by", "QUOTE", "SPEAKER", "the quote is attributed to this speaker"),
    RelationType("cued_by", "QUOTE", "CUE", "the quote is signalled by this cue"),
    RelationType(
        "put_forward_by", "INITIATIVE", "SPEAKER", "the initiative is put forward by this speaker"
    ),
    RelationType("continues", "QUOTE", "QUOTE", "the next part of a quote split in two"),
)

QUOTE_TYPES: tuple[Choice, ...] = (
    Choice("direct", "fully inside quotation marks", "1"),
    Choice("indirect", "reported speech, no quotation marks", "2"),
    Choice("mixed", "partly quoted, partly reported", "3"),
)
STANCES: tuple[Choice, ...] = (
    Choice("support", "in favour of the target", "4"),
    Choice("oppose", "against the target", "5"),
    Choice("neutral", "no clear position, or unsure", "6"),
)
STANCE_VALUES: tuple[str, ...] = tuple(choice.value for choice in STANCES)
NO_SPEAKER = Choice("no identifiable speaker", "tick when no SPEAKER mention exists", "z")

# The lists a project declares, by their quotegold.toml key → the attribute they fill.
PROJECT_LISTS: dict[str, str] = {
    "stance_targets": "stance_target",
    "speaker_kinds": "speaker_kind",
    "initiative_statuses": "initiative_status",
}
# The stance target every project has: what fits none of the others.
OTHER_TARGET = Choice("other", "anything not in this list")

# Every attribute's kind: fixed, whatever a project's lists hold.
ATTRIBUTE_KINDS: dict[str, AttributeKind] = {
    "quote_type": "choice",
    "stance": "choice",
    "stance_target": "choice",
    "no_speaker": "flag",
    "speaker_name": "text",
    "speaker_kind": "choice",
    "initiative_status": "choice",
}
# Attributes whose values a project declares (the others are the core's).
PROJECT_ATTRIBUTES = frozenset(PROJECT_LISTS.values())

# Hotkeys of the fixed controls: a project's lists may not use them.
CORE_HOTKEYS: dict[str, str] = {
    **{label.hotkey: f"the key of the {label.value} label" for label in LABELS},
    **{c.hotkey: f"the key of quote type {c.value!r}" for c in QUOTE_TYPES if c.hotkey},
    **{c.hotkey: f"the key of stance {c.value!r}" for c in STANCES if c.hotkey},
    **({NO_SPEAKER.hotkey: "the key of the no-speaker flag"} if NO_SPEAKER.hotkey else {}),
}


# How messages name each attribute.
ATTRIBUTE_NOUNS: dict[str, str] = {
    "quote_type": "quote type",
    "stance": "stance",
    "stance_target": "stance target",
    "no_speaker": "'no identifiable speaker' tick",
    "speaker_name": "canonical name",
    "speaker_kind": "speaker kind",
    "initiative_status": "initiative status",
}


def _or(values: Sequence[str]) -> str:
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def schema_version(lists: Mapping[str, Sequence[Choice]], core_version: str = CORE_VERSION) -> str:
    """The core version plus a short hash of the project's values, in order: e.g.
    `2.0.0+1a2b3c4d`. Hints, hotkeys and keywords change what annotators see or what is
    suggested, not what the data can hold, so they are left out."""
    values = {key: [choice.value for choice in lists[key]] for key in PROJECT_LISTS}
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode("utf-8")).hexdigest()
    return f"{core_version}+{digest[:8]}"


def make_schema(
    lists: Mapping[str, Sequence[Choice]], *, core_version: str = CORE_VERSION
) -> AnnotationSchema:
    """The schema of a project: the fixed core with the project's three lists, as given
    (`quotegold.schema.build` checks them and assigns hotkeys first)."""
    targets, kinds, statuses = (tuple(lists[key]) for key in PROJECT_LISTS)
    return AnnotationSchema(
        version=schema_version(lists, core_version),
        core_version=core_version,
        labels=LABELS,
        relations=RELATIONS,
        # What the export needs on every region is `required`; the stance target (only
        # for support and oppose) and a quote's speaker (said_by, or the no-speaker tick)
        # depend on other fields, which a labelling config cannot say: the export checks them.
        attributes=(
            Attribute("quote_type", "QUOTE", "Quote type", "choice", QUOTE_TYPES, required=True),
            Attribute(
                "stance",
                "QUOTE",
                "Stance of the speaker toward the target",
                "choice",
                STANCES,
                required=True,
            ),
            Attribute("stance_target", "QUOTE", "Stance target", "choice", targets),
            Attribute(
                "no_speaker", "QUOTE", "No identifiable speaker in the text", "flag", (NO_SPEAKER,)
            ),
            Attribute(
                "speaker_name",
                "SPEAKER",
                "Canonical name (who this mention refers to)",
                "text",
                placeholder="e.g. Rajnath Singh",
                required=True,
            ),
            Attribute("speaker_kind", "SPEAKER", "Kind of speaker", "choice", kinds, required=True),
            Attribute(
                "initiative_status",
                "INITIATIVE",
                "Initiative status",
                "choice",
                statuses,
                required=True,
            ),
        ),
    )


def schema_dir() -> Path:
    """The folder with the guidelines and rendered copies: the repository's, else the wheel's."""
    repository_copy = Path(__file__).resolve().parents[3] / "schema"
    if (repository_copy / "guidelines.md").is_file():
        return repository_copy
    return Path(str(resources.files("quotegold") / "_schema"))
