"""Problems found in data (exit 1) and reasons a command cannot run (exit 2)."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, overload

MAX_VALUE_CHARS = 80
MAX_NAME_CHARS = 200

# Characters that must never reach a terminal or a CI log verbatim: C0/C1 controls (ANSI escape
# sequences, carriage returns that overwrite a line, newlines that start a fake `::error::`
# workflow command) and the Unicode bidi overrides that make text read differently than it is.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t", "\x00": "\\0"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


@overload
def safe_text(value: None, limit: int | None = None) -> None: ...
@overload
def safe_text(value: object, limit: int | None = None) -> str: ...
def safe_text(value: object, limit: int | None = None) -> str | None:
    """Text that is safe to print: control and bidi characters escaped, optionally shortened."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > 4 * limit:
        text = text[: 4 * limit]          # escape only what can be shown
    text = _UNSAFE.sub(_escape, text)
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


@overload
def shorten(value: None, limit: int = MAX_VALUE_CHARS) -> None: ...
@overload
def shorten(value: object, limit: int = MAX_VALUE_CHARS) -> str: ...
def shorten(value: object, limit: int = MAX_VALUE_CHARS) -> str | None:
    """Truncate a cell value for messages, so output stays small whatever the input."""
    return safe_text(value, limit)


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

    def __post_init__(self) -> None:
        self.rule = str(self.rule)        # a catalogue member (validation/problems.py) is stored as its plain code
        self.value = shorten(self.value)
        self.message = shorten(self.message, 400) or ""
        # file, field and table come from the input too (descriptor paths, header cells)
        self.file = safe_text(self.file, MAX_NAME_CHARS)
        self.field = safe_text(self.field, MAX_NAME_CHARS)
        self.table = safe_text(self.table, MAX_NAME_CHARS)
        self.hint = safe_text(self.hint, 400)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PackageError(Exception):
    """The input cannot be read at all (malformed descriptor, unsafe path, corrupt zip): exit 2."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None, field: str | None = None):
        self.file: str | None = safe_text(file, MAX_NAME_CHARS)
        self.line = line
        self.field: str | None = safe_text(field, MAX_NAME_CHARS)
        super().__init__(shorten(message, 400))

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f": {self.field}"
        msg = self.args[0] if self.args else ""
        return f"{where}: {msg}" if where else msg


def with_path_replaced(exc: Exception, old: str, new: str) -> Exception:
    """The same error with the path `old` shown as `new` (a build's temporary staging copy as the
    package the user pointed at: messages show the user's paths)."""

    def fix(text: str | None) -> str | None:
        return None if text is None else text.replace(old, new)

    if isinstance(exc, PackageError):
        out = type(exc).__new__(type(exc))
        out.__dict__.update(exc.__dict__)
        out.args = tuple(fix(a) if isinstance(a, str) else a for a in exc.args)
        out.file = fix(exc.file)
        return out
    if isinstance(exc, OSError):
        return OSError(exc.errno, fix(exc.strerror) or str(exc), fix(str(exc.filename)) if exc.filename else None)
    return exc
