"""The mapping of a brat corpus onto the schema: from flags, or from a small TOML file.

    [types]                       # brat type = layer (SPEAKER, CUE, QUOTE, INITIATIVE)
    Source = "SPEAKER"
    Cue = "CUE"
    Content = "QUOTE"

    [attributes.Type]             # a brat attribute = a record field, with its values
    field = "quote_type"
    values = { Direct = "direct", Indirect = "indirect", Mixed = "mixed" }

    derive_quote_type = true      # else a quote without a type attribute has none

Without a mapping, the usual names are taken: Source and Speaker are SPEAKER, Cue is CUE,
Content and Quote are QUOTE.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

from quotegold.errors import SettingsError
from quotegold.importers.brat import LAYERS, BratMapping

__all__ = ["DEFAULT_TYPES", "FIELDS", "mapping_from_flags", "read_mapping"]

DEFAULT_TYPES = {
    "Source": "SPEAKER",
    "Speaker": "SPEAKER",
    "Cue": "CUE",
    "Content": "QUOTE",
    "Quote": "QUOTE",
}
FIELDS = ("name", "kind", "quote_type", "stance", "stance_target", "status")


def read_mapping(path: Path) -> BratMapping:
    """Read a mapping file; a malformed one is a `SettingsError` naming the file and key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read the brat mapping ({exc}); fix the file") from None
    types = raw.get("types")
    if not isinstance(types, dict) or not types:
        raise SettingsError(f"{path}: [types] is missing; map brat types to {', '.join(LAYERS)}")
    for name, layer in types.items():
        if layer not in LAYERS:
            raise SettingsError(
                f"{path}: types.{name}: {layer!r} is not one of {', '.join(LAYERS)}"
            )
    attributes: dict[str, tuple[str, dict[str, str]]] = {}
    for name, spec in (raw.get("attributes") or {}).items():
        field = spec.get("field") if isinstance(spec, dict) else None
        if field not in FIELDS:
            raise SettingsError(f"{path}: attributes.{name}.field: give one of {', '.join(FIELDS)}")
        values = spec.get("values") or {}
        attributes[name] = (str(field), {str(k): str(v) for k, v in values.items()})
    derive = raw.get("derive_quote_type", True)
    return BratMapping(dict(types), attributes, bool(derive))


def mapping_from_flags(
    *,
    speaker: Sequence[str] = (),
    cue: Sequence[str] = (),
    quote: Sequence[str] = (),
    initiative: Sequence[str] = (),
) -> BratMapping:
    """A mapping from type names given per layer; none given: `DEFAULT_TYPES`."""
    types = {name: "SPEAKER" for name in speaker}
    types.update({name: "CUE" for name in cue})
    types.update({name: "QUOTE" for name in quote})
    types.update({name: "INITIATIVE" for name in initiative})
    return BratMapping(types or dict(DEFAULT_TYPES))
