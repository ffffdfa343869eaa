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


# A tab and a double space inside the quote as well.
TABBED = PARAGRAPHS.replace("with all our", "with\tall our").replace("will not", "will  not")


def test_a_quote_across_a_paragraph_break_reaches_the_dataset_with_its_newline(
    editor: Editor, client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    article = Article(id="paragraphs-ui", text=TABBED)
    project_id, task_id = push_one(client, title, article)
    quote = Span.find(
        TABBED,
        "We will fight terrorism with\tall our partners.\n\nWe will  not stop until it is gone",
    )
    editor.open(project_id, task_id, TABBED)
    assert editor.displayed_text() == TABBED
    editor.mark("QUOTE", "q", quote)
    editor.select_region(quote)
    editor.press_choice(CHOICE_KEYS["direct"], "direct")
    editor.press_choice(CHOICE_KEYS["neutral"], "neutral")
    editor.click_choice("no identifiable speaker")
    annotation = editor.submit()

    (stored,) = [item for item in annotation["result"] if item["type"] == "labels"]
    # What the editor really stores: the offsets are right, the text has "\n" escaped.
    assert (stored["value"]["start"], stored["value"]["end"]) == (quote.start, quote.end)
    # ... and the tab and the double space as one space each, as the browser shows them
    shown = "We will fight terrorism with all our partners.\\n\\nWe will not stop until it is gone"
    assert stored["value"]["text"] == shown

    record = export_record(client, title, tmp_path / "export", article.id)
    (exported,) = record["quotes"]
    assert exported["spans"] == [{"start": quote.start, "end": quote.end, "text": quote.text}]
    assert "\n\n" in exported["text"]
    assert exported["quote_type"] == "direct" and exported["no_speaker"] is True
    assert SCHEMA.version == record["provenance"]["schema_version"]


def test_a_region_missing_a_required_attribute_blocks_submit_and_is_selected(
    editor: Editor, client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    article = Article(id="required-ui", text=PARAGRAPHS)
    project_id, task_id = push_one(client, title, article)
    speaker = Span.find(PARAGRAPHS, "Singh", after="all our partners")
    quote = Span.find(PARAGRAPHS, "We will fight terrorism with all our partners.")
    editor.open(project_id, task_id, PARAGRAPHS)
    editor.mark("SPEAKER", "s", speaker)
    editor.mark("QUOTE", "q", quote)
    editor.select_region(quote)
    editor.press_choice(CHOICE_KEYS["direct"], "direct")
    # the stance is left out as well: the first region in the list that lacks something is
    # the one Label Studio selects
    editor.draw_relation(quote, speaker)
    posted: list[str] = []
    editor.page.on(
        "request",
        lambda request: (
            posted.append(request.url)
            if request.method == "POST" and "/annotations" in request.url
            else None
        ),
    )
    page = editor.page
    warning = page.locator(".ant-modal, .lsf-modal, [role=dialog]").filter(has_text="Warning")

    def submit_is_refused(message: str) -> None:
        page.keyboard.press("u")
        page.locator("[data-testid=bottombar-submit-button]").click()
        warning.filter(has_text=message).first.wait_for()
        page.get_by_role("button", name="OK").click()
        warning.first.wait_for(state="hidden")

    name = SCHEMA.attribute("speaker_name")
    submit_is_refused(name.required_message)
    assert editor.regions_selected() == ["Singh"]
    editor.type_text("speaker_name", "Rajnath Singh")
    submit_is_refused(SCHEMA.attribute("speaker_kind").required_message)
    assert editor.regions_selected() == ["Singh"]
    editor.press_choice(CHOICE_KEYS["person"], "person")
    submit_is_refused(SCHEMA.attribute("stance").required_message)
    assert editor.regions_selected() == [quote.text]
    editor.screenshot("10-required-stance-blocks-submit")
    assert posted == [], "Label Studio posted an annotation it should have refused"

    # Complete, it goes through and the export takes it as it is.
    editor.press_choice(CHOICE_KEYS["neutral"], "neutral")
    editor.submit()
    record = export_record(client, title, tmp_path / "export", article.id)
    (exported,) = record["quotes"]
    assert exported["stance"] == "neutral" and exported["quote_type"] == "direct"
    assert record["speakers"][0]["name"] == "Rajnath Singh"
    assert record["speakers"][0]["kind"] == "person"


def test_problems_number_regions_as_the_region_list_does(
    editor: Editor, client: LabelStudioClient, title: str
) -> None:
    """The numbers in messages are the ones Label Studio's Regions panel shows."""
    from quotegold.gold.regions import region_names

    article = Article(id="numbers-ui", text=PARAGRAPHS)
    quote = Span.find(PARAGRAPHS, "We will fight terrorism with all our partners.")
    speaker = Span.find(PARAGRAPHS, "Singh", after="all our partners")
    first = Span.find(PARAGRAPHS, "Defence Minister Rajnath Singh")

    def item(rid: str, label: str, span: Span) -> dict[str, object]:
        value = {"start": span.start, "end": span.end, "text": span.text, "labels": [label]}
        return {
            "id": rid,
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": value,
        }

    # not in text order, and with attribute items in between
    result = [
        item("zz-quote", "QUOTE", quote),
        {
            "id": "zz-quote",
            "from_name": "stance",
            "to_name": "text",
            "type": "choices",
            "value": {
                "start": quote.start,
                "end": quote.end,
                "text": quote.text,
                "choices": ["neutral"],
            },
        },
        item("aa-speaker", "SPEAKER", speaker),
        item("mm-first", "SPEAKER", first),
    ]
    prediction = {"model_version": "order", "score": 0.5, "result": result}
    project_id, task_id = push_one(client, title, article, predictions=[prediction])
    editor.open(project_id, task_id, PARAGRAPHS)
    page = editor.page
    page.wait_for_function("() => document.querySelectorAll('.htx-highlight').length >= 3")
    editor.open_panel_tab("Regions")
    rows = page.locator(".lsf-outliner-item")
    rows.nth(2).wait_for()
    shown = [row.split("\n") for row in rows.all_inner_texts()]
    assert shown == [
        ["1", "QUOTE", quote.text],
        ["2", "SPEAKER", speaker.text],
        ["3", "SPEAKER", first.text],
    ]
    names = region_names(result, PARAGRAPHS)
    assert [names[rid] for rid in ("zz-quote", "aa-speaker", "mm-first")] == [
        "QUOTE 1 'We will fight terrorism with…'",
        "SPEAKER 2 'Singh'",
        "SPEAKER 3 'Defence Minister Rajnath Singh'",
    ]


def test_a_relabelled_region_keeps_no_attributes_of_its_old_label(
    editor: Editor, client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    """The trap: a label key pressed with a region selected relabels it. With every control
    scoped to its label (visibleWhen, whenLabelValue), Label Studio leaves the old label's
    values out of what it submits, and asks for the new label's required fields."""
    article = Article(id="relabel-ui", text=PARAGRAPHS)
    project_id, task_id = push_one(client, title, article)
    words = Span.find(PARAGRAPHS, "Defence Minister Rajnath Singh")
    editor.open(project_id, task_id, PARAGRAPHS)
    editor.mark("QUOTE", "q", words)
    editor.select_region(words)
    editor.press_choice(CHOICE_KEYS["direct"], "direct")
    editor.press_choice(CHOICE_KEYS["oppose"], "oppose")
    editor.click_choice("security")
    # meant to start a SPEAKER, but the quote is still selected: it becomes the SPEAKER
    editor.page.keyboard.press("s")
    editor.page.wait_for_function(
        "() => [...document.querySelectorAll('.htx-highlight')]"
        ".some(e => (e.dataset.label || '').endsWith('SPEAKER'))"
    )
    editor.page.locator("[data-testid=bottombar-submit-button]").click()
    editor.page.get_by_text(SCHEMA.attribute("speaker_name").required_message).wait_for()
    editor.page.get_by_role("button", name="OK").click()
    editor.type_text("speaker_name", "Rajnath Singh")
    editor.press_choice(CHOICE_KEYS["person"], "person")
    annotation = editor.submit()
    assert sorted(item["from_name"] for item in annotation["result"]) == [
        "label",
        "speaker_kind",
        "speaker_name",
    ]
    record = export_record(client, title, tmp_path / "export", article.id)
    assert record["quotes"] == []
    assert [speaker["text"] for speaker in record["speakers"]] == [words.text]
