"""quotegold.toml: a project's own lists and defaults, read strictly.

    [schema]
    stance_targets = ["climate_policy", {value = "carbon_tax", hint = "…", hotkey = "t",
                      keywords = ["carbon tax", "carbon price"]}, "other"]
    speaker_kinds = […]            # the same shape; no keywords
    initiative_statuses = […]

    [project]                      # what `--project` and `--annotators-per-task` default to
    title = "Climate quotes"
    annotators_per_task = 2

    [dataset]                      # what `export` writes into the card and splits by
    name = "climate-quotes"
    license = "cc-by-4.0"
    attribution = "…"
    ratios = [0.8, 0.1, 0.1]

A list left out keeps the built-in one; `other` is added to the stance targets when they lack
it. Anything else (bad TOML, an unknown key, a wrong type, an empty list, a value given twice,
a hotkey taken) is a `ConfigError` naming the file, line and key, and saying what to do.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from quotegold.errors import ConfigError
from quotegold.schema.build import assign_hotkeys, list_problems, with_other
from quotegold.schema.defaults import DEFAULT_LISTS, DEFAULT_SCHEMA
from quotegold.schema.definition import PROJECT_LISTS, AnnotationSchema, Choice, make_schema
from quotegold.schema.tomllines import TomlLines

CONFIG_FILE = "quotegold.toml"

_ITEM_KEYS = ("value", "hint", "hotkey")
_TARGET_KEYS = (*_ITEM_KEYS, "keywords")
_PROJECT_KEYS = ("title", "annotators_per_task")
_DATASET_KEYS = ("name", "license", "attribution", "ratios")
_SECTIONS = {"schema": tuple(PROJECT_LISTS), "project": _PROJECT_KEYS, "dataset": _DATASET_KEYS}


@dataclass(frozen=True)
class ProjectDefaults:
    """What the project's commands take when a flag is not given (None: the built-in)."""

    title: str | None = None
    annotators_per_task: int | None = None
    dataset_name: str | None = None
    license: str | None = None
    attribution: str | None = None
    ratios: tuple[float, ...] | None = None


@dataclass(frozen=True)
class ProjectFile:
    """A project's schema and defaults: from `path`, or built in when `path` is None."""

    path: Path | None
    schema: AnnotationSchema = DEFAULT_SCHEMA
    defaults: ProjectDefaults = field(default_factory=ProjectDefaults)

    @property
    def source(self) -> str:
        """Where the schema comes from, as messages name it."""
        return str(self.path) if self.path is not None else "the built-in defaults"


def find_project_file(config: Path | None = None, *, folder: Path = Path(".")) -> ProjectFile:
    """The project file `config`, else `quotegold.toml` in `folder`, else the built-ins.

    A `config` that does not exist is an error; a missing `quotegold.toml` is not.
    """
    if config is not None:
        if not config.is_file():
            raise ConfigError(
                "no such file; give the path of a quotegold.toml (`quotegold init` writes one)",
                file=str(config),
                line=None,
                key=None,
            )
        return read_project_file(config)
    local = folder / CONFIG_FILE
    return read_project_file(local) if local.is_file() else ProjectFile(None)


def read_project_file(path: Path) -> ProjectFile:
    """Read and check a quotegold.toml; `ConfigError` on the first problem found."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read it ({exc.strerror or exc})", file=str(path), line=None, key=None
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"not UTF-8 text (byte {exc.start}); save it as UTF-8",
            file=str(path),
            line=None,
            key=None,
        ) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, text, exc) from exc
    return _Reader(path, text, data).read()


def _syntax_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> ConfigError:
    message = str(exc)
    line = None
    if "(at line " in message:
        message, _, place = message.partition(" (at line ")
        line = int(place.split(",")[0])
    elif "(at end of document)" in message:
        message = message.replace(" (at end of document)", "")
        line = text.count("\n") + 1
    if message.startswith("Cannot overwrite a value") or "declared" in message:
        message += " (a key given twice)"
    return ConfigError(
        f"invalid TOML: {message}; fix the syntax (see https://toml.io)",
        file=str(path),
        line=line,
        key=None,
    )


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    names = {str: "text", int: "a number", float: "a number", list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _shown(path: tuple[str | int, ...]) -> str:
    """A key path as messages name it: `schema.stance_targets item 3.hotkey`."""
    shown = ""
    for part in path:
        if isinstance(part, int):
            shown += f" item {part + 1}"
        else:
            shown += f".{part}" if shown else part
    return shown


class _Reader:
    """One pass over a parsed quotegold.toml; `fail` raises the located error."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.lines = TomlLines(text)

    def fail(self, where: tuple[str | int, ...], message: str) -> NoReturn:
        raise ConfigError(
            message, file=str(self.path), line=self.lines.line(where), key=_shown(where) or None
        )

    def table(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            self.fail((name,), f"expected a table ([{name}]), found {_kind(value)}")
        for key in value:
            if key not in _SECTIONS[name]:
                known = ", ".join(_SECTIONS[name])
                self.fail((name, key), f"unknown key; [{name}] takes {known}")
        return value

    def read(self) -> ProjectFile:
        for key in self.data:
            if key not in _SECTIONS:
                sections = ", ".join(f"[{name}]" for name in _SECTIONS)
                self.fail((key,), f"unknown key; quotegold.toml has the tables {sections}")
        return ProjectFile(self.path, self.schema(), self.defaults())

    # -- [schema] -----------------------------------------------------------------------

    def schema(self) -> AnnotationSchema:
        table = self.table("schema")
        given = {key: self.choices(key, table[key]) for key in PROJECT_LISTS if key in table}
        lists = {key: given.get(key, DEFAULT_LISTS[key]) for key in PROJECT_LISTS}
        # Built-in lists first: a clash is then reported on the line the file wrote.
        order = sorted(PROJECT_LISTS, key=lambda key: key in given)
        for problem in list_problems(lists, order=order):
            where: tuple[str | int, ...] = ("schema", problem.key)
            if problem.index is not None:
                where += (problem.index,)
                if problem.field is not None:
                    where += (problem.field,)
            self.fail(where, problem.message)
        completed = {**lists, "stance_targets": with_other(lists["stance_targets"])}
        return make_schema(assign_hotkeys(completed))

    def choices(self, key: str, raw: object) -> list[Choice]:
        where = ("schema", key)
        if not isinstance(raw, list):
            self.fail(
                where, f'expected a list of values, found {_kind(raw)}; e.g. {key} = ["a", "b"]'
            )
        return [self.choice(key, index, item) for index, item in enumerate(raw)]

    def choice(self, key: str, index: int, item: object) -> Choice:
        where = ("schema", key, index)
        if isinstance(item, str):
            return Choice(item)
        if not isinstance(item, dict):
            self.fail(
                where,
                f"is {_kind(item)}; give a value in quotes, or a table such as "
                '{value = "a", hint = "what it covers"}',
            )
        allowed = _TARGET_KEYS if key == "stance_targets" else _ITEM_KEYS
        for name in item:
            if name not in allowed:
                extra = " (keywords are read for stance_targets only)" if name == "keywords" else ""
                self.fail((*where, name), f"unknown key{extra}; an item takes {', '.join(allowed)}")
        if "value" not in item:
            self.fail(where, 'has no value; add value = "…"')
        text = {name: self.text((*where, name), item.get(name)) for name in _ITEM_KEYS}
        return Choice(
            text["value"] or "",
            text["hint"] or "",
            text["hotkey"],
            self.keywords((*where, "keywords"), item.get("keywords")),
        )

    def text(self, where: tuple[str | int, ...], value: object) -> str | None:
        if value is not None and not isinstance(value, str):
            self.fail(where, f"expected text in quotes, found {_kind(value)}")
        return value

    def keywords(self, where: tuple[str | int, ...], value: object) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
            self.fail(where, 'expected a list of words and phrases, e.g. ["carbon tax", "levy"]')
        return tuple(value)

    # -- [project] and [dataset] ------------------------------------------------------------

    def defaults(self) -> ProjectDefaults:
        project, dataset = self.table("project"), self.table("dataset")
        return ProjectDefaults(
            title=self.name(("project", "title"), project),
            annotators_per_task=self.annotators(project),
            dataset_name=self.name(("dataset", "name"), dataset),
            license=self.name(("dataset", "license"), dataset),
            attribution=self.text(("dataset", "attribution"), dataset.get("attribution")),
            ratios=self.ratios(dataset),
        )

    def name(self, where: tuple[str, str], table: Mapping[str, Any]) -> str | None:
        value = self.text(where, table.get(where[1]))
        if value is not None and not value.strip():
            self.fail(where, "is empty; give a name, or leave the key out")
        return value

    def annotators(self, table: Mapping[str, Any]) -> int | None:
        value = table.get("annotators_per_task")
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.fail(
                ("project", "annotators_per_task"),
                f"expected a whole number of 1 or more, found {value!r}",
            )
        return value

    def ratios(self, table: Mapping[str, Any]) -> tuple[float, ...] | None:
        value = table.get("ratios")
        if value is None:
            return None
        numbers = (
            [v for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
            if isinstance(value, list)
            else []
        )
        if not isinstance(value, list) or len(numbers) != 3 or len(value) != 3:
            self.fail(("dataset", "ratios"), "expected three numbers, e.g. [0.8, 0.1, 0.1]")
        if not all(math.isfinite(n) and n >= 0 for n in numbers):
            self.fail(("dataset", "ratios"), "must be finite and not negative")
        if abs(sum(numbers) - 1.0) > 1e-9:
            self.fail(("dataset", "ratios"), f"add up to {sum(numbers):g}, not 1")
        return tuple(float(n) for n in numbers)
