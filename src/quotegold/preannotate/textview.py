"""The article as the rules see it: tokens, sentences, paragraphs and quotation-mark pairs.

Tokens come from spaCy's blank English tokenizer and sentences from the rule of its
`sentencizer` (applied here to the token offsets, `_sentence_starts`, which spares making a
spaCy `Token` per token); whitespace tokens are dropped and every newline ends a paragraph and a
sentence. Offsets are Python str indices (code points), so `text[start:end]` is a token.
Lines flagged as boilerplate are left out entirely, so no region can land in them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

OPENING_MARKS = frozenset("“«„")
CLOSING_MARKS = frozenset("”»")
STRAIGHT_MARK = '"'
QUOTE_MARKS = OPENING_MARKS | CLOSING_MARKS | {STRAIGHT_MARK}
SENTENCE_END = frozenset({".", "!", "?", "…"})
# spaCy refuses longer texts; the tokenizer itself needs no such limit, so long articles
# are cut at newlines into pieces of about this size.
CHUNK_CHARS = 100_000


@dataclass
class Pair:
    """A pair of quotation marks (token indices); `close` is None when never closed."""

    open: int
    close: int | None


@dataclass
class TextView:
    """Tokens of one article with sentence, paragraph and quotation-mark structure."""

    text: str
    words: list[str] = field(default_factory=list)
    lower: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    sents: list[tuple[int, int]] = field(default_factory=list)
    para: list[int] = field(default_factory=list)
    paras: list[tuple[int, int]] = field(default_factory=list)
    # Paragraphs that look like headlines or captions (no final punctuation).
    headline: list[bool] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    # For each token: the index in `pairs` of the closed pair whose marks enclose it, or -1.
    inside: list[int] = field(default_factory=list)
    # For each mark token: the index of its pair in `pairs`; -1 for other tokens.
    mark_pair: list[int] = field(default_factory=list)
    _inside_caps: set[str] | None = None
    _capitalised: dict[str, list[int]] | None = None

    def __len__(self) -> int:
        return len(self.words)

    def span_text(self, start: int, end: int) -> str:
        """The article text from token `start` to token `end - 1`, spacing kept."""
        return self.text[self.starts[start] : self.ends[end - 1]]

    def is_open(self, index: int) -> bool:
        """Whether the token opens a quotation-mark pair."""
        pair = self.mark_pair[index]
        return pair >= 0 and self.pairs[pair].open == index

    def is_close(self, index: int) -> bool:
        """Whether the token closes a quotation-mark pair."""
        pair = self.mark_pair[index]
        return pair >= 0 and self.pairs[pair].close == index

    def capitalised_inside(self, word: str) -> bool:
        """Whether `word` appears capitalised somewhere other than a sentence start."""
        if self._inside_caps is None:
            self._inside_caps = {
                token
                for index, token in enumerate(self.words)
                if token[:1].isupper()
                and index > self.sents[self.sent[index]][0]
                and self.words[index - 1][:1].isalnum()
            }
        return word in self._inside_caps

    def capitalised_at(self, word: str) -> list[int]:
        """The indices of the tokens that are `word`, if it is capitalised (made once per
        view: every name resolver of the article asks)."""
        if self._capitalised is None:
            found: dict[str, list[int]] = {}
            for index, token in enumerate(self.words):
                if token[:1].isupper():
                    found.setdefault(token, []).append(index)
            self._capitalised = found
        return self._capitalised.get(word, [])

    def glued(self, left: int, right: int) -> bool:
        """Whether two neighbouring tokens touch (no space between them)."""
        return self.ends[left] == self.starts[right]


def chunks(text: str, blocked: Sequence[tuple[int, int]]) -> Iterator[tuple[int, str]]:
    """Pieces of `text` (offset, piece) to tokenize, skipping blocked ranges.

    Newlines become spaces (one character for one, so offsets hold): spaCy's tokenizer
    is many times slower on text with newlines, and `build_view` finds paragraph breaks
    in the original text anyway.
    """
    position = 0
    for start, end in sorted(blocked):
        if start > position:
            yield from _split_long(text, position, start)
        position = max(position, end)
    if position < len(text):
        yield from _split_long(text, position, len(text))


def _split_long(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    while end - start > CHUNK_CHARS:
        cut = text.rfind("\n", start, start + CHUNK_CHARS)
        if cut <= start:
            cut = text.rfind(" ", start, start + CHUNK_CHARS)
        if cut <= start:
            cut = start + CHUNK_CHARS
        yield start, text[start:cut].replace("\n", " ")
        start = cut
    yield start, text[start:end].replace("\n", " ")


@cache
def _sentence_ends() -> frozenset[str]:
    """spaCy's `Sentencizer.default_punct_chars`: the characters that end a sentence."""
    from spacy.pipeline import Sentencizer

    ends = frozenset(Sentencizer.default_punct_chars)
    if any(len(end) != 1 for end in ends):  # `_sentence_starts` reads one character
        raise RuntimeError("spaCy's sentence-ending characters are no longer single characters")
    return ends


def _sentence_starts(text: str, offset: int, rows: list[list[int]]) -> list[bool]:
    """Whether each token of a piece starts a sentence, by spaCy's `Sentencizer` rule (the
    first token does; so does the first token after a sentence-ending character that is
    neither punctuation nor such a character). `rows` are the tokens' (idx, length,
    is_punct); a token's text is taken from `text` (a piece differs from it only where a
    newline became a space, which is no sentence end either way)."""
    ends = _sentence_ends()
    starts = [False] * len(rows)
    seen_end = False
    for index, (idx, length, is_punct) in enumerate(rows):
        # Every sentence-ending "character" of spaCy's list is one code point long.
        ending = length == 1 and text[offset + idx] in ends
        if seen_end and not is_punct and not ending:
            starts[index] = True
            seen_end = False
        elif ending:
            seen_end = True
    if starts:
        starts[0] = True
    return starts


def build_view(text: str, docs: Iterable[tuple[int, Any]]) -> TextView:
    """Build the view from spaCy docs of the pieces `chunks` gave, with their offsets (docs
    of the tokenizer alone: sentences are found here)."""
    from spacy.attrs import IDX, IS_PUNCT, LENGTH

    view = TextView(text)
    words, starts, ends, sent, para = view.words, view.starts, view.ends, view.sent, view.para
    sentence = paragraph = -1
    previous_end = -1
    for offset, doc in docs:
        previous_end = -1  # a piece starts a paragraph: it follows a newline or a cut
        rows = doc.to_array([IDX, LENGTH, IS_PUNCT]).tolist()
        sentence_starts = _sentence_starts(text, offset, rows)
        for (idx, length, _), sent_start in zip(rows, sentence_starts, strict=True):
            start = offset + idx
            word = text[start : start + length]
            if word.isspace():
                continue
            if previous_end < 0 or "\n" in text[previous_end:start]:
                paragraph += 1
                sentence += 1
            elif sent_start:
                sentence += 1
            words.append(word)
            starts.append(start)
            previous_end = start + length
            ends.append(previous_end)
            sent.append(sentence)
            para.append(paragraph)
    view.lower = [word.lower() for word in words]
    _pair_marks(view)
    _move_openers(view)
    view.sents = _bounds(view.sent)
    view.paras = _bounds(view.para)
    view.headline = [_is_headline(view, start, end) for start, end in view.paras]
    return view


def _number(view: TextView) -> None:
    """Renumber sentence and paragraph ids as 0, 1, 2, … in token order."""
    for ids in (view.sent, view.para):
        current, previous = -1, None
        for index, value in enumerate(ids):
            if value != previous:
                current, previous = current + 1, value
            ids[index] = current


def _bounds(ids: list[int]) -> list[tuple[int, int]]:
    """Token ranges of consecutive equal ids (which are 0, 1, 2, … in order)."""
    bounds: list[tuple[int, int]] = []
    first = 0
    for index in range(1, len(ids)):
        if ids[index] != ids[index - 1]:
            bounds.append((first, index))
            first = index
    if ids:
        bounds.append((first, len(ids)))
    return bounds


def _is_headline(view: TextView, start: int, end: int) -> bool:
    last = view.words[end - 1]
    if last in CLOSING_MARKS or last == STRAIGHT_MARK:
        last = view.words[end - 2] if end - start > 1 else last
    return last not in SENTENCE_END and end - start <= 25


def _mark_kind(view: TextView, index: int, para_start: int, para_end: int) -> str:
    """The direction a quotation mark can have: open, close, close-or-open or either."""
    word = view.words[index]
    space_before = index == para_start or not view.glued(index - 1, index)
    space_after = index + 1 == para_end or not view.glued(index, index + 1)
    if word in OPENING_MARKS:
        # 'decision.“ However': a left mark glued to the word before it may close.
        return "either" if not space_before and space_after else "open"
    if word in CLOSING_MARKS:
        return "either" if space_before and not space_after else "close"
    if not space_before and space_after:
        return "close-or-open"
    if space_before and not space_after:
        return "open"
    return "either"


def _pair_marks(view: TextView) -> None:
    """Pair quotation marks within each paragraph; a new opener abandons an unclosed one.

    A mark left open at the end of a paragraph stays open into the next when something
    introduced it in its paragraph and the next one's first quotation mark can only close
    it: a quote that runs over paragraphs with a single closing mark ('said, "I think …⏎It
    was … better."'). A paragraph that opens with an unclosed mark keeps it to itself.
    """
    count = len(view.words)
    view.inside = [-1] * count
    view.mark_pair = [-1] * count
    bounds = _bounds(view.para)
    carried: int | None = None
    for number, (para_start, para_end) in enumerate(bounds):
        opened, carried = carried, None
        for index in range(para_start, para_end):
            if view.words[index] not in QUOTE_MARKS:
                continue
            kind = _mark_kind(view, index, para_start, para_end)
            if opened is None:
                if kind == "open" or kind == "either" or _stray_opener(view, index, para_end):
                    opened = index
                continue
            if view.words[opened] == "„" and view.words[index] == "“":
                kind = "close"  # German „…“
            if kind == "open" or (kind == "either" and view.words[opened] == "«"):
                _add_pair(view, opened, None)
                opened = index
            else:
                _add_pair(view, opened, index)
                opened = None
        if (
            opened is not None
            and opened > para_start  # introduced ('said, "…'), not a paragraph of its own
            and number + 1 < len(bounds)
            and _closed_in(view, bounds[number + 1])
        ):
            carried = opened
        elif opened is not None:
            _add_pair(view, opened, None)


def _closed_in(view: TextView, bounds: tuple[int, int]) -> bool:
    """Whether the first quotation mark of the paragraph `bounds` closes, not opens: the
    paragraph goes on with a quote opened before it."""
    start, end = bounds
    for index in range(start, end):
        if view.words[index] in QUOTE_MARKS:
            return index > start and _mark_kind(view, index, start, end) in (
                "close",
                "close-or-open",
            )
    return False


def _stray_opener(view: TextView, index: int, para_end: int) -> bool:
    """A straight mark shaped like a closer with nothing open opens a quote typed without
    its space ('said," We …'), but not one closing a quote opened in an earlier paragraph
    ('… better," he said')."""
    if view.words[index] != STRAIGHT_MARK or index + 1 >= para_end:
        return False
    following = view.words[index + 1]
    return following[:1].isupper() or following[:1].isdigit() or following in ("[", "(", "…")


def _add_pair(view: TextView, opened: int, closed: int | None) -> None:
    number = len(view.pairs)
    view.pairs.append(Pair(opened, closed))
    view.mark_pair[opened] = number
    if closed is not None:
        view.mark_pair[closed] = number
        for index in range(opened + 1, closed):
            view.inside[index] = number


def _move_openers(view: TextView) -> None:
    """An opening mark that ends a sentence belongs to the next one (`.” “Next`)."""
    for pair in view.pairs:
        index = pair.open
        following = index + 1
        if (
            following < len(view.words)
            and view.sent[following] != view.sent[index]
            and view.para[following] == view.para[index]
        ):
            view.sent[index] = view.sent[following]
    _number(view)  # a mark that was a sentence of its own leaves a gap
