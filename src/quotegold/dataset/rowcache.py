"""The rows an export built per article, kept in its folder so the next export of the same
project reuses those of the articles that did not change (`export-cache/`).

For each configuration built per article (`articles`, `quotes`, `tokens`, `sentences`,
`attribution`), `<config>.<generation>.arrow` segments hold the rows of every article,
already encoded for Arrow, in the order the export wrote them, `BATCH_ARTICLES` articles to
a record batch (compressed with zstd: a batch of many articles compresses and decompresses
in a fraction of the time of one batch per article); `<side>.index.jsonl` says, per
article, the key it was built from and where its rows are in each configuration (segment,
batch, first row, rows) (and its token count, or its `speakers` contributions).
A key is a hash of the gold record's exact JSON line, its split and fold, and the `salt`:
the schema, the quotegold version and this format, so that a changed schema or a new
quotegold rebuilds every row. `manifest.json` holds the checksum of every file: a cache
that does not match it (damaged, edited by hand) is not used, and every row is built anew.

The writer (`dataset.writer`) asks `reused(key)` for an article's tables (slices of the
earlier batch that holds them, each batch decompressed once as the articles come in order)
and otherwise builds them; either way it `keep`s
them in the new cache, which it writes into the new export folder, swapped in with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from quotegold import __version__
from quotegold.schema.definition import AnnotationSchema
from quotegold.schema.stored import schema_json_text

CACHE_DIR = "export-cache"
CACHE_FORMAT = 3  # 2: several articles to a record batch; 3: with `speakers` contributions
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


# Earlier segment files are linked into the new cache while they hold at least this share
# of rows still in use and there are at most `MOST_SEGMENTS` of a configuration; otherwise
# the rows reused are copied into one new segment (the cache is compacted).
LIVE_SHARE = 0.5
MOST_SEGMENTS = 6

# Articles whose rows make one record batch of a segment.
BATCH_ARTICLES = 64

# Where an article's rows are: a segment file's name, its record batch, the first row in it
# and how many rows.
Ref = tuple[str, int, int, int]


@dataclass
class _Entry:
    refs: dict[str, Ref | None]  # per configuration; None: the article has no such rows
    extra: dict[str, Any]


@dataclass
class RowCache:
    """One side's cache (`side`: which configurations it holds): the earlier rows to reuse,
    read from `previous` (an earlier export's cache folder, or None), and the new ones,
    kept in `folder`.

    Rows are stored in segment files (`<config>.<generation>.arrow`), `BATCH_ARTICLES`
    articles to a record batch; an export writes only the rows it built into a new segment,
    and links the earlier segments whose rows it reuses into its own folder (no copy), unless
    they hold too many batches no longer used: then it copies the reused rows into its new
    segment."""

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
        self._readers: dict[str, pa.ipc.RecordBatchFileReader] = {}
        self._digests: dict[str, str] = {}  # of the earlier segments, as their manifest said
        self._link: set[str] = set()  # earlier segments to link rather than copy from
        self._decoded: dict[str, tuple[int, pa.RecordBatch]] = {}  # last batch read, per segment
        self.generation = 0
        if self.previous is not None:
            try:
                self._load(self.previous)
            except CacheUnusable as why:
                self.problem = str(why)
                self._old, self._readers, self._link = {}, {}, set()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._segments = {config: f"{config}.{self.generation}.arrow" for config in self.configs}
        self._writers: dict[str, pa.ipc.RecordBatchFileWriter] = {}
        self._written = dict.fromkeys(self.configs, 0)
        self._pending: dict[str, list[pa.Table]] = {config: [] for config in self.configs}
        self._pending_rows = dict.fromkeys(self.configs, 0)
        self._used: set[str] = set()
        self._index = (self.folder / f"{self.side}.index.jsonl").open(
            "w", encoding="utf-8", newline="\n"
        )

    # -- the earlier cache ------------------------------------------------------------

    def _load(self, previous: Path) -> None:
        manifest = read_manifest(previous)
        if manifest.get("salt") != self.salt:
            raise CacheUnusable("it was built by another quotegold, schema or set of options")
        files = manifest.get("files")
        if not isinstance(files, dict):
            raise CacheUnusable(f"{previous / MANIFEST} does not list its files")
        index = f"{self.side}.index.jsonl"
        check_listed(previous, index, files)
        try:
            self._read_index(previous / index)
            batches: dict[str, set[int]] = {}  # the batches of each segment still in use
            for entry in self._old.values():
                for ref in entry.refs.values():
                    if ref is not None:
                        batches.setdefault(ref[0], set()).add(ref[1])
            live = {name: len(used) for name, used in batches.items()}
            for name in sorted(live):
                check_listed(previous, name, files)
                config = name.split(".", 1)[0]
                source = pa.memory_map(str(previous / name))
                reader = pa.ipc.open_file(source)
                if config not in self.configs or not reader.schema.equals(self.schemas[config]):
                    raise CacheUnusable(f"{name} holds other columns")
                self._readers[name] = reader
                self._digests[name] = str(files[name])
                if live[name] >= LIVE_SHARE * reader.num_record_batches:
                    self._link.add(name)
                generation = int(name.split(".")[1])
                self.generation = max(self.generation, generation + 1)
        except (OSError, ValueError, KeyError, TypeError, IndexError, pa.ArrowException) as error:
            raise CacheUnusable(f"it cannot be read ({error})") from error
        for config in self.configs:
            linked = [name for name in self._link if name.startswith(f"{config}.")]
            if len(linked) >= MOST_SEGMENTS:
                self._link -= set(linked)

    def _read_index(self, path: Path) -> None:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                entry = json.loads(line)
                refs: dict[str, Ref | None] = {}
                for config in self.configs:
                    ref = entry["rows"][config]
                    if ref is None:
                        refs[config] = None
                    else:
                        refs[config] = (str(ref[0]), int(ref[1]), int(ref[2]), int(ref[3]))
                self._old[str(entry["key"])] = _Entry(refs, dict(entry["extra"]))

    # -- this export's ------------------------------------------------------------------

    def reused(self, key: str) -> tuple[dict[str, pa.Table], dict[str, Any]] | None:
        """The earlier tables of the article with this key, and what was kept with them."""
        entry = self._old.get(key)
        if entry is None:
            return None
        tables = {}
        for config, ref in entry.refs.items():
            if ref is None:
                tables[config] = self.schemas[config].empty_table()
            else:
                batch = self._batch(ref[0], ref[1]).slice(ref[2], ref[3])
                tables[config] = pa.Table.from_batches([batch])
        self.reused_count += 1
        return tables, entry.extra

    def _batch(self, name: str, index: int) -> pa.RecordBatch:
        """A record batch of an earlier segment, read (and decompressed) once while its
        articles are asked for in a row."""
        decoded = self._decoded.get(name)
        if decoded is None or decoded[0] != index:
            decoded = index, self._readers[name].get_batch(index)
            self._decoded[name] = decoded
        return decoded[1]

    def keep(
        self, key: str, tables: Mapping[str, pa.Table], extra: Mapping[str, Any], *, built: bool
    ) -> None:
        """Keep an article's tables (and `extra`, plain JSON) in the new cache: a reference
        to the earlier segment that holds them when it is linked, else written anew."""
        old = None if built else self._old.get(key)
        refs: dict[str, Ref | None] = {}
        for config in self.configs:
            ref = old.refs[config] if old is not None else None
            if ref is not None and ref[0] in self._link:
                self._used.add(ref[0])
                refs[config] = ref
            elif tables[config].num_rows:
                refs[config] = self._write(config, tables[config])
            else:
                refs[config] = None
        self._index.write(json.dumps({"key": key, "rows": refs, "extra": dict(extra)}) + "\n")
        self.built_count += built

    def _write(self, config: str, table: pa.Table) -> Ref:
        """An article's rows in this export's segment: in its next record batch, written
        once it holds `BATCH_ARTICLES` articles."""
        pending = self._pending[config]
        ref = (self._segments[config], self._written[config], self._pending_rows[config])
        pending.append(table)
        self._pending_rows[config] += table.num_rows
        if len(pending) >= BATCH_ARTICLES:
            self._flush(config)
        return (*ref, table.num_rows)

    def _flush(self, config: str) -> None:
        """Write the articles waiting in `config`'s batch as one record batch."""
        if not self._pending[config]:
            return
        if config not in self._writers:
            path = str(self.folder / self._segments[config])
            # zstd: token rows repeat a lot, so the cache is several times smaller on disk for
            # a little CPU when a re-export reads it back.
            options = pa.ipc.IpcWriteOptions(compression="zstd")
            self._writers[config] = pa.ipc.new_file(path, self.schemas[config], options=options)
        table = pa.concat_tables(self._pending[config]).combine_chunks()
        batches = table.to_batches()
        batch = batches[0] if len(batches) == 1 else pa.concat_batches(batches)
        self._writers[config].write_batch(batch)
        self._written[config] += 1
        self._pending[config], self._pending_rows[config] = [], 0

    def finish(self) -> dict[str, str]:
        """Close the new files and link the earlier segments still used into the folder;
        the checksums of those (for the manifest, without reading them again)."""
        for config in self.configs:
            self._flush(config)
        for writer in self._writers.values():
            writer.close()
        self._index.close()
        linked = {}
        for name in sorted(self._used):
            assert self.previous is not None  # only earlier segments are used
            _link_or_copy(self.previous / name, self.folder / name)
            linked[name] = self._digests[name]
        return linked

    def close(self) -> None:
        """Close whatever is still open (after a failure); the folder goes with the export's."""
        for writer in self._writers.values():
            with contextlib.suppress(OSError, pa.ArrowException):
                writer.close()
        self._index.close()
        self._readers.clear()
        self._decoded.clear()


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link (the earlier export's file is never changed, only replaced), or a copy
    where the file system has none."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


# -- what the writer uses ----------------------------------------------------------------


class Encoder(Protocol):
    """What makes a configuration's Arrow tables (`splitfiles.TableEncoder`): its schema."""

    schema: pa.Schema


@dataclass(frozen=True)
class CacheSpec:
    """Where the rows of this export are cached (`rowcache`), and the earlier cache to reuse."""

    salt: str
    folder: Path
    previous: Path | None

    def open(
        self, side: str, configs: tuple[str, ...], encoders: Mapping[str, Encoder]
    ) -> RowCache:
        """The cache of one side of the writer (`configs`, whose rows `encoders` make)."""
        schemas = {config: encoders[config].schema for config in configs}
        previous = self.previous if self.previous is not None and self.previous.is_dir() else None
        return RowCache(side, configs, self.salt, self.folder, previous, schemas)


@dataclass(frozen=True)
class CacheUse:
    """How much of an earlier cache one side of the writer reused, or why it could not."""

    reused: int = 0
    built: int = 0
    problem: str = ""
    linked: Mapping[str, str] = field(default_factory=dict)  # earlier segments, checksums


@contextmanager
def opened_cache(
    spec: CacheSpec | None,
    side: str,
    configs: tuple[str, ...],
    encoders: Mapping[str, Encoder],
) -> Iterator[RowCache | None]:
    """A side's cache for the block (None without a `spec`), closed however it ends."""
    if spec is None:
        yield None
        return
    cache = spec.open(side, configs, encoders)
    try:
        yield cache
    finally:
        cache.close()


def article_tables(
    cache: RowCache | None,
    key: str,
    build: Callable[[], tuple[dict[str, pa.Table], dict[str, Any]]],
) -> tuple[dict[str, pa.Table], dict[str, Any]]:
    """An article's tables: from the earlier cache when its key is there, else built; kept
    in the new cache either way."""
    got = cache.reused(key) if cache is not None else None
    tables, extra = got if got is not None else build()
    if cache is not None:
        cache.keep(key, tables, extra, built=got is None)
    return tables, extra


def finished(cache: RowCache | None) -> CacheUse:
    """Finish a side's cache: what it reused and built, and the segments it linked."""
    if cache is None:
        return CacheUse()
    linked = cache.finish()
    return CacheUse(cache.reused_count, cache.built_count, cache.problem, linked)


def cache_notes(spec: CacheSpec | None, *uses: CacheUse) -> list[str]:
    """A line when an earlier export's cache was there but could not be used."""
    if spec is None or spec.previous is None or not spec.previous.is_dir():
        return []
    problems = sorted({use.problem for use in uses if use.problem})
    return [
        f"the rows cached in {spec.previous} were not reused ({problem}): every row was built anew"
        for problem in problems
    ]


def cache_spec(
    built: Path, out: Path | None, schema: AnnotationSchema, folds: object | None
) -> CacheSpec:
    """The cache of an export being built in `built`, reusing the one of `out` if given."""
    # A row depends on its record, split and fold (in its key), and on these.
    salt = cache_salt(schema_json_text(schema), f"folded={folds is not None}")
    return CacheSpec(salt, built / CACHE_DIR, out / CACHE_DIR if out is not None else None)


def check_listed(folder: Path, name: str, files: Mapping[str, Any]) -> None:
    """Raise `CacheUnusable` unless the manifest's `files` list `name` with its checksum."""
    if name not in files:
        raise CacheUnusable(f"{folder / MANIFEST} does not list {name}")
    try:
        same = file_digest(folder / name) == files[name]
    except OSError as error:
        raise CacheUnusable(f"{folder / name} cannot be read ({error})") from error
    if not same:
        raise CacheUnusable(f"{folder / name} was changed since it was written")


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise CacheUnusable(f"{folder / MANIFEST} is missing") from error
    except (OSError, ValueError) as error:
        raise CacheUnusable(f"{folder / MANIFEST} cannot be read ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("format") != CACHE_FORMAT:
        raise CacheUnusable(f"{folder / MANIFEST} is not a quotegold cache of this version")
    return manifest


def write_manifest(folder: Path, salt: str, known: Mapping[str, str]) -> None:
    """List the files of a finished cache with their checksums (`known` already)."""
    files = {
        path.name: known[path.name] if path.name in known else file_digest(path)
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name != MANIFEST
    }
    manifest = {"format": CACHE_FORMAT, "salt": salt, "files": files}
    text = json.dumps(manifest, indent=2) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8", newline="\n")
