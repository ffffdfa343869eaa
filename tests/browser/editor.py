"""Drive Label Studio's labelling screen the way an annotator does: keys, mouse drags, clicks.

Regions are addressed by Python code-point offsets into the task text, the unit the export
uses. The page shows the text as one span per line with `<br>` between lines, in UTF-16 (the
browser's string unit), so `_POINTS_JS` rebuilds the text from the DOM (a `<br>` is "\\n")
and converts; `displayed_text` returns that rebuilt text, so a test can first check that the
screen shows the article unchanged.

Selectors were found in the running Label Studio 1.23 UI:
- `.lsf-htx-richtext`: the text; `.htx-highlight` spans mark regions, one CSS class
  `htx-highlight-<region id>-<n>` per region, `__active` when the region is selected.
- `.lsf-labels .lsf-label` (`.lsf-label_selected` when armed), `.lsf-label__hotkey`.
- per-region controls: `input[name=<choice value>]` radios and checkboxes, each with a
  `sup.lsf-hint` showing its hotkey; `input[name=<TextArea name>]` for a one-row TextArea,
  whose stored value shows as `[data-testid=htx-textbox-content]`.
- relations: `.lsf-relations__item` in the Relations tab; its "Show Relation Labels" button
  appears only while the pointer is over the item; labels are picked in a popup with
  `[data-testid=select-option-<label>]`.
- `[data-testid=bottombar-submit-button]` posts the annotation.

This module imports without Playwright installed, so the tests can be collected and then
skipped (or failed, in CI) with a clear reason by the conftest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # collected without Playwright: the conftest skips (or fails) the tests

    class PlaywrightTimeout(Exception):  # type: ignore[no-redef]
        pass


# How long an action may take to show its effect before it counts as lost (see _until).
_KEY_RETRY_MS = 1500
_KEY_ATTEMPTS = 20
_ACTIVE = ".lsf-htx-richtext .htx-highlight.__active"
_CHECKED = "name => [...document.getElementsByName(name)].some(e => e.checked)"

_DOM_TEXT_JS = """
() => {
  const root = document.querySelector('.lsf-htx-richtext');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  let text = '';
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.nodeType === Node.TEXT_NODE) text += node.data;
    else if (node.nodeName === 'BR') text += '\\n';
  }
  return text;
}
"""

# Viewport points at the middle of the first and of the last character of [start, end)
# (UTF-16 offsets into the text rebuilt as in _DOM_TEXT_JS), after scrolling it into view.
_POINTS_JS = """
([start, end]) => {
  const root = document.querySelector('.lsf-htx-richtext');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  const nodes = [];
  let length = 0;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.nodeType === Node.TEXT_NODE) {
      nodes.push([node, length]);
      length += node.data.length;
    } else if (node.nodeName === 'BR') {
      length += 1;
    }
  }
  const locate = (pos) => {
    for (const [node, base] of nodes) {
      if (pos >= base && pos < base + node.data.length) return [node, pos - base];
    }
    throw new Error('no text node holds UTF-16 offset ' + pos);
  };
  const rectOf = (from, to) => {
    const [node, offset] = locate(from);
    const range = document.createRange();
    range.setStart(node, offset);
    range.setEnd(node, offset + (to - from));
    const rects = range.getClientRects();
    return rects[rects.length - 1];
  };
  const codeAt = (pos) => {
    const [node, offset] = locate(pos);
    return node.data.charCodeAt(offset);
  };
  const isHigh = (pos) => codeAt(pos) >= 0xD800 && codeAt(pos) <= 0xDBFF;
  const isLow = (pos) => codeAt(pos) >= 0xDC00 && codeAt(pos) <= 0xDFFF;
  locate(start)[0].parentElement.scrollIntoView({block: 'center'});
  const firstEnd = isHigh(start) ? start + 2 : start + 1;
  const lastStart = isLow(end - 1) ? end - 2 : end - 1;
  const first = rectOf(start, firstEnd);
  const last = rectOf(lastStart, end);
  return {
    x1: first.left + 1, y1: (first.top + first.bottom) / 2,
    xm: (first.left + first.right) / 2,
    x2: last.right - 1, y2: (last.top + last.bottom) / 2,
  };
}
"""

# Region key (its htx-highlight-<id>-<n> class) → its label and the text of its spans.
_REGIONS_JS = """
() => {
  const regions = {};
  for (const span of document.querySelectorAll('.lsf-htx-richtext .htx-highlight')) {
    const key = [...span.classList].find((name) => name.startsWith('htx-highlight-'));
    if (!key) continue;
    const label = (span.dataset.label || '').replace(/^\\d+:/, '');
    const own = [...span.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.data).join('');
    regions[key] = regions[key] || {label: '', text: ''};
    // A region over a line break is drawn as several spans; some carry no label.
    regions[key].label = regions[key].label || label;
    regions[key].text += own;
  }
  return regions;
}
"""

# The text of each selected region (the `__active` highlight spans, joined per region).
_SELECTED_JS = """
() => {
  const texts = new Map();
  for (const span of document.querySelectorAll('.lsf-htx-richtext .htx-highlight.__active')) {
    const key = [...span.classList].find((name) => name.startsWith('htx-highlight-'));
    const own = [...span.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.data).join('');
    texts.set(key, (texts.get(key) || '') + own);
  }
  return [...texts.values()];
}
"""


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 offset of code point `index` of `text`."""
    return len(text[:index].encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Span:
    """A piece of the task text, by code-point offsets (as Python and the export count)."""

    start: int
    end: int
    text: str

    @classmethod
    def find(cls, text: str, needle: str, *, after: str = "") -> Span:
        """The first `needle` in `text` after the first `after` (str.index semantics)."""
        start = text.index(needle, text.index(after) + len(after) if after else 0)
        return cls(start, start + len(needle), needle)


class Editor:
    """One open labelling screen of one task."""

    def __init__(self, page: Page, base_url: str, screenshots: Path) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.screenshots = screenshots
        self.text = ""
        self._task_id: int | None = None

    # -- opening --------------------------------------------------------------------

    def open(self, project_id: int, task_id: int, text: str) -> None:
        """Open the task in the Data Manager's labelling view and wait for the editor."""
        self.text = text
        self._task_id = task_id
        self.page.goto(f"{self.base_url}/projects/{project_id}/data?task={task_id}")
        self.page.wait_for_selector(".lsf-htx-richtext .lsf-richtext__line", timeout=90_000)
        # The Data Manager may build the editor twice (first from the task list, then from
        # the full task), replacing the annotation; wait until its requests have settled.
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_selector(".lsf-htx-richtext .lsf-richtext__line")
        self.page.wait_for_selector("[data-testid=bottombar-submit-button]")

    def displayed_text(self) -> str:
        """The task text as the editor shows it, line breaks included, as a Python str."""
        shown = self.page.evaluate(_DOM_TEXT_JS)
        assert isinstance(shown, str)
        return shown

    def screenshot(self, name: str) -> Path:
        path = self.screenshots / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    # -- labels and regions ---------------------------------------------------------

    def label_button(self, value: str) -> Any:
        return self.page.locator(".lsf-labels .lsf-label", has_text=value)

    def arm_label(self, value: str, hotkey: str) -> None:
        """Press the label's hotkey until the label shows as selected."""
        button = self.label_button(value).element_handle()
        self._until(
            lambda: self.page.keyboard.press(hotkey),
            "el => el.classList.contains('lsf-label_selected')",
            button,
            what=f"pressing {hotkey!r} to select the {value} label",
        )

    def _until(self, act: Callable[[], object], done: str, arg: Any = None, *, what: str) -> None:
        """Act until the JS predicate `done` holds, acting only while it does not.

        Label Studio binds its hotkeys a moment after the text shows, and binds them afresh
        whenever it (re)selects the annotation, as when it makes the draft from a prediction;
        a key pressed or a click made in between is lost, not queued. Acting again only after
        `_KEY_RETRY_MS` without effect means a toggle (a label, a region) is never flipped
        twice.
        """
        for _ in range(_KEY_ATTEMPTS):
            if self.page.evaluate(done, arg):
                return
            act()
            try:
                self.page.wait_for_function(done, arg=arg, timeout=_KEY_RETRY_MS)
            except PlaywrightTimeout:
                continue
            return
        raise AssertionError(f"{what} had no effect after {_KEY_ATTEMPTS} attempts")

    def regions(self) -> dict[str, dict[str, str]]:
        """Every region highlighted in the text: key → {"label", "text"}."""
        found = self.page.evaluate(_REGIONS_JS)
        assert isinstance(found, dict)
        return found

    def _points(self, span: Span) -> dict[str, float]:
        start = utf16_offset(self.text, span.start)
        end = utf16_offset(self.text, span.end)
        points = self.page.evaluate(_POINTS_JS, [start, end])
        assert isinstance(points, dict)
        return points

    def drag_over(self, span: Span) -> None:
        """Select the span with the mouse: press on its first character, release on its last."""
        points = self._points(span)
        mouse = self.page.mouse
        mouse.move(points["x1"], points["y1"])
        mouse.down()
        mouse.move(points["x2"], points["y2"], steps=8)
        mouse.up()

    def mark(self, label: str, hotkey: str, span: Span) -> str:
        """Create a region: the label's hotkey, then a mouse selection. Returns the region's
        text as the editor stored it (word granularity may have widened the selection)."""
        assert self.text[span.start : span.end] == span.text, "the test's span is wrong"
        before = self.regions()
        count = f"n => Object.keys(({_REGIONS_JS})()).length > n"
        for _ in range(3):  # a selection made while the editor re-initialises is lost
            self.arm_label(label, hotkey)
            self.drag_over(span)
            try:
                self.page.wait_for_function(count, arg=len(before), timeout=5_000)
                break
            except PlaywrightTimeout:
                self.page.evaluate("() => window.getSelection().removeAllRanges()")
        new = {key: r for key, r in self.regions().items() if key not in before}
        assert len(new) == 1, f"expected one new region, the editor shows {new}"
        (created,) = new.values()
        assert created["label"] == label, f"the new region is labelled {created['label']}"
        return created["text"]

    def _click_first_character(self, span: Span) -> None:
        points = self._points(span)
        self.page.mouse.click(points["xm"], points["y1"])

    def select_region(self, span: Span) -> None:
        """Select the region that starts at `span` by clicking its first character."""
        self._until(
            lambda: self.page.keyboard.press("u"),  # Label Studio's "unselect region"
            f"() => !document.querySelector('{_ACTIVE}')",
            what="unselecting the selected region",
        )
        self._until(
            lambda: self._click_first_character(span),
            f"() => !!document.querySelector('{_ACTIVE}')",
            what=f"clicking the region at {span.start}",
        )
        active = self.page.evaluate(
            f"() => [...document.querySelectorAll('{_ACTIVE}')].map(e => e.textContent).join('')"
        )
        # The highlight spans hold the text without its line breaks (<br> sits between them).
        flat = re.sub("[\\r\\n]", "", span.text)
        assert flat in active, f"clicking at {span.start} selected the region {active!r}"

    def regions_selected(self) -> list[str]:
        """The text of the selected regions (line breaks left out), in text order."""
        found = self.page.evaluate(_SELECTED_JS)
        assert isinstance(found, list)
        return [str(text) for text in found]

    # -- per-region attributes ------------------------------------------------------

    def choice_input(self, value: str) -> Any:
        return self.page.locator(f"input[name={_css_string(value)}]:visible")

    def press_choice(self, key: str, value: str) -> None:
        """Press a choice's hotkey with its region selected, until the choice is ticked."""
        self._until(
            lambda: self.page.keyboard.press(key), _CHECKED, value, what=f"pressing {key!r}"
        )

    def click_choice(self, value: str) -> None:
        """Click a choice in the region's attribute panel, until it is ticked."""
        label = self.page.locator("label.lsf-choice__checkbox", has=self.choice_input(value))
        self._until(label.click, _CHECKED, value, what=f"clicking {value!r}")

    def type_text(self, name: str, value: str) -> None:
        """Type into a one-row per-region TextArea and press Enter to store it."""
        box = self.page.locator(f"input[name={_css_string(name)}]:visible")
        box.fill(value)
        box.press("Enter")
        self.page.locator("[data-testid=htx-textbox-content]:visible", has_text=value).wait_for()
        # Leave the text box, so that later keys reach the editor's hotkeys again.
        self.page.locator(".lsf-htx-richtext").evaluate("e => document.activeElement.blur()")

    def visible_headers(self) -> list[str]:
        """Headers shown in the main view under the text (the attribute panels' titles)."""
        headers = self.page.locator(".lsf-main-view h4:visible").all_inner_texts()
        return [header.strip() for header in headers]

    # -- relations ------------------------------------------------------------------

    def open_panel_tab(self, name: str) -> None:
        self.page.locator(".lsf-panel-tabs__tab", has_text=name).first.click()

    def draw_relation(self, source: Span, target: Span) -> None:
        """Select `source`, press Alt+R (Label Studio's "create relation"), click `target`."""
        self.open_panel_tab("Relations")
        count = self.page.locator(".lsf-relations__item").count()
        self.select_region(source)
        self.page.keyboard.press("Alt+r")
        self._click_first_character(target)
        self.page.wait_for_function(
            "n => document.querySelectorAll('.lsf-relations__item').length > n", arg=count
        )

    def relation_item(self, index: int = -1) -> Any:
        items = self.page.locator(".lsf-relations__item")
        return items.nth(index if index >= 0 else items.count() + index)

    def open_relation_labels(self, index: int = -1) -> list[str]:
        """Show a relation's label picker and return the labels it offers."""
        self.open_panel_tab("Relations")
        item = self.relation_item(index)
        box = item.bounding_box()
        assert box is not None
        # The item's buttons render on mouseenter: move in from outside, as a pointer does.
        middle = box["y"] + box["height"] / 2
        self.page.mouse.move(box["x"] - 20, middle)
        self.page.mouse.move(box["x"] + 10, middle, steps=4)
        show = item.get_by_role("button", name="Show Relation Labels")
        if show.count():
            show.click()
        trigger = item.locator(".lsf-relation-meta [data-testid^=select-trigger]")
        trigger.click()
        options = self.page.locator("[role=option][data-testid^=select-option-]:visible")
        options.first.wait_for()
        labels = options.evaluate_all("els => els.map(e => e.dataset.testid)")
        return [re.sub("^select-option-", "", label) for label in labels]

    def label_relation(self, label: str, index: int = -1) -> None:
        """Give a relation its label in the relations panel."""
        offered = self.open_relation_labels(index)
        assert label in offered, f"{label!r} is not offered; the panel offers {offered}"
        self.page.locator(f"[data-testid=select-option-{label}]").click()
        self.page.keyboard.press("Escape")  # closes the picker
        shown = self.relation_item(index).locator("[data-testid=select-display-value]")
        shown.filter(has_text=label).wait_for()

    # -- submitting -----------------------------------------------------------------

    def submit(self) -> dict[str, Any]:
        """Press Submit and return the annotation the server stored."""

        def created(response: Any) -> bool:
            return bool(
                response.request.method == "POST"
                and f"/api/tasks/{self._task_id}/annotations" in response.url
            )

        with self.page.expect_response(created, timeout=60_000) as answer:
            self.page.locator("[data-testid=bottombar-submit-button]").click()
        response = answer.value
        assert response.status == 201, f"Submit answered HTTP {response.status}"
        body = response.json()
        assert isinstance(body, dict)
        return body


def _css_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
