"""Render a project's Label Studio labelling config from its schema.

The config carries the schema itself in an XML comment (`quotegold.schema.stored`), so the
project remembers what its annotators were shown.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from quotegold.schema.definition import AnnotationSchema, Attribute
from quotegold.schema.formats import LABELS_NAME, TEXT_NAME
from quotegold.schema.stored import schema_comment

# Larger text and a clear gap between lines make word-snapped selection easier; the left
# padding keeps relation labels drawn at the text's edge readable ("said_by", not "d_by").
_STYLE = """
.lsf-htx-richtext { font-size: 17px; line-height: 1.8; max-width: 52em; padding-left: 3.5em; }
"""

# The text and a sticky attribute column side by side: annotators set a region's attributes
# without scrolling past the article.
_ROW_STYLE = "display: flex; align-items: flex-start; gap: 24px"
_TEXT_COLUMN_STYLE = "flex: 1 1 0; min-width: 0"
_PANEL_COLUMN_STYLE = "flex: 0 0 290px; position: sticky; top: 0"


def _attribute_control(attribute: Attribute) -> ET.Element:
    common = {"name": attribute.name, "toName": TEXT_NAME, "perRegion": "true"}
    if attribute.required:
        common |= {"required": "true", "requiredMessage": attribute.required_message}
    # Scoped to the attribute's own label on the control itself: Label Studio then asks for
    # a required value only on regions of that label (else on every region, blocking every
    # Submit), and leaves out of the submitted annotation the values a region kept from
    # another label (a label key pressed with a region selected relabels it).
    common |= {"visibleWhen": "region-selected", "whenLabelValue": attribute.label}
    if attribute.kind == "text":
        return ET.Element(
            "TextArea",
            {
                **common,
                "editable": "true",
                "maxSubmissions": "1",
                "rows": "1",
                "placeholder": attribute.placeholder,
            },
        )
    choice_mode = "multiple" if attribute.kind == "flag" else "single-radio"
    control = ET.Element("Choices", {**common, "choice": choice_mode, "showInline": "true"})
    for choice in attribute.choices:
        attrs = {"value": choice.value, "hint": choice.hint}
        if choice.hotkey:
            attrs["hotkey"] = choice.hotkey
        ET.SubElement(control, "Choice", attrs)
    return control


def render_label_config(schema: AnnotationSchema) -> str:
    """The Label Studio XML config: labels with hotkeys and colours, relations, attributes,
    and the schema in a comment."""
    view = ET.Element("View")
    view.append(ET.Comment(schema_comment(schema)))
    ET.SubElement(view, "Style").text = _STYLE
    ET.SubElement(view, "Header", {"value": f"quotegold schema {schema.version}", "size": "6"})
    labels = ET.SubElement(view, "Labels", {"name": LABELS_NAME, "toName": TEXT_NAME})
    for label in schema.labels:
        ET.SubElement(
            labels,
            "Label",
            {
                "value": label.value,
                "hotkey": label.hotkey,
                "background": label.colour,
                "hint": label.description,
            },
        )
    row = ET.SubElement(view, "View", {"style": _ROW_STYLE})
    text_column = ET.SubElement(row, "View", {"style": _TEXT_COLUMN_STYLE})
    ET.SubElement(
        text_column, "Text", {"name": TEXT_NAME, "value": f"${TEXT_NAME}", "granularity": "word"}
    )
    panel_column = ET.SubElement(row, "View", {"style": _PANEL_COLUMN_STYLE})
    # One label per relation: two labels on one link cannot be exported.
    relations = ET.SubElement(view, "Relations", {"choice": "single"})
    for relation in schema.relations:
        ET.SubElement(relations, "Relation", {"value": relation.value})
    for label in schema.labels:
        attributes = schema.attributes_for(label.value)
        if not attributes:
            continue
        panel = ET.SubElement(
            panel_column,
            "View",
            {"visibleWhen": "region-selected", "whenLabelValue": label.value},
        )
        for attribute in attributes:
            ET.SubElement(panel, "Header", {"value": attribute.title, "size": "5"})
            panel.append(_attribute_control(attribute))
    ET.indent(view, space="  ")
    return ET.tostring(view, encoding="unicode") + "\n"
