"""Read news articles from `.txt` and `.jsonl` files into normalised, identified `Article`s.

Inputs: a `.txt` file holds one article; a `.jsonl` file holds one JSON object a line with a
required `text` and optional `id`, `title`, `url`, `source`, `published`, `license` (a Hub
licence id, e.g. cc-by-2.5) and `split` (train, validation or test: pins it) (other keys are
ignored, blank lines skipped); a folder is walked recursively, reading its `.txt` and `.jsonl`
files in sorted path order and skipping hidden entries and other files such as README.md.

An article may hold at most `MAX_ARTICLE_CHARS` characters: a longer one is an issue naming
its file and line. Control characters other than newline and tab are replaced by spaces in
the text (one for one: offsets do not move; the article counts them) and removed from the
metadata (`quotegold.schema.formats`).

How it works, in more detail: docs/design.md, "articles.ingest".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from quotegold.articles.boilerplate import Boilerplate, find_boilerplate
from quotegold.errors import ArticleError, Issue, Location
from quotegold.schema.formats import MAX_ID_LENGTH, replace_controls, strip_controls

__all__ = [
    "MAX_ARTICLE_CHARS",
    "OPTIONAL_FIELDS",
    "SUPPORTED_SUFFIXES",
    "Article",
    "Boilerplate",
    "IngestResult",
    "article_id_for",
    "find_boilerplate",
    "normalise_text",
    "read_articles",
]

SUPPORTED_SUFFIXES = (".txt", ".jsonl")
OPTIONAL_FIELDS = ("title", "url", "source", "published", "license", "split")
# The dataset splits an article may be pinned to (`split`), as `dataset.splits.SPLITS`.
SPLIT_NAMES = ("train", "validation", "test")
# The longest article quotegold reads, in characters (about 250 pages of text). Label Studio
# stores a task in one database row and its editor renders the whole text at once; a
# pre-annotation of a 20 MB article took minutes and gigabytes. Split longer texts.
MAX_ARTICLE_CHARS = 1_000_000


@dataclass(frozen=True)
class Article:
    """One normalised article; `origin` is its file, with ":LINE" for a `.jsonl` line."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: str | None = None
    license: str | None = None
    split: str | None = None
    origin: str = ""
    boilerplate: tuple[Boilerplate, ...] = ()
    # Control characters replaced by spaces in the text as it was read.
    control_chars_replaced: int = 0


@dataclass
class IngestResult:
    """What `read_articles` found: articles, problems, and skipped copies (origin, id kept)."""

    articles: list[Article] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)


# -- normalisation and ids -------------------------------------------------------------------

# Byte-order marks and whitespace-only lines, in any mix, before the first real line.
_LEADING_JUNK = re.compile(r"\A(?:\ufeff|[^\S\n]*\n)*")


def normalise_text(raw: str) -> str:
    """Drop leading BOMs and blank lines, turn CRLF and CR into LF, strip trailing whitespace."""
    text = _unify_newlines(raw).rstrip()
    return _LEADING_JUNK.sub("", text, count=1)


def _unify_newlines(raw: str) -> str:
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def article_id_for(text: str) -> str:
    """The id of an article without a given one: 16 hex digits of the SHA-256 of its text."""
    # Hand annotations of the seed articles are keyed by exactly this formula: do not change it.
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# -- boilerplate -------------------------------------------------------------------------------


def read_articles(paths: Iterable[Path]) -> IngestResult:
    """Read every article under `paths` (`.txt` and `.jsonl` files, or folders of them).

    Nothing is raised for bad input: each problem becomes an `Issue` naming the file (and
    line) and what to do, and the other articles still come through. Copies of an article
    already read are skipped and listed in `duplicates` as (origin of the copy, kept id).
    """
    collector = _Collector()
    for item in _input_files(paths):
        if isinstance(item, Issue):
            collector.result.issues.append(item)
            continue
        for found in _read_file(item):
            collector.add(found)
    return collector.result


class _Collector:
    """Keeps the first copy of each article and notes later copies and id clashes."""

    def __init__(self) -> None:
        self.result = IngestResult()
        # Digests, not texts, so a large corpus is held in memory once.
        self._digest_by_id: dict[str, tuple[str, str]] = {}
        self._id_by_digest: dict[str, str] = {}

    def add(self, found: Article | Issue) -> None:
        if isinstance(found, Issue):
            self.result.issues.append(found)
            return
        digest = hashlib.sha256(found.text.encode("utf-8")).hexdigest()
        if found.id in self._digest_by_id:
            self._add_known_id(found, digest)
        elif digest in self._id_by_digest:
            self.result.duplicates.append((found.origin, self._id_by_digest[digest]))
        else:
            self._digest_by_id[found.id] = (digest, found.origin)
            self._id_by_digest[digest] = found.id
            self.result.articles.append(found)

    def _add_known_id(self, found: Article, digest: str) -> None:
        kept_digest, kept_origin = self._digest_by_id[found.id]
        if kept_digest == digest:
            self.result.duplicates.append((found.origin, found.id))
            return
        message = (
            f"id {found.id!r} already used by {kept_origin} with different text; "
            "give each article its own id"
        )
        self.result.issues.append(Issue(_origin_location(found.origin), message))


def _origin_location(origin: str) -> Location:
    """Turn an article's origin ("file" or "file.jsonl:LINE") back into a location."""
    head, _, tail = origin.rpartition(":")
    if _suffix(Path(head)) == ".jsonl" and tail.isdigit():
        return Location(file=head, line=int(tail))
    return Location(file=origin)


def _input_files(paths: Iterable[Path]) -> Iterator[Path | Issue]:
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from _walk(path)
        elif not path.exists():
            yield Issue(Location(file=str(path)), "no such file or folder; check the path")
        elif _suffix(path) not in SUPPORTED_SUFFIXES:
            kind = path.suffix or "(no extension)"
            yield Issue(
                Location(file=str(path)),
                f"unsupported file type {kind}; give .txt files (one article each), .jsonl "
                "files (one JSON object a line) or a folder of them",
            )
        else:
            yield path


def _walk(folder: Path) -> Iterator[Path | Issue]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        # Hidden folders hold editor and VCS state (.git, .ipynb_checkpoints), not articles.
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        found.extend(
            Path(root, name)
            for name in files
            if not name.startswith(".") and _suffix(Path(name)) in SUPPORTED_SUFFIXES
        )
    if not found:
        yield Issue(
            Location(file=str(folder)),
            "folder holds no .txt or .jsonl files; check the path or add articles",
        )
    yield from sorted(found, key=lambda path: path.relative_to(folder).parts)


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def _read_file(path: Path) -> Iterator[Article | Issue]:
    reader = _read_jsonl if _suffix(path) == ".jsonl" else _read_txt
    try:
        yield from reader(path)
    except OSError as exc:
        message = f"cannot read the file ({exc.strerror or exc}); check that it is readable"
        yield Issue(Location(file=str(path)), message)


def _fail(where: Location, message: str) -> ArticleError:
    return ArticleError(Issue(where, message))


def _read_txt(path: Path) -> Iterator[Article | Issue]:
    where = Location(file=str(path))
    data = path.read_bytes()
    try:
        _check_bytes(data, where, at_start=True)
        unified, replaced = replace_controls(_unify_newlines(_decode(data, where, base_offset=0)))
        del data  # a large file is held once, as text
        text = _require_text(normalise_text(unified), where, empty="the file is empty")
        _check_size(text, where)
    except ArticleError as exc:
        yield exc.issue
        return
    yield Article(
        article_id_for(text),
        text,
        origin=str(path),
        boilerplate=find_boilerplate(text),
        control_chars_replaced=replaced,
    )


def _read_jsonl(path: Path) -> Iterator[Article | Issue]:
    with path.open("rb") as stream:
        yield from _jsonl_records(stream, str(path))


def _jsonl_records(stream: BinaryIO, file: str) -> Iterator[Article | Issue]:
    offset = 0
    blank = True
    # Line by line: a large corpus is never held in memory as one string.
    for number, raw in enumerate(stream, start=1):
        blank = blank and not raw.removeprefix(b"\xef\xbb\xbf").strip()
        where = Location(file=file, line=number)
        try:
            _check_bytes(raw, where, at_start=number == 1)
        except ArticleError as exc:
            yield exc.issue  # binary or UTF-16: every later line would fail the same way
            return
        try:
            article = _jsonl_article(raw, where, offset)
        except ArticleError as exc:
            yield exc.issue
        else:
            if article is not None:
                yield article
        offset += len(raw)
    if blank:  # as for an empty .txt file: say so rather than read nothing in silence
        message = "the file is empty (or only blank lines); add one JSON object a line or drop it"
        yield Issue(Location(file=file), message)


def _check_bytes(data: bytes, where: Location, *, at_start: bool) -> None:
    """Refuse UTF-16 and binary data; `where.line` is the line `data` starts on, if known."""
    if at_start and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(
            where,
            "the file is UTF-16 (it starts with a UTF-16 byte-order mark); re-save it as UTF-8",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line = (where.line or 1) + data.count(b"\n", 0, nul)
        message = "binary data (NUL bytes), not text; give articles as UTF-8 text files"
        raise _fail(replace(where, line=line), message)


def _decode(data: bytes, where: Location, *, base_offset: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = (where.line or 1) + data.count(b"\n", 0, exc.start)
        message = (
            f"not valid UTF-8: byte 0x{data[exc.start]:02X} at byte offset "
            f"{base_offset + exc.start} (line {line}); re-save the file as UTF-8"
        )
        raise _fail(replace(where, line=line), message) from None


def _check_size(text: str, where: Location) -> None:
    if len(text) > MAX_ARTICLE_CHARS:
        raise _fail(
            where,
            f"the article is {len(text):,} characters long, more than the limit of "
            f"{MAX_ARTICLE_CHARS:,} an article; split it into several articles",
        )


def _require_text(text: str, where: Location, *, empty: str) -> str:
    if not text:
        raise _fail(where, f"{empty} (or only whitespace); add the article text or drop it")
    return text


def _jsonl_article(raw: bytes, where: Location, offset: int) -> Article | None:
    line = _decode(raw, where, base_offset=offset)
    if where.line == 1:
        line = line.removeprefix("\ufeff")  # json.loads refuses a leading BOM
    if not line.strip():
        return None
    record = _load_object(line, where)
    given = _unify_newlines(_string_field(record, "text", where, required=True) or "")
    unified, replaced = replace_controls(given)
    text = _require_text(normalise_text(unified), where, empty='"text" is empty')
    _check_size(text, where)
    return Article(
        id=_given_id(record, where) or article_id_for(text),
        text=text,
        origin=f"{where.file}:{where.line}",
        boilerplate=find_boilerplate(text),
        control_chars_replaced=replaced,
        **{name: _metadata(record, name, where) for name in OPTIONAL_FIELDS},
    )


def _metadata(record: dict[str, Any], name: str, where: Location) -> str | None:
    """An optional metadata field, without control characters (None when nothing is left)."""
    value = _string_field(record, name, where)
    return strip_controls(value) or None if value is not None else None


def _load_object(line: str, where: Location) -> dict[str, Any]:
    example = 'each line must be one JSON object such as {"text": "…"}'
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        problem = exc.msg.removesuffix(" at")  # json says "Invalid control character at"
        raise _fail(where, f"not valid JSON ({problem} at column {exc.colno}); {example}") from None
    except RecursionError:
        # json recurses per level of nesting; thousands of levels overflow Python's stack.
        raise _fail(where, f"JSON nested too deeply to read; {example}") from None
    if not isinstance(record, dict):
        raise _fail(where, f"a JSON {_json_type(record)}, not an object; {example}")
    return record


def _string_field(
    record: dict[str, Any], name: str, where: Location, *, required: bool = False
) -> str | None:
    """A string field of a record; JSON null counts as absent."""
    value = record.get(name)
    if value is None and required:
        raise _fail(where, f'no "{name}" field; give the article text as "{name}"')
    if value is not None and not isinstance(value, str):
        kind = _json_type(value)
        raise _fail(where, f'"{name}" must be a string, not a JSON {kind}; quote it or drop it')
    if name == "split" and value not in (None, "", *SPLIT_NAMES):
        raise _fail(where, f'"split" is {value!r}; use one of {", ".join(SPLIT_NAMES)} or drop it')
    return value


def _given_id(record: dict[str, Any], where: Location) -> str | None:
    value = record.get("id")
    if value is None:
        return None
    hint = "or leave it out to use a hash of the text"
    # bool is an int subclass, but true/false is surely a mistake, not an id.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _fail(where, f'"id" must be a string, not a JSON {_json_type(value)}; fix it {hint}')
    ident = str(value).strip()
    if not ident:
        raise _fail(where, f'"id" is empty; give a non-empty id {hint}')
    if len(ident) > MAX_ID_LENGTH:
        raise _fail(
            where,
            f'"id" is {len(ident):,} characters long, more than the {MAX_ID_LENGTH:,} allowed; '
            f"shorten it {hint}",
        )
    return ident


_JSON_TYPES = {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}


def _json_type(value: object) -> str:
    if isinstance(value, dict):
        return "object"
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)
