"""A fast, never-too-kind check of a value against a JSON Schema, generated as Python source.

jsonschema is the authority on gold records but checks only about 1,500 a second, and an
export validates every record. `fast_check` compiles the keywords `goldschema` uses into one
Python function that returns True only for values jsonschema would accept; anything it is
unsure of (1.0 for an integer, a subclass of dict, an unknown keyword) makes it say False,
and the caller asks jsonschema, which also gives the located messages.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

__all__ = ["fast_check"]


class _Unsure(Exception):
    """An `if` the fast check cannot decide exactly; jsonschema will."""


_Check = Callable[[Any], bool]
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description"})
_ACCEPTS = _ANNOTATIONS | {
    *("type", "properties", "required", "additionalProperties", "items", "minItems"),
    *("uniqueItems", "minLength", "minimum", "enum", "const", "allOf", "if", "then", "else"),
}
_DECIDES = _ANNOTATIONS | {"properties", "required", "enum", "const"}
# The Python type the fast check demands of each JSON type. jsonschema also takes 1.0 as an
# integer and subclasses of dict, list and str; the fast check leaves those to it.
_EXACT = {"object": "dict", "array": "list", "string": "str", "integer": "int"}
_EXACT |= {"boolean": "bool", "null": "NoneType"}
# Keywords that only apply to values of one JSON type: (keywords, exact type, jsonschema's test).
_KINDS = (
    (("properties", "required", "additionalProperties"), "dict", "dict"),
    (("items", "minItems", "uniqueItems"), "list", "list"),
    (("minLength",), "str", "str"),
    (("minimum",), "int", "(int, float)"),
)


def fast_check(schema: Mapping[str, Any]) -> _Check:
    """A check that is True only for records jsonschema would accept (never a false True).

    It is Python source generated from the schema (a few times faster than interpreting it)
    and covers the keywords `goldschema` uses; a schema with any other keyword gets a check
    that always says False, so every record goes through jsonschema.
    """
    try:
        check = _CheckSource().build(schema)
    except (LookupError, TypeError, ValueError):
        return lambda record: False

    def fast(record: Any) -> bool:
        try:
            return check(record)
        except (_Unsure, KeyError):
            return False

    return fast


class _CheckSource:
    """Generates `check(v) -> bool`: statements that return False at the first doubt, and for
    each `if` an exact expression (an `if` wrongly False would skip its `then`)."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"NoneType": type(None), "_member": _member}
        self.namespace |= {"_doubt": _doubt, "_unique_strings": _unique_strings}
        self.names = itertools.count()

    def build(self, schema: Mapping[str, Any]) -> _Check:
        source = "\n".join(["def check(v):", *_indent([*self.accept(schema, "v"), "return True"])])
        exec(compile(source, "<gold fast check>", "exec"), self.namespace)
        check: _Check = self.namespace["check"]
        return check

    def name(self, prefix: str) -> str:
        return f"{prefix}{next(self.names)}"

    def constant(self, value: object) -> str:
        name = self.name("k")
        self.namespace[name] = value
        return name

    def accept(self, schema: Any, v: str, known: str | None = None) -> list[str]:
        """Lines that `return False` unless `v` (of the `known` exact type, if given)
        certainly satisfies `schema`."""
        _keywords(schema, _ACCEPTS)
        types = schema.get("type", [])
        types = [_EXACT[kind] for kind in (types if isinstance(types, list) else [types])]
        lines = [f"if type({v}) not in ({', '.join(types)}): return False"] if types else []
        if len(types) == 1:
            lines, known = [f"if type({v}) is not {types[0]}: return False"], types[0]
        for keywords, exact, loose in _KINDS:
            body = self.kind(exact, schema, v) if schema.keys() & set(keywords) else []
            if body and known != exact:  # the keywords ignore values of other types
                body = [f"if type({v}) is not {exact}: return False", *body]
                body = [f"if isinstance({v}, {loose}):", *_indent(body)]
            lines += body
        for options in _enums(schema):
            strings, singletons = self.options(options)
            tests = [f"type({v}) is str and {v} in {strings}"]
            tests += [f"{v} is {option!r}" for option in self.namespace[singletons]]
            lines.append(f"if not ({' or '.join(tests)}): return False")
        for part in schema.get("allOf", []):
            lines += self.accept(part, v, known)
        if "if" in schema:
            then, other = (self.accept(schema.get(key, {}), v, known) for key in ("then", "else"))
            lines += [f"if {self.decide(schema['if'], v, known)}:", *_indent(then or ["pass"])]
            lines += ["else:", *_indent(other)] if other else []
        return lines

    def kind(self, exact: str, schema: Mapping[str, Any], v: str) -> list[str]:
        """The checks of the keywords for values of one type; `v` has that exact type."""
        if exact == "dict":
            return self.properties(schema, v)
        if exact == "list":
            least = _whole(schema.get("minItems", 0))
            lines = [f"if len({v}) < {least}: return False"] if least else []
            if "items" in schema:
                item = self.name("v")
                body = self.accept(schema["items"], item)
                lines += [f"for {item} in {v}:", *_indent(body)] if body else []
            if schema.get("uniqueItems"):
                lines.append(f"if not _unique_strings({v}): return False")
            return lines
        if exact == "str":
            least = _whole(schema["minLength"])
            return [
                f"if not {v}: return False"
                if least == 1
                else f"if len({v}) < {least}: return False"
            ]
        return [f"if {v} < {_whole(schema['minimum'])}: return False"]

    def properties(self, schema: Mapping[str, Any], v: str) -> list[str]:
        """Allowed keys, then each property's checks; `v` is a dict.

        Every required key is fetched, and a missing one raises KeyError, which
        `fast_check` takes as a doubt: so a closed object only needs the right key count.
        """
        properties: dict[str, Any] = schema.get("properties", {})
        required = schema.get("required", [])
        extra = schema.get("additionalProperties", True)
        keys = _keys(properties, required)
        if type(extra) is not bool:
            raise ValueError("the fast check knows only additionalProperties true or false")
        lines = []
        if extra is False and set(required) == set(properties):
            lines.append(f"if len({v}) != {len(properties)}: return False")
        elif extra is False:
            lines.append(
                f"if not {v}.keys() <= {self.constant(frozenset(properties))}: return False"
            )
        for key in keys:
            value = self.name("v")
            body = self.accept(properties.get(key, {}), value)
            if key in required:
                lines += [f"{value} = {v}[{key!r}]", *body]
            elif body:
                lines += [f"if {key!r} in {v}:", *_indent([f"{value} = {v}[{key!r}]", *body])]
        return lines

    def decide(self, schema: Any, v: str, known: str | None = None) -> str:
        """An expression exactly whether `v` satisfies `schema`, raising `_Unsure` in doubt."""
        _keywords(schema, _DECIDES)
        tests = []
        for options in _enums(schema):
            strings, singletons = self.options(options)
            # JSON's own types inline (a call per quote costs a third of the check), others
            # through `_member`.
            same = " or ".join(f"{v} is {option!r}" for option in self.namespace[singletons])
            member = f"_member({v}, {strings}, {singletons})"
            tests.append(
                f"({v} in {strings} if type({v}) is str else ({same or False}) "
                f"if {v} is None or type({v}) is bool else {member})"
            )
        if schema.keys() & {"properties", "required"}:
            properties: dict[str, Any] = schema.get("properties", {})
            required = schema.get("required", [])
            keys = _keys(properties, required)
            test = [f"{v}.keys() >= {self.constant(frozenset(required))}"] if required else []
            test += [
                f"({key!r} not in {v} or {self.decide(sub, f'{v}[{key!r}]')})"
                for key, sub in properties.items()
                if key in keys
            ]
            both = " and ".join(test) or "True"
            tests.append(
                f"({both})"
                if known == "dict"
                else f"(({both}) if type({v}) is dict else not isinstance({v}, dict) or _doubt())"
            )
        return " and ".join(tests) or "True"

    def options(self, options: list[Any]) -> tuple[str, str]:
        """The names of an enum's strings and of its None, True and False."""
        if not all(option in (None, True, False) or type(option) is str for option in options):
            raise ValueError(f"enum the fast check does not know: {options}")
        strings = frozenset(option for option in options if type(option) is str)
        singletons = tuple(option for option in options if type(option) is not str)
        return self.constant(strings), self.constant(singletons)


def _enums(schema: Mapping[str, Any]) -> list[list[Any]]:
    """The options of `enum` and of `const`: a value must be among each."""
    return [
        schema[key] if key == "enum" else [schema[key]] for key in schema.keys() & {"enum", "const"}
    ]


def _keys(properties: Mapping[str, Any], required: list[Any]) -> list[str]:
    keys = list(dict.fromkeys([*properties, *required]))
    if not all(isinstance(key, str) for key in keys):
        raise ValueError(f"property names the fast check does not know: {keys}")
    return keys


def _keywords(schema: Any, known: frozenset[str]) -> None:
    if not isinstance(schema, Mapping) or not schema.keys() <= known:
        raise ValueError(f"a schema the fast check does not know: {schema!r}")


def _whole(value: object) -> int:
    if type(value) is not int:
        raise ValueError(f"a bound the fast check does not know: {value!r}")
    return value


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _member(value: object, strings: frozenset[str], singletons: tuple[object, ...]) -> bool:
    """Exactly whether jsonschema finds `value` in an enum of these strings, None and bools."""
    kind = type(value)
    if kind is str:
        return value in strings
    if value is None or kind is bool:
        return any(value is option for option in singletons)
    if kind in (int, float, list, dict):
        return False  # jsonschema never counts them equal to a string, None or a bool
    raise _Unsure


def _doubt() -> NoReturn:
    raise _Unsure


def _unique_strings(values: list[Any]) -> bool:
    # Other items may be equal in JSON Schema but not in Python (1 and 1.0, or True and 1).
    return all(type(value) is str for value in values) and len(set(values)) == len(values)
