"""Table Schema field types: parsing text cells into typed Arrow arrays, and the matching Arrow /
pandas types. One place for the type system, used by validation, load() and the Parquet writer."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import pandas as pd

    from balochistan_events.package.descriptor import Resource

# Lexical forms from the Table Schema v2 spec (defaults, no custom formats).
_INTEGER = r"^[+-]?[0-9]{1,18}$"
_NUMBER = r"^[+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))([eE][+-]?[0-9]+)?$|^(NaN|INF|-INF)$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
_TIME = r"^[0-9]{2}:[0-9]{2}:[0-9]{2}$"
_YEAR = r"^[0-9]{4}$"
DEFAULT_TRUE = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]

EXPECTED = {
    "integer": "a whole number, e.g. 12",
    "number": "a number, e.g. 29.8",
    "boolean": "true or false",
    "date": "a date as YYYY-MM-DD",
    "datetime": "a date-time as YYYY-MM-DDThh:mm:ssZ",
    "time": "a time as hh:mm:ss",
    "year": "a year as YYYY",
}


def arrow_type(field: dict) -> pa.DataType:
    t = field.get("type", "string")
    return {
        "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "date": pa.date32(),
        "datetime": pa.timestamp("s", tz="UTC"), "year": pa.int64(), "time": pa.time32("s"),
    }.get(t, pa.string())


def missing_mask(values: pa.Array, missing: list[str]) -> pa.Array:
    if not missing:
        return pa.array(np.zeros(len(values), dtype=bool))
    if missing == [""]:
        return pc.equal(pc.binary_length(values), 0)
    return pc.is_in(values, value_set=pa.array(missing, pa.string()))


def _null_where(values: pa.Array, is_missing: pa.Array) -> pa.Array:
    """values with the missing cells set to null, sharing the string data (no copy of the text)."""
    missing = np.asarray(pc.fill_null(is_missing, False).to_numpy(zero_copy_only=False), dtype=bool)
    if not missing.any():
        return values
    if values.null_count or not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return pc.if_else(is_missing, pa.scalar(None, values.type), values)
    off = values.offset
    validity = np.concatenate([np.zeros(off, dtype=bool), ~missing]) if off else ~missing
    bitmap = pa.array(validity).buffers()[1]
    buffers = values.buffers()
    return pa.Array.from_buffers(values.type, len(values), [bitmap, buffers[1], buffers[2]],
                                 null_count=int(missing.sum()), offset=off)


def _try_cast(present: pa.Array, target: pa.DataType, t: str) -> pa.Array | None:
    """Fast path for clean columns: Arrow's own strict parser. None when any cell needs the careful
    path (which then finds exactly which cells are bad)."""
    try:
        if t in ("integer", "year"):
            if pc.any(pc.match_substring(present, "x")).as_py():  # Arrow accepts hex (0x10)
                return None
            typed = pc.cast(present, pa.int64())
            if t == "year" and pc.any(pc.not_equal(pc.binary_length(present), 4)).as_py():
                return None
            return typed
        if t == "number":
            typed = pc.cast(present, pa.float64())
            if pc.any(pc.invert(pc.is_finite(typed))).as_py():  # NaN / INF spellings need the careful path
                return None
            return typed
        if t == "date":
            return pc.cast(present, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return None


def parse(values: pa.Array, field: dict[str, Any], missing: list[str]) -> tuple[pa.Array, pa.Array]:
    """Parse a text column. Returns (typed array with nulls for missing and bad cells,
    boolean mask of cells that are present but not of the field's type)."""
    is_missing = missing_mask(values, missing)
    t = field.get("type", "string")
    present = _null_where(values, is_missing)
    if t in ("string", "any") or t not in EXPECTED:
        return present, pa.array(np.zeros(len(values), dtype=bool))
    if t in ("integer", "year", "number", "date"):
        typed = _try_cast(present, arrow_type(field), t)
        if typed is not None:
            return typed, pa.array(np.zeros(len(values), dtype=bool))
    if t == "boolean":
        trues = field.get("trueValues", DEFAULT_TRUE)
        falses = field.get("falseValues", DEFAULT_FALSE)
        is_true = pc.is_in(present, value_set=pa.array(trues, pa.string()))
        is_false = pc.is_in(present, value_set=pa.array(falses, pa.string()))
        ok = pc.or_(is_true, is_false)
        typed = pc.if_else(ok, is_true, pa.scalar(None, pa.bool_()))
    else:
        pattern = {"integer": _INTEGER, "number": _NUMBER, "date": _DATE, "datetime": _DATETIME,
                   "time": _TIME, "year": _YEAR}[t]
        ok = pc.fill_null(pc.match_substring_regex(present, pattern), False)
        candidates = pc.if_else(ok, present, pa.scalar(None, pa.string()))
        if t in ("integer", "year"):
            typed = pc.cast(pc.replace_substring_regex(candidates, r"^\+", ""), pa.int64())
        elif t == "number":
            norm = pc.replace_substring_regex(candidates, r"^\+", "")
            typed = pc.cast(pc.replace_substring(norm, "INF", "inf"), pa.float64())
        elif t == "date":
            ts = pc.strptime(candidates, format="%Y-%m-%d", unit="s", error_is_null=True)
            # strptime rolls 2026-02-30 over to March; a round trip catches impossible days
            same = pc.equal(pc.strftime(ts, format="%Y-%m-%d"), candidates)
            typed = pc.if_else(pc.fill_null(same, False), pc.cast(ts, pa.date32()), pa.scalar(None, pa.date32()))
        elif t == "datetime":
            norm = pc.replace_substring_regex(candidates, r"\.[0-9]+", "")
            norm = pc.replace_substring_regex(norm, "Z$", "+00:00")
            norm = pc.replace_substring_regex(norm, r"([+-][0-9]{2}):([0-9]{2})$", r"\1\2")
            has_tz = pc.match_substring_regex(norm, r"[+-][0-9]{4}$")
            norm = pc.if_else(pc.fill_null(has_tz, False), norm, pc.binary_join_element_wise(norm, "+0000", ""))
            typed = pc.strptime(norm, format="%Y-%m-%dT%H:%M:%S%z", unit="s", error_is_null=True)
        else:  # time
            ts = pc.strptime(pc.binary_join_element_wise("1970-01-01T", candidates, ""), format="%Y-%m-%dT%H:%M:%S",
                             unit="s", error_is_null=True)
            typed = pc.cast(pc.cast(ts, pa.int64()), pa.time32("s"))
        ok = pc.and_(ok, pc.is_valid(typed))
    bad = pc.and_(pc.is_valid(present), pc.invert(pc.fill_null(ok, False)))
    return typed, pc.fill_null(bad, False)


def arrow_schema(resource: Resource) -> pa.Schema:
    """The Arrow schema of a table, derived from its Table Schema (used for Parquet)."""
    fields = []
    for f in resource.fields:
        required = f.get("constraints", {}).get("required", False)
        meta = {b"description": f.get("description", "").encode("utf-8")}
        fields.append(pa.field(f["name"], arrow_type(f), nullable=not required, metadata=meta))
    return pa.schema(fields)


def is_coded(field: dict) -> bool:
    """Coded fields (a closed list of values) become categoricals in pandas and factors in R."""
    return "enum" in field.get("constraints", {})


def _chunks(arr: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return list(arr.chunks) if isinstance(arr, pa.ChunkedArray) else [arr]


def category_codes(arr: pa.Array | pa.ChunkedArray, codes: list) -> np.ndarray:
    """Positions of the values in `codes` (the schema's enum), -1 for missing cells and for values
    outside the codes. Dictionary-encoded chunks (Parquet's own encoding) are mapped through their
    dictionary: one lookup per distinct value, then a numpy take, never a Python object per cell."""
    out = []
    for chunk in _chunks(arr):
        if pa.types.is_dictionary(chunk.type):
            value_set = pa.array(codes, chunk.type.value_type)
            # dictionary position -> code position; the extra last slot (-1) is where null indices go
            lookup = pc.fill_null(pc.index_in(chunk.dictionary, value_set=value_set), -1)
            lookup = np.append(np.asarray(lookup.to_numpy(zero_copy_only=False), dtype=np.int64), -1)
            indices = pc.fill_null(chunk.indices.cast(pa.int64()), len(chunk.dictionary))
            out.append(lookup[np.asarray(indices.to_numpy(zero_copy_only=False))])
        else:
            value_set = pa.array(codes, chunk.type)
            pos = pc.fill_null(pc.index_in(chunk, value_set=value_set), -1)
            out.append(np.asarray(pos.to_numpy(zero_copy_only=False), dtype=np.int64))
    merged = np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
    small = np.int8 if len(codes) < 127 else np.int16 if len(codes) < 32767 else np.int32
    return merged.astype(small, copy=False)


def _decoded(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if pa.types.is_dictionary(arr.type):
        return arr.dictionary_decode() if isinstance(arr, pa.Array) else \
            pa.chunked_array([c.dictionary_decode() for c in arr.chunks], arr.type.value_type)
    return arr


def to_pandas(typed: dict[str, pa.Array | pa.ChunkedArray], resource: Resource) -> pd.DataFrame:
    """Typed DataFrame in schema column order: dates as datetime64, coded fields categorical with the
    schema's codes as categories, integers nullable (Int64), booleans nullable, text as string.

    Columns may be Arrow arrays or chunked arrays (a Parquet file's row groups), plain or
    dictionary-encoded; chunks are never concatenated, and text is handed to pandas' Arrow-backed
    string dtype without a Python object per cell."""
    import pandas as pd

    columns = {}
    for f in resource.fields:
        name = f["name"]
        if name in typed:
            columns[name] = _series(typed[name], f)
    return pd.DataFrame(columns, copy=False)


_NULLABLE = {"integer": "Int64", "year": "Int64", "number": "Float64", "boolean": "boolean"}


def _series(arr: pa.Array | pa.ChunkedArray, f: dict) -> pd.Series:
    import pandas as pd

    t = f.get("type", "string")
    name = f["name"]
    if is_coded(f):
        codes = f["constraints"]["enum"]
        if t in ("integer", "year") and not pa.types.is_dictionary(arr.type):
            arr = arr.cast(pa.int64())
        # load() refuses unknown codes before this point; for frames built by hand (pandera checks),
        # a value outside the codes becomes missing (-1) explicitly
        cat = pd.Categorical.from_codes(category_codes(arr, codes), categories=codes)
        return pd.Series(cat, name=name, copy=False)
    arr = _decoded(arr)
    if t in _NULLABLE:
        # pyarrow hands whole (chunked) arrays to the extension dtype's __from_arrow__
        dtype = pd.api.types.pandas_dtype(_NULLABLE[t])
        values = arr.to_pandas(types_mapper={arr.type: dtype}.get)
    elif t == "date":
        values = arr.cast(pa.timestamp("s")).to_pandas()
    elif t == "datetime":
        values = arr.to_pandas()
    else:
        # Arrow-backed string dtype (the default storage): the text buffers are shared, not copied per cell
        values = arr.cast(pa.string()).to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    return pd.Series(values, name=name, copy=False).reset_index(drop=True)


_CSV_SPECIAL = r'[,"\r\n]'


def _lexical(arr: pa.Array, t: str) -> pa.Array | None:
    """A typed column as the Table Schema's lexical forms (large_string, null for missing), or None
    when this fast path cannot promise the exact text of the slow writer (csv.writer over str())."""
    if t in ("integer", "year") and pa.types.is_integer(arr.type):
        return pc.cast(arr, pa.large_string())
    if t == "date" and (pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type)):
        days = arr.cast(pa.timestamp("s")) if pa.types.is_date(arr.type) else arr
        years = pc.year(days)
        if len(arr) > arr.null_count and (pc.min(years).as_py() < 1000 or pc.max(years).as_py() > 9999):
            return None     # strftime would not pad the year to four digits
        return pc.cast(pc.strftime(days, format="%Y-%m-%d"), pa.large_string())
    if t in ("string", "any") and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        if pc.any(pc.fill_null(pc.match_substring_regex(arr, _CSV_SPECIAL), False)).as_py():
            return None     # a cell that needs quoting: leave the quoting rules to csv.writer
        return arr.cast(pa.large_string())
    return None


def frame_csv_bytes(df: pd.DataFrame, fields: list[dict]) -> bytes | None:
    """The frame as CSV (header, LF, no cell needing quotes, empty for missing), built column-wise
    in Arrow: the bytes csv.writer writes for the same cells. None when a column is of a type or holds
    a value this path does not cover (numbers, booleans, text with commas, quotes or newlines)."""
    names = [f["name"] for f in fields]
    if not names or any(re.search(_CSV_SPECIAL, n) for n in names) or (len(names) == 1):
        return None
    cells = []
    for f in fields:
        series = df[f["name"]]
        arr = pa.array(series.astype("string") if f.get("type", "string") in ("string", "any") else series,
                       from_pandas=True)
        text = _lexical(arr, f.get("type", "string"))
        if text is None:
            return None
        cells.append(pc.fill_null(text, ""))
    sep, empty, newline = (pa.scalar(x, pa.large_string()) for x in (",", "", "\n"))
    rows = pc.binary_join_element_wise(*cells, sep) if len(df) else pa.array([], pa.large_string())
    rows = pc.binary_join_element_wise(rows, empty, newline)
    head = (",".join(names) + "\n").encode("utf-8")
    if not len(rows):
        return head
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset:rows.offset + len(rows) + 1]
    body = rows.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
    return head + body.to_pybytes()


def frame_to_csv(df: pd.DataFrame, fields: list[dict]) -> bytes:
    """A DataFrame as CSV with the Table Schema's lexical forms: LF, minimal quoting, empty for missing.
    Column-wise in Arrow when it can (frame_csv_bytes), else cell by cell through csv.writer."""
    import csv
    import io

    import pandas as pd

    fast = frame_csv_bytes(df, fields)
    if fast is not None:
        return fast
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([f["name"] for f in fields])
    cols = []
    for f in fields:
        t = f.get("type", "string")
        values = df[f["name"]].tolist()
        out = []
        for v in values:
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                out.append("")
            elif t == "integer":
                out.append(str(int(v)))
            elif t == "date":
                out.append(pd.Timestamp(v).strftime("%Y-%m-%d"))
            elif t == "boolean":
                out.append("true" if v else "false")
            elif t == "number":
                out.append(repr(float(v)))
            else:
                out.append(str(v))
        cols.append(out)
    for row in zip(*cols, strict=False):
        w.writerow(row)
    return buf.getvalue().encode("utf-8")
