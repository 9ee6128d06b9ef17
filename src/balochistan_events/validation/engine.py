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
Every problem is named by a code of the catalogue (problems.py).
Problems are mapped back to file lines (header = line 1) and sorted by file and line.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.errors import PackageError, Problem
from balochistan_events.package.csvread import read_csv_bytes
from balochistan_events.package.descriptor import Package, Resource, open_package
from balochistan_events.package.fieldtypes import EXPECTED, parse
from balochistan_events.package.tables import TableData
from balochistan_events.validation.constraints import Field, field_constraints
from balochistan_events.validation.kernels import WS_FIRST, edge_bytes, key_strings, repeats, true_mask, valid
from balochistan_events.validation.problems import Code
from balochistan_events.validation.results import DEFAULT_MAX_PROBLEMS, Message, Report
from balochistan_events.validation.rules import RULES, Context, run_rules
from balochistan_events.validation.rules.base import Sink

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


class _NoPandasFinder:
    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is not needed (and not loaded) while validating")
        return None


def validate_package(path: str | os.PathLike | None = None, *, max_errors: int | None = DEFAULT_MAX_PROBLEMS,
                     strict: bool = False, progress: ProgressFn | None = None, rules: set[str] | None = None) -> Report:
    """Validate a package directory, datapackage.json or release zip (read in memory, not extracted).

    max_errors caps the problems *listed* (counts stay exact; None lists all). Returns a Report;
    raises PackageError when the package cannot be read at all (exit 2)."""
    with open_package(path) as package:
        return validate_loaded(package, max_errors=max_errors, strict=strict, progress=progress, rules=rules)


def validate_loaded(package: Package, *, max_errors: int | None = DEFAULT_MAX_PROBLEMS, strict: bool = False,
                    progress: ProgressFn | None = None, rules: set[str] | None = None) -> Report:
    report, _tables = validate_tables(package, max_errors=max_errors, strict=strict, progress=progress, rules=rules)
    return report


def validate_tables(package: Package, *, max_errors: int | None = DEFAULT_MAX_PROBLEMS, strict: bool = False,
                    progress: ProgressFn | None = None,
                    rules: set[str] | None = None) -> tuple[Report, dict[str, TableData]]:
    """validate_loaded(), also returning the tables as the validator parsed them: each field's typed Arrow
    column (the text columns are dropped). When the report is valid these are exactly what load() would
    read, so a command that validates first (build, export, report) reads and parses each CSV once."""
    report = Report(max_errors=max_errors, strict=strict)
    tables = read_tables(package, report, progress)
    if progress:
        progress("keys and rules", 0)
    # keys (primary, unique, foreign) and the domain rules are independent: one thread pool for all
    keys = [_key_check(name) for name in tables]
    run_rules(tables, report, RULES, only=rules, extra=[*keys, check_foreign_keys], threads=THREADS)
    report.finish()
    for table in tables.values():
        table.raw.clear()
    return report, tables


def read_tables(package: Package, report: Report, progress: ProgressFn | None = None) -> dict[str, TableData]:
    """Read and check every table. Column checks run on a thread pool while the next file is read;
    their problems are added in table and column order once all files are read."""
    tables: dict[str, TableData] = {}
    pending: list[Callable[[], None]] = []
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
    rule: Code
    mask: np.ndarray
    values: pa.Array | None
    message: Message
    hint: str | None = None
    severity: str = "error"


def start_table(res: Resource, data: bytes | list[bytes], file: str, report: Report,
                pool: ThreadPoolExecutor | None = None) -> tuple[TableData, Callable[[], None]]:
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

    def work(f: Field) -> tuple[pa.Array, list[Finding]]:
        return _check_column(res, f, raw.columns[f["name"]], missing, raw.lines)

    futures: list[Future[tuple[pa.Array, list[Finding]]]] | None = \
        [pool.submit(work, f) for f in fields] if pool is not None else None

    def finish() -> None:
        results = [fut.result() for fut in futures] if futures is not None else [work(f) for f in fields]
        for field, (typed, findings) in zip(fields, results, strict=False):
            table.raw[field["name"]], table.typed[field["name"]] = raw.columns[field["name"]], typed
            for fd in findings:
                _flag(res, table, report, fd)

    return table, finish


def _check_column(res: Resource, field: Field, text: pa.Array, missing: list[str],
                  lines: np.ndarray) -> tuple[pa.Array, list[Finding]]:
    """Type and value constraints of one column: (typed array, findings). Runs on a worker thread."""
    name = field["name"]
    findings: list[Finding] = []
    typed, bad = parse(text, field, missing)
    ftype: str = field.get("type", "string")
    bad_mask = true_mask(bad)
    if bad_mask.any():
        expected = EXPECTED.get(ftype, ftype)
        what = expected.replace(", e.g. ", " (e.g. ") + ")" if ", e.g. " in expected else expected
        findings.append(Finding(name, Code.TYPE, bad_mask, text, lambda i, v: f"{v!r} is not {what}",
                                f"write {expected}"))
    constraints = field.get("constraints", {})
    if constraints.get("required"):
        findings += _required(field, typed, bad_mask)
    for key, bound, spec in field_constraints(field):
        try:
            mask = spec.check(typed, bound, field)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError, TypeError) as exc:
            raise PackageError(f"field {name!r}: constraint {key} = {str(bound)[:80]} cannot be applied: {exc}",
                               file=res.schema_path, field=name) from None
        if mask.any():
            findings.append(Finding(name, spec.code, mask, typed, _bound_message(spec.message, bound), spec.hint))
    if constraints.get("unique"):
        fd = _duplicates([typed], name, Code.UNIQUE, None, lines)
        if fd is not None:
            findings.append(fd)
    return typed, findings


def _bound_message(message: Callable[[Any, Any], str], bound: Any) -> Callable[[int, Any], str]:
    return lambda i, v: message(v, bound)


def _required(field: Field, typed: pa.Array, bad_mask: np.ndarray) -> list[Finding]:
    """Empty cells of a required field: missing (null in the typed column, and not a type error) or, in
    a text field, only whitespace. Whitespace-only cells are found by their first byte, then confirmed."""
    name = field["name"]
    example = field.get("example")
    hint = f"fill in {name}" + (f"; e.g. {example}" if example not in (None, "") else "")
    findings = []
    empty = ~valid(typed) & ~bad_mask
    if empty.any():
        findings.append(Finding(name, Code.REQUIRED, empty, None, f"{name} is required but empty", hint))
    if pa.types.is_string(typed.type) and len(typed):
        first, _ = edge_bytes(typed)
        candidates = np.flatnonzero(WS_FIRST[first])
        if len(candidates):
            trimmed = pc.utf8_trim_whitespace(typed.take(pa.array(candidates)))
            blank = np.zeros(len(typed), dtype=bool)
            blank[candidates[true_mask(pc.equal(pc.utf8_length(trimmed), 0))]] = True
            if blank.any():
                findings.append(Finding(name, Code.REQUIRED, blank, typed,
                                        f"{name} is required but holds only whitespace", hint))
    return findings


def _duplicates(cols: list[pa.Array], label: str, rule: Code, hint: str | None, lines: np.ndarray) -> Finding | None:
    first, dup = repeats(list(cols))
    if not dup.any():
        return None
    keys = key_strings(cols) if len(cols) > 1 else cols[0]
    return Finding(label, rule, dup, keys,
                   lambda i, v: f"{str(v).replace(chr(0), ' | ')!r} duplicates line {lines[first[i]]}",
                   hint or Code.UNIQUE.hint)


def _flag(res: Resource, table: TableData, report: Sink, fd: Finding | None) -> None:
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

    def problem(code: Code, message: str, field: str | None = None, hint: str | None = None) -> None:
        report.add(Problem(res.name, file, 1, field, code, message, None, code.severity, hint))

    seen: set[str] = set()
    for pos, name in enumerate(header, start=1):
        if name == "":
            problem(Code.BLANK_COLUMN, f"column {pos} has no name in the header", None, Code.BLANK_COLUMN.hint)
        elif name in seen:
            problem(Code.DUPLICATE_COLUMN, f"column {name!r} appears more than once in the header", name,
                    Code.DUPLICATE_COLUMN.hint)
        seen.add(name)
    missing = [n for n in expected if n not in seen]
    extra = [n for n in dict.fromkeys(header) if n not in expected and n != ""]
    if mode in ("exact", "equal", "subset"):
        for n in missing[:20]:
            problem(Code.MISSING_COLUMN, f"column {n!r} is missing", n, Code.MISSING_COLUMN.hint)
        if len(missing) > 20:
            problem(Code.MISSING_COLUMN, f"… and {len(missing) - 20} more missing columns")
    if mode in ("exact", "equal", "superset"):
        for n in extra[:20]:
            problem(Code.EXTRA_COLUMN, f"column {n!r} is not in the schema", n,
                    "remove it, or propose the field in schemas/" + res.name + ".json")
        if len(extra) > 20:
            problem(Code.EXTRA_COLUMN, f"… and {len(extra) - 20} more extra columns")
    if mode == "partial" and not (seen & set(expected)):
        problem(Code.MISSING_COLUMN, "no column of the schema is present", None, "check the header row")
    if mode == "exact" and not missing and not extra and len(header) == len(expected) and header != expected:
        first = next(i for i, (a, b) in enumerate(zip(header, expected, strict=False)) if a != b)
        problem(Code.COLUMN_ORDER, f"columns are out of order: position {first + 1} is {header[first]!r}, "
                                   f"the schema has {expected[first]!r} there", header[first], Code.COLUMN_ORDER.hint)


def check_keys(res: Resource, table: TableData, report: Sink) -> None:
    if not table.num_rows:
        return
    pk = res.schema.get("primaryKey", [])
    if pk and all(n in table.typed for n in pk):
        label = "+".join(pk)
        if len(pk) > 1 or not res.field(pk[0]).get("constraints", {}).get("unique"):
            _flag(res, table, report, _duplicates([table.typed[n] for n in pk], label, Code.PRIMARY_KEY, None,
                                                  table.lines))
        nulls = np.zeros(table.num_rows, dtype=bool)
        for n in pk:
            if not res.field(n).get("constraints", {}).get("required"):
                nulls |= ~valid(table.typed[n])
        report.flag(res.name, table.file, label, Code.PRIMARY_KEY, nulls, table.lines, None,
                    "primary key is empty", hint=Code.PRIMARY_KEY.hint)
    for key in res.schema.get("uniqueKeys", []):
        if all(n in table.typed for n in key):
            _flag(res, table, report, _duplicates([table.typed[n] for n in key], "+".join(key), Code.UNIQUE_KEYS,
                                                  Code.UNIQUE_KEYS.hint, table.lines))


def _key_check(name: str) -> Callable[[dict[str, TableData], Sink, Context], None]:
    def check(tables: dict[str, TableData], report: Sink, ctx: Context) -> None:
        check_keys(tables[name].resource, tables[name], report)
    return check


def check_foreign_keys(tables: dict[str, TableData], report: Sink, ctx: Context | None = None) -> None:
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
            report.flag(res.name, table.file, label, Code.FOREIGN_KEY, mask, table.lines, keys,
                        _not_found("+".join(ref_fields), target_name),
                        hint=f"add the row to {target_name} first, or fix the spelling")


def _not_found(ref: str, target: str) -> Callable[[int, Any], str]:
    """The message of a foreign key: "'EV-9' is not an event_id in events"."""
    article = "an" if ref[:1] in "aeio" or (ref[:1] == "u" and not ref.startswith(("uni", "ur", "use"))) else "a"

    def message(i: int, v: Any) -> str:
        return f"{str(v).replace(chr(0), ' | ').replace(chr(1), '(empty)')!r} is not {article} {ref} in {target}"
    return message
