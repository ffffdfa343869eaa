"""The Parquet files of a dataset folder, written a row group at a time.

`SplitFiles` opens `data/<config>/<split>-00000-of-00001.parquet` at the first row a
split of a configuration gets (`datasets` cannot load an empty split, so a split with no rows
has no file) and writes each with its features embedded, as `Dataset.to_parquet` does. Rows
wait as Python objects only in small batches: memory stays flat in the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
from datasets import ClassLabel, List
from datasets.arrow_writer import ParquetWriter

from quotegold.dataset.features import CONFIGS, features_for
from quotegold.dataset.splits import SPLITS
from quotegold.schema.definition import AnnotationSchema

# Rows are turned into Arrow a batch at a time and written in row groups of about 8 MiB of
# Arrow data: a few hundred `tokens` rows (each holds hundreds of tokens), thousands of quotes.
# A `speakers` row holds every mention of its speaker in the whole export: one at a time.
_BATCH_ROWS = {
    "articles": 64,
    "quotes": 256,
    "tokens": 32,
    "sentences": 512,
    "attribution": 1024,
    "speakers": 1,
}
_GROUP_BYTES = 8 * 2**20
# Configurations built per article are written from each article's own Arrow table (built
# now, or reused from an earlier export's cache: `rowcache`), in row groups of a fixed number
# of rows (about 8 MiB each), each group made one contiguous chunk: so the file's bytes do not
# depend on where the rows came from, and a re-export writes what a full export writes.
_GROUP_ROWS = {
    "articles": 2048,
    "quotes": 16384,
    "tokens": 512,
    "sentences": 8192,
    "attribution": 32768,
}


@contextmanager
def quiet() -> Iterator[None]:
    """The library never prints: hide the progress bars `datasets` shows while writing."""
    enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if enabled:
            datasets.enable_progress_bars()


def _write_parquet(writer: ParquetWriter, table: pa.Table) -> None:
    """Write one row group of a split file (features embedded, as `Dataset.to_parquet`)."""
    writer.write_table(table, writer_batch_size=table.num_rows)


Encode = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _encoder(feature: Any) -> Encode:
    """Trim a row to the features (as `features.project`) and turn class labels into their
    numbers (as `Features.encode_example`), in one pass made for these features.

    `datasets` encodes a row by walking its features for every value, which took most of
    the time of an export; this walks them once. Other values are left as they are, as
    `datasets` leaves them when they already have the right type; Arrow checks the types.
    """
    if isinstance(feature, dict):
        fields = [(key, _encoder(inner)) for key, inner in feature.items()]
        return lambda value: (
            None if value is None else {key: encode(value.get(key)) for key, encode in fields}
        )
    if isinstance(feature, List):
        if isinstance(feature.feature, ClassLabel):  # a tag per token: thousands a row
            return _class_labels(feature.feature.names)
        item = _encoder(feature.feature)
        if item is _same:
            return _same
        return lambda value: None if value is None else [item(entry) for entry in value]
    if isinstance(feature, ClassLabel):
        return _class_label(feature.names)
    return _same


def _class_label(names: list[str]) -> Encode:
    numbers = {name: number for number, name in enumerate(names)}

    def encode(value: Any) -> Any:
        if value is None or isinstance(value, int):
            return value
        if value not in numbers:
            raise ValueError(f"Invalid string class label {value!r}; expected one of {names}")
        return numbers[value]

    return encode


def _class_labels(names: list[str]) -> Encode:
    one = _class_label(names)
    numbers = {name: number for number, name in enumerate(names)}

    def encode(values: Any) -> Any:
        if values is None:
            return None
        try:
            return [numbers[value] for value in values]
        except (KeyError, TypeError):  # numbers already, or a value to report
            return [one(value) for value in values]

    return encode


class TableEncoder:
    """Rows of one configuration as an Arrow table of its features (for `add_table`)."""

    def __init__(self, config: str, schema: AnnotationSchema, *, folded: bool = False) -> None:
        features = features_for(config, schema, folded=folded)
        self._encode = _encoder(features)
        self.schema: pa.Schema = features.arrow_schema

    def __call__(self, rows: list[dict[str, Any]]) -> pa.Table:
        return pa.Table.from_pylist([self._encode(row) for row in rows], schema=self.schema)


class SplitFile:
    """One split file of one configuration: made at its first row, written a row group at
    a time. `datasets` cannot load an empty split, so a split with no rows has no file.

    Rows wait as Python objects only in small batches: each batch becomes an Arrow table
    (a tenth of the memory), and the tables are written as one row group once they hold
    `_GROUP_BYTES`, so row groups are large enough to compress well and memory stays flat.
    """

    def __init__(
        self, path: Path, config: str, schema: AnnotationSchema, *, folded: bool = False
    ) -> None:
        self.path = path
        self.features = features_for(config, schema, folded=folded)
        self._encode = _encoder(self.features)
        self._schema = self.features.arrow_schema
        self._batch_rows = _BATCH_ROWS[config]
        self._group_rows = _GROUP_ROWS.get(config, 0)
        self._pieces: list[pa.Table] = []
        self._piece_rows = 0
        self.rows: list[dict[str, Any]] = []
        self._tables: list[pa.Table] = []
        self._waiting = 0  # bytes of the tables not yet written
        self.count = 0
        self.size = 0  # bytes of the rows in Arrow, for the card's split info
        self._writer: ParquetWriter | None = None

    def add(self, row: Mapping[str, Any]) -> None:
        self.rows.append(self._encode(row))
        if len(self.rows) >= self._batch_rows:
            self._batch()

    def add_table(self, table: pa.Table) -> None:
        """Add an article's rows, made by a `TableEncoder` now or earlier; written in row groups of
        `_GROUP_ROWS` rows, whatever the tables they came in."""
        if not table.num_rows:
            return
        self._pieces.append(table)
        self._piece_rows += table.num_rows
        while self._piece_rows >= self._group_rows:
            self._write_group(self._group_rows)

    def _write_group(self, rows: int) -> None:
        whole = pa.concat_tables(self._pieces).combine_chunks()
        group, rest = whole.slice(0, rows).combine_chunks(), whole.slice(rows)
        self._pieces = [rest] if rest.num_rows else []
        self._piece_rows = rest.num_rows
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = ParquetWriter(features=self.features, path=str(self.path))
        _write_parquet(self._writer, group)
        self.count += group.num_rows

    def _batch(self) -> None:
        if self.rows:
            table = pa.Table.from_pylist(self.rows, schema=self._schema)
            self.rows = []
            self._tables.append(table)
            self._waiting += table.nbytes
        if self._waiting >= _GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if not self._tables:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = ParquetWriter(features=self.features, path=str(self.path))
        table = pa.concat_tables(self._tables)
        self._tables, self._waiting = [], 0
        _write_parquet(self._writer, table)
        self.count += table.num_rows

    def finish(self) -> None:
        if self._piece_rows:
            self._write_group(self._piece_rows)
        self._batch()
        self._flush()
        if self._writer is not None:
            with quiet():
                _, self.size = self._writer.finalize()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


class SplitFiles:
    """The split files of every configuration, opened as rows arrive, closed on exit; their
    features are those of the project's `schema`."""

    def __init__(
        self, folder: Path, stack: ExitStack, schema: AnnotationSchema, *, folded: bool = False
    ) -> None:
        self._folder = folder
        self._stack = stack
        self._schema = schema
        self._folded = folded
        self.by_config: dict[str, dict[str, SplitFile]] = {config: {} for config in CONFIGS}
        self.done: dict[str, dict[str, FileInfo]] = {}

    def add(self, config: str, split: str, row: Mapping[str, Any]) -> None:
        self.file(config, split).add(row)

    def file(self, config: str, split: str) -> SplitFile:
        """The split file of a configuration, made when first asked for."""
        files = self.by_config[config]
        if split not in files:
            path = self._folder / "data" / config / f"{split}-00000-of-00001.parquet"
            file = SplitFile(path, config, self._schema, folded=self._folded)
            files[split] = self._stack.enter_context(_closing(file))
        return files[split]

    def finish(self) -> None:
        for config, files in self.by_config.items():
            for split, file in files.items():
                file.finish()
                self.adopt(config, split, FileInfo(file.path, file.count, file.size))

    def adopt(self, config: str, split: str, info: FileInfo) -> None:
        """Count a finished file, written here or by a helper process."""
        self.done.setdefault(config, {})[split] = info

    def ordered(self, config: str) -> list[tuple[str, FileInfo]]:
        """The finished files of a configuration in split order (train, validation, test)."""
        files = self.done.get(config, {})
        return [(split, files[split]) for split in SPLITS if split in files]


@dataclass(frozen=True)
class FileInfo:
    """A finished split file: where, its rows, and the bytes of its rows in Arrow."""

    path: Path
    count: int
    size: int


@contextmanager
def _closing(file: SplitFile) -> Iterator[SplitFile]:
    try:
        yield file
    except BaseException:
        # Failed or interrupted, perhaps inside the writer's own close: closing it again may
        # fail too ("I/O operation on closed file"), and must not hide why it stopped.
        with suppress(Exception):
            file.close()
        raise
    file.close()
