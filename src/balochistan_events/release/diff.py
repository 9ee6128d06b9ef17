"""diff: what changed between two versions of the package, and the smallest version bump that says so.

Either side is a package directory, a datapackage.json, a release zip or a git ref (v1.0.0, main,
a commit). Rows are paired by primary key; each table reports rows added, removed and changed (with
field-level before/after); schemas are compared field by field; package and resource metadata too.

Each change carries the minimum bump the Data Package version recipe asks for:
- MAJOR: a field removed, renamed, retyped (type or format), added or re-ordered; a constraint
  tightened; a primary or foreign key changed or added; a resource removed or moved; rows removed
  from a table other tables point to (deleting data that is referenced);
- MINOR: rows or a resource added; a constraint loosened; a foreign or unique key dropped;
- PATCH: corrected values, rows removed from a table nothing points to (withdrawn records), and
  descriptive metadata (titles, descriptions, examples, labels, x- properties).
Release bookkeeping (version, created, bytes, hash, the x-release manifest) is not a change."""
from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.errors import PackageError, safe_text
from balochistan_events.package.csvread import read_csv_bytes
from balochistan_events.package.descriptor import Package, Resource, read_package
from balochistan_events.package.fieldtypes import parse
from balochistan_events.package.source import PackageSource, open_source

LEVELS = ("patch", "minor", "major")
RANK = {None: 0, "patch": 1, "minor": 2, "major": 3}
MAX_LISTED = 200  # rows listed per category in text / markdown output (JSON lists all)

IGNORED_PACKAGE_KEYS = {"version", "created", "resources", "x-release"}
IDENTITY_PACKAGE_KEYS = {"name", "id"}
IGNORED_RESOURCE_KEYS = {"name", "bytes", "hash", "schema", "x-derived"}
READING_RESOURCE_KEYS = {"path", "format", "mediatype", "encoding", "dialect", "scheme", "compression"}
READING_FIELD_KEYS = {"type", "format", "trueValues", "falseValues", "bareNumber", "decimalChar", "groupChar",
                      "missingValues"}
LOWER_BOUNDS = {"minimum", "exclusiveMinimum", "minLength"}
UPPER_BOUNDS = {"maximum", "exclusiveMaximum", "maxLength"}


@dataclass
class Change:
    level: str          # major | minor | patch
    kind: str           # e.g. field_removed, rows_added, constraint_tightened, metadata
    message: str
    table: str | None = None
    field: str | None = None

    def to_dict(self) -> dict:
        return {"level": self.level, "kind": self.kind, "table": self.table, "field": self.field,
                "message": self.message}


@dataclass
class TableDiff:
    name: str
    status: str                     # changed | unchanged | added | removed
    key: list[str] = field(default_factory=list)
    rows_old: int | None = None
    rows_new: int | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)   # {"key": k, "fields": {name: {"before", "after"}}}

    def to_dict(self) -> dict:
        return {"status": self.status, "primary_key": self.key, "rows": {"old": self.rows_old, "new": self.rows_new},
                "added": self.added, "removed": self.removed, "changed": self.changed}


@dataclass
class PackageDiff:
    old_label: str
    new_label: str
    old_version: str | None
    new_version: str | None
    changes: list[Change] = field(default_factory=list)
    tables: dict[str, TableDiff] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def bump(self) -> str | None:
        """The minimum version bump the changes require (None: nothing changed)."""
        best = None
        for c in self.changes:
            if RANK[c.level] > RANK[best]:
                best = c.level
        return best

    @property
    def identical(self) -> bool:
        return not self.changes

    def reasons(self, level: str | None = None) -> list[Change]:
        level = level or self.bump
        return [c for c in self.changes if c.level == level]

    def to_dict(self) -> dict:
        return {
            "old": {"source": self.old_label, "version": self.old_version},
            "new": {"source": self.new_label, "version": self.new_version},
            "identical": self.identical,
            "bump": self.bump,
            "changes": [c.to_dict() for c in self.changes],
            "tables": {name: t.to_dict() for name, t in self.tables.items()},
            "notes": self.notes,
        }


# --- opening either side ---------------------------------------------------------------------------

def open_side(spec: str | os.PathLike | PackageSource, cwd: str | os.PathLike = ".") -> PackageSource:
    """A path (directory, datapackage.json, zip) when it exists, else a git ref of the repository at cwd."""
    if isinstance(spec, PackageSource):
        return spec
    if Path(spec).exists():
        return open_source(spec)
    from balochistan_events.package.gitsource import open_ref, version_spec

    source = open_ref(str(spec), cwd)
    if source is None and version_spec(str(spec)) is not None:
        raise PackageError(f"version {spec!r}: no tag v{str(spec).lstrip('vV')} and no commit whose datapackage.json "
                           f"carries that version", file=str(spec))
    if source is None:
        raise PackageError(f"{spec!r} is neither a package directory, datapackage.json, .zip nor a git ref", file=str(spec))
    return source


def diff_packages(old, new, cwd: str | os.PathLike = ".") -> PackageDiff:
    old_src = open_side(old, cwd)
    try:
        new_src = open_side(new, cwd)
        try:
            return diff_loaded(read_package(old_src), read_package(new_src), _label(old, old_src), _label(new, new_src))
        finally:
            new_src.close()
    finally:
        old_src.close()


def _label(spec, source: PackageSource) -> str:
    return str(spec) if not isinstance(spec, PackageSource) else source.label


def diff_loaded(old: Package, new: Package, old_label: str = "old", new_label: str = "new") -> PackageDiff:
    d = PackageDiff(old_label, new_label, old.version, new.version)
    _diff_metadata(old.descriptor, new.descriptor, d, IGNORED_PACKAGE_KEYS, None, "package")
    referenced = _referenced_tables(old)
    names = list(old.resources) + [n for n in new.resources if n not in old.resources]
    for name in names:
        o, n = old.resources.get(name), new.resources.get(name)
        if o is None or n is None:
            res = o or n
            if res.descriptor.get("x-derived"):
                d.notes.append(f"derived table {name} is only in the {'old' if o else 'new'} package (release "
                               "builds add it); not compared")
                continue
            if n is not None:
                rows = _read_table(new, n).rows
                d.tables[name] = TableDiff(name, "added", n.schema.get("primaryKey", []), None, rows)
                d.changes.append(Change("minor", "resource_added", f"resource {name} added ({rows} rows)", name))
            else:
                rows = _read_table(old, o).rows
                d.tables[name] = TableDiff(name, "removed", o.schema.get("primaryKey", []), rows, None)
                d.changes.append(Change("major", "resource_removed", f"resource {name} removed", name))
            continue
        _diff_metadata(o.descriptor, n.descriptor, d, IGNORED_RESOURCE_KEYS, name, "resource", READING_RESOURCE_KEYS)
        mapping = _diff_schema(o, n, d)
        d.tables[name] = _diff_rows(old, o, new, n, mapping, d, name in referenced)
    return d


def _referenced_tables(pkg: Package) -> set[str]:
    """Tables that a (non-derived) table's foreign key points to."""
    out = set()
    for res in pkg.resources.values():
        if res.descriptor.get("x-derived"):
            continue
        for fk in res.schema.get("foreignKeys", []):
            target = fk["reference"].get("resource") or res.name
            if target != res.name:
                out.add(target)
    return out


# --- metadata --------------------------------------------------------------------------------------

def _short(value, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _diff_metadata(old: dict, new: dict, d: PackageDiff, ignored: set, table, what, reading=frozenset()):
    for key in list(old) + [k for k in new if k not in old]:
        if key in ignored or old.get(key) == new.get(key):
            continue
        where = f"{what} {table}" if table else what
        if key in IDENTITY_PACKAGE_KEYS and what == "package":
            d.changes.append(Change("major", "identity_changed", f"{where}: {key} changed from {_short(old.get(key))} "
                                                                  f"to {_short(new.get(key))}", table))
        elif key in reading:
            d.changes.append(Change("major", "resource_moved" if key == "path" else "reading_changed",
                                    f"{where}: {key} changed from {_short(old.get(key))} to {_short(new.get(key))}", table))
        else:
            verb = "added" if key not in old else "removed" if key not in new else "changed"
            d.changes.append(Change("patch", "metadata", f"{where}: descriptive property {key} {verb}", table))


# --- schemas ---------------------------------------------------------------------------------------

def _definition(f: dict) -> dict:
    return {k: v for k, v in f.items() if k != "name"}


def _pair_renames(removed: list[dict], added: list[dict], old_pos: dict, new_pos: dict) -> dict[str, str]:
    """Pair a removed field with an added one when the definition is the same apart from the name, or,
    failing that, when type and position match. Returns old name -> new name."""
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for test in (lambda a, b: _definition(a) == _definition(b),
                 lambda a, b: a.get("type", "string") == b.get("type", "string") and old_pos[a["name"]] == new_pos[b["name"]]):
        for r in removed:
            if r["name"] in pairs:
                continue
            for a in added:
                if a["name"] not in taken and test(r, a):
                    pairs[r["name"]] = a["name"]
                    taken.add(a["name"])
                    break
    return pairs


def compare_constraint(key: str, old, new) -> str | None:
    """'tightened', 'loosened' or None (same) for one constraint; an unknown direction counts as tightened."""
    if key in ("required", "unique"):       # absent means false
        old, new = bool(old), bool(new)
        return None if old == new else "tightened" if new else "loosened"
    if old == new:
        return None
    if old is None:
        return "tightened"
    if new is None:
        return "loosened"
    try:
        if key in LOWER_BOUNDS:
            return "tightened" if new > old else "loosened"
        if key in UPPER_BOUNDS:
            return "tightened" if new < old else "loosened"
    except TypeError:
        return "tightened"
    if key == "enum" and isinstance(old, list) and isinstance(new, list):
        o, n = set(map(repr, old)), set(map(repr, new))
        if o == n:
            return None  # same codes, different order: not a constraint change
        if n < o or not n >= o:
            return "tightened"
        return "loosened"
    return "tightened"


def _diff_field(t: str, of: dict, nf: dict, d: PackageDiff, label: str):
    for key in list(of) + [k for k in nf if k not in of]:
        if key in ("name", "constraints") or of.get(key) == nf.get(key):
            continue
        if key in READING_FIELD_KEYS:
            what = "retyped" if key == "type" else f"{key} changed"
            d.changes.append(Change("major", "field_retyped",
                                    f"{t}: field {label} {what} ({_short(of.get(key, 'string' if key == 'type' else None))}"
                                    f" -> {_short(nf.get(key, 'string' if key == 'type' else None))})", t, nf["name"]))
        elif key == "categories":
            continue  # labels of codes: descriptive; their values follow the enum constraint
        else:
            d.changes.append(Change("patch", "field_metadata", f"{t}: field {label}: {key} changed", t, nf["name"]))
    if of.get("categories") != nf.get("categories") and "categories" in (set(of) | set(nf)):
        d.changes.append(Change("patch", "field_metadata", f"{t}: field {label}: category labels changed", t, nf["name"]))
    oc, nc = of.get("constraints", {}) or {}, nf.get("constraints", {}) or {}
    for key in list(oc) + [k for k in nc if k not in oc]:
        direction = compare_constraint(key, oc.get(key), nc.get(key))
        if direction is None:
            continue
        detail = _constraint_detail(key, oc.get(key), nc.get(key))
        d.changes.append(Change("major" if direction == "tightened" else "minor", f"constraint_{direction}",
                                f"{t}: field {label}: constraint {key} {direction}{detail}", t, nf["name"]))


def _constraint_detail(key, old, new) -> str:
    if key == "enum" and isinstance(old, list) and isinstance(new, list):
        gone = [v for v in old if v not in new]
        came = [v for v in new if v not in old]
        parts = []
        if came:
            parts.append("added " + ", ".join(map(str, came[:10])) + (" …" if len(came) > 10 else ""))
        if gone:
            parts.append("removed " + ", ".join(map(str, gone[:10])) + (" …" if len(gone) > 10 else ""))
        return f" ({'; '.join(parts)})" if parts else ""
    return f" ({_short(old)} -> {_short(new)})"


def _keys(value) -> list:
    return [value] if isinstance(value, str) else list(value or [])


def _fk_id(fk: dict) -> str:
    ref = fk.get("reference", {})
    return f"{'+'.join(_keys(fk.get('fields')))} -> {ref.get('resource', '') or 'self'}.{'+'.join(_keys(ref.get('fields')))}"


def _diff_schema(o: Resource, n: Resource, d: PackageDiff) -> dict[str, str]:
    """Record schema changes of one table; return the field mapping old name -> new name."""
    t = n.name
    old_fields = {f["name"]: f for f in o.fields}
    new_fields = {f["name"]: f for f in n.fields}
    old_pos = {name: i for i, name in enumerate(old_fields)}
    new_pos = {name: i for i, name in enumerate(new_fields)}
    removed = [f for name, f in old_fields.items() if name not in new_fields]
    added = [f for name, f in new_fields.items() if name not in old_fields]
    renames = _pair_renames(removed, added, old_pos, new_pos)
    mapping = {name: name for name in old_fields if name in new_fields}
    mapping.update(renames)
    for old_name, new_name in renames.items():
        d.changes.append(Change("major", "field_renamed", f"{t}: field {old_name} renamed to {new_name}", t, new_name))
    for f in removed:
        if f["name"] not in renames:
            d.changes.append(Change("major", "field_removed", f"{t}: field {f['name']} removed", t, f["name"]))
    for f in added:
        if f["name"] not in renames.values():
            d.changes.append(Change("major", "field_added", f"{t}: field {f['name']} added (a new column changes the "
                                                              "table's structure)", t, f["name"]))
    common_old = [name for name in old_fields if name in mapping]
    if [mapping[name] for name in common_old] != [name for name in new_fields if name in mapping.values()]:
        d.changes.append(Change("major", "fields_reordered", f"{t}: fields re-ordered", t))
    for old_name, new_name in mapping.items():
        label = new_name if old_name == new_name else f"{old_name} (now {new_name})"
        _diff_field(t, old_fields[old_name], new_fields[new_name], d, label)
    os_, ns = o.schema, n.schema
    if [mapping.get(k, k) for k in _keys(os_.get("primaryKey"))] != _keys(ns.get("primaryKey")):
        d.changes.append(Change("major", "primary_key_changed", f"{t}: primary key changed from "
                                f"{_keys(os_.get('primaryKey'))} to {_keys(ns.get('primaryKey'))}", t))
    for prop, noun in (("foreignKeys", "foreign key"), ("uniqueKeys", "unique key")):
        ident = _fk_id if prop == "foreignKeys" else (lambda k: "+".join(_keys(k)))
        olds = {ident(k) for k in os_.get(prop, [])}
        news = {ident(k) for k in ns.get(prop, [])}
        for k in sorted(news - olds):
            d.changes.append(Change("major", "constraint_tightened", f"{t}: {noun} {k} added", t))
        for k in sorted(olds - news):
            d.changes.append(Change("minor", "constraint_loosened", f"{t}: {noun} {k} removed", t))
    for key in ("missingValues", "fieldsMatch"):
        if os_.get(key) != ns.get(key):
            d.changes.append(Change("major", "reading_changed", f"{t}: schema {key} changed "
                                    f"({_short(os_.get(key))} -> {_short(ns.get(key))})", t))
    skip = {"fields", "primaryKey", "foreignKeys", "uniqueKeys", "missingValues", "fieldsMatch"}
    for key in list(os_) + [k for k in ns if k not in os_]:
        if key not in skip and os_.get(key) != ns.get(key):
            d.changes.append(Change("patch", "metadata", f"{t}: schema property {key} changed", t))
    return mapping


# --- rows ------------------------------------------------------------------------------------------

@dataclass
class _Table:
    res: Resource
    file: str
    fields: dict[str, dict]          # name -> Table Schema field, for parsing the cells that differ
    raw: dict[str, pa.Array]
    rows: int
    missing: list[str]


def _read_table(pkg: Package, res: Resource) -> _Table:
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


def _check_unique(keys: pa.Array, t: _Table, key: list[str]):
    if len(pc.unique(keys)) != len(keys):
        counts = pc.value_counts(keys)
        dup = next(v["values"].as_py() for v in counts if v["counts"].as_py() > 1)
        raise PackageError(f"primary key {dup!r} ({'+'.join(key)}) appears more than once: rows cannot be paired; "
                           "run validate and fix the duplicates first", file=t.file)


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _cell(typed: pa.Array, raw: pa.Array, j: int, use_typed: bool):
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


def _diff_rows(old: Package, o: Resource, new: Package, n: Resource, mapping: dict[str, str], d: PackageDiff,
               referenced: bool) -> TableDiff:
    t = n.name
    ot, nt = _read_table(old, o), _read_table(new, n)
    inverse = {v: k for k, v in mapping.items()}
    key = _keys(n.schema.get("primaryKey"))
    if not key or not all(k in inverse and inverse[k] in ot.raw and k in nt.raw for k in key):
        key = [name for name in n.field_names if name in inverse and inverse[name] in ot.raw and name in nt.raw]
        d.notes.append(f"{t}: rows paired on all common fields (no shared primary key)")
    old_key = _key_array(ot, [inverse[k] for k in key]) if key else pa.array([""] * ot.rows)
    new_key = _key_array(nt, key) if key else pa.array([""] * nt.rows)
    if key == _keys(n.schema.get("primaryKey")):
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
                                                          f"({nfields} field{'s' if nfields != 1 else ''})", t))
    return td


def _rows(n: int) -> str:
    return f"{n} row{'s' if n != 1 else ''}"


# --- rendering -------------------------------------------------------------------------------------

def _val(v) -> str:
    if v is None:
        return "(empty)"
    # cells are untrusted: escape control and bidi characters (a raw ESC would drive the terminal)
    return safe_text(str(v), 80)


def _head(d: PackageDiff) -> list[str]:
    ver = f"{d.old_version} -> {d.new_version}" if d.old_version != d.new_version else f"{d.new_version}"
    lines = [f"diff {d.old_label} -> {d.new_label} (version {ver})"]
    if d.identical:
        lines.append("no differences in data, schemas or metadata")
    else:
        lines.append(f"minimum version bump: {d.bump.upper()}")
    return lines


def format_text(d: PackageDiff) -> str:
    lines = _head(d)
    if d.changes:
        lines.append("")
        lines.append("changes:")
        for c in sorted(d.changes, key=lambda c: -RANK[c.level]):
            lines.append(f"  {c.level.upper():5}  {c.message}")
    for t in d.tables.values():
        if t.status == "unchanged" or not (t.added or t.removed or t.changed):
            continue
        lines.append("")
        lines.append(f"{t.name}: {t.rows_old} -> {t.rows_new} rows: {len(t.added)} added, {len(t.removed)} removed, "
                     f"{len(t.changed)} changed")
        for sign, keys in (("+", t.added), ("-", t.removed)):
            for k in keys[:MAX_LISTED]:
                lines.append(f"  {sign} {k}")
            if len(keys) > MAX_LISTED:
                lines.append(f"  {sign} … {len(keys) - MAX_LISTED} more (--format json lists all)")
        for row in t.changed[:MAX_LISTED]:
            lines.append(f"  ~ {row['key']}")
            for name, ch in row["fields"].items():
                lines.append(f"      {name}: {_val(ch['before'])} -> {_val(ch['after'])}")
        if len(t.changed) > MAX_LISTED:
            lines.append(f"  ~ … {len(t.changed) - MAX_LISTED} more (--format json lists all)")
    for note in d.notes:
        lines.append(f"note: {note}")
    return "\n".join(safe_text(line) for line in lines)


_MD_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "\\": "\\\\", "`": "\\`", "[": "\\[",
               "]": "\\]"}
_MD_SPECIAL = re.compile(r"[&<>|\\`\[\]]")


def _md(text: object) -> str:
    """Untrusted text for a Markdown page (a PR comment, a release note): HTML tags become text (no
    <img> that loads, no <details> that hides), and no link, image, code span or table cell can be
    opened or closed by the data."""
    return _MD_SPECIAL.sub(lambda m: _MD_ESCAPES[m.group()], _val(text))


def _code(text: object) -> str:
    """A key or label as inline code; one holding a backtick (which would end the code span) as text."""
    shown = _val(text)
    if "`" in shown:
        return _md(shown)
    return f"`{shown.replace('|', chr(92) + '|')}`"


def format_markdown(d: PackageDiff) -> str:
    ver = f"{d.old_version} → {d.new_version}" if d.old_version != d.new_version else f"{d.new_version}"
    lines = [f"## Data package diff: {_code(d.old_label)} → {_code(d.new_label)} (version {_md(ver)})", ""]
    if d.identical:
        lines += ["No differences in data, schemas or metadata.", ""]
    else:
        lines += [f"**Minimum version bump: {(d.bump or '').upper()}**", "", "| Bump | Change |", "|---|---|"]
        for c in sorted(d.changes, key=lambda c: -RANK[c.level]):
            lines.append(f"| {c.level.upper()} | {_md(c.message)} |")
        lines.append("")
    for t in d.tables.values():
        if not (t.added or t.removed or t.changed):
            continue
        lines += [f"### {_md(t.name)}", "",
                  f"{t.rows_old} → {t.rows_new} rows: {len(t.added)} added, {len(t.removed)} removed, "
                  f"{len(t.changed)} changed.", ""]
        for title, keys in (("Added", t.added), ("Removed", t.removed)):
            if keys:
                shown = ", ".join(_code(k) for k in keys[:MAX_LISTED])
                more = f" … and {len(keys) - MAX_LISTED} more" if len(keys) > MAX_LISTED else ""
                lines += [f"- {title}: {shown}{more}"]
        if t.added or t.removed:
            lines.append("")
        if t.changed:
            lines += ["| Record | Field | Before | After |", "|---|---|---|---|"]
            for row in t.changed[:MAX_LISTED]:
                for name, ch in row["fields"].items():
                    lines.append(f"| {_code(row['key'])} | {_md(name)} | {_md(ch['before'])} | {_md(ch['after'])} |")
            if len(t.changed) > MAX_LISTED:
                lines.append(f"| … | {len(t.changed) - MAX_LISTED} more records | | |")
            lines.append("")
    for note in d.notes:
        lines.append(f"> note: {_md(note)}")
    return "\n".join(safe_text(line) for line in lines).rstrip() + "\n"


def format_json(d: PackageDiff) -> str:
    import json

    return json.dumps(d.to_dict(), indent=2, ensure_ascii=False, default=str)


FORMATS = {"text": format_text, "json": format_json, "markdown": format_markdown}
