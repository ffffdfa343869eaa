"""The export folder: an export replaces only what quotegold wrote (its marker lists it),
refuses to touch anything else unless asked to keep it in place, and stays atomic."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quotegold.cli.main import app
from quotegold.dataset import splitfiles
from quotegold.dataset.target import MARKER_FILE
from quotegold.dataset.writer import write_dataset
from quotegold.errors import ExportError
from test_dataset import REPORT, failing_after, make_records, snapshot

runner = CliRunner()


def dead_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def export(out: Path, *, keep: bool = False, records: Any = None) -> None:
    write_dataset(
        make_records() if records is None else records,
        out=out,
        report=REPORT,
        name="sco",
        keep_other_files=keep,
    )


def test_the_report_written_into_an_export_is_ours_and_the_next_export_replaces_it(
    tmp_path: Path,
) -> None:
    """`quotegold report` writes report.html and its charts into the export folder, as the
    demo does: they join the marker, so exporting again replaces them instead of refusing."""
    out = tmp_path / "sco"
    export(out)
    shown = runner.invoke(app, ["report", str(out)])
    assert shown.exit_code == 0, shown.stderr
    listed = set(json.loads((out / MARKER_FILE).read_text(encoding="utf-8"))["files"])
    assert "report.html" in listed and any(name.endswith(".png") for name in listed)
    export(out)  # no --keep-other-files needed
    assert not (out / "report.html").exists()  # it described the export replaced
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    runner.invoke(app, ["report", str(out)])
    assert "notes.txt" not in json.loads((out / MARKER_FILE).read_text(encoding="utf-8"))["files"]


def test_the_marker_lists_every_file_the_export_wrote(tmp_path: Path) -> None:
    out = tmp_path / "sco"
    export(out)
    marker = json.loads((out / MARKER_FILE).read_text(encoding="utf-8"))
    assert marker["written_by"] == "quotegold"
    assert set(marker["files"]) == set(snapshot(out)) - {MARKER_FILE}
    assert "gold.jsonl" in marker["files"] and "README.md" in marker["files"]


@pytest.mark.parametrize(
    "others",
    [
        {"notes.txt": b"mine"},
        {"photos/cat.jpg": b"\xff\xd8"},
        {"data/articles/mine.csv": b"a,b"},
        {"notes.txt": b"mine", "photos/cat.jpg": b"\xff\xd8", "photos/deep/x": b"x"},
    ],
    ids=["a-file", "a-folder", "inside-data", "several"],
)
def test_files_quotegold_did_not_write_are_a_refusal_or_kept(
    tmp_path: Path, others: dict[str, bytes]
) -> None:
    out = tmp_path / "sco"
    export(out)
    for name, data in others.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    before = snapshot(out)
    with pytest.raises(ExportError) as refused:
        export(out, records=make_records()[:1])
    message = str(refused.value)
    assert "--keep-other-files" in message and "overwrite" not in message
    assert all(name.split("/")[0] in message for name in others)
    assert snapshot(out) == before
    export(out, keep=True, records=make_records()[:1])
    after = snapshot(out)
    assert {name: after[name] for name in others} == others
    assert len(after["gold.jsonl"].splitlines()) == 1
    marker = json.loads(after[MARKER_FILE])
    assert not set(others) & set(marker["files"])
    assert [path.name for path in tmp_path.iterdir()] == ["sco"]


def test_a_user_report_json_does_not_make_a_folder_an_export(tmp_path: Path) -> None:
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "report.json").write_text('{"mine": true}', encoding="utf-8")
    (out / "thesis.tex").write_text("precious", encoding="utf-8")
    (out / "gold.jsonl").write_text("{}\n", encoding="utf-8")
    before = snapshot(out)
    for keep in (False, True):
        with pytest.raises(ExportError, match=f"no {re.escape(MARKER_FILE)}"):
            export(out, keep=keep)
    assert snapshot(out) == before


def test_an_export_written_before_markers_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "sco"
    export(out)
    (out / MARKER_FILE).unlink()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match=r"notes\.txt"):
        export(out)
    export(out, keep=True, records=make_records()[:1])
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / MARKER_FILE).is_file()


def test_a_failed_export_keeping_other_files_leaves_all_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "sco"
    export(out)
    (out / "photos").mkdir()
    (out / "photos" / "cat.jpg").write_bytes(b"\xff\xd8")
    before = snapshot(out)
    monkeypatch.setattr(splitfiles, "_write_parquet", failing_after(3, OSError(28, "full")))
    with pytest.raises(ExportError, match="free space"):
        export(out, keep=True)
    assert snapshot(out) == before
    assert [path.name for path in tmp_path.iterdir()] == ["sco"]


def test_leftovers_of_a_killed_export_are_cleaned_or_put_back(tmp_path: Path) -> None:
    out = tmp_path / "sco"
    export(out)
    before = snapshot(out)
    pid = dead_pid()
    # Killed between its two renames: the old export is aside, the new one half built.
    out.rename(tmp_path / f".sco.old-{pid}-0123abcd")
    (tmp_path / f".sco.tmp-{pid}-4567cdef").mkdir()
    (tmp_path / f".sco.tmp-{pid}-4567cdef" / "gold.jsonl").write_text("partial", encoding="utf-8")
    alive = tmp_path / f".sco.tmp-{os.getppid()}-89abcdef"  # a running export's: kept
    alive.mkdir()
    export(out, records=make_records()[:1])
    assert sorted(path.name for path in tmp_path.iterdir()) == [alive.name, "sco"]
    assert snapshot(out) != before and len((out / "gold.jsonl").read_bytes().splitlines()) == 1


def test_export_to_the_current_folder_says_why_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gold = Path(__file__).parent / "fixtures"
    export_file = next(gold.glob("*.json"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.txt").write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["export", "--from-file", str(export_file), "--out", "."])
    assert result.exit_code == 1
    assert "is the current folder" in result.output and "--out exports/NAME" in result.output
    assert "name and a licence" not in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mine.txt"]
