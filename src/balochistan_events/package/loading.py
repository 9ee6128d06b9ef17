"""load(): the package's tables as typed pandas DataFrames, from a checkout, an extracted release or
a release zip (Parquet when a release ships it, else CSV)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from balochistan_events.errors import PackageError
from balochistan_events.package.descriptor import Package, Resource, open_package
from balochistan_events.package.fieldtypes import arrow_schema, arrow_type, is_coded, to_pandas

BUNDLED = Path(__file__).resolve().parents[1] / "bundled"

if TYPE_CHECKING:
    import pandas as pd


class Dataset(dict):
    """The four tables by name (also as attributes: ds.events, ds.claims …), with the release's
    version (ds.version) and where they were read (ds.origin: checkout, bundled, download or path;
    ds.location: the directory or zip).

    >>> ds = load()                      # doctest: +SKIP
    >>> ds.claims.groupby("claimant_id", observed=True).size()   # doctest: +SKIP
    """

    def __init__(self, tables: dict, descriptor: dict, origin: str = "path", location: str | None = None) -> None:
        super().__init__(tables)
        self.resources: dict[str, Resource] = {}     # table name -> its Table Schema (descriptor.Resource)
        self.descriptor = descriptor
        self.origin = origin
        self.location = location

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        rows = ", ".join(f"{name} {len(df)} rows" for name, df in self.items())
        return f"<balochistan-events {self.version} ({self.origin}: {self.location}): {rows}>"

    @property
    def version(self) -> str | None:
        return self.descriptor.get("version")

    def claims_summary(self) -> Any:
        """The reconciled view: one row per event x claim_type x subject (see summary.claims_summary)."""
        from balochistan_events.package.summary import claims_summary
        return claims_summary(self)


def _checkout_of(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding datapackage.json, not leaving its git work tree."""
    for folder in (start, *start.parents):
        if (folder / "datapackage.json").is_file():
            return folder
        if (folder / ".git").exists():
            return None
    return None


def default_path() -> Path:
    """The checkout you stand in; else the source checkout this module lives in (an editable
    install); else the release bundled in the installed package (BUNDLED)."""
    here = _checkout_of(Path.cwd())
    if here is not None:
        return here
    module = Path(__file__).resolve()
    if module.parents[2].name == "src" and (module.parents[3] / "datapackage.json").is_file():
        return module.parents[3]
    if (BUNDLED / "datapackage.json").is_file():
        return BUNDLED
    raise PackageError("no datapackage.json in the current directory and no release bundled in the installed "
                       "package; pass load(path=...) or load(version=...)")


def bundled_version() -> str | None:
    """The version of the release bundled in the installed package, or None."""
    import json

    try:
        return json.loads((BUNDLED / "datapackage.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return None


def load(path: str | os.PathLike | None = None, *, version: str | None = None, prefer_parquet: bool = True) -> Dataset:
    """Load events, actors, sources and claims as typed DataFrames.

    path: a package directory, a datapackage.json or a release .zip (default: the checkout you stand
    in, else the release bundled in the installed package). version: "X.Y.Z" downloads that published
    release (verified against its sha256, cached in the user cache directory; works offline once
    cached). Raises PackageError, naming file, line and field, when a table cannot be read or a cell
    is not of its column's type; run `balochistan-events validate` for the full list."""
    if version is not None and path is not None:
        raise PackageError("give load() a path or a version, not both")
    if version is not None:
        from balochistan_events.package.download import fetch_release

        where, origin = fetch_release(version), "download"
    elif path is not None:
        where, origin = Path(path), "path"
    else:
        where = default_path()
        origin = "bundled" if where == BUNDLED else "checkout"
    with open_package(where) as package:
        tables = {name: _load_table(package, res, prefer_parquet) for name, res in package.resources.items()}
        ds = Dataset(tables, package.descriptor, origin, str(where))
        ds.resources = package.resources
        return ds


def dataset_from_columns(package: Package, columns: dict[str, dict[str, pa.Array]], location: str) -> Dataset:
    """A Dataset from typed Arrow columns already parsed (table -> field -> array, as strict_columns or the
    validator return them), with `.resources` (the schemas, for the exporters' crosswalks)."""
    tables = {name: to_pandas(columns[name], res) for name, res in package.resources.items()}
    ds = Dataset(tables, package.descriptor, "path", location)
    ds.resources = package.resources
    return ds


def _parquet_path(res: Resource) -> str:
    return res.path[: -len(".csv")] + ".parquet" if res.path.endswith(".csv") else res.path + ".parquet"


def _load_table(package: Package, res: Resource, prefer_parquet: bool) -> pd.DataFrame:
    source = package.source
    pq_path = _parquet_path(res)
    if prefer_parquet and source.exists(pq_path):
        return to_pandas(_read_parquet(source.read(pq_path), res, source.display(pq_path)), res)
    from balochistan_events.package.parquet import strict_columns

    typed, _lines = strict_columns(res, source.read(res.path), source.display(res.path))
    return to_pandas(typed, res)


def _read_parquet(data: bytes, res: Resource, file: str) -> dict[str, pa.ChunkedArray]:
    """The Parquet file's columns as chunked arrays (one chunk per row group, never concatenated),
    coded text columns dictionary-encoded as Parquet stores them, so to_pandas() builds categoricals
    from the dictionary instead of from a string per cell."""
    import pyarrow.parquet as pq

    from balochistan_events.package.source import MAX_MEMBER_BYTES

    coded = [f["name"] for f in res.fields if is_coded(f) and arrow_type(f) == pa.string()]
    try:
        reader = pq.ParquetFile(pa.BufferReader(data), read_dictionary=coded)
        meta = reader.metadata
        # a release's Parquet is untrusted: bound what it may expand to before decoding it
        expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if expanded > MAX_MEMBER_BYTES:
            raise PackageError(f"Parquet file would expand to {expanded} bytes (limit {MAX_MEMBER_BYTES})", file=file)
        table = reader.read()
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise PackageError(f"not a readable Parquet file: {exc}", file=file) from None
    expected = arrow_schema(res)
    if table.schema.names != expected.names:
        missing = [n for n in expected.names if n not in table.schema.names]
        extra = [n for n in table.schema.names if n not in expected.names]
        what = (f"column {missing[0]!r} is missing" if missing else f"column {extra[0]!r} is not in the Table Schema"
                if extra else "columns are not in the Table Schema's order")
        raise PackageError(f"Parquet {what}", file=file, field=(missing or extra or [None])[0])
    out = {}
    for field in expected:
        col = table.column(field.name)
        stored = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
        if not stored.equals(field.type):
            raise PackageError(f"Parquet column {field.name!r} is {stored}, the Table Schema says {field.type}",
                               file=file, field=field.name)
        codes = res.field(field.name).get("constraints", {}).get("enum")
        if codes is not None and pa.types.is_string(stored):
            bad = _unknown_code(col, codes)
            if bad is not None:
                # a categorical would turn it into a missing value silently: refuse instead
                raise PackageError(f"Parquet column {field.name!r} holds {bad[:60]!r}, not one of the schema's codes",
                                   file=file, field=field.name)
        out[field.name] = col
    return out


def _unknown_code(col: pa.ChunkedArray, codes: list) -> str | None:
    """The first present value that is not one of the codes, else None. For a dictionary-encoded
    chunk only its (small) dictionary is looked up; the cells are touched only when the dictionary
    holds a stranger (a crafted file may carry unused dictionary entries)."""
    import pyarrow.compute as pc

    value_set = pa.array(codes, pa.string())
    for chunk in col.chunks:
        if pa.types.is_dictionary(chunk.type):
            strangers = pc.invert(pc.is_in(chunk.dictionary, value_set=value_set))
            if not pc.any(strangers).as_py():
                continue
            positions = pa.array(np.flatnonzero(strangers.to_numpy(zero_copy_only=False)), chunk.indices.type)
            used = pc.filter(chunk.indices, pc.is_in(chunk.indices, value_set=positions))
            if len(used):
                return str(chunk.dictionary[used[0].as_py()].as_py())
            continue
        # is_in gives false (not null) for a null cell; an empty cell is allowed, only present values count
        unknown = pc.and_(pc.is_valid(chunk), pc.invert(pc.is_in(chunk, value_set=value_set)))
        if pc.any(unknown).as_py():
            return str(chunk.filter(unknown)[0].as_py())
    return None
