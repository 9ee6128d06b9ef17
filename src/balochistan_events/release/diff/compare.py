"""Opening either side and comparing metadata and schemas; rows are compared in `rows`."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from balochistan_events.errors import PackageError
from balochistan_events.package.descriptor import Package, Resource, read_package
from balochistan_events.package.source import PackageSource, open_source
from balochistan_events.release.diff.model import (
    IDENTITY_PACKAGE_KEYS,
    IGNORED_PACKAGE_KEYS,
    IGNORED_RESOURCE_KEYS,
    LOWER_BOUNDS,
    READING_FIELD_KEYS,
    READING_RESOURCE_KEYS,
    UPPER_BOUNDS,
    Change,
    PackageDiff,
    TableDiff,
    key_list,
)
from balochistan_events.release.diff.rows import diff_rows, read_table

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


def diff_packages(old: str | os.PathLike[str] | PackageSource, new: str | os.PathLike[str] | PackageSource,
                  cwd: str | os.PathLike[str] = ".") -> PackageDiff:
    old_src = open_side(old, cwd)
    try:
        new_src = open_side(new, cwd)
        try:
            return diff_loaded(read_package(old_src), read_package(new_src), _label(old, old_src), _label(new, new_src))
        finally:
            new_src.close()
    finally:
        old_src.close()


def _label(spec: object, source: PackageSource) -> str:
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
            assert res is not None                  # the name comes from one of the two packages
            if res.descriptor.get("x-derived"):
                d.notes.append(f"derived table {name} is only in the {'old' if o else 'new'} package (release "
                               "builds add it); not compared")
                continue
            if n is not None:
                rows = read_table(new, n).rows
                d.tables[name] = TableDiff(name, "added", n.schema.get("primaryKey", []), None, rows)
                d.changes.append(Change("minor", "resource_added", f"resource {name} added ({rows} rows)", name))
            else:
                assert o is not None
                rows = read_table(old, o).rows
                d.tables[name] = TableDiff(name, "removed", o.schema.get("primaryKey", []), rows, None)
                d.changes.append(Change("major", "resource_removed", f"resource {name} removed", name))
            continue
        _diff_metadata(o.descriptor, n.descriptor, d, IGNORED_RESOURCE_KEYS, name, "resource", READING_RESOURCE_KEYS)
        mapping = _diff_schema(o, n, d)
        d.tables[name] = diff_rows(old, o, new, n, mapping, d, name in referenced)
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

def _short(value: object, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _diff_metadata(old: dict[str, Any], new: dict[str, Any], d: PackageDiff, ignored: set[str], table: str | None,
                   what: str, reading: frozenset[str] | set[str] = frozenset()) -> None:
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


def compare_constraint(key: str, old: Any, new: Any) -> str | None:
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


def _diff_field(t: str, of: dict[str, Any], nf: dict[str, Any], d: PackageDiff, label: str) -> None:
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


def _constraint_detail(key: str, old: Any, new: Any) -> str:
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


def _fk_id(fk: dict) -> str:
    ref = fk.get("reference", {})
    fields, ref_fields = '+'.join(key_list(fk.get('fields'))), '+'.join(key_list(ref.get('fields')))
    return f"{fields} -> {ref.get('resource', '') or 'self'}.{ref_fields}"


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
    if [mapping.get(k, k) for k in key_list(os_.get("primaryKey"))] != key_list(ns.get("primaryKey")):
        d.changes.append(Change("major", "primary_key_changed", f"{t}: primary key changed from "
                                f"{key_list(os_.get('primaryKey'))} to {key_list(ns.get('primaryKey'))}", t))
    for prop, noun in (("foreignKeys", "foreign key"), ("uniqueKeys", "unique key")):
        ident = _fk_id if prop == "foreignKeys" else (lambda k: "+".join(key_list(k)))
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
