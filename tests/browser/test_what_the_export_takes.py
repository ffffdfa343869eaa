"""What an annotator submits in the real UI, the export takes; what it would refuse, the UI
blocks or the export names so that the annotator can find it.

Regions are made with the label's hotkey and a mouse drag, attributes with their hotkeys,
as in `test_annotator_path`; the export is the real one against the same server.
"""

from __future__ import annotations

from pathlib import Path

from quotegold.articles.ingest import Article
from quotegold.labelstudio import LabelStudioClient
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA

from .editor import Editor, Span
from .test_annotator_path import CHOICE_KEYS, export_record, push_one

PARAGRAPHS = (
    "Defence Minister Rajnath Singh spoke in New Delhi on Friday.\n\n"
    "\u201cWe will fight terrorism with all our partners.\n\n"
    "We will not stop until it is gone,\u201d Singh said.\n"
)


def test_a_quote_across_a_paragraph_break_reaches_the_dataset_with_its_newline(
    editor: Editor, client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    article = Article(id="paragraphs-ui", text=PARAGRAPHS)
    project_id, task_id = push_one(client, title, article)
    quote = Span.find(
        PARAGRAPHS,
        "We will fight terrorism with all our partners.\n\nWe will not stop until it is gone",
    )
    editor.open(project_id, task_id, PARAGRAPHS)
    assert editor.displayed_text() == PARAGRAPHS
    editor.mark("QUOTE", "q", quote)
    editor.select_region(quote)
    editor.press_choice(CHOICE_KEYS["direct"], "direct")
    editor.press_choice(CHOICE_KEYS["neutral"], "neutral")
    editor.click_choice("no identifiable speaker")
    annotation = editor.submit()

    (stored,) = [item for item in annotation["result"] if item["type"] == "labels"]
    # What the editor really stores: the offsets are right, the text has "\n" escaped.
    assert (stored["value"]["start"], stored["value"]["end"]) == (quote.start, quote.end)
    assert stored["value"]["text"] == quote.text.replace("\n", "\\n")

    record = export_record(client, title, tmp_path / "export", article.id)
    (exported,) = record["quotes"]
    assert exported["spans"] == [{"start": quote.start, "end": quote.end, "text": quote.text}]
    assert "\n\n" in exported["text"]
    assert exported["quote_type"] == "direct" and exported["no_speaker"] is True
    assert SCHEMA.version == record["provenance"]["schema_version"]
