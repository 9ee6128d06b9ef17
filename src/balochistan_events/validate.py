"""validate: structure, types, Table Schema constraints, keys and domain rules for a whole package."""
from __future__ import annotations

import os
from typing import Callable

import numpy as np
import pyarrow as pa

from .constraints import CONSTRAINTS, duplicated, first_occurrence
from .csvread import read_csv_bytes
from .descriptor import Package, Resource, read_package
from .errors import PackageError, Problem
from .report_model import Report
from .rules import run_rules
from .source import open_source
from .tabledata import TableData
from .types import EXPECTED, parse

ProgressFn = Callable[[str, int], None]


def validate_package(path: str | os.PathLike | None = None, *, max_errors: int | None = None, strict: bool = False,
                     progress: ProgressFn | None = None, rules: set[str] | None = None) -> Report:
    """Validate a package directory, datapackage.json or release zip.

    Returns a Report; raises PackageError when the package cannot be read at all (exit 2)."""
    source = open_source(path)
    try:
        package = read_package(source)
        return validate_loaded(package, max_errors=max_errors, strict=strict, progress=progress, rules=rules)
    finally:
        source.close()


def validate_loaded(package: Package, *, max_errors=None, strict=False, progress=None, rules=None) -> Report:
    report = Report(max_errors=max_errors, strict=strict)
    tables = read_tables(package, report, progress)
    check_foreign_keys(tables, report)
    if progress:
        progress("rules", 0)
    run_rules(tables, report, only=rules)
    # Rules run table by table; users read problems file by file, top to bottom.
    report.problems.sort(key=lambda p: (p.file or "", p.line or 0, p.field or ""))
    return report


def read_tables(package: Package, report: Report, progress: ProgressFn | None = None) -> dict[str, TableData]:
    tables: dict[str, TableData] = {}
    for res in package.resources.values():
        file = package.source.display(res.path)
        data = package.source.read(res.path)
        if progress:
            progress(res.name, len(data))
        tables[res.name] = check_table(res, data, file, report)
        report.tables[res.name] = {"rows": tables[res.name].num_rows, "file": res.path}
    return tables


def check_table(res: Resource, data: bytes, file: str, report: Report) -> TableData:
    raw = read_csv_bytes(data, res.name, file)
    report.add_many(raw.problems)
    table = TableData(resource=res, file=file, lines=raw.lines, readable=raw.readable)
    if not raw.readable:
        return table
    check_header(res, raw.header, file, report)
    missing = res.schema.get("missingValues", [""])
    for field in res.fields:
        name = field["name"]
        if name not in raw.columns:
            continue
        text = raw.columns[name]
        typed, bad = parse(text, field, missing)
        table.raw[name], table.typed[name] = text, typed
        ftype = field.get("type", "string")
        report.flag(res.name, file, name, "type", np.asarray(bad.to_numpy(zero_copy_only=False), dtype=bool), raw.lines, text,
                    lambda i, v, t=ftype: f"{v!r} is not {EXPECTED.get(t, t)}", hint=f"write {EXPECTED.get(ftype, ftype)}")
        check_constraints(res, field, typed, text, table, report)
    check_keys(res, table, report)
    return table


def check_header(res: Resource, header: list[str], file: str, report: Report) -> None:
    expected = res.field_names
    mode = res.schema.get("fieldsMatch", "exact")

    def problem(rule, message, field=None, hint=None):
        report.add(Problem(res.name, file, 1, field, rule, message, None, "error", hint))

    seen = set()
    for name in header:
        if name in seen:
            problem("duplicate_column", f"column {name!r} appears more than once in the header", name,
                    "delete or rename the second copy")
        seen.add(name)
    missing = [n for n in expected if n not in seen]
    extra = [n for n in dict.fromkeys(header) if n not in expected]
    if mode in ("exact", "equal", "superset"):
        for n in missing[:20]:
            problem("missing_column", f"column {n!r} is missing", n, "add the column (see the schema) or fix its spelling")
        if len(missing) > 20:
            problem("missing_column", f"… and {len(missing) - 20} more missing columns")
    if mode in ("exact", "equal", "subset"):
        for n in extra[:20]:
            problem("extra_column", f"column {n!r} is not in the schema", n,
                    "remove it, or propose the field in schemas/" + res.name + ".json")
        if len(extra) > 20:
            problem("extra_column", f"… and {len(extra) - 20} more extra columns")
    if mode == "partial" and not (seen & set(expected)):
        problem("missing_column", "no column of the schema is present")
    if mode == "exact" and not missing and not extra and len(header) == len(expected) and header != expected:
        first = next(i for i, (a, b) in enumerate(zip(header, expected)) if a != b)
        problem("column_order", f"columns are out of order: position {first + 1} is {header[first]!r}, "
                                f"the schema has {expected[first]!r} there", header[first], "reorder the columns as in the schema")


def check_constraints(res: Resource, field: dict, typed: pa.Array, text: pa.Array, table: TableData, report: Report) -> None:
    name = field["name"]
    constraints = field.get("constraints", {})
    if constraints.get("required"):
        null_ok = np.asarray(typed.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        # cells with a type error are already reported; only truly empty cells are 'required' errors
        empty = null_ok & np.isin(np.asarray(text.to_numpy(zero_copy_only=False), dtype=object),
                                  res.schema.get("missingValues", [""]))
        report.flag(res.name, table.file, name, "required", empty, table.lines, None,
                    f"{name} is required but empty", hint=f"fill in {name}; e.g. {field.get('example', '')}")
    for key, (rule, check, message, hint) in CONSTRAINTS.items():
        if key not in constraints:
            continue
        bound = constraints[key]
        try:
            mask = check(typed, bound, field)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError, TypeError) as exc:
            raise PackageError(f"field {name!r}: constraint {key} = {bound!r} cannot be applied: {exc}",
                               file=res.schema_path, field=name) from None
        report.flag(res.name, table.file, name, rule, mask, table.lines, typed,
                    lambda i, v, m=message, b=bound: m(v, b), hint=hint)
    if constraints.get("unique"):
        _report_duplicates(res, table, [name], "unique", report)


def _report_duplicates(res: Resource, table: TableData, names: list[str], rule: str, report: Report) -> None:
    if not all(n in table.typed for n in names):
        return
    cols = [table.typed[n] for n in names]
    dup = duplicated(cols)
    if not dup.any():
        return
    first = first_occurrence(cols)
    label = names[0] if len(names) == 1 else "+".join(names)
    values = [" | ".join(str(c[i].as_py()) for c in cols) for i in range(len(dup))] if len(names) > 1 else cols[0]
    report.flag(res.name, table.file, label, rule, dup, table.lines, values,
                lambda i, v: f"{v!r} duplicates line {table.lines[first[i]]}",
                hint="IDs are unique and never reused: use next-id for a new one")


def check_keys(res: Resource, table: TableData, report: Report) -> None:
    pk = res.schema.get("primaryKey", [])
    if pk and all(n in table.typed for n in pk):
        if len(pk) > 1 or not res.field(pk[0]).get("constraints", {}).get("unique"):
            _report_duplicates(res, table, pk, "primary_key", report)
        nulls = np.zeros(table.num_rows, dtype=bool)
        for n in pk:
            if not res.field(n).get("constraints", {}).get("required"):
                nulls |= np.asarray(table.typed[n].is_null().to_numpy(zero_copy_only=False), dtype=bool)
        report.flag(res.name, table.file, "+".join(pk), "primary_key", nulls, table.lines, None,
                    "primary key is empty")
    for key in res.schema.get("uniqueKeys", []):
        _report_duplicates(res, table, key, "unique_keys", report)


def check_foreign_keys(tables: dict[str, TableData], report: Report) -> None:
    import pyarrow.compute as pc

    for table in tables.values():
        res = table.resource
        for fk in res.schema.get("foreignKeys", []):
            target_name = fk["reference"].get("resource") or res.name
            target = tables.get(target_name)
            fields, ref_fields = fk["fields"], fk["reference"]["fields"]
            if target is None or not table.has(*fields) or not target.has(*ref_fields):
                continue
            if len(fields) == 1:
                values = table.typed[fields[0]]
                present = np.asarray(values.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
                found = np.asarray(pc.fill_null(pc.is_in(values, value_set=target.typed[ref_fields[0]].drop_null()), False)
                                   .to_numpy(zero_copy_only=False), dtype=bool)
                shown = values
            else:
                keys = set(zip(*(target.typed[f].to_pylist() for f in ref_fields)))
                rows = list(zip(*(table.typed[f].to_pylist() for f in fields)))
                present = np.array([all(v is not None for v in r) for r in rows], dtype=bool)
                found = np.array([r in keys for r in rows], dtype=bool)
                shown = [" | ".join(map(str, r)) for r in rows]
            label = "+".join(fields)
            report.flag(res.name, table.file, label, "foreign_key", present & ~found, table.lines, shown,
                        lambda i, v, tn=target_name, rf="+".join(ref_fields): f"{v!r} is not a {rf} in {tn}",
                        hint=f"add the row to {target_name} first, or fix the spelling")
