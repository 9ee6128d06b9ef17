"""The machinery of the domain rules: the registry, the `@rule` decorator, the context a rule works
in, and the runner (a thread pool whose findings reach the report in a fixed order).

A rule declares the table it reports on and the columns it needs there (plus, with `also`, columns of
other tables it reads); the decorator skips it when any is missing, unreadable or empty, because the
structural checks have already reported that. The function then receives the table:

    @rule(Code.DATE_ORDER, table="events", columns=("date_start", "date_end"))
    def date_order(ctx: Context, t: TableData) -> None:
        ...
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.errors import Problem
from balochistan_events.package.tables import TableData
from balochistan_events.validation.kernels import edge_bytes
from balochistan_events.validation.problems import Code, Severity
from balochistan_events.validation.results import Message, Report

T = TypeVar("T")
RuleFunc = Callable[["Context", TableData], None]
ALL_TABLES = "*"


class Sink(Protocol):
    """Where findings go: the Report, or a Recorder standing in for it on a worker thread."""

    def flag(self, table: str | None, file: str | None, field: str | None, rule: str, mask: np.ndarray,
             lines: np.ndarray | None, values: Any = None, message: Message | None = None,
             severity: str = "error", hint: str | None = None) -> int: ...

    def add(self, problem: Problem) -> None: ...


@dataclass
class Rule:
    code: Code
    table: str                      # the table it reports on, a list of them ("events, actors"), or "*"
    func: Callable[[Context], None]

    @property
    def name(self) -> str:
        return self.code.value

    @property
    def description(self) -> str:
        return self.code.title

    @property
    def severity(self) -> Severity:
        return self.code.severity


_REGISTERED: dict[Code, Rule] = {}


def rule(code: Code, table: str | Sequence[str], columns: Sequence[str] | Mapping[str, Sequence[str]] = (), *,
         also: Mapping[str, Sequence[str]] | None = None, needs_rows: bool = True) -> Callable[[RuleFunc], RuleFunc]:
    """Register a domain rule reporting `code`. It runs once per table named by `table` (one name, several,
    or "*" for every table) that is readable, has rows (unless needs_rows is False) and has `columns`
    (one list for all, or a list per table); and only when every table in `also` has its listed
    columns and rows. The decorated function gets (context, table)."""
    names = (table,) if isinstance(table, str) else tuple(table)

    def needed(name: str) -> Sequence[str]:
        return columns.get(name, ()) if isinstance(columns, Mapping) else columns

    def register(func: RuleFunc) -> RuleFunc:
        def run(ctx: Context) -> None:
            if any(ctx.get(other, *cols) is None for other, cols in (also or {}).items()):
                return
            tables = list(ctx.tables) if names == (ALL_TABLES,) else names
            for name in tables:
                t = ctx.get(name, *needed(name), needs_rows=needs_rows)
                if t is not None:
                    func(ctx, t)

        _REGISTERED[code] = Rule(code, ", ".join(names), run)
        return func
    return register


def registered() -> dict[str, Rule]:
    """The registered rules by name, in catalogue order (the order they run and are documented in)."""
    return {c.value: _REGISTERED[c] for c in Code if c in _REGISTERED}


@dataclass
class Context:
    tables: dict[str, TableData]
    report: Sink
    cache: dict[Hashable, Any] = field(default_factory=dict)   # work shared between rules (GeoNames rows, edges)
    lock: threading.Lock | None = None

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """compute() once per key, even when rules run on several threads."""
        if key in self.cache:
            return self.cache[key]
        if self.lock is None:
            self.cache[key] = compute()
            return self.cache[key]
        with self.lock:
            slot = self.cache.setdefault(("lock",) + (key if isinstance(key, tuple) else (key,)), threading.Lock())
        with slot:
            if key not in self.cache:
                self.cache[key] = compute()
        return self.cache[key]

    def index(self, t: TableData, field_: str, ref: TableData, ref_field: str) -> pa.Array:
        """Row in `ref` whose ref_field equals each row's field_ (null where none): one hash lookup,
        shared by the rules that follow the same link (parent events, claims' events)."""
        return self.cached(("index", t.name, field_, ref.name, ref_field),
                           lambda: pc.index_in(t.typed[field_], value_set=ref.typed[ref_field], skip_nulls=True))

    def edges(self, t: TableData, name: str) -> tuple[np.ndarray, np.ndarray]:
        """First and last byte of each cell of a raw column (shared by the text rules)."""
        return self.cached(("edges", t.name, name), lambda: edge_bytes(t.raw[name]))

    def get(self, table: str, *fields: str, needs_rows: bool = True) -> TableData | None:
        """The table, if it is readable, has these columns and (unless needs_rows is False) rows."""
        t = self.tables.get(table)
        return t if t is not None and t.has(*fields) and (t.num_rows or not needs_rows) else None

    def flag(self, t: TableData, field: str, code: Code, mask: np.ndarray, message: Message, *,
             severity: Severity | None = None, hint: str | None = None, values: Any = None) -> int:
        """Report every row of `t` where mask is true; severity and hint default to the catalogue's."""
        mask = np.asarray(mask, dtype=bool)
        if values is None and field in t.raw:
            values = t.raw[field]
        return self.report.flag(t.name, t.file, field, code, mask, t.lines, values, message,
                                severity or code.severity, hint or code.hint)


class Recorder:
    """Stands in for the Report while a rule runs on a worker thread: keeps its findings (the masks and
    message functions), replayed into the real report afterwards in rule order, so the output (and
    which problems fit under --max-errors) does not depend on thread timing."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]] | Problem] = []

    def flag(self, *args: Any, **kwargs: Any) -> int:
        mask = args[4] if len(args) > 4 else kwargs["mask"]
        if np.asarray(mask, dtype=bool).any():
            self.calls.append((args, kwargs))
        return 0

    def add(self, problem: Problem) -> None:
        self.calls.append(problem)

    def replay(self, report: Report) -> None:
        for call in self.calls:
            if isinstance(call, Problem):
                report.add(call)
            else:
                report.flag(*call[0], **call[1])


Check = Callable[[dict[str, TableData], Sink, Context], None]


def run_rules(tables: dict[str, TableData], report: Report, rules: Mapping[str, Rule], only: set[str] | None = None,
              extra: Sequence[Check] = (), threads: int = 1) -> None:
    """Run the domain rules (all, or those named in `only`), plus `extra` checks taking (tables, report,
    context), on `threads` worker threads; problems reach `report` in a fixed order."""
    cache: dict[Hashable, Any] = {}
    lock = threading.Lock()

    def check_task(fn: Check) -> Callable[[Recorder], None]:
        return lambda rec: fn(tables, rec, Context(tables, rec, cache, lock))

    def rule_task(r: Rule) -> Callable[[Recorder], None]:
        return lambda rec: r.func(Context(tables, rec, cache, lock))

    # extra checks get a context too: it shares lookups with the rules
    tasks = [check_task(fn) for fn in extra] + [rule_task(r) for r in rules.values() if only is None or r.name in only]
    recorders = [Recorder() for _ in tasks]
    if threads > 1 and len(tasks) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            for f in [pool.submit(task, rec) for task, rec in zip(tasks, recorders, strict=True)]:
                f.result()
    else:
        for task, rec in zip(tasks, recorders, strict=True):
            task(rec)
    for rec in recorders:
        rec.replay(report)
