"""Shared pieces of the exports: reading crosswalks from the schemas, formatting cells, choosing the
events a peer format can hold, and per-event claim figures."""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.errors import PackageError

# Person groups in claims.subject that do not overlap: their figures may be added up.
PERSON_GROUPS = ("security_forces", "militants", "civilians", "officials")
# Subjects that count everyone (or people of unknown kind): alternative totals, never added to groups.
PERSON_TOTALS = ("all_persons", "unspecified")


# --- crosswalks (x-acled, x-ucdp, x-hxl) --------------------------------------------------------

@dataclass(frozen=True)
class Mapping:
    """One of our fields mapped to a peer column, optionally with a code translation."""
    table: str
    field: dict
    column: str
    values: dict | None

    @property
    def name(self) -> str:
        return self.field["name"]


def crosswalk(field: dict, peer: str, table: str = "") -> Mapping | None:
    """A field's x-<peer> property: a column name string, or {"field": column, "values": {code: peer code}}."""
    prop = field.get(f"x-{peer}")
    if prop is None:
        return None
    if isinstance(prop, str) and prop:
        return Mapping(table, field, prop, None)
    if isinstance(prop, dict) and isinstance(prop.get("field"), str):
        values = prop.get("values")
        if values is not None and not isinstance(values, dict):
            raise PackageError(f"x-{peer}.values of {field['name']!r} must be an object", field=field["name"])
        return Mapping(table, field, prop["field"], values)
    raise PackageError(f"x-{peer} of {field['name']!r} must be a column name or {{\"field\": …, \"values\": …}}",
                       field=field["name"])


def mappings(resource: Any, peer: str) -> dict[str, Mapping]:
    """Peer column -> the first of the table's fields that maps to it (schema order)."""
    out: dict[str, Mapping] = {}
    for f in resource.fields:
        m = crosswalk(f, peer, resource.name)
        if m is not None and m.column not in out:
            out[m.column] = m
    return out


def field_for(resource: Any, peer: str, column: str) -> str | None:
    m = mappings(resource, peer).get(column)
    return m.name if m else None


def lexical(value: object, field: dict | None = None) -> str:
    """A typed cell back in its Table Schema text form ('' for missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    ftype = (field or {}).get("type", "string")
    if isinstance(value, (bool, np.bool_)):
        trues = (field or {}).get("trueValues") or ["true"]
        falses = (field or {}).get("falseValues") or ["false"]
        return trues[0] if value else falses[0]
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ftype == "date" else ts.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def values(series: pd.Series) -> list:
    """A column as a plain list, missing cells as None (fast for pandas' extension arrays)."""
    return series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]


def texts(series: pd.Series, field: dict | None = None) -> list[str]:
    """A typed column back in its Table Schema text form, '' for missing; vectorised where it matters."""
    ftype = (field or {}).get("type", "string")
    if ftype == "date" and pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.dt.strftime("%Y-%m-%d").fillna("").tolist()
    if ftype == "string" or isinstance(series.dtype, pd.CategoricalDtype):
        arr = pa.array(series, from_pandas=True)
        if pa.types.is_string(arr.type) or (pa.types.is_dictionary(arr.type) and pa.types.is_string(arr.type.value_type)):
            return pc.fill_null(arrow_text(arr), "").to_pylist()      # one pass in C
        return ["" if v is None else str(v) for v in values(series)]
    cells = values(series)
    if ftype in ("integer", "year") and pd.api.types.is_integer_dtype(series.dtype):
        return ["" if v is None else str(v) for v in cells]
    if ftype == "number" and pd.api.types.is_float_dtype(series.dtype):
        # as lexical(): repr of the float, '' for missing (NA or NaN)
        return ["" if v is None or v != v else repr(v) for v in cells]
    return [lexical(v, field) for v in cells]


def translate(series: pd.Series, mapping: Mapping) -> list:
    """Apply a crosswalk to a column: code translation when the mapping has values, else the cell text.
    A code the crosswalk does not list becomes '' (unknown to the peer)."""
    cells = texts(series, mapping.field)
    if mapping.values is None:
        return cells
    return ["" if c == "" else mapping.values.get(c, "") for c in cells]


def json_value(value: object, field: dict | None = None) -> object:
    """A typed cell as a JSON value: numbers stay numbers, dates become YYYY-MM-DD, missing is null."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return lexical(value, field)
    return str(value)


# --- which events ----------------------------------------------------------------------------------

def sorted_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events in event_id order, so that a checkout and its release (whose Parquet files are sorted by
    primary key) export the same bytes."""
    order = pc.sort_indices(arrow_text(events["event_id"]))     # stable; UTF-8 byte order = code point order
    return events.take(order.to_numpy()).reset_index(drop=True)


def mapped_columns(ds: Any, peer: str, columns: list[str]) -> tuple[pd.DataFrame, dict[str, Mapping], dict[str, list]]:
    """The exported events, the schema's crosswalk to `peer`, and the peer's columns pre-filled from
    every field that maps onto one (empty where nothing maps): the start every tabular export shares."""
    ev = leaf_events(ds.events)
    m = mappings(ds.resources["events"], peer)
    cols: dict[str, list] = {c: [""] * len(ev) for c in columns}
    for column, mapping in m.items():
        if column in cols:
            cols[column] = translate(ev[mapping.name], mapping)
    return ev, m, cols


def leaf_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events that are nobody's parent: every incident, and campaigns recorded without incidents,
    in event_id order. Exporting only these puts each episode in one row and counts no figure twice."""
    parents = pc.unique(pc.drop_null(arrow_text(events["parent_event_id"])))
    is_parent = pc.is_in(arrow_text(events["event_id"]), value_set=parents).to_numpy(zero_copy_only=False)
    return sorted_events(events[~is_parent])


# --- claim figures per event --------------------------------------------------------------------

def figures(ds: Any, claim_type: str = "killed") -> pd.DataFrame:
    """Claims of one type that carry a figure, with the claimant's side (official / armed_group /
    independent, as in summary.py) and each claim's range ends (low or best, high or best)."""
    from balochistan_events.package.summary import claimant_sides

    c = ds.claims
    c = c[(c["claim_type"].astype("string") == claim_type) & c["value_best"].notna()].copy()
    c["subject"] = c["subject"].astype("string")
    c["side"] = c["claimant_id"].map(claimant_sides(ds.actors)).fillna("independent")
    c["lo"] = c["value_low"].fillna(c["value_best"])
    c["hi"] = c["value_high"].fillna(c["value_best"])
    return c


def per_subject(fig: pd.DataFrame) -> pd.DataFrame:
    """One row per event x subject: n claims, lowest figure, lowest and highest range ends, and the
    lowest figure among independent claimants (NA when none)."""
    keys = ["event_id", "subject"]
    if fig.empty:
        return pd.DataFrame(columns=keys + ["claims", "min_best", "low", "high", "indep_best"])
    g = fig.groupby(keys, sort=True, observed=True)
    out = pd.DataFrame({
        "claims": g.size(),
        "min_best": g["value_best"].min(),
        "low": g["lo"].min(),
        "high": g["hi"].max(),
    })
    indep = fig[fig["side"] == "independent"].groupby(keys, sort=True, observed=True)["value_best"].min()
    out["indep_best"] = indep.reindex(out.index)
    return out.reset_index()


def arrow_text(column: pd.Series | pa.Array | Sequence[str | None]) -> pa.Array:
    """A text column as an Arrow string array: zero-copy for pandas' Arrow-backed strings, decoded for
    categoricals, converted for lists."""
    if isinstance(column, pd.Series):
        arr = pa.array(column, from_pandas=True)
    elif isinstance(column, (pa.Array, pa.ChunkedArray)):
        arr = column
    else:
        arr = pa.array(column, pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string()) if not pa.types.is_string(arr.type) else arr


def lookup(keys: pd.Series | pa.Array, table_keys: pd.Series, table_values: pd.Series | Sequence[str | None]) -> pa.Array:
    """For each key, the value of its row in a lookup table (first match; null when absent): a vectorised
    dict.get over a whole column, e.g. each claim's source_id -> that source's publisher."""
    from balochistan_events.validation.kernels import lookup as take_by_key

    return take_by_key(arrow_text(keys), arrow_text(table_keys), arrow_text(table_values))


def joined_per_event(event_ids: pd.Series | pa.Array | Sequence[str | None],
                     items: pd.Series | pa.Array | Sequence[str | None], wanted: Sequence[str], sep: str) -> list[str]:
    """For each event of `wanted`: its distinct items in code point order (as Python sorts str), joined by
    `sep` ('' for an event without items). All in Arrow: no Python step per event."""
    keys, lists = _distinct_lists(event_ids, items)
    joined = pc.binary_join(lists, sep)
    at = pc.index_in(pa.array(wanted, pa.string()), value_set=keys)
    return pc.fill_null(joined.take(at), "").to_pylist()


class EventLists:
    """Each event's distinct items (e.g. the source_ids its claims cite) in code point order, held as one
    Arrow list array, and per-event texts made from them without a Python step per event."""
    def __init__(self, event_ids: Any, items: Any, wanted: Sequence[str]) -> None:
        keys, lists = _distinct_lists(event_ids, items)
        self.items = lists.values
        self.offsets = lists.offsets.to_numpy()
        self.at = pc.index_in(pa.array(wanted, pa.string()), value_set=keys)    # wanted event -> its list

    def counts(self) -> list[str]:
        """How many items each wanted event has, as text."""
        n = pa.array(np.diff(self.offsets)).take(self.at)
        return pc.cast(pc.fill_null(n, 0), pa.string()).to_pylist()

    def joined(self, sep: str, per_item: pa.Array | None = None) -> list[str]:
        """Each wanted event's items (or `per_item`: a value for each item, aligned with self.items), blank
        ones left out, joined by `sep`; '' for an event without items."""
        flat = pc.fill_null(arrow_text(per_item if per_item is not None else self.items), "")
        keep = pc.not_equal(pc.utf8_length(pc.utf8_trim_whitespace(flat)), 0).to_numpy(zero_copy_only=False)
        kept = np.r_[0, np.cumsum(keep)]
        lists = pa.ListArray.from_arrays(pa.array(kept[self.offsets].astype(np.int32)), flat.filter(pa.array(keep)))
        return pc.fill_null(pc.binary_join(lists, sep).take(self.at), "").to_pylist()


def _distinct_lists(event_ids: Any, items: Any) -> tuple[pa.Array, pa.ListArray]:
    """(event ids, list of each one's distinct items in code point order). Both columns are dictionary
    encoded, so the sort and the dedupe run on integer codes (the items' dictionary is ranked once)."""
    e, v = arrow_text(event_ids), arrow_text(items)
    present = pc.and_(pc.is_valid(e), pc.is_valid(v))
    e, v = e.filter(present), v.filter(present)
    e_enc, v_enc = pc.dictionary_encode(e), pc.dictionary_encode(v)
    rank = np.empty(len(v_enc.dictionary), dtype=np.int64)
    # UTF-8 byte order (Arrow's sort) = code point order = Python's order of str
    rank[pc.sort_indices(v_enc.dictionary).to_numpy()] = np.arange(len(rank))
    ecode = e_enc.indices.to_numpy(zero_copy_only=False)
    vcode = v_enc.indices.to_numpy(zero_copy_only=False)
    order = np.lexsort((rank[vcode], ecode))
    ecode, vcode = ecode[order], vcode[order]
    keep = np.r_[True, (ecode[1:] != ecode[:-1]) | (vcode[1:] != vcode[:-1])] if len(order) else np.zeros(0, bool)
    ecode, vcode = ecode[keep], vcode[keep]
    starts = np.flatnonzero(np.r_[True, ecode[1:] != ecode[:-1]]) if len(ecode) else np.zeros(0, np.int64)
    offsets = pa.array(np.r_[starts, len(ecode)].astype(np.int32))
    values = v_enc.dictionary.take(pa.array(vcode))
    return e_enc.dictionary.take(pa.array(ecode[starts])), pa.ListArray.from_arrays(offsets, values)


def per_event_subject(ps: pd.DataFrame) -> dict[str, dict[str, tuple]]:
    """per_subject() as event_id -> {subject: (claims, min_best, low, high, indep_best)} of plain ints
    (indep_best None when no independent claimant gave a figure)."""
    out: dict[str, dict[str, tuple]] = {}
    if ps.empty:
        return out
    cols = [values(ps[c]) for c in ("event_id", "subject", "claims", "min_best", "low", "high", "indep_best")]
    for e, s, n, mb, lo, hi, ib in zip(*cols, strict=False):
        out.setdefault(e, {})[s] = (int(n), int(mb), int(lo), int(hi), None if ib is None else int(ib))
    return out


# --- output --------------------------------------------------------------------------------------

def csv_columns_text(header: list[str], columns: Sequence[Sequence[str | None]],
                     extra_rows: Sequence[list[str]] = ()) -> str:
    """csv_text() from columns of text, built by Arrow kernels instead of a Python call per row: a cell is
    quoted (inner quotes doubled) when it holds a comma, a quote, CR or LF, as the csv module quotes with
    LF line ends; None is an empty cell. Same bytes as csv_text() for such columns, several times faster."""
    if len(header) < 2 or not columns or not len(columns[0]):
        return csv_text(header, zip(*columns, strict=True), extra_rows)   # the csv module's corner cases
    quoted = []
    for col in columns:
        try:
            arr = pa.array(col, pa.large_string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):       # numbers among the text: written as csv writes them
            arr = pa.array([v if v is None or isinstance(v, str) else str(v) for v in col], pa.large_string())
        arr = pc.fill_null(arr, "")
        if not _has_special_byte(arr):
            quoted.append(arr)             # most columns: no cell needs quotes, no per-cell search
            continue
        needs = pc.match_substring_regex(arr, r'[,"\r\n]')
        if pc.any(needs).as_py():
            quote = pa.scalar('"', pa.large_string())
            wrapped = pc.binary_join_element_wise(quote, pc.replace_substring(arr, '"', '""'), quote,
                                                  pa.scalar("", pa.large_string()))
            arr = pc.if_else(needs, wrapped, arr)
        quoted.append(arr)
    lines = pc.binary_join_element_wise(*quoted, pa.scalar(",", pa.large_string()))
    whole = pa.LargeListArray.from_arrays(pa.array([0, len(lines)], pa.int64()), lines)
    head = csv_text(header, extra_rows)     # header and extra rows: a few cells, the csv module's own quoting
    return head + pc.binary_join(whole, pa.scalar("\n", pa.large_string()))[0].as_py() + "\n"


def _has_special_byte(arr: pa.Array) -> bool:
    """Does any cell of a string array hold a comma, quote, CR or LF? One pass over its data buffer."""
    data = arr.buffers()[2]
    if data is None:
        return False
    start, end = arr.offset, arr.offset + len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if pa.types.is_large_string(arr.type) else np.int32)
    raw = memoryview(data)[int(offsets[start]):int(offsets[end])].tobytes()
    return any(byte in raw for byte in (b",", b'"', b"\r", b"\n"))       # memchr each


def csv_text(header: list[str], rows: Iterable[Iterable[object]], extra_rows: Sequence[list[str]] = ()) -> str:
    """RFC 4180 CSV with LF line ends, minimal quoting, UTF-8 text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for extra in extra_rows:
        w.writerow(extra)
    w.writerows(rows)                 # the csv module writes None as an empty cell
    return buf.getvalue()


def actor_names(ds: Any, peer: str, column: str) -> dict[str, str]:
    """actor_id -> the peer's name for the actor: the actors field that maps to `column` (x-<peer>), with
    its `values` translation keyed by that field (actor_id -> peer name); actors it does not list keep
    actors.name. The naming rule is written beside the values in the schema (`rule`)."""
    res = ds.resources["actors"]
    m = mappings(res, peer).get(column)
    if m is None:
        raise PackageError(f"schemas: no actors field has x-{peer} {column!r}", file=res.schema_path)
    a = ds.actors.drop_duplicates("actor_id")
    ids = values(a["actor_id"])
    own = dict(zip(ids, texts(a["name"]), strict=False))
    keys = dict(zip(ids, texts(a[m.name], m.field), strict=False))
    table = m.values or {}
    if m.values is None:
        return keys
    return {i: str(table.get(keys[i]) or own[i]) for i in ids}


def actor_lookup(ds: Any, peer: str, column: str) -> dict[str, object]:
    """actor_id -> the actors field that maps to `column` for `peer` (e.g. ACLED actor1 -> name)."""
    res = ds.resources["actors"]
    name = field_for(res, peer, column)
    if name is None:
        raise PackageError(f"schemas: no actors field has x-{peer} {column!r}", file=res.schema_path)
    a = ds.actors.drop_duplicates("actor_id")
    return dict(zip(values(a["actor_id"]), values(a[name]), strict=False))
