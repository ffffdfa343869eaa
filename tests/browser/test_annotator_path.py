"""The annotator's path in the real Label Studio UI: log in, label, link, submit, export.

Every region is made as an annotator makes it: the label's hotkey, then a mouse drag over
the words. Attributes are set with their hotkeys or by clicking, relations with Alt+R and a
click on the other region, and the label of a relation in the relations panel. The export
is the real one (`quotegold.workflows.export.export_project`), so these tests check what reaches the
gold data, with offsets computed independently by Python's `str.index`.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotegold.articles.ingest import Article, read_articles
from quotegold.gold.results import record_to_results
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.schema.guidelines import render_instructions
from quotegold.schema.labelconfig import render_label_config
from quotegold.workflows.export import ExportOptions, export_project
from quotegold.workflows.push import push_articles

from .conftest import admin_credentials, log_in, new_context
from .editor import Editor, Span, utf16_offset

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).parents[2]
SEED = next((ROOT / "tasks" / "seeds").glob("000_*.txt"))
SEED_GOLD = ROOT / "tasks" / "gold" / "seeds.jsonl"

# Astral emoji (one a flag, one a ZWJ family), Devanagari and Chinese before every span:
# offsets in UTF-16 (the browser's unit) differ from code points (Python's and ours).
ASTRAL = (
    "🇮🇳😀👩‍👩‍👧 नमस्ते दुनिया 你好\uff0c世界. Minister Rajnath Singh said that India would fight "
    "terrorism with all its partners. 🚀 Talks went well."
)

HOTKEYS = {label.value: label.hotkey for label in SCHEMA.labels}
CHOICE_KEYS = {
    choice.value: choice.hotkey
    for attribute in SCHEMA.attributes
    for choice in attribute.choices
    if choice.hotkey
}
SCHEMA_HEADER = f"quotegold schema {SCHEMA.version}"
# Label Studio's keymap sections that are live on a Text labelling screen; the others
# (audio, video, time series, image tools, paragraphs...) bind only with their own tags.
LIVE_SECTIONS = ("annotation:", "region:", "segment:")


def seed_article() -> Article:
    (article,) = read_articles([SEED]).articles
    return article


def push_one(
    client: LabelStudioClient, title: str, article: Article, **extras: Any
) -> tuple[int, int]:
    task_extras = {article.id: extras} if extras else None
    pushed = push_articles(client, [article], project_title=title, task_extras=task_extras)
    (task_id,) = pushed.task_ids
    return pushed.project.id, task_id


def export_record(
    client: LabelStudioClient, title: str, out: Path, article_id: str
) -> dict[str, Any]:
    """Export the project for real and return the article's gold record."""
    _, report = export_project(client, title, out=out, options=ExportOptions(name="ui"))
    assert report["problems"] == [], report["problems"]
    assert report["counts"]["gold"] == 1, report["counts"]
    lines = (out / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    records: dict[str, dict[str, Any]] = {r["id"]: r for r in map(json.loads, lines)}
    return records[article_id]


def as_span(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "text": span.text}


def without_ids(regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in region.items() if key != "id"} for region in regions]


def label_studio_keymap() -> dict[str, dict[str, str]]:
    """Label Studio's default editor keymap, read from the installed frontend bundle."""
    spec = find_spec("label_studio")
    assert spec is not None and spec.origin is not None, "label_studio is not installed"
    bundles = Path(spec.origin).parents[1] / "web" / "dist" / "apps" / "labelstudio"
    marker = '"region:relation":{"key"'
    for path in sorted(bundles.glob("*.js")):
        source = path.read_text(encoding="utf-8", errors="replace")
        at = source.find(marker)
        if at < 0:
            continue
        start = source.rfind("JSON.parse('", 0, at) + len("JSON.parse('")
        keymap: dict[str, dict[str, str]] = json.loads(source[start : source.find("')", at)])
        return keymap
    raise AssertionError(f"no keymap with {marker} in {bundles}/*.js: has Label Studio changed?")


def live_label_studio_keys() -> dict[str, str]:
    """Every key combination Label Studio binds on a Text screen → the action's name."""
    keys: dict[str, str] = {}
    for name, entry in label_studio_keymap().items():
        if not name.startswith(LIVE_SECTIONS):
            continue
        for field in ("key", "mac"):
            for combination in (entry.get(field) or "").split(","):
                if combination.strip():
                    keys[combination.strip().lower()] = name
    return keys


# -- 1. logging in, and what the labelling screen shows --------------------------------


def test_login_and_the_labelling_interface(
    chromium: Browser,
    label_studio: ServerInfo,
    editor: Editor,
    client: LabelStudioClient,
    title: str,
) -> None:
    username, password = admin_credentials(label_studio)
    context = new_context(chromium)
    try:
        refused = log_in(context, label_studio.url, username, password + "-wrong")
        assert "/user/login" in refused
        landed = log_in(context, label_studio.url, username, password)
        assert "/user/login" not in landed, f"the admin's login did not go through: {landed}"
    finally:
        context.close()

    article = seed_article()
    project_id, task_id = push_one(client, title, article)
    editor.open(project_id, task_id, article.text)
    assert editor.displayed_text() == article.text
    editor.screenshot("01-blank-labelling-screen")

    # The instructions are the guidelines, one click away.
    page = editor.page
    page.get_by_role("button", name="Instructions").click()
    modal = page.locator(".lsf-modal-ls__body")
    modal.locator("h1", has_text="quotegold annotation guidelines").wait_for()
    sections = re.findall(r"<h2>(.*?)</h2>", render_instructions(SCHEMA))
    assert modal.locator("h2").all_inner_texts() == [re.sub("<[^>]+>", "", h) for h in sections]
    assert modal.locator("table td code", has_text="Alt+R").count() == 1
    page.get_by_role("button", name="Close modal").click()
    modal.wait_for(state="hidden")

    # Every label, with its hotkey and colour.
    labels = page.locator(".lsf-labels .lsf-label")
    shown = [
        (
            label.locator(".lsf-label__text").inner_text(),
            label.locator(".lsf-label__hotkey").inner_text(),
        )
        for label in labels.all()
    ]
    assert shown == [(label.value, label.hotkey) for label in SCHEMA.labels]
    for label in SCHEMA.labels:
        style = editor.label_button(label.value).get_attribute("style") or ""
        assert f"--color: {label.colour}" in style

    # Attribute panels: none until a region is selected, then exactly its label's.
    assert [h for h in editor.visible_headers() if h != SCHEMA_HEADER] == []
    examples = {
        "SPEAKER": Span.find(article.text, "Defence Minister Rajnath Singh"),
        # a partial word
        "CUE": Span.find(article.text, "rged", after="Singh once more u"),
        "QUOTE": Span.find(article.text, "Shanghai Cooperation Organisation (SCO) member"),
        "INITIATIVE": Span.find(article.text, "Regional Anti-Terrorism Structure"),
    }
    stored = {label: editor.mark(label, HOTKEYS[label], span) for label, span in examples.items()}
    text_tag = ET.fromstring(render_label_config(SCHEMA)).find(".//Text")
    assert text_tag is not None
    if text_tag.get("granularity") == "word":
        assert stored["CUE"] == "urged"  # the guidelines promise: selections snap to words
    else:
        assert stored["CUE"] == "rged"
    assert stored["SPEAKER"] == examples["SPEAKER"].text
    for label in SCHEMA.labels:
        editor.select_region(examples[label.value])
        attributes = SCHEMA.attributes_for(label.value)
        headers = [h for h in editor.visible_headers() if h != SCHEMA_HEADER]
        assert headers == [attribute.title for attribute in attributes], label.value
        for attribute in SCHEMA.attributes:
            mine = attribute in attributes
            for value in attribute.values:
                assert editor.choice_input(value).count() == int(mine), (label.value, value)
            if attribute.kind == "text":
                box = page.locator(f"input[name={attribute.name}]:visible")
                assert box.count() == int(mine)
                if mine:
                    assert box.get_attribute("placeholder") == attribute.placeholder
    editor.screenshot("01-every-label")

    # Every relation type is offered for a drawn relation.
    editor.draw_relation(examples["QUOTE"], examples["SPEAKER"])
    assert editor.open_relation_labels() == list(SCHEMA.relation_values)


# -- 2. and 3. labelling, linking, submitting, exporting -------------------------------


def annotate_quote(
    editor: Editor,
    *,
    speaker: Span,
    quote: Span,
    name: str,
    attributes: dict[str, str],
    screenshot: str,
) -> dict[str, Any]:
    """Mark a speaker and a quote, set their attributes, link them with said_by, submit.

    `attributes` maps quote_type, stance, stance_target and speaker_kind to values; the
    ones with a hotkey are set by key, the stance target by a click. The screenshot is
    taken just before Submit, with the quote selected.
    """
    assert editor.mark("SPEAKER", "s", speaker) == speaker.text
    assert editor.mark("QUOTE", "q", quote) == quote.text

    editor.select_region(speaker)
    kind = attributes["speaker_kind"]
    editor.press_choice(CHOICE_KEYS[kind], kind)
    editor.type_text("speaker_name", name)

    editor.select_region(quote)
    for attribute in ("quote_type", "stance"):
        value = attributes[attribute]
        editor.press_choice(CHOICE_KEYS[value], value)
    editor.click_choice(attributes["stance_target"])

    editor.draw_relation(quote, speaker)
    editor.label_relation("said_by")
    editor.select_region(quote)
    editor.screenshot(screenshot)
    return editor.submit()


def relations_in(annotation: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in annotation["result"] if item.get("type") == "relation"]


def test_label_link_submit_and_export(
    editor: Editor, client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    article = seed_article()
    project_id, task_id = push_one(client, title, article)
    speaker = Span.find(article.text, "Defence Minister Rajnath Singh")
    quote = Span.find(
        article.text,
        "Shanghai Cooperation Organisation (SCO) member states to combat terrorism and "
        "eradicate it in all its forms",
    )
    chosen = {
        "quote_type": "indirect",
        "stance": "oppose",
        "stance_target": "security",
        "speaker_kind": "person",
    }
    editor.open(project_id, task_id, article.text)
    editor.screenshot("02-before-labelling")
    annotation = annotate_quote(
        editor,
        speaker=speaker,
        quote=quote,
        name="Rajnath Singh",
        attributes=chosen,
        screenshot="03-finished-annotation",
    )
    (relation,) = relations_in(annotation)
    assert relation.get("labels") == ["said_by"]
    # The editor reloads the stored annotation: the same two regions come back.
    editor.page.wait_for_function(
        "() => document.querySelectorAll('.lsf-htx-richtext .htx-highlight').length >= 2"
    )
    shown = sorted((r["label"], r["text"]) for r in editor.regions().values())
    assert shown == [("QUOTE", quote.text), ("SPEAKER", speaker.text)]

    record = export_record(client, title, tmp_path / "export", article.id)
    (exported_speaker,) = record["speakers"]
    (exported_quote,) = record["quotes"]
    assert without_ids([exported_speaker]) == [
        {**as_span(speaker), "name": "Rajnath Singh", "kind": "person"}
    ]
    assert exported_quote["spans"] == [as_span(quote)]
    assert exported_quote["text"] == quote.text
    assert exported_quote["speaker_id"] == exported_speaker["id"]
    assert not exported_quote["no_speaker"] and exported_quote["cue_id"] is None
    for attribute in ("quote_type", "stance", "stance_target"):
        assert exported_quote[attribute] == chosen[attribute]
    assert record["cues"] == [] and record["initiatives"] == []

    # The same regions as the committed gold for this article (made without the UI).
    gold = {r["id"]: r for r in map(json.loads, SEED_GOLD.read_text("utf-8").splitlines())}[
        article.id
    ]
    assert as_span(speaker) == {k: gold["speakers"][0][k] for k in ("start", "end", "text")}
    assert [as_span(quote)] == gold["quotes"][0]["spans"]


def test_offsets_after_emoji_and_non_latin_scripts(
    editor: Editor, client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    article = Article(id="astral-ui", text=ASTRAL)
    project_id, task_id = push_one(client, title, article)
    speaker = Span.find(ASTRAL, "Minister Rajnath Singh")
    quote = Span.find(ASTRAL, "India would fight terrorism with all its partners")
    # the case is real: in UTF-16 (what the browser counts) both spans start later
    assert utf16_offset(ASTRAL, speaker.start) > speaker.start
    assert utf16_offset(ASTRAL, quote.start) > quote.start
    chosen = {
        "quote_type": "indirect",
        "stance": "oppose",
        "stance_target": "security",
        "speaker_kind": "person",
    }
    editor.open(project_id, task_id, ASTRAL)
    assert editor.displayed_text() == ASTRAL
    annotation = annotate_quote(
        editor,
        speaker=speaker,
        quote=quote,
        name="Rajnath Singh",
        attributes=chosen,
        screenshot="03-astral-annotation",
    )

    stored = {
        item["value"]["labels"][0]: item["value"]
        for item in annotation["result"]
        if item.get("type") == "labels"
    }
    assert (stored["SPEAKER"]["start"], stored["SPEAKER"]["end"]) == (speaker.start, speaker.end)

    record = export_record(client, title, tmp_path / "export", article.id)
    (exported_speaker,) = record["speakers"]
    (exported_quote,) = record["quotes"]
    assert without_ids([exported_speaker]) == [
        {**as_span(speaker), "name": "Rajnath Singh", "kind": "person"}
    ]
    assert exported_quote["spans"] == [as_span(quote)]
    for span in [exported_speaker, *exported_quote["spans"]]:
        assert ASTRAL[span["start"] : span["end"]] == span["text"]
    assert exported_quote["speaker_id"] == exported_speaker["id"]
    assert exported_quote["stance"] == "oppose"


# -- 4. pre-annotations ----------------------------------------------------------------


def suggested_record(article: Article) -> dict[str, Any]:
    """A hand-made suggestion for the seed article: a direct quote, its speaker and cue."""
    text = article.text
    quote = Span.find(
        text,
        "As a nation, we wish to further strengthen the spirit of trust and cooperation "
        "among SCO members.",
    )
    speaker = Span.find(text, "Singh", after="among its members. ")
    cue = Span.find(text, "stated", after="among its members. Singh ")
    return {
        "id": article.id,
        "text": text,
        "speakers": [{"id": "s1", **as_span(speaker), "name": "Rajnath Singh", "kind": "person"}],
        "cues": [{"id": "c1", **as_span(cue)}],
        "quotes": [
            {
                "id": "q1",
                "spans": [as_span(quote)],
                "text": quote.text,
                "quote_type": "direct",
                "speaker_id": "s1",
                "no_speaker": False,
                "cue_id": "c1",
                "stance": "support",
                "stance_target": "foreign_affairs",
            }
        ],
        "initiatives": [],
    }


def test_accept_and_correct_a_prediction(
    editor: Editor, client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    article = seed_article()
    suggestion = suggested_record(article)
    prediction = {
        "model_version": "hand-made",
        "score": 0.75,
        "result": record_to_results(suggestion),
    }
    project_id, task_id = push_one(client, title, article, predictions=[prediction])
    (quote,) = suggestion["quotes"]
    quote_span = Span(**quote["spans"][0])

    editor.open(project_id, task_id, article.text)
    page = editor.page
    # The prediction has its own tab, and the annotator's draft starts from it.
    tab = page.locator(
        ".lsf-annotation-button", has=page.locator(".lsf-annotation-button__userpic_prediction")
    )
    tab.wait_for()
    assert "hand-made" in tab.inner_text() and "75.00%" in tab.inner_text()
    draft = ".lsf-annotation-button_selected:not(:has(.lsf-annotation-button__userpic_prediction))"
    page.locator(draft).wait_for()
    page.wait_for_function("() => document.querySelectorAll('.htx-highlight').length >= 3")
    drawn = sorted((r["label"], r["text"]) for r in editor.regions().values())
    assert drawn == sorted(
        [
            ("SPEAKER", "Singh"),
            ("CUE", "stated"),
            ("QUOTE", quote["text"]),
        ]
    )
    editor.select_region(quote_span)
    assert editor.choice_input("support").is_checked()
    assert editor.choice_input("foreign_affairs").is_checked()
    editor.screenshot("04-with-predictions")

    # Correct one thing: the stance.
    editor.press_choice(CHOICE_KEYS["oppose"], "oppose")
    assert not editor.choice_input("support").is_checked()
    editor.submit()

    (task,) = list(client.iter_tasks(project_id))
    (annotation,) = task["annotations"]
    (stored_prediction,) = task["predictions"]
    assert annotation["parent_prediction"] == stored_prediction["id"]

    record = export_record(client, title, tmp_path / "export", article.id)
    (exported_quote,) = record["quotes"]
    assert exported_quote["stance"] == "oppose"
    corrected = {**quote, "stance": "oppose"}
    assert {k: v for k, v in exported_quote.items() if not k.endswith("id")} == {
        k: v for k, v in corrected.items() if not k.endswith("id")
    }
    assert without_ids(record["speakers"]) == without_ids(suggestion["speakers"])
    assert without_ids(record["cues"]) == without_ids(suggestion["cues"])
    assert exported_quote["speaker_id"] == record["speakers"][0]["id"]
    assert exported_quote["cue_id"] == record["cues"][0]["id"]


# -- 5. hotkeys ------------------------------------------------------------------------


def config_hotkeys() -> list[tuple[str, str]]:
    """(hotkey, what it does) for every Label and Choice in the rendered config."""
    root = ET.fromstring(render_label_config(SCHEMA))
    return [
        (element.attrib["hotkey"].lower(), f"{element.tag} {element.attrib['value']}")
        for element in root.iter()
        if element.tag in ("Label", "Choice") and "hotkey" in element.attrib
    ]


def test_config_hotkeys_are_unique_and_clear_of_label_studio_keys() -> None:
    hotkeys = config_hotkeys()
    assert len(hotkeys) == len(SCHEMA.labels) + len(CHOICE_KEYS)
    repeated = [key for key, count in Counter(key for key, _ in hotkeys).items() if count > 1]
    assert repeated == [], f"hotkeys used twice in the config: {repeated}"
    live = live_label_studio_keys()
    assert {"ctrl+enter", "alt+r", "u", "backspace", "escape"} <= live.keys()
    clashes = {key: (what, live[key]) for key, what in hotkeys if key in live}
    assert clashes == {}, f"config hotkeys that Label Studio already binds: {clashes}"


_RENDERED_HOTKEYS_JS = """
() => {
  const keys = [];
  for (const label of document.querySelectorAll('.lsf-labels .lsf-label')) {
    keys.push([label.querySelector('.lsf-label__text').innerText,
               label.querySelector('.lsf-label__hotkey').innerText]);
  }
  for (const input of document.querySelectorAll('.lsf-choice input[name]')) {
    const hint = input.closest('label').querySelector('sup.lsf-hint');
    keys.push([input.name, hint ? hint.innerText.replace(/^\\[|\\]$/g, '') : null]);
  }
  return keys;
}
"""


def test_rendered_hotkeys_are_unique_and_clear_of_label_studio_keys(
    editor: Editor, client: LabelStudioClient, title: str
) -> None:
    """What the editor really binds, including the keys it assigns by itself to choices
    that have none in the config (the stance targets and the no-speaker flag)."""
    article = seed_article()
    project_id, task_id = push_one(client, title, article)
    editor.open(project_id, task_id, article.text)
    rendered = dict(editor.page.evaluate(_RENDERED_HOTKEYS_JS))

    expected = {**HOTKEYS, **CHOICE_KEYS}
    assert {value: rendered.get(value) for value in expected} == expected
    assert None not in rendered.values(), f"controls without a hotkey: {rendered}"
    keys = [key.lower() for key in rendered.values()]
    repeated = [key for key, count in Counter(keys).items() if count > 1]
    assert repeated == [], f"the editor binds these keys twice: {repeated}"
    live = live_label_studio_keys()
    clashes = {value: key for value, key in rendered.items() if key.lower() in live}
    assert clashes == {}, f"keys that clash with Label Studio's own: {clashes}"


# -- word snapping widens a quote over its closing mark; the export trims it ----------------


def test_a_quote_ending_in_a_full_stop_keeps_the_closing_mark_outside(
    editor: Editor, client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    article = seed_article()
    project_id, task_id = push_one(client, title, article)
    quote = Span.find(
        article.text,
        "As a nation, we wish to further strengthen the spirit of trust and cooperation "
        "among SCO members.",
    )
    assert article.text[quote.end] == "\u201d"  # the closing mark the guidelines leave out
    editor.open(project_id, task_id, article.text)
    editor.mark("QUOTE", "q", quote)
    editor.select_region(quote)
    editor.press_choice(CHOICE_KEYS["direct"], "direct")
    editor.press_choice(CHOICE_KEYS["neutral"], "neutral")
    editor.click_choice("no identifiable speaker")
    editor.screenshot("05-quote-widened-over-closing-mark")
    editor.submit()

    record = export_record(client, title, tmp_path / "export", article.id)
    (exported_quote,) = record["quotes"]
    assert exported_quote["spans"] == [as_span(quote)]
