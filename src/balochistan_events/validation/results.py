"""The result of validation: problems with a cap, counts per table, and the verdict."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from balochistan_events.errors import Problem, shorten

# A problem's message: fixed text, or a function of (row index, cell value) worded per reported row.
Message = str | Callable[[int, Any], str]

# Problems listed by default (counts are always exact): output stays small whatever the input.
DEFAULT_MAX_PROBLEMS = 1000


@dataclass
class Report:
    max_errors: int | None = None
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    error_count: int = 0
    warning_count: int = 0
    strict: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return self.error_count == 0 and (not self.strict or self.warning_count == 0)

    @property
    def truncated(self) -> bool:
        return len(self.problems) < self.error_count + self.warning_count

    def _room(self) -> int:
        if self.max_errors is None:
            return 1 << 62
        return max(self.max_errors - len(self.problems), 0)

    def _count(self, table: str | None, severity: str, n: int) -> None:
        if severity == "error":
            self.error_count += n
        else:
            self.warning_count += n
        per = self.tables.setdefault(table, {}) if table else None
        if per is not None:
            key = "errors" if severity == "error" else "warnings"
            per[key] = per.get(key, 0) + n

    def add(self, problem: Problem) -> None:
        self._count(problem.table, problem.severity, 1)
        if self._room():
            self.problems.append(problem)

    def add_many(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.add(p)

    def flag(self, table: str | None, file: str | None, field: str | None, rule: str, mask: np.ndarray,
             lines: np.ndarray | None, values: Any = None, message: Message | None = None, severity: str = "error",
             hint: str | None = None) -> int:
        """Report every row where `mask` is true; builds Problem objects only for as many as will be kept.

        message: a callable (row index, value) -> str, or a fixed string."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(idx):
            return 0
        self._count(table, severity, len(idx))
        for i in idx[: self._room()]:
            value = None
            if values is not None:
                v = values[int(i)]
                value = v.as_py() if hasattr(v, "as_py") else v
            text = message(int(i), value) if callable(message) else (message or "")
            self.problems.append(Problem(table, file, int(lines[i]) if lines is not None else None, field, rule,
                                         text, shorten(value) if value is not None else None, severity, hint))
        return len(idx)

    def finish(self) -> None:
        """Order problems as users read them: table by table in the package's order (a broken events row
        comes before the claims that point at it), each file top to bottom; package-level ones first."""
        order = {name: i for i, name in enumerate(self.tables)}
        self.problems.sort(key=lambda p: (order.get(p.table, -1) if p.table else -1, p.file or "", p.line or 0,
                                          p.field or "", p.rule))
        for info in self.tables.values():
            info.setdefault("errors", 0)
            info.setdefault("warnings", 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "tables": self.tables,
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "truncated": self.truncated,
        }
