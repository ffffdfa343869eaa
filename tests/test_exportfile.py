"""Reading Label Studio JSON exports and gold JSONL files, with located errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from quotegold.errors import Issue, Location, QuotegoldError, ValidationError
from quotegold.gold.exportfile import detect_kind, read_gold_jsonl, read_label_studio_export

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path: Path, content: str | bytes, name: str = "export.json") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_reads_an_export_from_the_ui() -> None:
    tasks = read_label_studio_export(FIXTURES / "export_full.json")
    assert [task["id"] for task in tasks] == [101, 102]
    assert tasks[1]["data"]["text"].startswith("😀🇮🇳")


def test_truncated_download_says_where_and_what_to_do(tmp_path: Path) -> None:
    path = shutil.copy(FIXTURES / "truncated.json", tmp_path / "truncated.json")
    with pytest.raises(ValidationError) as caught:
        read_label_studio_export(Path(path))
    (issue,) = caught.value.issues
    assert issue.location == Location(file=str(path), line=33)
    assert issue.message.startswith("truncated or invalid JSON at line 33 column 18: Unterminated")
    assert issue.message.endswith("download the export again from Label Studio (Export → JSON)")


BAD_EXPORTS = [
    # content, line, words
    ('[\n  {"id": 1,\n    "data": {"text": "abc"', 3, "invalid JSON at line 3 column 27"),
    ("", None, "the file is empty"),
    ("  \n", None, "the file is empty"),
    ('{"a": 1}\n{"b": 2}\n', 2, "several JSON values: is this a gold JSONL file?"),
    ("42", None, "expected a JSON list of Label Studio tasks, found a number"),
    ('"tasks"', None, "found a string"),
    ('{"foo": 1}', None, "found an object"),
    ("null", None, "found null"),
    ('[{"foo": "bar"}]', None, "item 1 of the export has no 'data' object"),
    ("[1]", None, "item 1 of the export is a number, not a task object"),
    ('[{"data": {}, "annotations": {}}]', None, "'annotations' that are not a list"),
    (b'[{"data": {"text": "\xff"}}]', None, "not UTF-8 text (bad byte at offset 20)"),
]


@pytest.mark.parametrize(("content", "line", "words"), BAD_EXPORTS)
def test_bad_export_files(
    tmp_path: Path, content: str | bytes, line: int | None, words: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(ValidationError) as caught:
        read_label_studio_export(path)
    (issue,) = caught.value.issues
    assert (issue.location.file, issue.location.line) == (str(path), line)
    assert words in issue.message


def test_every_bad_item_is_listed_with_its_task(tmp_path: Path) -> None:
    path = write(tmp_path, '[{"id": 4, "data": 1}, {"id": 5, "data": {}}, "x"]')
    with pytest.raises(ValidationError) as caught:
        read_label_studio_export(path)
    assert [(i.location.task, i.message[:9]) for i in caught.value.issues] == [
        (4, "item 1 of"),
        (None, "item 3 of"),
    ]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(QuotegoldError, match="cannot read the file"):
        read_label_studio_export(tmp_path / "nope.json")


def test_a_single_task_object_is_a_one_task_export(tmp_path: Path) -> None:
    task = {"id": 9, "data": {"text": "x", "article_id": "a"}, "annotations": []}
    path = write(tmp_path, json.dumps(task, indent=2))
    assert read_label_studio_export(path) == [task]


def test_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, b'\xef\xbb\xbf[{"id": 1, "data": {"text": "x"}}]')
    assert read_label_studio_export(path)[0]["id"] == 1


def test_gold_jsonl_keeps_good_lines_and_reports_bad_ones(tmp_path: Path) -> None:
    lines = [
        b'{"id": "a"}',
        b"",
        b'{"id": "b", ',
        b"[1, 2]",
        b'{"id": "\xff"}',
        b'\xef\xbb\xbf{"id": "c"}\r',
        b"",
    ]
    path = write(tmp_path, b"\n".join(lines), name="gold.jsonl")
    gold = read_gold_jsonl(path)
    where = str(path)
    assert list(gold) == [
        ({"id": "a"}, Location(file=where, line=1)),
        ({"id": "c"}, Location(file=where, line=6)),
    ]
    assert gold.issues == [
        Issue(
            Location(file=where, line=3),
            "invalid JSON at column 12: Expecting property name enclosed in double quotes; "
            "fix or remove the line",
        ),
        Issue(
            Location(file=where, line=4),
            "the line is a list, not a gold record object; fix or remove it",
        ),
        Issue(Location(file=where, line=5), "not UTF-8 text (byte 8); fix or remove the line"),
    ]


def test_missing_gold_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read the file"):
        read_gold_jsonl(tmp_path / "gold.jsonl")


KINDS = [
    ('[{"id": 1, "data": {}}]', "label-studio-export"),
    ('\n\n  [\n  {"id": 1}\n]', "label-studio-export"),
    ('{\n  "id": 1,\n  "data": {}\n}', "label-studio-export"),
    ('{"id": 1, "data": {"text": "x"}}', "label-studio-export"),
    ('{"id": "a", "text": "x", "provenance": {}}\n{"id": "b"}\n', "gold-jsonl"),
]


@pytest.mark.parametrize(("content", "kind"), KINDS)
def test_detect_kind(tmp_path: Path, content: str, kind: str) -> None:
    assert detect_kind(write(tmp_path, content)) == kind


def test_detect_kind_of_the_fixture() -> None:
    assert detect_kind(FIXTURES / "export_annotators.json") == "label-studio-export"


@pytest.mark.parametrize("content", ["", "hello", "42\n"])
def test_detect_kind_refuses_other_files(tmp_path: Path, content: str) -> None:
    with pytest.raises(ValidationError, match="neither a Label Studio JSON export"):
        detect_kind(write(tmp_path, content))


def test_detect_kind_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read the file"):
        detect_kind(tmp_path / "nope.json")
