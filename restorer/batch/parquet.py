"""Parquet in and out, read and written in small record batches (``pyarrow``, on use only).

Only the top-level columns that hold the text and id fields go to the workers; the rest of
each batch stays in this process and is written back with the new text column (and, in
``score`` and ``both`` modes, a ``restorer`` struct column). Output keeps the input's schema
(plus that column) and its compression codec where every reader has it (else snappy), in row
groups of bounded size.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from restorer.batch.records import INFO_FIELD, BatchError
from restorer.batch.resume import _binary, _Sink
from restorer.batch.workers import _CHUNK_RECORDS, _Chunk, _Outcome
from restorer.errors import InputError
from restorer.files import AtomicWriter

_PARQUET_MAGIC = b"PAR1"
_PARQUET_SUFFIXES = (".parquet", ".pq")
_ROW_GROUP_ROWS = 10_000
_ROW_GROUP_BYTES = 64 << 20


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise BatchError(
            'Parquet needs the pyarrow package: pip install "restorer[parquet]"'
        ) from None
    return pa, pq


class _ParquetReader:
    """Rows of a Parquet file in small record batches, from row ``skip`` on."""

    def __init__(self, path: Path, skip: int, text_field: str, id_field: str | None) -> None:
        pa, pq = _pyarrow()
        self.pa = pa
        self.name = str(path)
        try:
            self.file = pq.ParquetFile(path)
        except (OSError, pa.ArrowException) as exc:
            raise InputError(path, f"cannot be read as Parquet ({exc})") from None
        self.skip = skip
        self.schema = self.file.schema_arrow
        self.total = self.file.metadata.num_rows
        self.text_top = text_field.split(".")[0]
        self.id_top = id_field.split(".")[0] if id_field else None
        self.done = skip
        meta = self.file.metadata
        self.compression = "snappy"
        if meta.num_row_groups and meta.num_columns:
            codec = str(meta.row_group(0).column(0).compression).lower()
            codec = "none" if codec == "uncompressed" else codec
            if codec in ("none", "snappy", "gzip", "brotli", "lz4", "zstd"):
                self.compression = codec  # else (LZ4_RAW...): snappy, which every reader has

    def position(self) -> int:
        return self.done

    def chunks(self) -> Iterator[_Chunk]:
        meta = self.file.metadata
        start = 0
        groups: list[int] = []
        for g in range(meta.num_row_groups):  # skip the row groups that are wholly done
            rows = meta.row_group(g).num_rows
            if groups or start + rows > self.skip:
                groups.append(g)
            else:
                start += rows
        drop = self.skip - start
        number = start
        names = set(self.schema.names)
        columns = [c for c in {self.text_top, self.id_top} if c is not None and c in names]
        try:
            batches = self.file.iter_batches(batch_size=_CHUNK_RECORDS, row_groups=groups)
            for batch in batches:
                if drop:
                    cut = min(drop, batch.num_rows)
                    batch = batch.slice(cut)
                    drop -= cut
                    number += cut
                    if not batch.num_rows:
                        continue
                values = {c: batch.column(c).to_pylist() for c in columns}
                rows = [{c: values[c][i] for c in columns} for i in range(batch.num_rows)]
                first = number + 1
                number += batch.num_rows
                self.done = number
                yield _Chunk(first, rows, batch)
        except (OSError, self.pa.ArrowException) as exc:
            raise InputError(self.name, f"cannot be read after row {number} ({exc})") from None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.file.close()


def _info_type(pa: Any, sources: bool = False, match_only: bool = False) -> Any:
    """The type of the info column: the scores, and where a reference was searched, the source."""
    source = pa.struct([("id", pa.string()), ("score", pa.float64())])
    if match_only:
        return pa.struct([("source", source)])
    fields = [("spin_score", pa.float64()), ("edits", pa.int64()), ("model", pa.string())]
    if sources:
        fields += [("source", source), ("differences", pa.int64())]
    return pa.struct(fields)


class _ParquetSink(_Sink):
    error_key = "row"

    def __init__(
        self,
        output: Path,
        reader: _ParquetReader,
        mode: str,
        *,
        sources: bool = False,
        match_only: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.info_type = _info_type(reader.pa, sources, match_only)
        self.output = output
        self.pa = reader.pa
        self.text_top = reader.text_top
        self.compression = reader.compression
        schema = reader.schema
        self.mode = mode
        if mode != "restore":
            field = self.pa.field(INFO_FIELD, self.info_type)
            if INFO_FIELD in schema.names:
                schema = schema.set(schema.get_field_index(INFO_FIELD), field)
            else:
                schema = schema.append(field)
        self.schema = schema
        self._writer: Any = None
        self._pending: list[Any] = []
        self._pending_rows = 0
        self._pending_bytes = 0

    def _part_suffix(self) -> str:
        return ".parquet"

    def _open(self, name: str) -> None:
        import pyarrow.parquet as pq

        assert self.work is not None
        self._writer = pq.ParquetWriter(
            self.work.path / name, self.schema, compression=self.compression
        )

    def _emit(self, chunk: _Chunk, outcomes: list[_Outcome]) -> None:
        pa = self.pa
        batch = chunk.keep
        columns = list(batch.columns)
        names = list(batch.schema.names)
        if any(o.changed for o in outcomes):
            index = names.index(self.text_top)
            old = batch.column(index).to_pylist()
            new = [o.out if o.changed else value for o, value in zip(outcomes, old, strict=True)]
            columns[index] = pa.array(new, type=batch.schema.field(index).type)
        if self.mode != "restore":
            info = pa.array([o.info for o in outcomes], type=self.info_type)
            if INFO_FIELD in names:
                columns[names.index(INFO_FIELD)] = info
            else:
                columns.append(info)
        table = pa.Table.from_arrays(columns, schema=self.schema)
        self._pending.append(table)
        self._pending_rows += table.num_rows
        self._pending_bytes += table.nbytes
        if self._pending_rows >= _ROW_GROUP_ROWS or self._pending_bytes >= _ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(self.pa.concat_tables(self._pending))
        self._pending = []
        self._pending_rows = self._pending_bytes = 0

    def _close(self) -> None:
        self._flush()
        self._writer.close()
        self._writer = None
        assert self.work is not None
        with (self.work.path / self._name).open("rb+") as fh:
            os.fsync(fh.fileno())

    def _assemble(self) -> None:
        import pyarrow.parquet as pq

        assert self.work is not None
        with AtomicWriter(self.output) as target:
            writer = pq.ParquetWriter(_binary(target), self.schema, compression=self.compression)
            for part in self.work.parts:
                source = pq.ParquetFile(self.work.path / part["name"])
                for group in range(source.metadata.num_row_groups):
                    writer.write_table(source.read_row_group(group))
                source.close()
            writer.close()
            target.commit()

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            if self._writer is not None:
                self._writer.close()
        self._opened = False
        super().discard()
