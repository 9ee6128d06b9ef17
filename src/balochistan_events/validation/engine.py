"""validate: structure, types, Table Schema constraints, keys and domain rules for a whole package.

Pipeline (all vectorised; lazy: every check runs and every problem is counted, whatever failed before):
1. read each CSV as text columns with file line numbers (csvread: encoding, BOM, blank and ragged
   rows, CSV syntax);
2. header against the schema's fields (fieldsMatch: exact, equal, subset, superset, partial);
3. each column parsed to its Table Schema type (type errors) and checked against its constraints
   (required, unique, pattern, enum, categories, minimum/maximum, exclusive bounds, lengths) —
   columns are independent, so they run on a small thread pool (Arrow kernels release the GIL);
4. primary keys, uniqueKeys and foreign keys (composite keys and self-references included);
5. the named domain rules (rules.RULES).
Problems are mapped back to file lines (header = line 1) and sorted by file and line.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.errors import PackageError, Problem
from balochistan_events.package.csvread import read_csv_bytes
from balochistan_events.package.descriptor import Package, Resource, read_package
from balochistan_events.package.fieldtypes import EXPECTED, parse
from balochistan_events.package.source import open_source
from balochistan_events.package.tables import TableData
from balochistan_events.validation.constraints import field_constraints
from balochistan_events.validation.results import DEFAULT_MAX_PROBLEMS, Report
from balochistan_events.validation.rules import first_rows, key_strings, run_rules, true_mask, valid

ProgressFn = Callable[[str, int], None]
THREADS = max(1, min(4, os.cpu_count() or 1))


def skip_pandas_import() -> None:
    """Settings for a process that only validates (the console script's `validate`). pyarrow imports pandas
    (about 0.4 s) on its first pa.array()/pa.scalar() call, only to ask whether the argument is a
    pandas object. Validation never uses pandas, so we make `import pandas` fail fast for the rest
    of the process; pyarrow then takes pandas for absent. Never call this in a process that will
    use pandas later (the library API and the tests do not call it)."""
    if "pandas" not in sys.modules and not os.environ.get("BALOCHISTAN_EVENTS_ALLOW_PANDAS"):
        sys.meta_path.insert(0, _NoPandasFinder())
    # jemalloc: on the 1M-event package, 15-20% less wall time and 10% less peak memory than
    # Arrow's default mimalloc pool here (fewer page faults); the user's choice of pool wins.
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except (NotImplementedError, AttributeError, pa.ArrowException):
            pass


class _NoPandasFinder:
    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is not needed (and not loaded) while validating")
        return None


def validate_package(path: str | os.PathLike | None = None, *, max_errors: int | None = DEFAULT_MAX_PROBLEMS,
                     strict: bool = False, progress: ProgressFn | None = None, rules: set[str] | None = None) -> Report:
    """Validate a package directory, datapackage.json or release zip (read in memory, not extracted).

    max_errors caps the problems *listed* (counts stay exact; None lists all). Returns a Report;
    raises PackageError when the package cannot be read at all (exit 2)."""
    source = open_source(path)
    try:
        package = read_package(source)
        return validate_loaded(package, max_errors=max_errors, strict=strict, progress=progress, rules=rules)
    finally:
        source.close()


def validate_loaded(package: Package, *, max_errors=DEFAULT_MAX_PROBLEMS, strict=False, progress=None,
                    rules=None) -> Report:
    report = Report(max_errors=max_errors, strict=strict)
    tables = read_tables(package, report, progress)
    if progress:
        progress("keys and rules", 0)
    # keys (primary, unique, foreign) and the domain rules are independent: one thread pool for all
    keys = [lambda ts, rep, ctx, name=name: check_keys(ts[name].resource, ts[name], rep) for name in tables]
    run_rules(tables, report, only=rules, extra=keys + [check_foreign_keys], threads=THREADS)
    report.finish()
    return report


def read_tables(package: Package, report: Report, progress: ProgressFn | None = None) -> dict[str, TableData]:
    """Read and check every table. Column checks run on a thread pool while the next file is read;
    their problems are added in table and column order once all files are read."""
    tables: dict[str, TableData] = {}
    pending = []
    with ThreadPoolExecutor(THREADS) as pool:
        for res in package.resources.values():
            file = package.source.display(res.path)
            holder = [package.source.read(res.path)]      # start_table takes the only reference, and drops it
            if progress:
                progress(res.name, len(holder[0]))
            report.tables.setdefault(res.name, {})
            table, finish = start_table(res, holder, file, report, pool)
            tables[res.name] = table
            pending.append(finish)
            report.tables[res.name].update(rows=table.num_rows, file=file)
        for finish in pending:
            finish()
    return tables


@dataclass
class Finding:
    """A mask of failing rows for one field and rule, turned into Problems by Report.flag."""
    field: str
    rule: str
    mask: np.ndarray
    values: object
    message: object
    hint: str | None = None
    severity: str = "error"


def start_table(res: Resource, data: bytes | list, file: str, report: Report, pool: ThreadPoolExecutor | None = None):
    """Parse one CSV and start its column checks (on `pool` when given). Returns (table, finish):
    finish() waits for the checks, fills the table's columns and adds their problems.

    `data` is the file's bytes, or a one-item list holding them, which is emptied once the CSV is
    parsed so the bytes are freed before the (memory-hungry) checks run."""
    if isinstance(data, list):
        raw = read_csv_bytes(data[0], res.name, file)
        data.clear()
    else:
        raw = read_csv_bytes(data, res.name, file)
    del data
    report.add_many(raw.problems)
    table = TableData(resource=res, file=file, lines=raw.lines, readable=raw.readable)
    if not raw.readable:
        return table, lambda: None
    check_header(res, raw.header, file, report)
    missing = res.schema.get("missingValues", [""])
    fields = [f for f in res.fields if f["name"] in raw.columns]

    def work(f):
        return _check_column(res, f, raw.columns[f["name"]], missing, raw.lines)

    futures = [pool.submit(work, f) for f in fields] if pool is not None else None

    def finish():
        results = [fut.result() for fut in futures] if futures is not None else [work(f) for f in fields]
        for field, (typed, findings) in zip(fields, results, strict=False):
            table.raw[field["name"]], table.typed[field["name"]] = raw.columns[field["name"]], typed
            for fd in findings:
                _flag(res, table, report, fd)

    return table, finish


def _check_column(res: Resource, field: dict, text: pa.Array, missing: list[str], lines: np.ndarray):
    """Type and value constraints of one column: (typed array, findings). Runs on a worker thread."""
    name = field["name"]
    findings: list[Finding] = []
    typed, bad = parse(text, field, missing)
    ftype = field.get("type", "string")
    bad_mask = true_mask(bad)
    if bad_mask.any():
        findings.append(Finding(name, "type", bad_mask, text,
                                lambda i, v, t=ftype: f"{v!r} is not {EXPECTED.get(t, t)}",
                                f"write {EXPECTED.get(ftype, ftype)}"))
    constraints = field.get("constraints", {})
    if constraints.get("required"):
        empty = ~valid(typed) & ~bad_mask          # null in the typed column: missing, or a type error
        if empty.any():
            example = field.get("example")
            findings.append(Finding(name, "required", empty, None, f"{name} is required but empty",
                                    f"fill in {name}" + (f"; e.g. {example}" if example not in (None, "") else "")))
    for key, bound, (rule, check, message, hint) in field_constraints(field):
        try:
            mask = check(typed, bound, field)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError, TypeError) as exc:
            raise PackageError(f"field {name!r}: constraint {key} = {str(bound)[:80]} cannot be applied: {exc}",
                               file=res.schema_path, field=name) from None
        if mask.any():
            findings.append(Finding(name, rule, mask, typed, lambda i, v, m=message, b=bound: m(v, b), hint))
    if constraints.get("unique"):
        fd = _duplicates([typed], name, "unique", None, lines)
        if fd is not None:
            findings.append(fd)
    return typed, findings


def _duplicates(cols: list[pa.Array], label: str, rule: str, hint: str | None, lines: np.ndarray) -> Finding | None:
    first = first_rows(list(cols))
    dup = (first >= 0) & (first != np.arange(len(first)))
    if not dup.any():
        return None
    keys = key_strings(cols) if len(cols) > 1 else cols[0]
    return Finding(label, rule, dup, keys,
                   lambda i, v: f"{str(v).replace(chr(0), ' | ')!r} duplicates line {lines[first[i]]}",
                   hint or "IDs are unique and never reused: give this row its own value")


def _flag(res: Resource, table: TableData, report: Report, fd: Finding | None) -> None:
    if fd is not None:
        report.flag(res.name, table.file, fd.field, fd.rule, fd.mask, table.lines, fd.values, fd.message,
                    fd.severity, fd.hint)


def check_header(res: Resource, header: list[str], file: str, report: Report) -> None:
    """Columns against the schema, honouring fieldsMatch (Table Schema v2):
    exact: same fields in the same order; equal: same fields, any order; subset: every schema
    field present, extra columns allowed; superset: only schema fields, some may be absent;
    partial: at least one schema field."""
    expected = res.field_names
    mode = res.schema.get("fieldsMatch", "exact")

    def problem(rule, message, field=None, hint=None):
        report.add(Problem(res.name, file, 1, field, rule, message, None, "error", hint))

    seen: set[str] = set()
    for pos, name in enumerate(header, start=1):
        if name == "":
            problem("blank_column", f"column {pos} has no name in the header", None,
                    "name the column as in the schema, or delete it")
        elif name in seen:
            problem("duplicate_column", f"column {name!r} appears more than once in the header", name,
                    "delete or rename the second copy")
        seen.add(name)
    missing = [n for n in expected if n not in seen]
    extra = [n for n in dict.fromkeys(header) if n not in expected and n != ""]
    if mode in ("exact", "equal", "subset"):
        for n in missing[:20]:
            problem("missing_column", f"column {n!r} is missing", n, "add the column (see the schema) or fix its spelling")
        if len(missing) > 20:
            problem("missing_column", f"… and {len(missing) - 20} more missing columns")
    if mode in ("exact", "equal", "superset"):
        for n in extra[:20]:
            problem("extra_column", f"column {n!r} is not in the schema", n,
                    "remove it, or propose the field in schemas/" + res.name + ".json")
        if len(extra) > 20:
            problem("extra_column", f"… and {len(extra) - 20} more extra columns")
    if mode == "partial" and not (seen & set(expected)):
        problem("missing_column", "no column of the schema is present", None, "check the header row")
    if mode == "exact" and not missing and not extra and len(header) == len(expected) and header != expected:
        first = next(i for i, (a, b) in enumerate(zip(header, expected, strict=False)) if a != b)
        problem("column_order", f"columns are out of order: position {first + 1} is {header[first]!r}, "
                                f"the schema has {expected[first]!r} there", header[first], "reorder the columns as in the schema")


def check_keys(res: Resource, table: TableData, report: Report) -> None:
    if not table.num_rows:
        return
    pk = res.schema.get("primaryKey", [])
    if pk and all(n in table.typed for n in pk):
        label = "+".join(pk)
        if len(pk) > 1 or not res.field(pk[0]).get("constraints", {}).get("unique"):
            _flag(res, table, report, _duplicates([table.typed[n] for n in pk], label, "primary_key", None, table.lines))
        nulls = np.zeros(table.num_rows, dtype=bool)
        for n in pk:
            if not res.field(n).get("constraints", {}).get("required"):
                nulls |= ~valid(table.typed[n])
        report.flag(res.name, table.file, label, "primary_key", nulls, table.lines, None,
                    "primary key is empty", hint="every row needs its own ID")
    for key in res.schema.get("uniqueKeys", []):
        if all(n in table.typed for n in key):
            _flag(res, table, report, _duplicates([table.typed[n] for n in key], "+".join(key), "unique_keys",
                                                  "this combination must be unique: change one of its parts, "
                                                  "or delete the duplicate row", table.lines))


def check_foreign_keys(tables: dict[str, TableData], report: Report, ctx=None) -> None:
    """Every foreign key (across tables, self-references, composite keys): a value present in the
    child must exist in the referenced columns. A key whose parts are all empty is not checked."""
    for table in tables.values():
        res = table.resource
        if not table.num_rows:
            continue
        for fk in res.schema.get("foreignKeys", []):
            target_name = fk["reference"].get("resource") or res.name
            target = tables.get(target_name)
            fields, ref_fields = fk["fields"], fk["reference"]["fields"]
            if target is None or not table.has(*fields) or not target.has(*ref_fields):
                continue
            cols = [table.typed[f] for f in fields]
            # As frictionless-py: a key is checked unless all its parts are empty; a composite key
            # with some parts empty matches nothing (its empty parts never equal a referenced value).
            present = np.zeros(table.num_rows, dtype=bool)
            for c in cols:
                present |= valid(c)
            keys = key_strings(cols, null_as="\x01")
            if len(fields) == 1 and ctx is not None:   # the same lookup the rules use (shared, hashed once)
                mask = present & ~valid(ctx.index(table, fields[0], target, ref_fields[0]))
            else:
                ref = key_strings([target.typed[f] for f in ref_fields]).drop_null()
                mask = present & ~true_mask(pc.is_in(keys, value_set=ref))
            label = "+".join(fields)
            report.flag(res.name, table.file, label, "foreign_key", mask, table.lines, keys,
                        lambda i, v, tn=target_name, rf="+".join(ref_fields):
                            f"{str(v).replace(chr(0), ' | ').replace(chr(1), '(empty)')!r} is not a {rf} in {tn}",
                        hint=f"add the row to {target_name} first, or fix the spelling")
