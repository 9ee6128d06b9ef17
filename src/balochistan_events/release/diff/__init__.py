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

from balochistan_events.release.diff.compare import compare_constraint, diff_loaded, diff_packages, open_side
from balochistan_events.release.diff.formats import FORMATS, format_json, format_markdown, format_text
from balochistan_events.release.diff.model import LEVELS, RANK, Change, PackageDiff, TableDiff

__all__ = ["FORMATS", "LEVELS", "RANK", "Change", "PackageDiff", "TableDiff", "compare_constraint", "diff_loaded",
           "diff_packages", "format_json", "format_markdown", "format_text", "open_side"]
