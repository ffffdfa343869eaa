"""The HTML report of an export: charts, highlighted spans, quote → speaker links, escaping."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from quotegold.dataset.writer import write_dataset
from quotegold.errors import ExportError, ValidationError
from quotegold.report.highlight import Mark, render
from quotegold.report.page import write_report
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA

# --- an export, by hand ---------------------------------------------------------------------


def at(text: str, needle: str, nth: int = 0) -> dict[str, Any]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return {"start": start, "end": start + len(needle), "text": needle}


def speaker(sid: str, text: str, needle: str, name: str, kind: str, nth: int = 0) -> Any:
    return {"id": sid, **at(text, needle, nth), "name": name, "kind": kind}


def quote(qid: str, text: str, parts: list[str], sid: str | None, **attributes: Any) -> Any:
    return {
        "id": qid,
        "spans": [at(text, part) for part in parts],
        "text": " … ".join(parts),
        "quote_type": attributes.get("quote_type", "direct"),
        "speaker_id": sid,
        "no_speaker": sid is None,
        "cue_id": attributes.get("cue_id"),
        "stance": attributes.get("stance", "neutral"),
        "stance_target": attributes.get("target"),
    }


def record(article_id: str, text: str, task: int, **regions: Any) -> dict[str, Any]:
    return {
        "id": article_id,
        "text": text,
        "meta": {
            "title": regions.pop("title", f"Title of {article_id}"),
            "url": regions.pop("url", None),
            "source": "Wikinews",
            "boilerplate": regions.pop("boilerplate", []),
        },
        "speakers": regions.get("speakers", []),
        "cues": regions.get("cues", []),
        "quotes": regions.get("quotes", []),
        "initiatives": regions.get("initiatives", []),
        "provenance": {
            "schema_version": SCHEMA.version,
            "project_id": 3,
            "project_title": "quotegold test",
            "task_id": task,
            "annotation_ids": [task * 10],
            "annotator_ids": ["alice@example.org"],
            "created_at": "2024-05-01T10:00:00Z",
            "updated_at": None,
        },
    }


SCO = (
    'Defence Minister Rajnath Singh said on Friday that "terrorism is the biggest threat to '
    'regional security". He added: "India backs the SCO Defence Cooperation Plan," calling it '
    '"a step forward".\nOfficials said the plan would be signed soon.\nRead more: sco.int'
)
MOSCOW = (
    "Sergei Shoigu told reporters: «We oppose terrorism in every form.» The Kremlin backed the "
    '"Moscow Format". Shoigu said Russia "will support the SCO" this year.'
)
HOSTILE = (
    'The <script>alert("x")</script> group & friends said "<b>we</b> reject this & that" loudly.'
)


def make_records() -> list[dict[str, Any]]:
    sco = record(
        "sco",
        SCO,
        1,
        url="https://example.org/sco?a=1&b=2",
        boilerplate=[{"start": SCO.index("Read more"), "end": len(SCO)}],
        speakers=[
            speaker("s1", SCO, "Defence Minister Rajnath Singh", "Rajnath Singh", "person"),
            speaker("s2", SCO, "He", "Rajnath  Singh", "person"),
            speaker("s3", SCO, "Officials", "officials", "unnamed"),
        ],
        cues=[{"id": "c1", **at(SCO, "said")}, {"id": "c2", **at(SCO, "added")}],
        quotes=[
            quote(
                "q1",
                SCO,
                ["terrorism is the biggest threat to regional security"],
                "s1",
                quote_type="mixed",
                cue_id="c1",
                stance="oppose",
                target="security",
            ),
            quote(
                "q2",
                SCO,
                ["India backs the SCO Defence Cooperation Plan,", "a step forward"],
                "s2",
                cue_id="c2",
                stance="support",
                target="health",
            ),
            quote("q3", SCO, ["the plan would be signed soon"], "s3", quote_type="indirect"),
        ],
        initiatives=[
            {
                "id": "i1",
                **at(SCO, "SCO Defence Cooperation Plan"),
                "status": "proposed",
                "proponent_ids": ["s1", "s2"],
            }
        ],
    )
    moscow = record(
        "moscow",
        MOSCOW,
        2,
        url="javascript:alert(1)",
        speakers=[
            speaker("s1", MOSCOW, "Sergei Shoigu", "Sergei Shoigu", "person"),
            speaker("s2", MOSCOW, "The Kremlin", "Kremlin", "organisation"),
            speaker("s3", MOSCOW, "Shoigu", "Sergei Shoigu", "person", nth=1),
            speaker("s4", MOSCOW, "Russia", "Russia", "country"),
        ],
        quotes=[
            quote(
                "q1",
                MOSCOW,
                ["We oppose terrorism in every form."],
                "s1",
                stance="oppose",
                target="security",
            ),
            quote(
                "q2",
                MOSCOW,
                ["will support the SCO"],
                "s4",
                stance="support",
                target="foreign_affairs",
            ),
        ],
        # Crosses the quote above: starts inside it and ends after it.
        initiatives=[
            {
                "id": "i1",
                **at(MOSCOW, 'the SCO" this'),
                "status": "mentioned",
                "proponent_ids": [],
            },
            {
                **at(MOSCOW, "Moscow Format"),
                "id": "i2",
                "status": "endorsed",
                "proponent_ids": ["s2"],
            },
        ],
    )
    hostile = record(
        "hostile",
        HOSTILE,
        3,
        title='<img src=x onerror="alert(1)">',
        speakers=[
            speaker(
                "s1",
                HOSTILE,
                'The <script>alert("x")</script> group',
                '<script>alert("x")</script>',
                "organisation",
            )
        ],
        quotes=[quote("q1", HOSTILE, ["<b>we</b> reject this & that"], "s1")],
    )
    return [sco, moscow, hostile]


REPORT = {
    "name": "sco-test",
    "created_at": "2024-05-02T09:00:00+00:00",
    "schema_version": SCHEMA.version,
    "strategy": "default",
    "counts": {"tasks": 9, "gold": 3, "conflict": 2, "invalid": 1, "unannotated": 2, "skipped": 1},
    "problems": [{"task": 7, "region": "q9", "message": "quote q9 has no speaker"}],
    "conflicts": [
        {
            "task_id": 5,
            "article_id": "disputed",
            "annotation_ids": [50, 51],
            "annotator_ids": [1, 2],
            "differences": ["stance of QUOTE 'we <agree>': support (50) vs oppose (51)"],
            "link": "http://localhost:8080/projects/3/data?task=5",
        },
        {
            "task_id": 6,
            "article_id": "other",
            "annotation_ids": [60, 61],
            "annotator_ids": [1, 3],
            "differences": ["SPEAKER 'Li' only in 60"],
            "link": "javascript:alert(1)",
        },
    ],
    "rejected": [
        {
            "task": 7,
            "article_id": "broken",
            "annotation": 70,
            "link": "http://localhost:8080/projects/3/data?task=7",
            "reasons": ["quote q9 has no speaker"],
        }
    ],
}
AGREEMENT = {
    "layers": {
        "QUOTE": {"f1_exact": 0.8125, "f1_overlap": 0.9, "pairs": 12},
        "SPEAKER": {"f1_exact": 0.95, "f1_overlap": 1.0, "pairs": 12},
    },
    "alpha": {"stance": 0.71234, "quote_type": 0.8, "speaker_name": None},
    "annotators": {"alice": {"tasks": 8, "f1_exact": 0.85}, "<bob>": {"tasks": 4}},
}


# --- reading the page back ------------------------------------------------------------------


class Page(HTMLParser):
    """What a browser would see: ids, links, images, and the text of every highlighted span."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, class of the enclosing sup)
        self.images: list[dict[str, str | None]] = []
        self.tags: list[str] = []
        self.spans: dict[tuple[str, str, str, str], str] = defaultdict(str)
        self.badges: dict[tuple[str, str], str] = {}
        self._open: list[tuple[str, dict[str, str | None]]] = []
        self._article: str | None = None
        self._badge: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        if tag == "article":
            self._article = attributes.get("data-article")
        if tag == "img":
            self.images.append(attributes)
        if tag == "a":
            sup = next((a for t, a in reversed(self._open) if t == "sup"), {})
            self.links.append((str(attributes.get("href")), str(sup.get("class", ""))))
        if tag not in ("img", "meta", "br"):
            self._open.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        assert self._open and self._open[-1][0] == tag, f"</{tag}> closes {self._open[-1:]}"
        self._open.pop()

    def handle_data(self, data: str) -> None:
        if any(tag == "sup" for tag, _ in self._open):
            return  # badges are not part of the article text
        for tag, attributes in self._open:
            if tag == "mark" and attributes.get("data-region") and self._article:
                layer = str(attributes["class"]).removeprefix("l-")
                key = (
                    self._article,
                    layer,
                    str(attributes["data-region"]),
                    str(attributes["data-part"]),
                )
                self.spans[key] += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exports") / "sco"
    write_dataset(make_records(), out=out, report=REPORT, name="sco-test")
    return out


@pytest.fixture(scope="module")
def html(export: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert write_report(export, out, agreement=AGREEMENT) == out
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return parse(html)


# --- charts ---------------------------------------------------------------------------------


def test_charts_are_embedded_and_written_beside_the_page(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "quality.html"
    write_report(export, out)
    page = parse(out.read_text(encoding="utf-8"))
    charts = {image["data-chart"]: image["src"] for image in page.images}
    assert set(charts) == {"labels", "stance", "progress"}
    for name, src in charts.items():
        assert src is not None and src.startswith("data:image/png;base64,")
        png = (tmp_path / "nested" / f"quality-{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert base64.b64decode(src.split(",", 1)[1]) == png
    assert sorted(p.name for p in (tmp_path / "nested").iterdir()) == [
        "quality-labels.png",
        "quality-progress.png",
        "quality-stance.png",
        "quality.html",
    ]


def test_the_page_is_self_contained(html: str, page: Page) -> None:
    assert "<script" not in html
    assert "Content-Security-Policy" in html
    for tag in ("link", "iframe", "object", "embed", "script"):
        assert tag not in page.tags
    assert all(str(image["src"]).startswith("data:") for image in page.images)
    assert "@import" not in html and "url(" not in html


def test_the_report_is_reproducible(export: Path, tmp_path: Path, html: str) -> None:
    out = tmp_path / "again.html"
    write_report(export, out, agreement=AGREEMENT)
    assert out.read_text(encoding="utf-8") == html


# --- articles -------------------------------------------------------------------------------


def expected_spans() -> dict[tuple[str, str, str, str], str]:
    spans = {}
    for item in make_records():
        for label, key in (("SPEAKER", "speakers"), ("CUE", "cues"), ("INITIATIVE", "initiatives")):
            for region in item[key]:
                spans[(item["id"], label, region["id"], "0")] = region["text"]
        for q in item["quotes"]:
            for part, span in enumerate(q["spans"]):
                spans[(item["id"], "QUOTE", q["id"], str(part))] = span["text"]
    return spans


def test_every_span_is_highlighted_with_its_exact_text(page: Page) -> None:
    assert dict(page.spans) == expected_spans()


def test_every_article_text_is_on_the_page_once(page: Page, html: str) -> None:
    articles = [a for a in page.ids if a.startswith("article-")]
    assert len(articles) == 3
    assert "Read more: sco.int" in html  # boilerplate is shown, greyed


def test_quotes_link_to_their_speakers_mentions(page: Page, html: str) -> None:
    ids = set(page.ids)
    assert len(ids) == len(page.ids), "ids are unique"
    internal = [(href, cls) for href, cls in page.links if href.startswith("#")]
    assert internal
    for href, _ in internal:
        assert href[1:] in ids, href
    said = [href for href, cls in page.links if "said" in cls.split()]
    # every quote with a speaker: 3 + 2 + 1
    assert len(said) == 6
    # q2 of the SCO article is said by "He", whose canonical name is Rajnath Singh.
    assert 'title="said by Rajnath Singh (person) · support → health · direct"' in html
    assert "\u2212\u202fSergei Shoigu</a></sup>" in html


def test_quote_links_point_at_the_right_mention(page: Page) -> None:
    # Articles are sorted by id: hostile (a0), moscow (a1), sco (a2).
    said = [href for href, cls in page.links if "said" in cls.split()]
    assert said == ["#a0-s1", "#a1-s1", "#a1-s4", "#a2-s1", "#a2-s2", "#a2-s3"]


def test_initiatives_link_to_who_put_them_forward(page: Page) -> None:
    by = [href for href, cls in page.links if cls == "by"]
    # Both mentions of Rajnath Singh put the plan forward: he is named once.
    assert by == ["#a1-s2", "#a2-s1"]


def test_text_is_escaped(html: str) -> None:
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # in attributes
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in html  # in text
    assert "&lt;b&gt;we&lt;/b&gt; reject this &amp; that" in html
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_only_web_links_are_links(page: Page, html: str) -> None:
    external = [href for href, _ in page.links if not href.startswith("#")]
    assert "https://example.org/sco?a=1&b=2" in external
    assert "http://localhost:8080/projects/3/data?task=5" in external
    assert not [href for href in external if href.lower().startswith("javascript")]
    assert 'href="https://example.org/sco?a=1&amp;b=2"' in html


# --- the other sections ---------------------------------------------------------------------


def test_counts_progress_and_stances(html: str) -> None:
    for status, count in [("done", 3), ("conflicts", 2), ("invalid", 1), ("unannotated", 2)]:
        assert f"<td>{status}</td><td>{count}</td>" in html
    for label in SCHEMA.label_values:
        assert f"<td>{label}</td>" in html
    assert "<td>security</td><td>0</td><td>2</td><td>0</td>" in html
    assert "<td>(no target)</td><td>0</td><td>0</td><td>2</td>" in html


def test_speakers_are_grouped_across_mentions(page: Page, html: str) -> None:
    # "Sergei Shoigu" has two mentions and one quote; "Rajnath  Singh" (two spaces) is one
    # speaker with "Rajnath Singh": two quotes.
    assert '<a href="#a2-s1">Rajnath Singh</a></th><td>person</td><td>2</td><td>1</td>' in html
    assert '<a href="#a1-s1">Sergei Shoigu</a></th><td>person</td><td>1</td><td>1</td>' in html


def test_agreement_is_rendered_as_given(html: str) -> None:
    assert "Agreement" in html
    assert "<td>QUOTE</td><td>0.812</td><td>0.900</td><td>12</td>" in html
    assert "<td>stance</td><td>0.712</td>" in html
    assert "<td>speaker_name</td><td>\u2014</td>" in html
    assert "<td>&lt;bob&gt;</td><td>4</td><td>\u2014</td>" in html


def test_without_agreement_there_is_no_agreement_section(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(export, out)
    assert 'id="agreement"' not in out.read_text(encoding="utf-8")


def test_conflicts_and_rejected_records(html: str) -> None:
    assert "stance of QUOTE &#x27;we &lt;agree&gt;&#x27;: support (50) vs oppose (51)" in html
    assert '<a href="http://localhost:8080/projects/3/data?task=5" rel="noreferrer">' in html
    assert "<td>javascript:alert(1)</td>" in html
    assert "quote q9 has no speaker" in html
    assert "1 problem(s)" in html


def test_progress_can_be_given(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(export, out, progress={"done": 10, "to do": 5})
    text = out.read_text(encoding="utf-8")
    assert "<td>done</td><td>10</td><td>67%</td>" in text
    assert "<td>to do</td><td>5</td><td>33%</td>" in text
    assert "<td>conflicts</td>" not in text.split('id="progress"')[1].split("</section>")[0]


# --- errors ---------------------------------------------------------------------------------


def test_a_folder_that_is_not_an_export_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"not a quotegold export: it has no gold\.jsonl"):
        write_report(tmp_path, tmp_path / "report.html")
    assert list(tmp_path.iterdir()) == []


def test_invalid_gold_is_a_validation_error(export: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "report.json").write_text("{}", encoding="utf-8")
    lines = (export / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["speakers"][0]["start"] += 1
    (broken / "gold.jsonl").write_text(json.dumps(first) + "\nnot json\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"gold.jsonl:2") as raised:
        write_report(broken, tmp_path / "report.html")
    assert len(raised.value.issues) == 2


def test_a_report_json_that_is_not_an_object_is_an_error(export: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "gold.jsonl").write_bytes((export / "gold.jsonl").read_bytes())
    (copy / "report.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ExportError, match="holds no JSON object"):
        write_report(copy, tmp_path / "report.html")


# --- overlapping spans ----------------------------------------------------------------------


def mark(start: int, end: int, layer: str, rank: int, region: str) -> Mark:
    return Mark(start, end, layer, rank, (("data-region", region), ("data-part", "0")))


@pytest.mark.parametrize(
    ("marks", "html"),
    [
        ([], "abcdef"),
        (
            [mark(1, 3, "Q", 0, "q")],
            'a<mark class="l-Q" data-region="q" data-part="0">bc</mark>def',
        ),
        # nested: the inner one sits inside the outer one
        (
            [mark(0, 6, "Q", 0, "q"), mark(2, 4, "S", 1, "s")],
            '<mark class="l-Q" data-region="q" data-part="0">ab<mark class="l-S" '
            'data-region="s" data-part="0">cd</mark>ef</mark>',
        ),
        # crossing: the second is cut where the first ends
        (
            [mark(0, 4, "Q", 0, "q"), mark(2, 6, "I", 1, "i")],
            '<mark class="l-Q" data-region="q" data-part="0">ab<mark class="l-I" '
            'data-region="i" data-part="0">cd</mark></mark><mark class="l-I" data-region="i" '
            'data-part="0">ef</mark>',
        ),
        # same range: the lower rank is outside
        (
            [mark(1, 3, "S", 1, "s"), mark(1, 3, "Q", 0, "q")],
            'a<mark class="l-Q" data-region="q" data-part="0"><mark class="l-S" data-region="s" '
            'data-part="0">bc</mark></mark>def',
        ),
        # empty and out-of-range marks are left out
        ([mark(2, 2, "Q", 0, "q"), mark(4, 9, "Q", 0, "r")], "abcdef"),
    ],
    ids=["none", "one", "nested", "crossing", "same-range", "skipped"],
)
def test_render_nests_marks(marks: list[Mark], html: str) -> None:
    assert render("abcdef", marks) == html


def test_render_puts_the_anchor_first_and_the_badge_last() -> None:
    marks = [
        Mark(0, 4, "Q", 0, anchor="outer"),
        Mark(2, 6, "I", 1, anchor="inner", after="<sup>!</sup>"),
    ]
    assert render("ab<&ef", marks) == (
        '<mark id="outer" class="l-Q">ab<mark id="inner" class="l-I">&lt;&amp;</mark></mark>'
        '<mark class="l-I">ef</mark><sup>!</sup>'
    )
