"""The rows an export keeps in its folder (`export-cache/`) and reuses next time: reused only
for the same record, split, schema and quotegold version; a damaged or edited cache is a
line and a rebuild, never a wrong dataset; the data written is the same whether rows were
reused or built. No server needed."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from quotegold.dataset import rowcache
from quotegold.dataset.rowcache import CACHE_DIR, MANIFEST
from quotegold.dataset.writer import DatasetSummary, write_dataset
from quotegold.schema.defaults import DEFAULT_SCHEMA
from tests.test_dataset import REPORT, make_records

Records = list[dict[str, Any]]


def write(out: Path, records: Records, *, cache: bool = True, **options: Any) -> DatasetSummary:
    return write_dataset(
        copy.deepcopy(records),
        out=out,
        report=REPORT,
        name="sco",
        license="cc-by-2.5",
        cache_rows=cache,
        **options,
    )


def data_of(folder: Path) -> dict[str, str]:
    """The digests of the dataset's data files and gold records (what must not differ)."""
    files = [*sorted((folder / "data").rglob("*.parquet")), folder / "gold.jsonl"]
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in files
    }


def counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many articles the new cache of `articles` and `quotes` reused and built (the
    other side is written by a forked helper process, out of sight of a patch)."""
    seen: dict[str, int] = {"reused": 0, "built": 0}
    finish = rowcache.RowCache.finish

    def counting(self: rowcache.RowCache) -> dict[str, str]:
        seen["reused"] += self.reused_count
        seen["built"] += self.built_count
        return finish(self)

    monkeypatch.setattr(rowcache.RowCache, "finish", counting)
    return seen


def edited(records: Records) -> Records:
    changed = copy.deepcopy(records)
    changed[0]["meta"]["title"] = "A new title"
    return changed


def test_a_second_export_reuses_every_row_and_writes_the_same_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = make_records()
    out = tmp_path / "out"
    write(out, records)
    first = data_of(out)
    seen = counts(monkeypatch)
    write(out, records)
    assert seen == {"reused": len(records), "built": 0}
    assert data_of(out) == first
    assert (out / CACHE_DIR / MANIFEST).is_file()


def test_only_the_changed_record_is_built_again_and_the_data_equals_a_fresh_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = make_records()
    out = tmp_path / "out"
    write(out, records)
    seen = counts(monkeypatch)
    write(out, edited(records))
    assert seen == {"reused": len(records) - 1, "built": 1}
    fresh = tmp_path / "fresh"
    write(fresh, edited(records), cache=False)
    assert data_of(out) == data_of(fresh)
    assert not (fresh / CACHE_DIR).exists()


def test_removed_and_added_records(tmp_path: Path) -> None:
    records = make_records()
    out = tmp_path / "out"
    write(out, records)
    fewer = records[1:]
    write(out, fewer)
    fresh = tmp_path / "fresh"
    write(fresh, fewer, cache=False)
    assert data_of(out) == data_of(fresh)
    write(out, records)  # the removed one back: built again
    again = tmp_path / "again"
    write(again, records, cache=False)
    assert data_of(out) == data_of(again)


def test_another_schema_or_quotegold_version_rebuilds_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = make_records()
    out = tmp_path / "out"
    write(out, records)
    monkeypatch.setattr(rowcache, "__version__", "99.0.0")
    seen = counts(monkeypatch)
    summary = write(out, records)
    assert seen == {"reused": 0, "built": len(records)}
    assert any("another quotegold, schema or set of options" in note for note in summary.notes)


@pytest.mark.parametrize(
    "damage",
    ["edit_segment", "truncate_segment", "edit_index", "drop_manifest", "garble_manifest"],
)
def test_a_damaged_or_edited_cache_is_a_line_and_a_rebuild(tmp_path: Path, damage: str) -> None:
    records = make_records()
    out = tmp_path / "out"
    write(out, records)
    expected = data_of(out)
    cache = out / CACHE_DIR
    segment = cache / "tokens.0.arrow"
    if damage == "edit_segment":  # same size, one byte changed: a hand edit
        data = bytearray(segment.read_bytes())
        data[len(data) // 2] ^= 0x01
        segment.write_bytes(bytes(data))
    elif damage == "truncate_segment":
        segment.write_bytes(segment.read_bytes()[:100])
    elif damage == "edit_index":
        index = cache / "rows.index.jsonl"
        index.write_text(index.read_text().replace('"extra"', '"extra" ', 1))
    elif damage == "drop_manifest":
        (cache / MANIFEST).unlink()
    else:
        (cache / MANIFEST).write_text("{not json")
    summary = write(out, records)
    assert data_of(out) == expected
    lines = [note for note in summary.notes if "were not reused" in note]
    assert lines and str(out / CACHE_DIR) in lines[0]


def test_segments_are_linked_then_compacted(tmp_path: Path) -> None:
    records = make_records()
    out = tmp_path / "out"
    write(out, records)
    for round_ in range(rowcache.MOST_SEGMENTS + 1):
        changed = copy.deepcopy(records)
        changed[round_ % len(records)]["meta"]["title"] = f"Title {round_}"
        write(out, changed)
        segments = sorted(p.name for p in (out / CACHE_DIR).glob("tokens.*.arrow"))
        assert 1 <= len(segments) <= rowcache.MOST_SEGMENTS
        fresh = tmp_path / f"fresh-{round_}"
        write(fresh, changed, cache=False)
        assert data_of(out) == data_of(fresh)
    manifest = json.loads((out / CACHE_DIR / MANIFEST).read_text())
    listed = set(manifest["files"])
    assert listed == {p.name for p in (out / CACHE_DIR).iterdir()} - {MANIFEST}


def test_training_files_build_the_tokens_side_without_the_cache(tmp_path: Path) -> None:
    records = make_records()
    out = tmp_path / "out"
    write(out, records)
    from quotegold.dataset.options import DatasetOptions

    summary = write(out, records, extras=DatasetOptions(formats=("conll",)))
    assert any(name.startswith("conll/") for name in summary.files)
    assert DEFAULT_SCHEMA.version  # the schema the cache was keyed on


def test_several_articles_share_a_record_batch_and_are_reused_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A segment holds `BATCH_ARTICLES` articles to a record batch (compressed together); an
    article changed in the middle of a batch is rebuilt, the others read from their batch."""
    import pyarrow as pa

    monkeypatch.setattr(rowcache, "BATCH_ARTICLES", 2)
    records = make_records()
    assert len(records) >= 3
    out = tmp_path / "out"
    write(out, records)
    with pa.memory_map(str(out / CACHE_DIR / "articles.0.arrow")) as source:
        batches = pa.ipc.open_file(source).num_record_batches
    assert batches == (len(records) + 1) // 2
    changed = copy.deepcopy(records)
    changed[1]["meta"]["title"] = "A new title"
    seen = counts(monkeypatch)
    write(out, changed)
    assert seen == {"reused": len(records) - 1, "built": 1}
    fresh = tmp_path / "fresh"
    write(fresh, changed, cache=False)
    assert data_of(out) == data_of(fresh)
