"""The export streams: memory stays flat in the number of tasks, and the output is the same.

No server: export files are generated here, in Label Studio's JSON export shape, from gold
records made up from a few sentence templates (emoji and non-Latin text before the spans).
"""

from __future__ import annotations

import hashlib
import json
import re
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from quotegold.articles.ingest import Article
from quotegold.articles.tasks import article_to_task
from quotegold.dataset import spill
from quotegold.dataset.spill import SortedSpill
from quotegold.errors import ValidationError
from quotegold.gold import exportfile
from quotegold.gold.exportfile import iter_label_studio_export, read_label_studio_export
from quotegold.gold.results import record_to_results
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.workflows.export import ExportOptions, build_gold, export_file

FIXTURES = Path(__file__).parent / "fixtures"

NAMES = ["Rajnath Singh", "Sergei Lavrov", "Anna Petrova", "Zhang Ming", "Amina Yusuf"]
SCRIPTS = ["😀", "नमस्ते", "北京", "Новости", "🇮🇳🤝🇨🇳"]
CLAIMS = ["we must fight terror together", "the talks went well", "the plan will be signed"]


def _span(text: str, needle: str, after: int = 0) -> dict[str, Any]:
    start = text.index(needle, after)
    return {"start": start, "end": start + len(needle), "text": needle}


def make_record(index: int) -> dict[str, Any]:
    """A valid gold record: two quotes, one with a speaker and a cue, one without a speaker."""
    name = NAMES[index % len(NAMES)]
    claim = CLAIMS[index % len(CLAIMS)]
    script = SCRIPTS[index % len(SCRIPTS)]
    text = (
        f"Report {index} {script}: Minister {name} said “{claim.capitalize()}.” "
        f"Delegates from {index % 9 + 2} countries met.\n“No surrender!” read a banner."
    )
    speaker = {"id": "s1", **_span(text, f"Minister {name}"), "name": name, "kind": "person"}
    cue = {"id": "c1", **_span(text, "said")}
    first = _span(text, f"{claim.capitalize()}.")
    second = _span(text, "No surrender!")
    quote = {"quote_type": "direct", "no_speaker": False, "stance": "support"}
    return {
        "id": hashlib.sha256(f"streaming-{index}".encode()).hexdigest()[:16],
        "text": text,
        "meta": {"title": f"Report {index}", "url": None, "boilerplate": []},
        "speakers": [speaker],
        "cues": [cue],
        "quotes": [
            {
                **quote,
                "id": "q1",
                "spans": [first],
                "text": first["text"],
                "speaker_id": "s1",
                "cue_id": "c1",
                "stance_target": "security",
            },
            {
                **quote,
                "id": "q2",
                "spans": [second],
                "text": second["text"],
                "speaker_id": None,
                "no_speaker": True,
                "cue_id": None,
                "stance": "neutral",
                "stance_target": None,
            },
        ],
        "initiatives": [],
        "provenance": {"schema_version": SCHEMA.version},
    }


def make_task(index: int) -> dict[str, Any]:
    """One task of a Label Studio JSON export; every 50th is unannotated, every 70th skipped."""
    record = make_record(index)
    article = Article(id=record["id"], text=record["text"], title=record["meta"]["title"])
    annotation = {
        "id": 10_000 + index,
        "completed_by": 1 + index % 3,
        "result": record_to_results(record),
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": "2024-05-01T10:00:00.000000Z",
        "updated_at": "2024-05-01T10:00:00.000000Z",
    }
    if index % 70 == 69:
        annotation.update(result=[], was_cancelled=True)
    annotations = [] if index % 50 == 49 else [annotation]
    task = {"id": index + 1, "project": 7, **article_to_task(article)}
    return {**task, "annotations": annotations, "drafts": [], "predictions": []}


def write_export(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for index in range(count):
            handle.write(",\n" if index else "\n")
            json.dump(make_task(index), handle, ensure_ascii=False, indent=1)
        handle.write("\n]\n")
    return path


def peak_traced(path: Path, out: Path) -> int:
    tracemalloc.start()
    try:
        export_file(path, out=out, options=ExportOptions(name="streaming"))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_the_number_of_tasks(tmp_path: Path) -> None:
    small = write_export(tmp_path / "small.json", 2_000)
    large = write_export(tmp_path / "large.json", 8_000)
    # Warm up first: the validator, the tokenizer and `datasets` are built once per process.
    export_file(write_export(tmp_path / "tiny.json", 20), out=tmp_path / "tiny", options=OPTIONS)
    peaks = {path.name: peak_traced(path, tmp_path / path.stem) for path in (small, large)}
    # Four times the tasks: a held list of tasks or records would show as about four times
    # the memory. The bound is generous on purpose; what grows is a few ids per record.
    assert peaks["large.json"] < 2 * peaks["small.json"], peaks


OPTIONS = ExportOptions(name="streaming")


def gold_lines(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "gold.jsonl").read_text("utf-8").splitlines()]


def test_streaming_export_gives_the_same_gold_as_reading_everything(tmp_path: Path) -> None:
    path = write_export(tmp_path / "export.json", 300)
    tasks = json.loads(path.read_text(encoding="utf-8"))
    expected = build_gold(tasks)

    summary, report = export_file(path, out=tmp_path / "out", options=OPTIONS)

    assert gold_lines(tmp_path / "out") == sorted(expected.records, key=lambda r: r["id"])
    assert report["counts"]["gold"] == expected.statuses["gold"] == summary.articles
    assert (report["counts"]["unannotated"], report["counts"]["skipped"]) == (6, 4)
    assert report["counts"]["tasks"] == 300


def test_many_spill_runs_give_the_same_files_as_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_export(tmp_path / "export.json", 150)
    export_file(path, out=tmp_path / "one", options=OPTIONS)
    # A run per record or two: more runs than one merge takes, so they are merged twice.
    monkeypatch.setattr(spill, "DEFAULT_RUN_BYTES", 1_000)
    export_file(path, out=tmp_path / "many", options=OPTIONS)

    def files(folder: Path) -> dict[str, bytes]:
        # The report (in report.json and the card) has the time of the export.
        return {
            p.relative_to(folder).as_posix(): re.sub(
                rb"\| created_at \| [^|]+\|", b"", p.read_bytes()
            )
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "report.json"
        }

    one, many = files(tmp_path / "one"), files(tmp_path / "many")
    assert sorted(many) == sorted(one)
    for name in one:
        assert many[name] == one[name], name


def test_a_bad_task_at_the_end_fails_the_export_and_writes_nothing(tmp_path: Path) -> None:
    path = write_export(tmp_path / "export.json", 30)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip().removesuffix("]") + ', {"id": 99, "data": 1}]', "utf-8")
    with pytest.raises(ValidationError, match="item 31 of the export has no 'data' object"):
        export_file(path, out=tmp_path / "out", options=OPTIONS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.json"]


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 4096])
@pytest.mark.parametrize(
    "name", ["export_full.json", "export_annotators.json", "export_broken.json"]
)
def test_reading_in_small_chunks_gives_what_json_gives(
    monkeypatch: pytest.MonkeyPatch, chunk: int, name: str
) -> None:
    monkeypatch.setattr(exportfile, "_CHUNK_BYTES", chunk)
    path = FIXTURES / name
    expected = json.loads(path.read_text(encoding="utf-8-sig"))
    assert list(iter_label_studio_export(path)) == expected


CUT = [
    '[{"data": {}}, 12',
    '[{"data": {}}, 3e',
    '[\n {"data": {"text": "abc',
    '[{"data": {}},\n\n',
    '[{"data": {"a": tru',
    '[{"data": {"a": "\\u12',
    '[{"data": {}}] [',
    '[{"data": {}} {"data": {}}]',
    '[{"data": {"t": "a\nb"}}]',
    '[{"data": {}}, -Infinit',
]


@pytest.mark.parametrize("chunk", [1, 3, 5, 4096])
@pytest.mark.parametrize("content", CUT)
def test_syntax_errors_read_as_for_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, content: str
) -> None:
    with pytest.raises(json.JSONDecodeError) as whole:
        json.loads(content)
    where = f"line {whole.value.lineno} column {whole.value.colno}: {whole.value.msg}"
    monkeypatch.setattr(exportfile, "_CHUNK_BYTES", chunk)
    path = tmp_path / "export.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_label_studio_export(path)
    (issue,) = caught.value.issues
    assert f"truncated or invalid JSON at {where}" in issue.message
    assert issue.location.line == whole.value.lineno


def test_a_bad_byte_is_located_in_the_file_even_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exportfile, "_CHUNK_BYTES", 3)
    path = tmp_path / "export.json"
    # A byte-order mark, then "é" (two bytes) cut by a chunk boundary, then a stray byte.
    path.write_bytes(b'\xef\xbb\xbf[{"data": {"t": "\xc3\xa9\xff"}}]')
    with pytest.raises(ValidationError, match=r"bad byte at offset 22\)"):
        read_label_studio_export(path)


def test_sorted_spill_is_stable_and_merges_many_runs() -> None:
    pairs = [(f"k{n % 7}", f"line {n}") for n in range(500)]
    with SortedSpill(run_bytes=200) as spilled:
        for key, line in pairs:
            spilled.add(key, line)
        assert list(spilled) == sorted(pairs, key=lambda pair: pair[0])
    with SortedSpill() as small:
        for key, line in pairs[:10]:
            small.add(key, line)
        grouped = [(key, list(lines)) for key, lines in small.groups()]
    assert grouped[0] == ("k0", ["line 0", "line 7"])
