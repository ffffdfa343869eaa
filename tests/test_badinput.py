"""The bad-input corpus (tests/badinput/): broken articles and broken export files.

Every input goes through the entry point a user would hit: `read_articles` (what `quotegold
push` and `quotegold tasks` read) for articles, `quotegold validate` and `quotegold export
--from-file` for Label Studio exports. Each must give a located, readable message and no
traceback, and no valid record may be lost: every bad file holds a good article or task too,
and that one must come through.

Two outcomes are right for an export file. A broken *task* (wrong types, bad offsets,
unknown names, cycles, …) is left out with located problems and the good task is exported
(exit 0, the problems in the report). A broken *file* (not JSON, not UTF-8, truncated,
empty, an item that is not a task) is refused whole: exit 1 and the previous export stays as
it was, byte for byte. Big inputs are made at test time by `badinput/generate.py`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from badinput import generate
from quotegold.articles.ingest import MAX_ARTICLE_CHARS, article_id_for, read_articles
from quotegold.cli.data import PROBLEMS_SHOWN
from quotegold.cli.main import app
from quotegold.gold.sources import shown_path
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo

CORPUS = Path(__file__).parent / "badinput"
ARTICLES = CORPUS / "articles"
EXPORTS = CORPUS / "exports"
GOOD_ARTICLE = json.loads((ARTICLES / "truncated.jsonl").read_text("utf-8").splitlines()[0])
GOOD_TASK: dict[str, Any] = json.loads((EXPORTS / "unknown_label.json").read_text("utf-8"))[0]

runner = CliRunner()


def folder_digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def assert_no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and "Traceback" not in result.stderr


# -- articles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleCase:
    """A bad article file: where its one issue is (line, None for the whole file) and what it
    says; the .jsonl files also hold the good article `good-1`, which must be read."""

    file: str
    line: int | None
    words: tuple[str, ...]


ARTICLE_CASES = [
    ArticleCase("truncated.jsonl", 2, ("not valid JSON", "Unterminated string")),
    ArticleCase("text_a_number.jsonl", 2, ('"text" must be a string, not a JSON number',)),
    ArticleCase("text_a_list.jsonl", 2, ('"text" must be a string, not a JSON array',)),
    ArticleCase("text_missing.jsonl", 2, ('no "text" field',)),
    ArticleCase("text_empty.jsonl", 2, ('"text" is empty', "whitespace")),
    ArticleCase("id_a_boolean.jsonl", 2, ('"id" must be a string, not a JSON boolean',)),
    ArticleCase("id_an_object.jsonl", 2, ('"id" must be a string, not a JSON object',)),
    ArticleCase("title_a_number.jsonl", 2, ('"title" must be a string, not a JSON number',)),
    ArticleCase("null_line.jsonl", 2, ("a JSON null, not an object",)),
    ArticleCase("array_line.jsonl", 2, ("a JSON array, not an object",)),
    ArticleCase("non_utf8.jsonl", 2, ("not valid UTF-8", "0xE9", "re-save")),
    ArticleCase("same_id_other_text.jsonl", 2, ("id 'good-1' already used", "different text")),
    ArticleCase("non_utf8.txt", 1, ("not valid UTF-8", "0xE9")),
    ArticleCase("empty.txt", None, ("the file is empty",)),
    ArticleCase("empty.jsonl", None, ("the file is empty",)),
    ArticleCase("whitespace_only.txt", None, ("the file is empty", "whitespace")),
    ArticleCase("utf16.txt", None, ("UTF-16", "re-save it as UTF-8")),
    ArticleCase("nul_bytes.txt", 1, ("binary data (NUL bytes)",)),
]

# Odd but valid: read, normalised (BOM dropped, CRLF turned into LF).
BOM_CRLF_TEXT = "Singh said it.\nTalks went well."
# Control characters are replaced by spaces one for one, and counted.
CONTROLS_TXT = "Singh said  it.\nTalks went  well."
ACCEPTED_ARTICLES = {
    "bom_crlf.txt": {article_id_for(BOM_CRLF_TEXT): BOM_CRLF_TEXT},
    "bom_crlf.jsonl": {"good-1": GOOD_ARTICLE["text"], "crlf-2": "Line one.\nLine two."},
    "control_chars.txt": {article_id_for(CONTROLS_TXT): CONTROLS_TXT},
    "control_chars.jsonl": {"good-1": GOOD_ARTICLE["text"], "bad": "Singh  said  it."},
    "c1_control_in_text.jsonl": {
        "good-1": GOOD_ARTICLE["text"],
        "c1": "Scraped  text: Singh said it.",
    },
    "controls_in_metadata.jsonl": {"good-1": GOOD_ARTICLE["text"], "meta": "Singh said it."},
}
CONTROLS_REPLACED = {
    "control_chars.txt": 2,
    "control_chars.jsonl": 2,
    "c1_control_in_text.jsonl": 1,
}


@pytest.fixture(scope="module")
def good_txt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.txt"
    path.write_text(GOOD_ARTICLE["text"], encoding="utf-8")
    return path


@pytest.mark.parametrize("case", ARTICLE_CASES, ids=lambda case: case.file)
def test_bad_article_is_one_located_issue_and_the_good_one_is_read(
    case: ArticleCase, good_txt: Path
) -> None:
    path = ARTICLES / case.file
    result = read_articles([path, good_txt])
    (issue,) = result.issues
    assert issue.location.file == str(path)
    assert issue.location.line == case.line
    for words in case.words:
        assert words in issue.message
    assert "\n" not in str(issue)
    read = {article.id: article.text for article in result.articles}
    assert GOOD_ARTICLE["text"] in read.values()
    if case.file.endswith(".jsonl") and case.file != "empty.jsonl":
        assert read.get("good-1") == GOOD_ARTICLE["text"]


@pytest.mark.parametrize(("file", "expected"), ACCEPTED_ARTICLES.items())
def test_odd_but_valid_articles_are_read_normalised(file: str, expected: dict[str, str]) -> None:
    result = read_articles([ARTICLES / file])
    assert result.issues == []
    assert {article.id: article.text for article in result.articles} == expected
    replaced = sum(article.control_chars_replaced for article in result.articles)
    assert replaced == CONTROLS_REPLACED.get(file, 0)


def test_control_characters_are_stripped_from_an_articles_metadata() -> None:
    articles = read_articles([ARTICLES / "controls_in_metadata.jsonl"]).articles
    meta = {article.id: article for article in articles}["meta"]
    assert (meta.title, meta.url, meta.source) == ("Bad[31mtitle", "https://example.org/a", "Wire")


def test_deeply_nested_article_line_is_an_issue_not_a_crash(tmp_path: Path) -> None:
    path = generate.deep_jsonl(tmp_path / "deep.jsonl", GOOD_ARTICLE)
    result = read_articles([path])
    (issue,) = result.issues
    assert (issue.location.file, issue.location.line) == (str(path), 2)
    assert "nested too deeply" in issue.message
    assert [article.id for article in result.articles] == ["good-1"]


def test_a_10_mb_single_line_article_is_over_the_limit(tmp_path: Path) -> None:
    path = generate.long_line_jsonl(tmp_path / "long.jsonl", GOOD_ARTICLE)
    result = read_articles([path])
    (issue,) = result.issues
    assert (issue.location.file, issue.location.line) == (str(path), 2)
    assert f"the limit of {MAX_ARTICLE_CHARS:,}" in issue.message
    assert [article.id for article in result.articles] == ["good-1"]


def test_a_50_mb_article_is_over_the_limit(tmp_path: Path) -> None:
    path = generate.huge_article(tmp_path / "huge.txt", megabytes=50)
    result = read_articles([path])
    (issue,) = result.issues
    assert issue.location.file == str(path)
    # ASCII only: one byte a character; only the final newline is stripped.
    assert f"is {path.stat().st_size - 1:,} characters long" in issue.message
    assert result.articles == []


def test_a_push_whose_every_input_is_bad_creates_no_project(
    label_studio: ServerInfo, client: LabelStudioClient, title: str
) -> None:
    bad = [ARTICLES / name for name in ("empty.txt", "utf16.txt", "nul_bytes.txt")]
    result = runner.invoke(
        app,
        ["push", *map(str, bad), "--project", title],
        env={"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.api_key},
    )
    assert_no_traceback(result)
    assert result.exit_code == 1
    assert "articles skipped (3)" in result.stderr and "nothing pushed" in result.stderr
    assert client.find_project(title) is None


# -- Label Studio export files -----------------------------------------------------------------


@dataclass(frozen=True)
class ExportCase:
    """A bad export file: the location its message names and words it says.

    `per_task`: the bad task (id 2) is left out and the good one exported; otherwise the
    whole file is refused. `export_words` replaces `words` for `quotegold export` when the
    two commands word it differently.
    """

    file: str
    where: str
    words: tuple[str, ...]
    per_task: bool = True
    export_words: tuple[str, ...] | None = None


A20 = "task 2, annotation 20"
EXPORT_CASES = [
    # wrong types
    ExportCase("start_as_string.json", f"{A20}, region q", ("offsets '24'-44", "whole numbers")),
    ExportCase("labels_not_a_list.json", f"{A20}, region q", ("labels 'QUOTE', not a list",)),
    ExportCase("result_not_a_list.json", A20, ("result is dict, not a list",)),
    ExportCase("value_not_an_object.json", f"{A20}, region s", ("no value with start, end",)),
    ExportCase("result_item_a_string.json", A20, ("result item 11 is str, not an object",)),
    ExportCase("relation_ids_are_numbers.json", A20, ("region 1, which does not exist",)),
    ExportCase("text_a_number.json", A20, ("the task's data has no 'text'",)),
    ExportCase("article_id_a_list.json", A20, ("the task's data has no 'article_id'",)),
    # huge values and offsets
    ExportCase("offset_huge.json", f"{A20}, region q", ("end 1000000000000000023 is past",)),
    ExportCase("offset_past_end.json", f"{A20}, region q", ("end 67 is past the end", "(62")),
    ExportCase("offset_negative.json", f"{A20}, region s", ("start -3 is negative",)),
    ExportCase("start_after_end.json", f"{A20}, region q", ("start 40 is not before end 30",)),
    ExportCase("offsets_shifted.json", f"{A20}, region q", ("the offsets are shifted",)),
    # names the schema does not have
    ExportCase("unknown_label.json", f"{A20}, region s", ("unknown label 'PERSON'",)),
    ExportCase("unknown_from_name.json", f"{A20}, region q", ("unknown control 'sentiment'",)),
    ExportCase("unknown_choice.json", f"{A20}, region q", ("['furious']", "choose one of")),
    # structure
    ExportCase(
        "continues_cycle.json",
        f"{A20}, region qa",
        ("QUOTE 1 'We must', QUOTE 2 'fight together.' form a cycle",),
    ),
    ExportCase("continues_self_loop.json", f"{A20}, region q", ("links a region to itself",)),
    ExportCase("duplicate_region_ids.json", f"{A20}, region s", ("two regions share the id s",)),
    ExportCase(
        "control_chars_in_region_text.json",
        f"{A20}, region s",
        (r"'Minister\x08 Singh' does not match",),
    ),
    # the whole file is refused
    ExportCase(
        "annotations_an_object.json",
        "task 2",
        ("item 2 of the export has 'annotations' that are not a list",),
        per_task=False,
    ),
    ExportCase("data_a_string.json", "task 2", ("has no 'data' object",), per_task=False),
    ExportCase("task_null.json", "", ("item 2 of the export is null",), per_task=False),
    ExportCase("truncated.json", "", ("truncated or invalid JSON at line",), per_task=False),
    ExportCase("non_utf8.json", "", ("not UTF-8 text (bad byte at offset",), per_task=False),
    ExportCase("raw_control_char_in_json.json", "", ("Invalid control character",), per_task=False),
    ExportCase("empty.json", "", ("the file is empty",), per_task=False),
    ExportCase(
        "null.json",
        "",
        ("it starts with 'null'",),
        per_task=False,
        export_words=("found null",),
    ),
    ExportCase(
        "not_a_list.json",
        "",
        ("'tasks' was unexpected",),  # validate reads a one-line object as gold JSONL
        per_task=False,
        export_words=("expected a JSON list of Label Studio tasks, found an object",),
    ),
]

# Odd but valid: every task is exported. Control characters in a task's text are kept: the
# offsets agree with the text, and the text is the article's (ingest refuses them up front).
ACCEPTED_EXPORTS = {
    "bom_crlf.json": {"good-1", "good-2"},
    "control_chars_in_text.json": {"good-1", "bad-2"},
    # NUL, ESC and U+0085 in the title, url, source and a speaker name: removed.
    "controls_in_metadata.json": {"good-1", "meta-2"},
}
# No task gives a valid record: the export fails, saying why.
NOTHING_VALID_EXPORTS = {"every_record_invalid.json": "end 67 is past the end"}

# Made at test time: (file name, writer, case).
GENERATED: list[tuple[str, Callable[[Path, dict[str, Any]], Path], ExportCase]] = [
    (
        "deep_nesting.json",
        generate.deep_export,
        ExportCase("deep_nesting.json", "", ("nested too deeply",), per_task=False),
    ),
    (
        "long_string_10mb.json",
        generate.long_string_export,
        ExportCase("long_string_10mb.json", f"{A20}, region s", ("does not match",)),
    ),
]


@pytest.fixture(scope="module")
def previous_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export folder made from the good task alone: what a failed export must not touch."""
    folder = tmp_path_factory.mktemp("previous")
    source = folder / "good.json"
    source.write_text(json.dumps([GOOD_TASK]), encoding="utf-8")
    made = runner.invoke(app, ["export", "--from-file", str(source), "--out", str(folder / "ds")])
    assert made.exit_code == 0, made.stderr
    return folder / "ds"


def check_validate(path: Path, case: ExportCase) -> None:
    result = runner.invoke(app, ["validate", str(path)])
    assert_no_traceback(result)
    assert result.exit_code == 1
    located = f"{path}, {case.where}" if case.where else str(path)
    lines = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert lines and all(line.startswith(str(path)) for line in lines), result.stderr
    matching = [line for line in lines if line.startswith(located)]
    assert matching, result.stderr
    for words in case.words:
        assert any(words in line for line in matching), result.stderr
    assert all(len(line) < 1000 for line in lines)  # a 10 MB string is never echoed


def check_export(path: Path, case: ExportCase, previous: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "ds"
    shutil.copytree(previous, out)
    before = folder_digest(out)
    result = runner.invoke(app, ["export", "--from-file", str(path), "--out", str(out)])
    assert_no_traceback(result)
    if case.per_task:
        assert result.exit_code == 0, result.stderr
        assert "problem(s) kept records out; see the report" in result.stderr
        # Each problem is printed on a line of its own: the file, task and region, and the fix.
        lines = [line.strip() for line in result.stderr.splitlines()]
        # Named as report.json names it: relative to the working folder, never absolute.
        located = [line for line in lines if line.startswith(f"{shown_path(path)}, {case.where}")]
        assert located, result.stderr
        for words in case.export_words or case.words:
            assert any(words in line for line in located), result.stderr
        assert all(len(line) < 1000 for line in lines)  # a 10 MB string is never echoed
        gold = [json.loads(line)["id"] for line in (out / "gold.jsonl").read_text().splitlines()]
        assert gold == ["good-1"]
        report = json.loads((out / "report.json").read_text("utf-8"))
        assert [rejected["task"] for rejected in report["rejected"]] == [2]
        for words in case.words:
            assert any(words in problem["message"] for problem in report["problems"])
        assert all(problem["task"] == 2 for problem in report["problems"])
    else:
        assert result.exit_code == 1
        (first, *rest) = result.stderr.strip().splitlines()
        assert first.startswith("error: ")
        for words in case.export_words or case.words:
            assert words in result.stderr
        assert any(line.strip().startswith(str(path)) for line in rest)
        assert folder_digest(out) == before  # never a partial dataset
    assert sorted(p.name for p in out.parent.iterdir()) == ["ds"]  # no temporary folder left


@pytest.mark.parametrize("case", EXPORT_CASES, ids=lambda case: case.file)
def test_bad_export_via_validate(case: ExportCase) -> None:
    check_validate(EXPORTS / case.file, case)


@pytest.mark.parametrize("case", EXPORT_CASES, ids=lambda case: case.file)
def test_bad_export_via_export_from_file(
    case: ExportCase, previous_export: Path, tmp_path: Path
) -> None:
    check_export(EXPORTS / case.file, case, previous_export, tmp_path)


@pytest.mark.parametrize(("name", "write", "case"), GENERATED, ids=[g[0] for g in GENERATED])
def test_generated_bad_export(
    name: str,
    write: Callable[[Path, dict[str, Any]], Path],
    case: ExportCase,
    previous_export: Path,
    tmp_path: Path,
) -> None:
    path = write(tmp_path / name, GOOD_TASK)
    check_validate(path, case)
    check_export(path, case, previous_export, tmp_path)


def test_an_export_prints_the_first_problems_and_counts_the_rest(tmp_path: Path) -> None:
    good, bad = json.loads((EXPORTS / "offset_past_end.json").read_text("utf-8"))
    extra = 5
    copies = [
        {**bad, "id": 100 + n, "data": {**bad["data"], "article_id": f"bad-{n}"}}
        for n in range(PROBLEMS_SHOWN + extra)
    ]
    path = tmp_path / "many_bad.json"
    path.write_text(json.dumps([good, *copies]), "utf-8")
    result = runner.invoke(app, ["export", "--from-file", str(path), "--out", str(tmp_path / "ds")])
    assert_no_traceback(result)
    assert result.exit_code == 0, result.stderr
    named = shown_path(path)  # as report.json names it: the file name, outside the working folder
    shown = [line for line in result.stderr.splitlines() if line.strip().startswith(named)]
    assert len(shown) == PROBLEMS_SHOWN
    assert all("past the end of the text" in line for line in shown)
    assert f"… and {extra} more" in result.stderr
    report = json.loads((tmp_path / "ds" / "report.json").read_text("utf-8"))
    assert len(report["problems"]) == PROBLEMS_SHOWN + extra  # the report keeps every one


@pytest.mark.parametrize(("file", "exported"), ACCEPTED_EXPORTS.items())
def test_odd_but_valid_exports_are_exported_whole(
    file: str, exported: set[str], tmp_path: Path
) -> None:
    path = EXPORTS / file
    checked = runner.invoke(app, ["validate", str(path)])
    assert checked.exit_code == 0, checked.stderr
    assert f"{len(exported)} record(s), no problems" in checked.stdout
    out = tmp_path / "ds"
    result = runner.invoke(app, ["export", "--from-file", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    gold = {json.loads(line)["id"] for line in (out / "gold.jsonl").read_text().splitlines()}
    assert gold == exported


def test_metadata_control_characters_never_reach_the_dataset_or_the_report(
    tmp_path: Path,
) -> None:
    out = tmp_path / "ds"
    path = EXPORTS / "controls_in_metadata.json"
    made = runner.invoke(app, ["export", "--from-file", str(path), "--out", str(out)])
    assert made.exit_code == 0, made.stderr
    records = {
        record["id"]: record
        for record in map(json.loads, (out / "gold.jsonl").read_text("utf-8").splitlines())
    }
    meta = records["meta-2"]
    assert (meta["meta"]["title"], meta["meta"]["url"], meta["meta"]["source"]) == (
        "Bad[31m<b>title</b>",
        "https://example.org/a",
        "Wire",
    )
    assert all("\x1b" not in speaker["name"] for speaker in meta["speakers"])
    assert [s["name"] for s in meta["speakers"]] == [  # only the ESC itself goes
        s["name"] + "[0m" for s in records["good-1"]["speakers"]
    ]
    shown = runner.invoke(app, ["report", str(out)])
    assert shown.exit_code == 0, shown.stderr
    page = (out / "report.html").read_text("utf-8")
    assert not any(char in page for char in "\x00\x07\x1b\x85")
    assert "<b>title</b>" not in page and "&lt;b&gt;title&lt;/b&gt;" in page


@pytest.mark.parametrize(("file", "words"), NOTHING_VALID_EXPORTS.items())
def test_an_export_with_no_valid_record_lists_why(file: str, words: str, tmp_path: Path) -> None:
    path = EXPORTS / file
    result = runner.invoke(app, ["export", "--from-file", str(path), "--out", str(tmp_path / "ds")])
    assert_no_traceback(result)
    assert result.exit_code == 1
    assert "No gold records to export" in result.stderr and "problems (1):" in result.stderr
    located = [line for line in result.stderr.splitlines() if "task 2, annotation 20" in line]
    assert located and words in located[0], result.stderr
    # No dataset: only the report with every problem, beside where it would have been.
    assert [path.name for path in tmp_path.iterdir()] == ["ds-report.json"]


def test_every_corpus_file_has_an_expected_outcome() -> None:
    articles = {case.file for case in ARTICLE_CASES} | set(ACCEPTED_ARTICLES)
    exports = {case.file for case in EXPORT_CASES} | set(ACCEPTED_EXPORTS)
    exports |= set(NOTHING_VALID_EXPORTS)
    assert {path.name for path in ARTICLES.iterdir()} == articles
    assert {path.name for path in EXPORTS.iterdir()} == exports


def test_deeply_nested_gold_line_is_a_located_issue(tmp_path: Path) -> None:
    gold = CORPUS.parent.parent / "tasks/gold/wikinews-a.jsonl"  # the built-in schema's
    seed = json.loads(gold.read_text().splitlines()[0])
    path = generate.deep_gold_jsonl(tmp_path / "gold.jsonl", seed)
    result = runner.invoke(app, ["validate", str(path)])
    assert_no_traceback(result)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()[1:]
    assert line.strip().startswith(f"{path}:1: invalid JSON: values nested too deeply")
