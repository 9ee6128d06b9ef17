"""Problems found in data (exit 1) and reasons a command cannot run (exit 2)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

MAX_VALUE_CHARS = 80


def shorten(value, limit: int = MAX_VALUE_CHARS):
    """Truncate a cell value for messages, so output stays small whatever the input."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\x00", "\\0")
    if len(text) > limit:
        return text[: limit - 1] + "…"
    return text


@dataclass
class Problem:
    """One finding, with enough context to fix it: where (file, line, field), which rule, and why."""

    table: str | None
    file: str | None
    line: int | None
    field: str | None
    rule: str
    message: str
    value: str | None = None
    severity: str = "error"
    hint: str | None = None

    def __post_init__(self):
        self.value = shorten(self.value)
        self.message = shorten(self.message, 400)

    def to_dict(self) -> dict:
        return asdict(self)


class PackageError(Exception):
    """The input cannot be read at all (malformed descriptor, unsafe path, corrupt zip): exit 2."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None, field: str | None = None):
        self.file = file
        self.line = line
        self.field = field
        super().__init__(shorten(message, 400))

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f": {self.field}"
        msg = self.args[0] if self.args else ""
        return f"{where}: {msg}" if where else msg


class Problems(list):
    """A list of Problem with a cap, so a broken million-row file cannot flood memory or output."""

    def __init__(self, cap: int | None = None):
        super().__init__()
        self.cap = cap
        self.dropped: dict[str, int] = {}

    def add(self, problem: Problem) -> None:
        if self.cap is not None and len(self) >= self.cap:
            self.dropped[problem.severity] = self.dropped.get(problem.severity, 0) + 1
            return
        self.append(problem)
