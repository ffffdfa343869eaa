"""Build a project's schema from its three lists: check them, add `other`, assign hotkeys.

A hotkey a list asks for must be one lower-case letter or digit that no other control uses:
not a label's, not a fixed attribute's, not another choice's, and not one of Label Studio's
own keys. A choice without one gets a free key: a letter of its value if one is free, else the
first free letter, else a digit; with every key taken it has none (annotators click it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from quotegold.errors import SchemaError
from quotegold.schema.definition import (
    CORE_HOTKEYS,
    OTHER_TARGET,
    PROJECT_LISTS,
    AnnotationSchema,
    Choice,
    make_schema,
)

# Label Studio's own single-key shortcuts on a text labelling screen (the editor's keymap in
# label-studio 1.23, `web/dist/apps/labelstudio`): `u` unselects the region. Its other keys
# take a modifier (ctrl+enter submits, alt+r starts a relation, ctrl+z undoes) or are named
# keys (escape, backspace, enter, arrows), which a one-character hotkey cannot clash with; the
# single letters of its image tools (B E H K M O P R V W) are bound only where an image is.
LABEL_STUDIO_KEYS: dict[str, str] = {"u": "Label Studio's own key for unselecting a region"}

# A value becomes a Label Studio choice, an XML attribute and a ClassLabel name: a word.
VALUE_PATTERN = re.compile(r"[^\W_][\w-]*")
VALUE_RULE = "one word of letters, digits, _ or - that starts with a letter or digit"
MAX_VALUE_LENGTH = 64
HOTKEY_PATTERN = re.compile(r"[a-z0-9]")
_FREE_ORDER = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class ListProblem:
    """What is wrong with one of a project's lists: the list's key, the item (0-based; None
    for the list itself), the item's field, and what to do."""

    key: str
    index: int | None
    field: str | None
    message: str


def reserved_hotkeys() -> dict[str, str]:
    """Keys a project's choices may not use, and what uses each."""
    return {**CORE_HOTKEYS, **LABEL_STUDIO_KEYS}


def list_problems(
    lists: Mapping[str, Sequence[Choice]], *, order: Sequence[str] = tuple(PROJECT_LISTS)
) -> list[ListProblem]:
    """Every problem of the three lists as given (before `other` and hotkeys are added), the
    lists read in `order`: a hotkey two choices ask for is reported on the later one."""
    problems: list[ListProblem] = []
    owners = reserved_hotkeys()
    for key in order:
        choices = lists[key]
        if not choices:
            problems.append(ListProblem(key, None, None, "is empty; list at least one value"))
        seen: dict[str, int] = {}
        for index, choice in enumerate(choices):
            problems += _value_problems(key, index, choice.value, seen)
            problems += _hotkey_problems(key, index, choice, owners)
            if any(not word.strip() for word in choice.keywords):
                problems.append(
                    ListProblem(key, index, "keywords", "has an empty keyword; remove it")
                )
    return problems


def _value_problems(key: str, index: int, value: str, seen: dict[str, int]) -> list[ListProblem]:
    if not VALUE_PATTERN.fullmatch(value) or len(value) > MAX_VALUE_LENGTH:
        shown = f"{value!r}" if value else "an empty value"
        rule = f"{VALUE_RULE}, at most {MAX_VALUE_LENGTH} characters"
        fixed = "_".join(re.findall(r"[^\W_][\w-]*", value))[:MAX_VALUE_LENGTH]
        hint = f" (e.g. {fixed!r})" if fixed and fixed != value else ""
        message = f"{shown} is not a valid value; use {rule}{hint}"
        return [ListProblem(key, index, "value", message)]
    folded = value.casefold()
    if folded in seen:
        first = seen[folded]
        return [
            ListProblem(
                key, index, "value", f"{value!r} is listed twice (item {first + 1}); keep one"
            )
        ]
    seen[folded] = index
    return []


def _hotkey_problems(
    key: str, index: int, choice: Choice, owners: dict[str, str]
) -> list[ListProblem]:
    hotkey = choice.hotkey
    if hotkey is None:
        return []
    if not HOTKEY_PATTERN.fullmatch(hotkey):
        return [
            ListProblem(
                key,
                index,
                "hotkey",
                f"hotkey {hotkey!r} of {choice.value!r} is not one lower-case letter or digit",
            )
        ]
    if hotkey in owners:
        return [
            ListProblem(
                key,
                index,
                "hotkey",
                f"hotkey {hotkey!r} of {choice.value!r} is already {owners[hotkey]}; choose "
                "another key, or leave it out to have one assigned",
            )
        ]
    owners[hotkey] = f"the key of {choice.value!r} in {key}"
    return []


def with_other(targets: Sequence[Choice]) -> tuple[Choice, ...]:
    """The stance targets with `other` last if they lack it: every project has it."""
    if any(target.value.casefold() == OTHER_TARGET.value for target in targets):
        return tuple(targets)
    return (*targets, OTHER_TARGET)


def assign_hotkeys(lists: Mapping[str, Sequence[Choice]]) -> dict[str, tuple[Choice, ...]]:
    """The lists with a free hotkey given to each choice that has none (see the module)."""
    taken = set(reserved_hotkeys())
    taken.update(choice.hotkey for key in PROJECT_LISTS for choice in lists[key] if choice.hotkey)
    assigned: dict[str, tuple[Choice, ...]] = {}
    for key in PROJECT_LISTS:
        done = []
        for choice in lists[key]:
            if choice.hotkey is None:
                own = [c for c in choice.value.lower() if c in _FREE_ORDER and c.isalpha()]
                free = next((c for c in (*own, *_FREE_ORDER) if c not in taken), None)
                if free is not None:
                    taken.add(free)
                    choice = replace(choice, hotkey=free)
            done.append(choice)
        assigned[key] = tuple(done)
    return assigned


def build_schema(lists: Mapping[str, Sequence[Choice]]) -> AnnotationSchema:
    """A project's schema from its lists: checked (the first problem is a `SchemaError`),
    `other` added to the stance targets, free hotkeys assigned."""
    problems = list_problems(lists)
    if problems:
        first = problems[0]
        where = first.key if first.index is None else f"{first.key} item {first.index + 1}"
        raise SchemaError(f"{where}: {first.message}")
    completed = {**lists, "stance_targets": with_other(lists["stance_targets"])}
    return make_schema(assign_hotkeys(completed))
