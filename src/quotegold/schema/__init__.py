"""The annotation schema, defined once, and everything rendered from it.

`definition` holds the labels, relations, per-region attributes and stance targets; `formats`
the constants every stage shares (control names, the article id field, the quote joiner);
`labelconfig` renders the Label Studio config and instructions, `goldschema` the JSON Schema
of a gold record, and `rendered` checks or rewrites the copies committed in `schema/`.
"""

from quotegold.schema.definition import (
    SCHEMA,
    SCHEMA_VERSION,
    STANCE_TARGETS,
    AnnotationSchema,
    Attribute,
    Choice,
    RelationType,
    SpanLabel,
    schema_dir,
)

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "STANCE_TARGETS",
    "AnnotationSchema",
    "Attribute",
    "Choice",
    "RelationType",
    "SpanLabel",
    "schema_dir",
]
