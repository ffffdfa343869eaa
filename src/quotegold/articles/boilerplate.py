"""Flag lines of an article that are inserted boilerplate, keeping every offset intact.

Decision: inserted boilerplate ("Also read this: …", an unrelated headline dropped between
paragraphs, "Advertisement") is FLAGGED, not stripped. Stripping would shift every offset
after it and would hide from annotators what the original page showed; instead each flagged
line travels with the task (`boilerplate`), and the guidelines tell annotators not to
annotate inside flagged lines.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Boilerplate", "find_boilerplate"]


@dataclass(frozen=True)
class Boilerplate:
    """A line flagged as inserted boilerplate: `text[start:end] == boilerplate.text`."""

    start: int
    end: int
    text: str
    reason: str


_READ_ALSO = "read-also link"
_THEN_SEPARATOR = r"(?=\s*(?:[:|»>\-\N{EN DASH}—…]|$))"
# Each pattern must match at the start of a line (after decoration such as "—" or "*").
_PROMPTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        # "Also read" never opens real prose, so anything may follow it (even no space).
        (r"(?:also\s+read|read\s+also)(?:\s+(?:this|these|here|more))?\b", _READ_ALSO),
        # These can open prose ("Read more widely…"), so a separator or the line end follows.
        (
            r"(?:read\s+more|see\s+also|must\s+read|don\W?t\s+miss|recommended"
            r"|related(?:\s+(?:news|stories|story|articles?|links?))?)" + _THEN_SEPARATOR,
            _READ_ALSO,
        ),
        (r"(?:also\s+)?watch(?:\s+(?:video|here|now))?" + _THEN_SEPARATOR, "video link"),
        (r"click\s+here\b", "click-here link"),
        (r"subscribe(?:\s+(?:to|for|now|today|here)\b|\s*$)", "subscription prompt"),
        (r"follow\s+us\b", "follow-us prompt"),
        (r"sign\s+up\b.*\bnewsletter\b", "newsletter sign-up"),
        (r"download\s+(?:the|our)\b.*\bapp\b", "app download prompt"),
        (r"join\s+(?:us|our)\b.*\b(?:whatsapp|telegram|channel)\b", "channel invitation"),
        (
            r"share\s+(?:this\s+(?:article|story|post)|on\s+(?:facebook|twitter|x|whatsapp))\b",
            "share prompt",
        ),
        (
            r"(?:advertisements?|advertisment|ads?|sponsored(?:\s+content)?"
            r"|story\s+continues\s+below(?:\s+advertisement)?|continue\s+reading(?:\s+below)?"
            r"|scroll\s+to\s+continue(?:\s+with\s+content)?)\s*$",
            "advertisement marker",
        ),
    )
)
_DECORATION = " \t*•·-\N{EN DASH}—[]()"
_PROMPT_SEPARATORS = " \t:|»>-\N{EN DASH}—…"
# A real paragraph that happens to start like a prompt is long; prompts are not.
_MAX_PROMPT_WORDS = 30
_MAX_LINKED_HEADLINE_WORDS = 20
_MAX_HEADLINE_WORDS = 12
# One- and two-word lines between paragraphs are section headings ("Election Results").
_MIN_HEADLINE_WORDS = 3
_RSQUO = "\N{RIGHT SINGLE QUOTATION MARK}"
_FINAL_PUNCTUATION = tuple(
    f".!?,;:…\"'”{_RSQUO}»)]。\N{FULLWIDTH EXCLAMATION MARK}\N{FULLWIDTH QUESTION MARK}"
    "।؟\N{ARABIC FULL STOP}"
)
_QUOTE_MARKS = '"“”«»„\N{LEFT SINGLE QUOTATION MARK}'
_WORD = re.compile(rf"[^\W\d_]+(?:['{_RSQUO}\-][^\W\d_]+)*")
# Words a Title-Case headline leaves in lower case.
_MINOR_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of", "off"}
    | {"on", "or", "over", "per", "the", "to", "up", "upon", "via", "vs", "with"}
)


class _Line(NamedTuple):
    start: int
    end: int
    text: str


def find_boilerplate(text: str) -> tuple[Boilerplate, ...]:
    """Flag whole lines of `text` that are obvious inserted boilerplate, in text order.

    Flags prompt lines ("Also read this: …", "Click here …", "Advertisement"), the headline on
    the line after a bare "Also read:", and a short Title-Case line without final punctuation
    between two paragraphs whose words mostly appear nowhere else in the article (an
    unrelated headline). The first line, the real title, is never taken for a headline.
    """
    lines = _split_lines(text)
    flags: dict[int, str] = {}
    for index, line in enumerate(lines):
        reason, bare = _prompt(line.text)
        if reason is not None:
            flags[index] = reason
            if bare and reason == _READ_ALSO:
                _flag_linked_headline(lines, index, flags)
    _flag_inserted_headlines(lines, flags, Counter(_words(text.lower())))
    return tuple(
        Boilerplate(lines[i].start, lines[i].end, lines[i].text, flags[i]) for i in sorted(flags)
    )


def _split_lines(text: str) -> list[_Line]:
    # Only "\n" ends a line: str.splitlines would also split on U+2028, \x0c and more.
    lines = []
    start = 0
    for piece in text.split("\n"):
        lines.append(_Line(start, start + len(piece), piece))
        start += len(piece) + 1
    return lines


def _prompt(line: str) -> tuple[str | None, bool]:
    """The prompt reason of a line, and whether the prompt is all the line says."""
    core = line.strip(_DECORATION)
    if len(core.split()) > _MAX_PROMPT_WORDS:
        return None, False
    for pattern, reason in _PROMPTS:
        match = pattern.match(core)
        if match:
            return reason, not core[match.end() :].strip(_PROMPT_SEPARATORS)
    return None, False


def _flag_linked_headline(lines: list[_Line], index: int, flags: dict[int, str]) -> None:
    # A bare "Also read:" puts the headline it links to on the next line.
    after = _next_content(lines, index, step=1)
    if after is None or after in flags:
        return
    if _is_title_like(lines[after].text, _MAX_LINKED_HEADLINE_WORDS):
        flags[after] = "headline after a read-also link"


def _flag_inserted_headlines(
    lines: list[_Line], flags: dict[int, str], counts: Counter[str]
) -> None:
    first = _next_content(lines, -1, step=1)
    for index, line in enumerate(lines):
        if index == first or index in flags or not _looks_like_headline(line.text):
            continue
        before = _next_content(lines, index, step=-1)
        after = _next_content(lines, index, step=1)
        if before is None or after is None:
            continue
        between_paragraphs = _is_paragraph(lines[before].text) and _is_paragraph(lines[after].text)
        if between_paragraphs and _is_unrelated(line.text, counts):
            flags[index] = "inserted headline"


def _next_content(lines: list[_Line], index: int, *, step: int) -> int | None:
    index += step
    while 0 <= index < len(lines):
        if lines[index].text.strip():
            return index
        index += step
    return None


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_title_like(line: str, max_words: int) -> bool:
    # A quotation mark means someone may be quoted: such a line is never flagged.
    line = line.strip()
    return (
        0 < len(line.split()) <= max_words
        and not line.endswith(_FINAL_PUNCTUATION)
        and not any(mark in line for mark in _QUOTE_MARKS)
    )


def _looks_like_headline(line: str) -> bool:
    words = _words(line)
    if not _is_title_like(line, _MAX_HEADLINE_WORDS) or len(words) < _MIN_HEADLINE_WORDS:
        return False
    # Caseless scripts (Devanagari, Chinese, Arabic) have no Title Case: never flagged here.
    return words[0][0].isupper() and all(
        word[0].isupper() or word.lower() in _MINOR_WORDS for word in words
    )


def _is_paragraph(line: str) -> bool:
    line = line.strip()
    long_enough = len(line.split()) > _MAX_HEADLINE_WORDS or len(line) > 80
    return long_enough and line.endswith(_FINAL_PUNCTUATION)


def _is_unrelated(line: str, counts: Counter[str]) -> bool:
    # Captions and section headings reuse the article's words; a headline of another story
    # does not. A word "appears elsewhere" when the text holds more copies than this line.
    own = Counter(_words(line.lower()))
    content = [word for word in own if word not in _MINOR_WORDS]
    elsewhere = sum(1 for word in content if counts[word] > own[word])
    return 2 * elsewhere < len(content)


# -- reading -----------------------------------------------------------------------------------
