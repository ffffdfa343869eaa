"""The annotation schema: one object per project, built at run time, and what it renders.

`definition` holds the fixed core (labels, relations, the quote's type and stance) and the
`AnnotationSchema` every stage reads; `defaults` the built-in lists; `build` checks a
project's lists and assigns hotkeys; `projectfile` reads quotegold.toml (`tomllines` finds
its lines, `starter` is what `quotegold init` writes); `stored` keeps a schema in a Label
Studio project and in `schema.json`; `formats` the constants every stage shares; `labelconfig`
renders the Label Studio config, `guidelines` the instructions, `goldschema` the JSON Schema
of a gold record, and `rendered` checks or rewrites the copies of the defaults in `schema/`.
"""

from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import (
    CORE_VERSION,
    AnnotationSchema,
    Attribute,
    Choice,
    RelationType,
    SpanLabel,
    schema_dir,
)

__all__ = [
    "CORE_VERSION",
    "DEFAULT_SCHEMA",
    "AnnotationSchema",
    "Attribute",
    "Choice",
    "RelationType",
    "SpanLabel",
    "schema_dir",
]
