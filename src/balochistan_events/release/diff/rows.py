"""Rows paired by primary key: added, removed and changed, cell by cell (vectorised)."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.errors import PackageError
from balochistan_events.package.csvread import read_csv_bytes
from balochistan_events.package.descriptor import Package, Resource
from balochistan_events.package.fieldtypes import parse
from balochistan_events.release.diff.model import Change, PackageDiff, TableDiff, key_list
from balochistan_events.text import plural

# --- rows ------------------------------------------------------------------------------------------

@dataclass
class _Table:
    res: Resource
    file: str
    fields: dict[str, dict]          # name -> Table Schema field, for parsing the cells that differ
    raw: dict[str, pa.Array]
    rows: int
    missing: list[str]


def read_table(pkg: Package, res: Resource) -> _Table:
    file = pkg.source.display(res.path)
    raw = read_csv_bytes(pkg.source.read(res.path), res.name, file)
    if not raw.readable:
        p = raw.problems[0] if raw.problems else None
        raise PackageError(p.message if p else "unreadable CSV", file=file, line=p.line if p else None)
    lost = [p for p in raw.problems if p.rule in ("ragged_row", "csv_syntax")]
    if lost:
        raise PackageError(f"{lost[0].message}; fix the file (see validate) before diffing", file=file, line=lost[0].line)
    fields = {f["name"]: f for f in res.fields if f["name"] in raw.columns}
    texts = {name: raw.columns[name] for name in fields}
    return _Table(res, file, fields, texts, raw.num_rows, res.schema.get("missingValues", [""]))


def _key_array(t: _Table, key: list[str]) -> pa.Array:
    cols = [pc.fill_null(t.raw[k], "") for k in key]
    if len(cols) == 1:
        return cols[0]
    return pc.binary_join_element_wise(*cols, " | ")


def _check_unique(keys: pa.Array, t: _Table, key: list[str]) -> None:
    if len(pc.unique(keys)) != len(keys):
        counts = pc.value_counts(keys)
        dup = next(v["values"].as_py() for v in counts if v["counts"].as_py() > 1)
        raise PackageError(f"primary key {dup!r} ({'+'.join(key)}) appears more than once: rows cannot be paired; "
                           "run validate and fix the duplicates first", file=t.file)


def _plain(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _cell(typed: pa.Array, raw: pa.Array, j: int, use_typed: bool) -> object:
    """A cell for before/after: its typed value, else its text (a value that is not of its type), else None."""
    if use_typed and typed[j].is_valid:
        return _plain(typed[j].as_py())
    text = raw[j].as_py()
    return None if text in ("", None) else text


def _changed_mask(a: pa.Array, b: pa.Array, ra: pa.Array, rb: pa.Array) -> np.ndarray:
    if a.type.equals(b.type):
        eq = pc.fill_null(pc.equal(a, b), False)
        both_null = pc.and_(a.is_null(), b.is_null())
        if pa.types.is_floating(a.type):
            eq = pc.or_(eq, pc.fill_null(pc.and_(pc.is_nan(a), pc.is_nan(b)), False))
        # both unparseable (null): fall back to the text
        same = pc.or_(eq, pc.and_(both_null, pc.fill_null(pc.equal(ra, rb), False)))
    else:
        same = pc.fill_null(pc.equal(ra, rb), False)
    return ~np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)


_PARSE_KEYS = ("type", "format", "trueValues", "falseValues", "bareNumber", "decimalChar", "groupChar", "missingValues")


def _aligned(arr: pa.Array, idx: np.ndarray) -> pa.Array:
    """arr.take(idx), skipped when idx is 0..n-1 over the whole array (rows in the same order)."""
    if len(idx) == len(arr) and (not len(idx) or (idx[0] == 0 and idx[-1] == len(idx) - 1
                                                  and bool((np.diff(idx) == 1).all()))):
        return arr
    return arr.take(pa.array(idx, pa.int64()))


def _changed_cells(ot: _Table, nt: _Table, old_name: str, new_name: str, old_idx: np.ndarray,
                   new_idx: np.ndarray) -> list[tuple[int, dict]]:
    """(position among the paired rows, {"before", "after"}) of each changed cell of one column. Text
    is compared for every row; only cells whose text differs are parsed (the same text under the
    same field definition is the same value), unless the definition changed, then every cell is."""
    of, nf = ot.fields[old_name], nt.fields[new_name]
    ra, rb = _aligned(ot.raw[old_name], old_idx), _aligned(nt.raw[new_name], new_idx)
    same_reading = ot.missing == nt.missing and all(of.get(k) == nf.get(k) for k in _PARSE_KEYS)
    if same_reading:
        text_same = np.asarray(pc.fill_null(pc.equal(ra, rb), False).to_numpy(zero_copy_only=False), dtype=bool)
        candidates = np.flatnonzero(~text_same)
        if not len(candidates):
            return []
        take = pa.array(candidates, pa.int64())
        ra, rb = ra.take(take), rb.take(take)
    else:
        candidates = np.arange(len(ra))
    a, b = parse(ra, of, ot.missing)[0], parse(rb, nf, nt.missing)[0]
    hits = np.flatnonzero(_changed_mask(a, b, ra, rb))
    same_type = a.type.equals(b.type)
    return [(int(candidates[j]), {"before": _cell(a, ra, j, same_type), "after": _cell(b, rb, j, same_type)})
            for j in hits.tolist()]


def diff_rows(old: Package, o: Resource, new: Package, n: Resource, mapping: dict[str, str], d: PackageDiff,
               referenced: bool) -> TableDiff:
    t = n.name
    ot, nt = read_table(old, o), read_table(new, n)
    inverse = {v: k for k, v in mapping.items()}
    key = key_list(n.schema.get("primaryKey"))
    if not key or not all(k in inverse and inverse[k] in ot.raw and k in nt.raw for k in key):
        key = [name for name in n.field_names if name in inverse and inverse[name] in ot.raw and name in nt.raw]
        d.notes.append(f"{t}: rows paired on all common fields (no shared primary key)")
    old_key = _key_array(ot, [inverse[k] for k in key]) if key else pa.array([""] * ot.rows)
    new_key = _key_array(nt, key) if key else pa.array([""] * nt.rows)
    if key == key_list(n.schema.get("primaryKey")):
        _check_unique(old_key, ot, key)
        _check_unique(new_key, nt, key)
    pos = pc.index_in(new_key, value_set=old_key)
    added_mask = np.asarray(pos.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    removed_mask = ~np.asarray(pc.is_in(old_key, value_set=new_key).to_numpy(zero_copy_only=False), dtype=bool)
    new_idx = np.flatnonzero(~added_mask)
    old_idx = np.asarray(pc.take(pos, pa.array(new_idx, pa.int64())).to_numpy(zero_copy_only=False), dtype=np.int64) \
        if len(new_idx) else np.zeros(0, dtype=np.int64)
    added = new_key.filter(pa.array(added_mask)).to_pylist()
    removed = pc.filter(old_key, pa.array(removed_mask)).to_pylist()
    per_row: dict[int, dict] = {}
    for old_name, new_name in mapping.items():
        if old_name not in ot.raw or new_name not in nt.raw or not len(new_idx):
            continue
        for j, cells in _changed_cells(ot, nt, old_name, new_name, old_idx, new_idx):
            per_row.setdefault(j, {})[new_name] = cells
    row_keys = new_key.take(pa.array(new_idx[sorted(per_row)], pa.int64())).to_pylist() if per_row else []
    changed = [{"key": k, "fields": per_row[j]} for k, j in zip(row_keys, sorted(per_row), strict=True)]
    td = TableDiff(t, "changed" if (added or removed or changed) else "unchanged", key, ot.rows, nt.rows,
                   added, removed, changed)
    if added:
        d.changes.append(Change("minor", "rows_added", f"{t}: {_rows(len(added))} added", t))
    if removed:
        if referenced:
            d.changes.append(Change("major", "rows_removed", f"{t}: {_rows(len(removed))} removed (other tables "
                                                              f"refer to {t})", t))
        else:
            d.changes.append(Change("patch", "rows_removed", f"{t}: {_rows(len(removed))} removed (withdrawn)", t))
    if changed:
        nfields = len({f for row in changed for f in row["fields"]})
        d.changes.append(Change("patch", "rows_changed", f"{t}: {_rows(len(changed))} corrected "
                                                          f"({plural(nfields, 'field')})", t))
    return td


def _rows(n: int) -> str:
    return plural(n, "row")
