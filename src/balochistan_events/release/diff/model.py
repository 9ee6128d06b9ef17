"""What a diff found: changes per table and for the package, and the bump they need."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


def key_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value or [])
