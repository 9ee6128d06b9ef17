"""Deterministic Parquet for releases: one file per table, written from an explicit Arrow schema.

The Arrow schema comes from the Table Schema (types.arrow_schema), never from inference, so a column
of empty cells is still int64 or date32. Rows are sorted by the primary key; compression, row-group
size, format version and dictionary encoding are fixed; the pandas index and pandas/Arrow metadata are
never written. The file's key-value metadata is our own: dataset name, version, table and key. Same
CSV bytes + same version + same pyarrow -> same Parquet bytes.
"""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.errors import PackageError
from balochistan_events.package.csvread import read_csv_bytes
from balochistan_events.package.descriptor import Resource
from balochistan_events.package.fieldtypes import arrow_schema, parse

COMPRESSION = "zstd"
COMPRESSION_LEVEL = 9
ROW_GROUP_SIZE = 1 << 20
FORMAT_VERSION = "2.6"
META_PREFIX = "balochistan-events:"


def strict_columns(res: Resource, csv_bytes: bytes, file: str) -> tuple[dict[str, pa.Array], list[int]]:
    """The one strict read of a table's CSV (load() from CSV and the release's Parquet both use it): each
    schema field's typed column and the file line of each row. Raises PackageError (file, line, field) on
    the first problem: these readers serve data that validates, so this is a guard, not a validator."""
    raw = read_csv_bytes(csv_bytes, res.name, file)
    errors = [p for p in raw.problems if p.severity == "error"]
    if errors or not raw.readable:
        p = errors[0] if errors else None
        raise PackageError(f"{p.message} (rule: {p.rule})" if p else "unreadable CSV", file=file,
                           line=p.line if p else None, field=p.field if p else None)
    missing_values = res.schema.get("missingValues", [""])
    typed: dict[str, pa.Array] = {}
    for f in res.fields:
        name = f["name"]
        if name not in raw.columns:
            raise PackageError(f"column {name!r} is missing", file=file, line=1, field=name)
        values, bad = parse(raw.columns[name], f, missing_values)
        if bad.true_count if hasattr(bad, "true_count") else any(bad.to_pylist()):
            i = bad.to_pylist().index(True)
            raise PackageError(f"{raw.columns[name][i].as_py()!r} is not of type {f.get('type', 'string')}",
                               file=file, line=int(raw.lines[i]), field=name)
        typed[name] = values
    return typed, [int(n) for n in raw.lines]


def typed_table(res: Resource, csv_bytes: bytes, file: str) -> pa.Table:
    """A table's CSV as an Arrow table with the schema's types (for Parquet), in schema column order;
    a required cell left empty is refused here too, as the Parquet schema is not nullable there."""
    typed, lines = strict_columns(res, csv_bytes, file)
    return schema_table(res, typed, lines, file)


def schema_table(res: Resource, typed: dict[str, pa.Array], lines: list[int] | np.ndarray, file: str) -> pa.Table:
    """Typed columns (strict_columns', or the validator's for a package that validated) as an Arrow table
    with the Parquet schema's types and nullability, in schema column order."""
    schema = arrow_schema(res)
    columns = []
    for name, values in typed.items():
        target = schema.field(name)
        if not target.nullable and values.null_count:
            i = values.is_null().to_pylist().index(True)
            raise PackageError(f"{name} is required but empty", file=file, line=int(lines[i]), field=name)
        columns.append(values.cast(target.type))
    return pa.Table.from_arrays(columns, schema=schema)


def sort_by_key(table: pa.Table, res: Resource) -> pa.Table:
    keys = res.schema.get("primaryKey") or res.field_names
    return table.sort_by([(k, "ascending") for k in keys])


def parquet_bytes(table: pa.Table, res: Resource, version: str | None, dataset: str | None = None) -> bytes:
    """The table, sorted by primary key, as Parquet bytes with fixed writer settings."""
    import pyarrow.parquet as pq

    table = table.replace_schema_metadata(None)
    keys = res.schema.get("primaryKey") or res.field_names
    order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in keys])
    sink = pa.BufferOutputStream()
    writer = pq.ParquetWriter(
        sink, table.schema, version=FORMAT_VERSION, compression=COMPRESSION, compression_level=COMPRESSION_LEVEL,
        use_dictionary=True, write_statistics=True, store_schema=False, write_page_index=False,
        data_page_version="1.0",
    )
    try:
        # one row group at a time, taken in key order: the same file as writing the whole sorted table
        # (row groups of ROW_GROUP_SIZE rows either way), without a sorted copy of the whole table
        for start in range(0, max(len(order), 1), ROW_GROUP_SIZE):
            writer.write_table(table.take(order[start:start + ROW_GROUP_SIZE]), row_group_size=ROW_GROUP_SIZE)
        writer.add_key_value_metadata(parquet_metadata(res, version, dataset))
    finally:
        writer.close()
    return sink.getvalue().to_pybytes()


def parquet_metadata(res: Resource, version: str | None, dataset: str | None) -> dict[str, str]:
    return {
        META_PREFIX + "dataset": dataset or "balochistan-events",
        META_PREFIX + "version": version or "",
        META_PREFIX + "table": res.name,
        META_PREFIX + "primaryKey": json.dumps(res.schema.get("primaryKey") or []),
    }
