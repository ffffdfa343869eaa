"""Tests for quotegold.articles.ingest: normalisation, ids, boilerplate flags and reading files."""

# The texts use curly quotes, full-width punctuation and astral letters on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotegold.articles.ingest import (
    Article,
    Boilerplate,
    article_id_for,
    find_boilerplate,
    normalise_text,
    read_articles,
)
from quotegold.errors import Issue, Location

REPOSITORY = Path(__file__).resolve().parents[1]
SEEDS = REPOSITORY / "tasks" / "seeds"
WIKINEWS = REPOSITORY / "tasks" / "wikinews" / "articles.jsonl"

PARAGRAPH = (
    "The minister told reporters on Friday that the talks had gone well and that both sides "
    "would meet again next month to finish the agreement."
)
HEADLINE = "India Sends Fourth BrahMos Missile to Philippines"
OTHER_PARAGRAPH = (
    "Officials from the two delegations said the draft still needed work on several points, "
    "including the timetable for the first joint exercises."
)


def flagged(text: str) -> list[tuple[str, str]]:
    """The (line, reason) pairs find_boilerplate flags, checking every offset on the way."""
    flags = find_boilerplate(text)
    for flag in flags:
        assert text[flag.start : flag.end] == flag.text
    return [(flag.text, flag.reason) for flag in flags]


def write_jsonl(path: Path, *records: object) -> Path:
    lines = [record if isinstance(record, str) else json.dumps(record) for record in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def only_issue(issues: list[Issue]) -> Issue:
    assert len(issues) == 1, issues
    return issues[0]


# -- normalise_text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("   \n\t\n  ", ""),
        ("plain", "plain"),
        ("\ufeffHeadline\nBody", "Headline\nBody"),
        ("a\r\nb\r\nc", "a\nb\nc"),
        ("a\rb\rc", "a\nb\nc"),
        ("a\r\r\nb", "a\n\nb"),
        ("a\n\n\nb", "a\n\n\nb"),
        ("\n\n  \nTitle\nBody", "Title\nBody"),
        ("\ufeff\r\n\r\nTitle", "Title"),
        ("  Indented first line", "  Indented first line"),
        ("Title  \nBody \t\n\n", "Title  \nBody"),
        ("Body\u00a0\u3000", "Body"),
        ("caf\u0065\u0301  two  spaces", "caf\u0065\u0301  two  spaces"),
        ("tab\tinside", "tab\tinside"),
        ("inner\ufeffbom", "inner\ufeffbom"),
    ],
    ids=repr,
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


# -- article ids -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Hello", "नमस्ते दुनिया", "你好 👋🏽", "a\nb"])
def test_article_id_is_the_documented_sha256_prefix(text: str) -> None:
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    assert article_id_for(text) == expected
    assert article_id_for(text) == article_id_for(str(text))  # stable across calls


def test_article_id_pinned_value() -> None:
    # Hand annotations of the seeds are keyed by these ids: the formula must never drift.
    assert article_id_for("Hello") == "185f8db32271fe25"


def test_same_text_in_different_spellings_of_newlines_gets_one_id(tmp_path: Path) -> None:
    (tmp_path / "unix.txt").write_bytes(b"Title\nBody line.\n")
    (tmp_path / "windows.txt").write_bytes(b"\xef\xbb\xbfTitle\r\nBody line.\r\n")
    result = read_articles([tmp_path / "unix.txt"])
    again = read_articles([tmp_path / "windows.txt"])
    assert result.articles[0].id == again.articles[0].id == article_id_for("Title\nBody line.")


# -- find_boilerplate: prompt lines ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Also read this:India deployed INS Tarkash", "read-also link"),
        ("Also read: Five things to know", "read-also link"),
        ("ALSO READ | Army chief visits Leh", "read-also link"),
        ("Also Read", "read-also link"),
        ("Read also: the full statement", "read-also link"),
        ("READ MORE", "read-also link"),
        ("Read more: https://example.com/story", "read-also link"),
        ("Read More »", "read-also link"),
        ("See also: Timeline of the talks", "read-also link"),
        ("Related: Border talks stall", "read-also link"),
        ("Don't miss: Our coverage", "read-also link"),
        ("— Also read: Five things to know", "read-also link"),
        ("Click here to read the full report", "click-here link"),
        ("Subscribe to our YouTube channel", "subscription prompt"),
        ("Subscribe", "subscription prompt"),
        ("Follow us on Twitter and Facebook", "follow-us prompt"),
        ("Sign up for our newsletter", "newsletter sign-up"),
        ("Sign up to the daily newsletter here", "newsletter sign-up"),
        ("Advertisement", "advertisement marker"),
        ("ADVERTISEMENT", "advertisement marker"),
        ("- Advertisement -", "advertisement marker"),
        ("Story continues below advertisement", "advertisement marker"),
        ("Download the app for breaking news", "app download prompt"),
        ("Join our WhatsApp channel for updates", "channel invitation"),
        ("Share this article", "share prompt"),
        ("Watch: Minister speaks at summit", "video link"),
    ],
)
def test_prompt_lines_are_flagged(line: str, reason: str) -> None:
    text = f"Real Title\n{PARAGRAPH}\n{line}\n{OTHER_PARAGRAPH}"
    assert flagged(text) == [(line, reason)]


@pytest.mark.parametrize(
    "line",
    [
        "Read more widely, the report says, and the picture changes.",
        "Readers can also read the full statement on the ministry website.",
        "He said the advertisement was misleading.",
        "Subscribers pay more this year, the company said.",
        "Follow-up talks are planned for next month.",
        "“Also read the fine print,” she said.",
        "Advertisement revenue fell by a third last year, the report found.",
        "Click " + "here " * 40,
        "Watching the talks closely, analysts noted a change in tone.",
    ],
)
def test_prose_that_looks_like_a_prompt_is_not_flagged(line: str) -> None:
    assert flagged(f"Real Title\n{PARAGRAPH}\n{line}\n{OTHER_PARAGRAPH}") == []


def test_headline_on_the_line_after_a_bare_read_also() -> None:
    headline = "India Deploys Third Ship for Sudan Evacuation"
    text = f"Title\n{PARAGRAPH}\nAlso read:\n{headline}\n{PARAGRAPH}"
    assert flagged(text) == [
        ("Also read:", "read-also link"),
        (headline, "headline after a read-also link"),
    ]


def test_headline_after_read_also_skips_blank_lines_and_needs_no_title_case() -> None:
    text = f"Title\n{PARAGRAPH}\nREAD MORE\n\ncabinet approves new drone rules\n{PARAGRAPH}"
    assert flagged(text) == [
        ("READ MORE", "read-also link"),
        ("cabinet approves new drone rules", "headline after a read-also link"),
    ]


@pytest.mark.parametrize(
    "after",
    [
        pytest.param(PARAGRAPH, id="the article resumes"),
        pytest.param("“We will fight together,” Singh said", id="a quote line"),
        pytest.param("Singh Says ‘We Will Fight’ at Summit", id="quotation marks"),
        pytest.param("A line that ends with a colon:", id="final punctuation"),
        pytest.param("word " * 21, id="longer than 20 words"),
    ],
)
def test_line_after_read_also_is_kept_when_it_is_not_a_headline(after: str) -> None:
    text = f"Title\n{PARAGRAPH}\nAlso read:\n{after}\n{OTHER_PARAGRAPH}"
    assert flagged(text) == [("Also read:", "read-also link")]


def test_read_also_with_its_headline_on_the_same_line_leaves_the_next_line() -> None:
    # The seed layout: the link carries its headline, so the next line is the article again.
    text = f"Title\n{PARAGRAPH}\nAlso read this:Army Gets New Chief\nShort Next Line\n{PARAGRAPH}"
    assert flagged(text) == [("Also read this:Army Gets New Chief", "read-also link")]


# -- find_boilerplate: inserted headlines ------------------------------------------------------


def test_inserted_headline_between_paragraphs() -> None:
    text = f"Real Title\n{PARAGRAPH}\n{HEADLINE}\n{OTHER_PARAGRAPH}"
    assert flagged(text) == [
        ("India Sends Fourth BrahMos Missile to Philippines", "inserted headline")
    ]


def test_inserted_headline_with_blank_lines_around_it() -> None:
    headline = "Pakistan Tests New Cruise Missile Near Karachi"
    text = f"Real Title\n\n{PARAGRAPH}\n\n{headline}\n\n{PARAGRAPH}"
    assert flagged(text) == [
        ("Pakistan Tests New Cruise Missile Near Karachi", "inserted headline")
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            f"{HEADLINE}\n{PARAGRAPH}\n{OTHER_PARAGRAPH}", id="the first line is the title"
        ),
        pytest.param(f"\n\n{HEADLINE}\n{PARAGRAPH}\n{OTHER_PARAGRAPH}", id="title after blanks"),
        pytest.param(f"T\n{PARAGRAPH}\nElection Results\n{OTHER_PARAGRAPH}", id="2-word heading"),
        pytest.param(f"T\n{PARAGRAPH}\nSuperstars\n{OTHER_PARAGRAPH}", id="1-word heading"),
        pytest.param(
            f"T\n{PARAGRAPH}\nThe Minister Told Reporters About Talks\n{OTHER_PARAGRAPH}",
            id="the article's own words: a caption or sub-heading",
        ),
        pytest.param(f"T\n{PARAGRAPH}\n{HEADLINE.lower()}\n{OTHER_PARAGRAPH}", id="not Title Case"),
        pytest.param(f"T\n{PARAGRAPH}\n{HEADLINE}.\n{OTHER_PARAGRAPH}", id="full stop"),
        pytest.param(f"T\n{PARAGRAPH}\n“{HEADLINE}”\n{OTHER_PARAGRAPH}", id="quoted"),
        pytest.param(
            f"T\n{PARAGRAPH}\nPakistan Says “No Deal” on Karachi Port\n{PARAGRAPH}", id="quote mark"
        ),
        pytest.param(f"T\n{PARAGRAPH}\n{HEADLINE}", id="no paragraph after it"),
        pytest.param(f"T\nShort line\n{HEADLINE}\n{PARAGRAPH}", id="no paragraph before it"),
        pytest.param(
            f"T\n{PARAGRAPH}\n{HEADLINE} After Long Delay Over Payment Terms\n{OTHER_PARAGRAPH}",
            id="longer than 12 words",
        ),
    ],
)
def test_lines_that_are_not_inserted_headlines(text: str) -> None:
    assert flagged(text) == []


# -- find_boilerplate: the real seeds and the Wikinews corpus ----------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "000_39aac9fc28ccbe21.txt",
            [
                (
                    "Also read this:India deployed INS Tarkash, third naval ship for Sudan "
                    "evacuation operation: FS Kwatra",
                    "read-also link",
                )
            ],
        ),
        (
            "001_db0fe492c880503f.txt",
            [("India Sends Fourth BrahMos Missile to Philippines", "inserted headline")],
        ),
    ],
)
def test_seed_boilerplate(name: str, expected: list[tuple[str, str]]) -> None:
    result = read_articles([SEEDS / name])
    assert result.issues == []
    [article] = result.articles
    assert flagged(article.text) == expected
    assert [(flag.text, flag.reason) for flag in article.boilerplate] == expected


def test_seed_line_numbers() -> None:
    # Pin where the flags sit, so a change in line handling shows up here.
    articles = read_articles([SEEDS]).articles
    lines = [
        [article.text.count("\n", 0, flag.start) + 1 for flag in article.boilerplate]
        for article in articles
    ]
    assert lines == [[12], [5]]


def test_wikinews_corpus_has_no_boilerplate_flags() -> None:
    # Inspected by hand: the corpus has captions ("Michael Tien of NPP"), section headings
    # ("Election Results", "Group G — Belgium 3 – 0 Panama", "Superstars") and date lines, and
    # no inserted boilerplate; none of these may be flagged, and no quote line either.
    result = read_articles([WIKINEWS])
    assert result.issues == []
    assert len(result.articles) == 24
    flags = [(a.id, flag.text) for a in result.articles for flag in a.boilerplate]
    assert flags == []


def test_wikinews_titles_and_metadata_come_through() -> None:
    article = read_articles([WIKINEWS]).articles[0]
    assert article.id == "wikinews-afghan"
    assert article.title is not None and article.title.startswith("After visa snags")
    assert article.source == "Wikinews"
    assert article.published == "2017-07-18"
    assert article.url is not None and article.url.startswith("https://en.wikinews.org/")
    assert article.origin == f"{WIKINEWS}:1"


# -- find_boilerplate: offsets in any script ---------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "headline"),
    [
        (
            "प्रधानमंत्री ने कहा कि आतंकवाद के खिलाफ लड़ाई जारी रहेगी। 🇮🇳 " * 3,
            "सेना प्रमुख ने लद्दाख का दौरा किया",
        ),
        ("外交部发言人表示，双方将继续加强合作。😀 " * 4, "上海合作组织防长会议在阿斯塔纳举行"),
        (
            "قال الوزير إن المحادثات كانت مثمرة وإن الجانبين سيلتقيان مرة أخرى. 🤝 " * 3,
            "الجيش يعلن عن مناورات جديدة",
        ),
        (
            "Emoji 👩🏽‍🚀 and astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 text keep offsets honest, the tests say. " * 2,
            "Ship 🚢 Launch Set",
        ),
    ],
)
def test_offsets_hold_in_any_script(paragraph: str, headline: str) -> None:
    lines = ["Title 🎉", paragraph, "Also read:", headline, paragraph, "Advertisement", paragraph]
    text = "\r\n".join(lines)
    normalised = normalise_text(text)
    flags = find_boilerplate(normalised)
    assert [(flag.text, flag.reason) for flag in flags] == [
        ("Also read:", "read-also link"),
        (headline, "headline after a read-also link"),
        ("Advertisement", "advertisement marker"),
    ]
    for flag in flags:
        assert normalised[flag.start : flag.end] == flag.text


def test_caseless_scripts_are_never_taken_for_title_case_headlines() -> None:
    paragraph = "प्रधानमंत्री ने कहा कि आतंकवाद के खिलाफ लड़ाई जारी रहेगी और सहयोग बढ़ेगा। " * 2
    text = f"शीर्षक\n{paragraph}\nसेना प्रमुख ने लद्दाख का दौरा किया\n{paragraph}"
    assert find_boilerplate(text) == ()


def test_only_newline_ends_a_line() -> None:
    # U+2028 and form feed are not line breaks for Label Studio offsets: the line stays whole.
    text = f"Title\n{PARAGRAPH}\nAdvertisement\u2028more\n{PARAGRAPH}"
    assert find_boilerplate(text) == ()
    text = f"Title\n{PARAGRAPH}\nAlso read: one\u2028two\n{PARAGRAPH}"
    assert flagged(text) == [("Also read: one\u2028two", "read-also link")]


# -- hypothesis ------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "\n",
        "\r\n",
        "\r",
        "\ufeff",
        " ",
        "\t",
        "Also read: ",
        "READ MORE",
        "Advertisement",
        "India Sends Fourth BrahMos Missile to Philippines",
        PARAGRAPH,
        "👩🏽‍🚀",
        "𝔘𝔫𝔦",
        "नमस्ते",
        "你好。",
        "مرحبا",
        "\u2028",
    ]
)
TEXTS = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=30).map("".join)


@given(TEXTS)
def test_flags_always_slice_back_to_their_text(raw: str) -> None:
    for text in (raw, normalise_text(raw)):
        flags = find_boilerplate(text)
        for flag in flags:
            assert text[flag.start : flag.end] == flag.text
            assert "\n" not in flag.text
        assert [flag.start for flag in flags] == sorted({flag.start for flag in flags})


@given(TEXTS)
def test_normalise_text_is_idempotent(raw: str) -> None:
    once = normalise_text(raw)
    assert normalise_text(once) == once
    assert "\r" not in once
    assert once == once.rstrip()


# -- read_articles: .txt files -----------------------------------------------------------------


def test_txt_article(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text(f"Title\n{PARAGRAPH}\nAdvertisement\n{PARAGRAPH}\n", encoding="utf-8")
    result = read_articles([path])
    assert result.issues == [] and result.duplicates == []
    [article] = result.articles
    assert article == Article(
        id=article_id_for(article.text),
        text=f"Title\n{PARAGRAPH}\nAdvertisement\n{PARAGRAPH}",
        origin=str(path),
        boilerplate=(
            Boilerplate(
                len(PARAGRAPH) + 7, len(PARAGRAPH) + 20, "Advertisement", "advertisement marker"
            ),
        ),
    )
    assert article.title is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"Title\r\nBody\r\nAdvertisement\r\nMore", "Title\nBody\nAdvertisement\nMore"),
        (b"Title\rBody\rAdvertisement\rMore", "Title\nBody\nAdvertisement\nMore"),
        (b"\xef\xbb\xbfTitle\nBody\nAdvertisement\nMore", "Title\nBody\nAdvertisement\nMore"),
    ],
    ids=["crlf", "lone-cr", "bom"],
)
def test_txt_newlines_and_bom_are_normalised(tmp_path: Path, raw: bytes, expected: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(raw)
    [article] = read_articles([path]).articles
    assert article.text == expected
    [flag] = article.boilerplate
    assert (flag.start, flag.end) == (11, 24)
    assert article.text[flag.start : flag.end] == "Advertisement"


@pytest.mark.parametrize(
    ("raw", "line", "words"),
    [
        (b"", None, ["empty"]),
        (b"  \n\t\r\n \n", None, ["empty", "whitespace"]),
        (b"\xef\xbb\xbf\n", None, ["empty"]),
        (b"\x00\x01\x02binary\x00", 1, ["binary", "NUL"]),
        (b"text\nmore\x00", 2, ["binary"]),
        (b"\xff\xfeT\x00i\x00", None, ["UTF-16", "re-save", "UTF-8"]),
        (b"Hello\nwor\xffld", 2, ["UTF-8", "0xFF", "byte offset 9", "line 2", "re-save"]),
        (b"caf\xe9\n", 1, ["UTF-8", "0xE9", "byte offset 3", "line 1"]),
    ],
    ids=repr,
)
def test_bad_txt_files_become_issues(
    tmp_path: Path, raw: bytes, line: int | None, words: list[str]
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(raw)
    good = tmp_path / "good.txt"
    good.write_text("A good article.", encoding="utf-8")
    result = read_articles([bad, good])
    issue = only_issue(result.issues)
    assert issue.location == Location(file=str(bad), line=line)
    for word in words:
        assert word in issue.message
    assert [article.origin for article in result.articles] == [str(good)]


@pytest.mark.parametrize(
    ("raw", "text", "replaced"),
    [
        (b"Title\nBody\x0bmore", "Title\nBody more", 1),
        (b"Title\r\nOK\r\nBell\x07 rang", "Title\nOK\nBell  rang", 1),
        (b"A\x0cB\x1bC", "A B C", 2),
        (b"Del \x7f end", "Del   end", 1),
        # U+0083 and U+0085, common in scraped news: one stray one no longer refuses the file.
        ("C1 \u0083 and \u0085 next".encode(), "C1   and   next", 2),
    ],
    ids=repr,
)
def test_control_characters_are_replaced_one_for_one_and_counted(
    tmp_path: Path, raw: bytes, text: str, replaced: int
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(raw)
    result = read_articles([path])
    assert result.issues == []
    [article] = result.articles
    assert (article.text, article.control_chars_replaced) == (text, replaced)


def test_control_characters_are_stripped_from_metadata(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        {
            "id": "x",
            "text": "Singh\u0083 said it.",
            "title": "Ti\u0000tle\u001b[31m",
            "url": "https://example.org/\u0007a",
            "source": "\u0085",
            "published": "2024\u009b-01-01",
        },
    )
    [article] = read_articles([path]).articles
    assert (article.text, article.control_chars_replaced) == ("Singh  said it.", 1)
    assert (article.title, article.url) == ("Title[31m", "https://example.org/a")
    assert (article.source, article.published) == (None, "2024-01-01")


def test_tab_and_unicode_separators_are_not_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Col\tumn\u2028sep\u00a0nbsp", encoding="utf-8")
    result = read_articles([path])
    assert result.issues == []
    assert result.articles[0].text == "Col\tumn\u2028sep\u00a0nbsp"


# -- read_articles: .jsonl files ---------------------------------------------------------------


def test_jsonl_articles_with_metadata(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        {
            "id": " art-1 ",
            "title": "T",
            "url": "u",
            "source": "s",
            "published": "2024",
            "license": "cc-by-2.5",
            "split": "test",
            "text": "One.",
        },
        "",
        "   ",
        {"text": "Two.\r\nLines.", "title": None, "extra": [1, 2]},
        {"id": 7, "text": "Three."},
    )
    result = read_articles([path])
    assert result.issues == []
    one, two, three = result.articles
    assert one == Article(
        id="art-1",
        text="One.",
        title="T",
        url="u",
        source="s",
        published="2024",
        license="cc-by-2.5",
        split="test",
        origin=f"{path}:1",
    )
    assert (two.id, two.text, two.title, two.origin) == (
        article_id_for("Two.\nLines."),
        "Two.\nLines.",
        None,
        f"{path}:4",
    )
    assert (three.id, three.origin) == ("7", f"{path}:5")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('{"text": "unterminated', ["not valid JSON", "column", "one JSON object"]),
        ("not json at all", ["not valid JSON"]),
        ('["a", "list"]', ["JSON array, not an object"]),
        ('"just a string"', ["JSON string, not an object"]),
        ("42", ["JSON number, not an object"]),
        ("null", ["JSON null, not an object"]),
        ('{"title": "no text"}', ['no "text" field']),
        ('{"text": null}', ['no "text" field']),
        ('{"text": 12}', ['"text" must be a string, not a JSON number']),
        ('{"text": ["a"]}', ['"text" must be a string, not a JSON array']),
        ('{"text": ""}', ['"text" is empty']),
        ('{"text": " \\n\\t "}', ['"text" is empty', "whitespace"]),
        ('{"text": "ok", "title": 5}', ['"title" must be a string, not a JSON number']),
        ('{"text": "ok", "url": {"a": 1}}', ['"url" must be a string, not a JSON object']),
        ('{"text": "ok", "source": true}', ['"source" must be a string, not a JSON boolean']),
        ('{"text": "ok", "published": 2017}', ['"published" must be a string']),
        ('{"text": "ok", "license": 2.5}', ['"license" must be a string']),
        ('{"text": "ok", "split": "dev"}', ["\"split\" is 'dev'; use one of train, validation"]),
        ('{"text": "ok", "id": ""}', ['"id" is empty']),
        ('{"text": "ok", "id": "   "}', ['"id" is empty']),
        ('{"text": "ok", "id": 1.5}', ['"id" must be a string, not a JSON number']),
        ('{"text": "ok", "id": true}', ['"id" must be a string, not a JSON boolean']),
        ('{"text": "ok", "id": ["x"]}', ['"id" must be a string, not a JSON array']),
    ],
)
def test_bad_jsonl_line_among_good_lines(tmp_path: Path, line: str, words: list[str]) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", {"text": "First."}, line, {"text": "Third."})
    result = read_articles([path])
    issue = only_issue(result.issues)
    assert str(issue.location) == f"{path}:2"
    for word in words:
        assert word in issue.message
    assert [article.text for article in result.articles] == ["First.", "Third."]
    assert [article.origin for article in result.articles] == [f"{path}:1", f"{path}:3"]


def test_jsonl_non_utf8_line_names_line_and_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"text": "One."}\n{"text": "Tw\xe9."}\n{"text": "Three."}\n')
    result = read_articles([path])
    issue = only_issue(result.issues)
    assert issue.location == Location(file=str(path), line=2)
    assert "byte offset 29" in issue.message and "line 2" in issue.message
    assert "re-save" in issue.message
    assert [article.text for article in result.articles] == ["One.", "Three."]


def test_jsonl_with_bom_and_crlf_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "One."}\r\n{"text": "Two."}\r\n')
    result = read_articles([path])
    assert result.issues == []
    assert [article.text for article in result.articles] == ["One.", "Two."]


@pytest.mark.parametrize(
    ("raw", "line", "words", "kept"),
    [
        (b'{"text": "a"}\n\x00\x00\x00\n{"text": "b"}\n', 2, ["binary", "NUL"], ["a"]),
        ('{"text": "a"}\n{"text": "b"}\n'.encode("utf-16"), 1, ["UTF-16", "re-save"], []),
    ],
    ids=["binary", "utf-16"],
)
def test_jsonl_binary_or_utf16_stops_the_file(
    tmp_path: Path, raw: bytes, line: int, words: list[str], kept: list[str]
) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(raw)
    result = read_articles([path])
    issue = only_issue(result.issues)
    assert issue.location == Location(file=str(path), line=line)
    assert all(word in issue.message for word in words)
    assert [article.text for article in result.articles] == kept


# -- read_articles: paths, folders, duplicates -------------------------------------------------


def test_missing_path_and_unsupported_file(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# notes", encoding="utf-8")
    (tmp_path / "ok.txt").write_text("An article.", encoding="utf-8")
    result = read_articles([tmp_path / "nope.txt", tmp_path / "notes.md", tmp_path / "ok.txt"])
    missing, unsupported = result.issues
    assert missing.location == Location(file=str(tmp_path / "nope.txt"))
    assert "no such file or folder" in missing.message
    assert unsupported.location == Location(file=str(tmp_path / "notes.md"))
    assert "unsupported file type .md" in unsupported.message and ".jsonl" in unsupported.message
    assert len(result.articles) == 1


def test_folder_walk_order_and_filters(tmp_path: Path) -> None:
    files = {
        "b.txt": "B.",
        "a.jsonl": '{"text": "A1."}\n{"text": "A2."}',
        "README.md": "not an article",
        "sub/c.txt": "C.",
        "sub/deeper/d.TXT": "D.",
        "a/z.txt": "Z.",
        ".hidden.txt": "hidden file",
        ".git/e.txt": "hidden folder",
        "image.png": "\x89PNG",
    }
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    result = read_articles([tmp_path])
    assert result.issues == []
    assert [article.text for article in result.articles] == ["Z.", "A1.", "A2.", "B.", "C.", "D."]
    assert result.articles[1].origin == f"{tmp_path / 'a.jsonl'}:1"


def test_empty_folder_is_an_issue(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("nothing here", encoding="utf-8")
    issue = only_issue(read_articles([tmp_path]).issues)
    assert issue.location == Location(file=str(tmp_path))
    assert "no .txt or .jsonl files" in issue.message


def test_same_text_in_txt_and_jsonl_is_a_duplicate(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Same article.\r\n", encoding="utf-8")
    path = write_jsonl(tmp_path / "b.jsonl", {"text": "Other."}, {"text": "Same article."})
    result = read_articles([tmp_path / "a.txt", path])
    assert result.issues == []
    assert [article.text for article in result.articles] == ["Same article.", "Other."]
    assert result.duplicates == [(f"{path}:2", article_id_for("Same article."))]


def test_same_text_under_another_id_is_a_duplicate_of_the_kept_id(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", {"id": "x", "text": "Same."}, {"id": "y", "text": "Same."}
    )
    result = read_articles([path])
    assert [article.id for article in result.articles] == ["x"]
    assert result.duplicates == [(f"{path}:2", "x")]


def test_same_file_twice_is_all_duplicates(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", {"id": "x", "text": "One."}, {"text": "Two."})
    result = read_articles([path, path])
    assert len(result.articles) == 2
    assert result.duplicates == [(f"{path}:1", "x"), (f"{path}:2", article_id_for("Two."))]


def test_same_id_with_different_text_is_an_issue(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        {"id": "x", "text": "One."},
        {"id": "x", "text": "Changed."},
        {"id": "y", "text": "Two."},
    )
    result = read_articles([path])
    issue = only_issue(result.issues)
    assert issue.location == Location(file=str(path), line=2)
    assert issue.message == (
        f"id 'x' already used by {path}:1 with different text; give each article its own id"
    )
    assert [article.id for article in result.articles] == ["x", "y"]
    assert result.articles[0].text == "One."


def test_given_id_clashing_with_a_txt_hash_id(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Text file.", encoding="utf-8")
    path = write_jsonl(tmp_path / "b.jsonl", {"id": article_id_for("Text file."), "text": "Other."})
    issue = only_issue(read_articles([tmp_path / "a.txt", path]).issues)
    assert issue.location == Location(file=str(path), line=1)
    assert f"already used by {tmp_path / 'a.txt'}" in issue.message


def test_large_jsonl_streams(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        for number in range(2000):
            stream.write(json.dumps({"text": f"Article number {number}."}) + "\n")
    result = read_articles([path])
    assert len(result.articles) == 2000 and result.issues == []
    assert result.articles[-1].origin == f"{path}:2000"
