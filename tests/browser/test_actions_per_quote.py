"""How many UI actions an annotator needs, counted on a scripted annotation of
`wikinews-soccer` (three direct quotes, two of them over a paragraph break) from the
pre-annotator's suggestions, until the export equals the article's gold.

Every click, key press, drag and typed entry the annotator makes is one action (typing a
name counts once, its characters are reported apart); what the harness does to wait or to
retry a key Label Studio dropped is not counted. Four counts are printed and recorded in the
README: accepting a suggested quote, correcting a quote whose span stops too early (at its
paragraph's end, as the pre-annotator did before it followed a quote to its closing mark),
adding a missing quote with its speaker and cue, and the whole article from the
suggestions. The whole article took 83 actions before relation labels became optional,
stances were left empty without evidence and quotes ran over paragraph breaks.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotegold.articles.ingest import Article, read_articles
from quotegold.labelstudio import LabelStudioClient
from quotegold.preannotate.predictions import predict_article
from quotegold.workflows.export import ExportOptions, export_project

from .conftest import SUMMARY
from .editor import Editor, PlaywrightTimeout, Span
from .test_annotator_path import CHOICE_KEYS, HOTKEYS, push_one

ROOT = Path(__file__).parents[2]
ARTICLE_ID = "wikinews-soccer"
BEFORE = 83  # the whole article, counted the same way before this work
_RELATIONS = ".lsf-relations__item"
_SELECTED_TEXT_JS = """
() => [...document.querySelectorAll('.lsf-htx-richtext .htx-highlight.__active')]
  .map((e) => [...e.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
  .map((n) => n.data).join('')).join('')
"""


def soccer() -> tuple[Article, dict[str, Any]]:
    articles = read_articles([ROOT / "tasks" / "wikinews" / "articles.jsonl"]).articles
    (article,) = [a for a in articles if a.id == ARTICLE_ID]
    gold_lines = (ROOT / "tasks" / "gold" / "wikinews-c.jsonl").read_text("utf-8").splitlines()
    (gold,) = [r for r in map(json.loads, gold_lines) if r["id"] == ARTICLE_ID]
    assert gold["text"] == article.text
    return article, gold


@dataclass
class Actions:
    """The annotator's actions on one screen, counted as they are made."""

    editor: Editor
    count: int = 0
    typed: int = 0
    log: list[str] = field(default_factory=list)

    def add(self, what: str, typed: str = "") -> None:
        self.count += 1
        self.typed += len(typed)
        self.log.append(what)

    def unselect(self) -> None:
        if self.editor.regions_selected():
            self.add("u")
            self.editor.page.keyboard.press("u")
            self.editor.page.wait_for_function(
                "() => !document.querySelector('.lsf-htx-richtext .htx-highlight.__active')"
            )

    def select(self, span: Span) -> None:
        """Click a region, unless it is the one selected (pressing u first otherwise)."""
        flat = span.text.replace("\n", "")
        selected = self.editor.regions_selected()
        # (word snapping may have taken a closing mark into a region drawn by hand)
        if len(selected) == 1 and _same_region(selected[0], flat):
            return
        self.add(f"click {span.text[:20]!r}")
        # A click on another region selects it instead of the selected one.
        self.editor._click_first_character(span)
        try:
            self.editor.page.wait_for_function(
                f"flat => {{ const t = ({_SELECTED_TEXT_JS})(); return t.startsWith(flat) && "
                "/^[\"\u201d\u2019'.,]*$/.test(t.slice(flat.length)); }",
                arg=flat,
                timeout=5_000,
            )
        except PlaywrightTimeout:  # a click lost while the editor was busy: not counted
            self.editor.select_region(span)

    def mark(self, label: str, span: Span) -> None:
        self.unselect()  # a label key with a region selected would relabel it
        self.add(f"key {HOTKEYS[label]}")
        self.add(f"drag over {span.text[:20]!r}")
        # (word snapping may take a closing mark in; the export trims it, as checked below)
        self.editor.mark(label, HOTKEYS[label], span)

    def choose(self, span: Span, value: str) -> None:
        self.select(span)
        self.add(f"key {CHOICE_KEYS[value]}")
        self.editor.press_choice(CHOICE_KEYS[value], value)

    def type_name(self, span: Span, name: str) -> None:
        """Type a speaker's canonical name into its empty box (click, type, Enter)."""
        self.select(span)
        self.add("click the name box")
        self.add("type the name and Enter", typed=name)
        self.editor.type_text("speaker_name", name)

    def retype_name(self, span: Span, name: str) -> None:
        """Replace a suggested name: its edit button, select all, type, Enter."""
        self.select(span)
        page = self.editor.page
        self.add("click the name's edit button")
        page.locator("[data-testid=htx-textbox-edit-button]:visible").click()
        # the edit box takes the focus, with the name in it
        page.wait_for_function(
            "() => ['INPUT', 'TEXTAREA'].includes(document.activeElement.tagName)"
        )
        self.add("Ctrl+A")
        page.keyboard.press("Control+a")
        self.add("type the name and Enter", typed=name)
        page.keyboard.type(name)
        page.keyboard.press("Enter")
        page.locator("[data-testid=htx-textbox-content]:visible", has_text=name).wait_for()
        page.locator(".lsf-htx-richtext").evaluate("e => document.activeElement.blur()")

    def relate(self, source: Span, target: Span) -> None:
        """Alt+R with the source selected, then a click on the target; no label."""
        page = self.editor.page
        self.editor.open_panel_tab("Relations")  # only to count them: not an action
        before = page.locator(_RELATIONS).count()
        self.select(source)
        self.add("Alt+R")
        page.keyboard.press("Alt+r")
        self.add(f"click {target.text[:20]!r}")
        self.editor._click_first_character(target)
        page.wait_for_function(
            f"n => document.querySelectorAll('{_RELATIONS}').length > n", arg=before
        )

    def delete(self, span: Span) -> None:
        self.select(span)
        self.add("Backspace")
        before = len(self.editor.regions())
        self.editor.page.keyboard.press("Backspace")
        self.editor.page.wait_for_function(
            "n => new Set([...document.querySelectorAll('.htx-highlight')]"
            ".map(e => [...e.classList].find(c => c.startsWith('htx-highlight-')))).size < n",
            arg=before,
        )

    def submit(self) -> dict[str, Any]:
        self.add("Submit")
        return self.editor.submit()


def _same_region(shown: str, flat: str) -> bool:
    """Whether a selected region's text is the span's (word snapping may have taken a
    closing mark or a full stop in)."""
    return shown.startswith(flat) and not shown[len(flat) :].strip("\"\u201d\u2019'.,")


def spans_of(gold: dict[str, Any]) -> dict[str, Span]:
    """The gold regions as spans, by gold id."""
    found = {r["id"]: Span(r["start"], r["end"], r["text"]) for r in gold["speakers"]}
    found |= {r["id"]: Span(r["start"], r["end"], r["text"]) for r in gold["cues"]}
    for quote in gold["quotes"]:
        (part,) = quote["spans"]
        found[quote["id"]] = Span(part["start"], part["end"], part["text"])
    return found


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A record without ids, provenance and meta, its links by the linked region's text."""
    texts = {r["id"]: r["text"] for r in [*record["speakers"], *record["cues"]]}
    quotes = [
        {
            **{k: v for k, v in q.items() if k not in ("id", "speaker_id", "cue_id")},
            "speaker": texts.get(q["speaker_id"]),
            "cue": texts.get(q["cue_id"]),
        }
        for q in record["quotes"]
    ]
    strip = [{k: v for k, v in r.items() if k != "id"} for r in record["speakers"]]
    return {
        "speakers": strip,
        "cues": [{k: v for k, v in r.items() if k != "id"} for r in record["cues"]],
        "quotes": quotes,
    }


def open_task(
    editor: Editor, project_id: int, task_id: int, article: Article, regions: int
) -> None:
    editor.open(project_id, task_id, article.text)
    editor.page.wait_for_function(
        "n => new Set([...document.querySelectorAll('.htx-highlight')]"
        ".map(e => [...e.classList].find(c => c.startsWith('htx-highlight-')))).size >= n",
        arg=regions,
    )


def test_actions_per_quote_on_wikinews_soccer(
    editor: Editor, client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    article, gold = soccer()
    spans = spans_of(gold)
    names = {s["id"]: s["name"] for s in gold["speakers"]}
    suggested = predict_article(article)
    labelled = [i for i in suggested["result"] if i.get("from_name") == "label"]
    assert len(labelled) == 9, "the suggestions changed: recount"

    # 1. The whole article from its suggestions.
    project_id, whole_task = push_one(client, title, article, predictions=[suggested])
    open_task(editor, project_id, whole_task, article, 9)
    whole = Actions(editor)
    page = editor.page
    for qid in ("q1", "q2", "q3"):
        whole.select(spans[qid])
        # no evidence, no suggested stance: empty on the screen, for the annotator to decide
        assert not any(
            editor.choice_input(value).is_checked() for value in ("support", "oppose", "neutral")
        )
        assert editor.choice_input("direct").is_checked()
        whole.choose(spans[qid], gold_quote(gold, qid)["stance"])
        if qid == "q1":
            accept = whole.count
    suggested_names = {
        i["value"]["start"]: i["value"]["text"][0]
        for i in suggested["result"]
        if i.get("from_name") == "speaker_name"
    }
    for sid in ("s1", "s2", "s3"):
        if suggested_names[spans[sid].start] != names[sid]:
            whole.retype_name(spans[sid], names[sid])
    whole.submit()

    # 2. Correcting a quote that stops at its paragraph's end: delete, redraw, attributes,
    # relations (unlabelled).
    short = copy.deepcopy(suggested)
    first_paragraph_end = article.text.index("\n", spans["q1"].start)
    for item in short["result"]:
        value = item.get("value")
        if isinstance(value, dict) and value.get("start") == spans["q1"].start:
            value["end"] = first_paragraph_end
            if isinstance(value.get("text"), str):
                value["text"] = article.text[spans["q1"].start : first_paragraph_end]
    corrected_article = Article(id=f"{ARTICLE_ID}-correct", text=article.text)
    _, correct_task = push_one(client, title, corrected_article, predictions=[short])
    open_task(editor, project_id, correct_task, article, 9)
    short_q1 = Span(
        spans["q1"].start,
        first_paragraph_end,
        article.text[spans["q1"].start : first_paragraph_end],
    )
    correct = Actions(editor)
    correct.delete(short_q1)
    correct.mark("QUOTE", spans["q1"])
    correct.choose(spans["q1"], "direct")
    correct.choose(spans["q1"], "neutral")
    correct.relate(spans["q1"], spans["s1"])
    correct.relate(spans["q1"], spans["c1"])
    correcting = correct.count
    for qid in ("q2", "q3"):
        correct.choose(spans[qid], "neutral")
    for sid in ("s1", "s2"):
        correct.retype_name(spans[sid], names[sid])
    correct.submit()

    # 3. Adding a missing quote with its speaker and cue.
    missing = {spans[key].start for key in ("q3", "s3", "c3")}
    without = copy.deepcopy(suggested)
    dropped = {i["id"] for i in without["result"] if i.get("value", {}).get("start") in missing}
    without["result"] = [
        i
        for i in without["result"]
        if i.get("id") not in dropped
        and i.get("from_id") not in dropped
        and i.get("to_id") not in dropped
    ]
    added_article = Article(id=f"{ARTICLE_ID}-add", text=article.text)
    _, add_task = push_one(client, title, added_article, predictions=[without])
    open_task(editor, project_id, add_task, article, 6)
    add = Actions(editor)
    add.mark("SPEAKER", spans["s3"])
    add.mark("CUE", spans["c3"])
    add.mark("QUOTE", spans["q3"])
    add.choose(spans["s3"], "person")
    add.type_name(spans["s3"], names["s3"])
    add.choose(spans["q3"], "direct")
    add.choose(spans["q3"], "neutral")
    add.relate(spans["q3"], spans["s3"])
    add.relate(spans["q3"], spans["c3"])
    adding, adding_typed = add.count, add.typed
    for qid in ("q1", "q2"):
        add.choose(spans[qid], "neutral")
    for sid in ("s1", "s2"):
        add.retype_name(spans[sid], names[sid])
    add.submit()

    counts = (
        f"UI actions on {ARTICLE_ID} (clicks, keys, drags, typed entries):"
        f"\n  accept a suggested quote (its stance left empty): {accept}"
        f"\n  correct a quote that stops too early: {correcting}"
        f"\n  add a missing quote with speaker and cue: {adding} (+{adding_typed} characters)"
        f"\n  whole article from the suggestions: {whole.count} (+{whole.typed} characters; "
        f"{BEFORE} before)"
        f"\n  whole article: {', '.join(whole.log)}"
        f"\n  correcting: {', '.join(correct.log)}"
        f"\n  adding: {', '.join(add.log)}"
    )
    print(counts)
    SUMMARY.extend(counts.splitlines()[:5])
    (editor.screenshots.parent / "action-counts.txt").write_text(counts + "\n", "utf-8")
    assert whole.count < BEFORE

    # Everything submitted exports with no problem, and equals the gold.
    out = tmp_path / "export"
    _, report = export_project(client, title, out=out, options=ExportOptions(name="actions"))
    assert report["problems"] == [], report["problems"]
    assert report["counts"]["gold"] == 3, report["counts"]
    lines = (out / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    records = {r["id"]: r for r in map(json.loads, lines)}
    for article_id in (ARTICLE_ID, f"{ARTICLE_ID}-correct", f"{ARTICLE_ID}-add"):
        assert comparable(records[article_id]) == comparable(gold), article_id
    assert page.url  # the page stayed open to the end


def gold_quote(gold: dict[str, Any], qid: str) -> dict[str, Any]:
    (quote,) = [q for q in gold["quotes"] if q["id"] == qid]
    return quote
