"""The rows an export built per article, kept in its folder so the next export of the same
project reuses those of the articles that did not change (`export-cache/`).

For each configuration built per article (`articles`, `quotes`, `tokens`, `sentences`,
`attribution`), `<config>.arrow` holds the rows of every article, already encoded for
Arrow, in the order the export wrote them; `<side>.index.jsonl` says, per article, the key
it was built from and how many rows it has in each configuration (and its token count).
A key is a hash of the gold record's exact JSON line, its split and fold, and the `salt`:
the schema, the quotegold version and this format, so that a changed schema or a new
quotegold rebuilds every row. `manifest.json` holds the checksum of every file: a cache
that does not match it (damaged, edited by hand) is not used, and every row is built anew.

The writer (`dataset.writer`) asks `reused(key)` for an article's tables (slices of the
memory-mapped earlier files, no copy) and otherwise builds them; either way it `keep`s
them in the new cache, which it writes into the new export folder, swapped in with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from quotegold import __version__

CACHE_DIR = "export-cache"
CACHE_FORMAT = 1
MANIFEST = "manifest.json"


def cache_salt(*parts: str) -> str:
    """What every key of a cache depends on besides the record: `parts` (the schema as
    JSON, the export's options), quotegold's version and the cache format."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{__version__}".encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def row_key(salt: str, line: str, split: str, fold: int | None) -> str:
    """The key of an article's rows: its gold record's line, where it goes, and `salt`."""
    digest = hashlib.sha256(f"{salt}\0{split}\0{fold}\0".encode())
    digest.update(line.encode())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


class CacheUnusable(Exception):
    """An earlier cache that cannot be trusted; the message says why."""


@dataclass
class _Entry:
    batches: dict[str, int]  # per configuration: the record batch of its rows, -1 if none
    extra: dict[str, Any]


@dataclass
class RowCache:
    """One side's cache (`side`: which configurations it holds): the earlier rows to reuse,
    read from `previous` (an earlier export's cache folder, or None), and the new ones,
    written into `folder` as they are kept."""

    side: str
    configs: tuple[str, ...]
    salt: str
    folder: Path
    previous: Path | None = None
    schemas: Mapping[str, pa.Schema] = field(default_factory=dict)
    problem: str = ""  # why the earlier cache was not used, if it was there
    reused_count: int = 0
    built_count: int = 0

    def __post_init__(self) -> None:
        self._old: dict[str, _Entry] = {}
        self._tables: dict[str, pa.ipc.RecordBatchFileReader] = {}
        if self.previous is not None:
            try:
                self._load(self.previous)
            except CacheUnusable as why:
                self.problem = str(why)
                self._old, self._tables = {}, {}
        self.folder.mkdir(parents=True, exist_ok=True)
        self._writers = {
            config: pa.ipc.new_file(str(self.folder / f"{config}.arrow"), self.schemas[config])
            for config in self.configs
        }
        self._index = (self.folder / f"{self.side}.index.jsonl").open(
            "w", encoding="utf-8", newline="\n"
        )

    def _load(self, previous: Path) -> None:
        manifest = _manifest(previous)
        if manifest.get("salt") != self.salt:
            raise CacheUnusable("it was built by another quotegold, schema or set of options")
        files = manifest.get("files")
        names = [f"{self.side}.index.jsonl", *(f"{config}.arrow" for config in self.configs)]
        if not isinstance(files, dict) or any(name not in files for name in names):
            raise CacheUnusable(f"{previous / MANIFEST} does not list its files")
        for name in names:
            try:
                same = file_digest(previous / name) == files[name]
            except OSError as error:
                raise CacheUnusable(f"{previous / name} cannot be read ({error})") from error
            if not same:
                raise CacheUnusable(f"{previous / name} was changed since it was written")
        try:
            for config in self.configs:
                source = pa.memory_map(str(previous / f"{config}.arrow"))
                reader = pa.ipc.open_file(source)
                if not reader.schema.equals(self.schemas[config]):
                    raise CacheUnusable(f"{config}.arrow holds other columns")
                self._tables[config] = reader
            self._read_index(previous / f"{self.side}.index.jsonl")
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
            raise CacheUnusable(f"it cannot be read ({error})") from error

    def _read_index(self, path: Path) -> None:
        """Each article's rows are one record batch of each file (none when it has none)."""
        made = dict.fromkeys(self.configs, 0)
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                entry = json.loads(line)
                batches = {}
                for config in self.configs:
                    rows = int(entry["rows"][config])
                    batches[config] = made[config] if rows else -1
                    made[config] += bool(rows)
                self._old[str(entry["key"])] = _Entry(batches, dict(entry["extra"]))
        for config in self.configs:
            if made[config] != self._tables[config].num_record_batches:
                raise CacheUnusable(f"its index does not match {config}.arrow")

    def reused(self, key: str) -> tuple[dict[str, pa.Table], dict[str, Any]] | None:
        """The earlier tables of the article with this key, and what was kept with them."""
        entry = self._old.get(key)
        if entry is None:
            return None
        tables = {}
        for config, batch in entry.batches.items():
            if batch < 0:
                tables[config] = self.schemas[config].empty_table()
            else:
                record_batch = self._tables[config].get_batch(batch)
                tables[config] = pa.Table.from_batches([record_batch])
        self.reused_count += 1
        return tables, entry.extra

    def keep(
        self, key: str, tables: Mapping[str, pa.Table], extra: Mapping[str, Any], *, built: bool
    ) -> None:
        """Write an article's tables (and `extra`, plain JSON) into the new cache."""
        for config in self.configs:
            if tables[config].num_rows:  # one record batch per article (`_read_index`)
                batch = tables[config].combine_chunks().to_batches()
                self._writers[config].write_batch(
                    batch[0] if len(batch) == 1 else pa.concat_batches(batch)
                )
        rows = {config: tables[config].num_rows for config in self.configs}
        self._index.write(json.dumps({"key": key, "rows": rows, "extra": dict(extra)}) + "\n")
        self.built_count += built

    def finish(self) -> None:
        """Close the new files; `write_manifest` then lists them."""
        for writer in self._writers.values():
            writer.close()
        self._index.close()

    def close(self) -> None:
        """Close whatever is still open (after a failure); the folder goes with the export's."""
        for writer in self._writers.values():
            with contextlib.suppress(OSError, pa.ArrowException):
                writer.close()
        self._index.close()
        self._tables.clear()


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise CacheUnusable(f"{folder / MANIFEST} is missing") from error
    except (OSError, ValueError) as error:
        raise CacheUnusable(f"{folder / MANIFEST} cannot be read ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("format") != CACHE_FORMAT:
        raise CacheUnusable(f"{folder / MANIFEST} is not a quotegold cache of this version")
    return manifest


def write_manifest(folder: Path, salt: str) -> None:
    """List the files of a finished cache with their checksums."""
    files = {
        path.name: file_digest(path)
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name != MANIFEST
    }
    manifest = {"format": CACHE_FORMAT, "salt": salt, "files": files}
    text = json.dumps(manifest, indent=2) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8", newline="\n")
