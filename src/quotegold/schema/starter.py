"""The commented quotegold.toml that `quotegold init` writes: the built-in lists, ready to edit."""

from __future__ import annotations

import json

from quotegold.schema.defaults import DEFAULT_LISTS
from quotegold.schema.definition import Choice

_HEAD = """\
# quotegold.toml: this project's stance targets, speaker kinds and initiative statuses, and
# the defaults of its commands. quotegold reads it from the folder you run it in (or from
# --config PATH). Edit the lists, then `quotegold push` updates the project's labelling
# screen; `quotegold schema` prints what quotegold makes of this file.
#
# Each list item is a value in quotes, or a table:
#   {value = "carbon_tax", hint = "shown to annotators", hotkey = "t",
#    keywords = ["carbon tax", "carbon price"]}
# A value is one word (letters, digits, _ or -). `hint` is shown beside it on the labelling
# screen and in the instructions. `hotkey` is one lower-case letter or digit; leave it out and
# a free key is assigned. `keywords` (stance targets only) are the words and phrases the
# pre-annotator looks for to propose the target; without them it uses the value's and the
# hint's words. `other` is always a stance target: it is added if you leave it out.
#
# Removing a value that annotations already use is refused: keep it, or re-annotate those
# regions first.

[schema]
"""

_TAIL = """
[project]
# title = "my project"          # the default of --project
# annotators_per_task = 1       # the default of push --annotators-per-task

[dataset]
# name = "my-dataset"           # the default of export --name (else the folder's name)
# license = "cc-by-4.0"         # the default of export --license (a Hub licence id)
# attribution = "Articles from … under CC BY 4.0"   # copied into the dataset card
# ratios = [0.8, 0.1, 0.1]      # train, validation, test shares
"""


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string is a JSON string


def _inline(choice: Choice) -> str:
    parts = [f"value = {_string(choice.value)}", f"hint = {_string(choice.hint)}"]
    if choice.hotkey:
        parts.append(f"hotkey = {_string(choice.hotkey)}")
    return "  { " + ", ".join(parts) + " },"


def _wrapped(words: tuple[str, ...], width: int = 92) -> list[str]:
    lines, line = [], "  "
    for word in (_string(word) + "," for word in words):
        if len(line) + len(word) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = "  "
        line += word + " "
    return [*lines, line.rstrip()] if line.strip() else lines


def _table(choice: Choice) -> list[str]:
    lines = ["[[schema.stance_targets]]", f"value = {_string(choice.value)}"]
    lines.append(f"hint = {_string(choice.hint)}")
    if choice.hotkey:
        lines.append(f"hotkey = {_string(choice.hotkey)}")
    if choice.keywords:
        lines += ["keywords = [", *_wrapped(choice.keywords), "]"]
    return [*lines, ""]


def starter_text() -> str:
    """The starter file: every built-in list written out in full, so it can be edited."""
    lines = [_HEAD.rstrip("\n")]
    for key in ("speaker_kinds", "initiative_statuses"):
        lines += [f"{key} = [", *(_inline(choice) for choice in DEFAULT_LISTS[key]), "]"]
    lines += [
        "",
        "# The stance targets, one table each. A plain list of values works too:",
        '# stance_targets = ["climate_policy", "carbon_tax", "other"]',
    ]
    for choice in DEFAULT_LISTS["stance_targets"]:
        lines += _table(choice)
    return "\n".join(lines) + _TAIL
