"""A diff as text, Markdown (HTML and Markdown escaped) or JSON."""
from __future__ import annotations

import re

from balochistan_events.errors import safe_text
from balochistan_events.release.diff.model import MAX_LISTED, RANK, PackageDiff

# --- rendering -------------------------------------------------------------------------------------

def _val(v: object) -> str:
    if v is None:
        return "(empty)"
    # cells are untrusted: escape control and bidi characters (a raw ESC would drive the terminal)
    return safe_text(str(v), 80)


def _head(d: PackageDiff) -> list[str]:
    ver = f"{d.old_version} -> {d.new_version}" if d.old_version != d.new_version else f"{d.new_version}"
    lines = [f"diff {d.old_label} -> {d.new_label} (version {ver})"]
    if d.identical:
        lines.append("no differences in data, schemas or metadata")
    else:
        lines.append(f"minimum version bump: {(d.bump or '').upper()}")
    return lines


def format_text(d: PackageDiff) -> str:
    lines = _head(d)
    if d.changes:
        lines.append("")
        lines.append("changes:")
        for c in sorted(d.changes, key=lambda c: -RANK[c.level]):
            lines.append(f"  {c.level.upper():5}  {c.message}")
    for t in d.tables.values():
        if t.status == "unchanged" or not (t.added or t.removed or t.changed):
            continue
        lines.append("")
        lines.append(f"{t.name}: {t.rows_old} -> {t.rows_new} rows: {len(t.added)} added, {len(t.removed)} removed, "
                     f"{len(t.changed)} changed")
        for sign, keys in (("+", t.added), ("-", t.removed)):
            for k in keys[:MAX_LISTED]:
                lines.append(f"  {sign} {k}")
            if len(keys) > MAX_LISTED:
                lines.append(f"  {sign} … {len(keys) - MAX_LISTED} more (--format json lists all)")
        for row in t.changed[:MAX_LISTED]:
            lines.append(f"  ~ {row['key']}")
            for name, ch in row["fields"].items():
                lines.append(f"      {name}: {_val(ch['before'])} -> {_val(ch['after'])}")
        if len(t.changed) > MAX_LISTED:
            lines.append(f"  ~ … {len(t.changed) - MAX_LISTED} more (--format json lists all)")
    for note in d.notes:
        lines.append(f"note: {note}")
    return "\n".join(safe_text(line) for line in lines)


_MD_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "\\": "\\\\", "`": "\\`", "[": "\\[",
               "]": "\\]"}
_MD_SPECIAL = re.compile(r"[&<>|\\`\[\]]")


def _md(text: object) -> str:
    """Untrusted text for a Markdown page (a PR comment, a release note): HTML tags become text (no
    <img> that loads, no <details> that hides), and no link, image, code span or table cell can be
    opened or closed by the data."""
    return _MD_SPECIAL.sub(lambda m: _MD_ESCAPES[m.group()], _val(text))


def _code(text: object) -> str:
    """A key or label as inline code; one holding a backtick (which would end the code span) as text."""
    shown = _val(text)
    if "`" in shown:
        return _md(shown)
    return f"`{shown.replace('|', chr(92) + '|')}`"


def format_markdown(d: PackageDiff) -> str:
    ver = f"{d.old_version} → {d.new_version}" if d.old_version != d.new_version else f"{d.new_version}"
    lines = [f"## Data package diff: {_code(d.old_label)} → {_code(d.new_label)} (version {_md(ver)})", ""]
    if d.identical:
        lines += ["No differences in data, schemas or metadata.", ""]
    else:
        lines += [f"**Minimum version bump: {(d.bump or '').upper()}**", "", "| Bump | Change |", "|---|---|"]
        for c in sorted(d.changes, key=lambda c: -RANK[c.level]):
            lines.append(f"| {c.level.upper()} | {_md(c.message)} |")
        lines.append("")
    for t in d.tables.values():
        if not (t.added or t.removed or t.changed):
            continue
        lines += [f"### {_md(t.name)}", "",
                  f"{t.rows_old} → {t.rows_new} rows: {len(t.added)} added, {len(t.removed)} removed, "
                  f"{len(t.changed)} changed.", ""]
        for title, keys in (("Added", t.added), ("Removed", t.removed)):
            if keys:
                shown = ", ".join(_code(k) for k in keys[:MAX_LISTED])
                more = f" … and {len(keys) - MAX_LISTED} more" if len(keys) > MAX_LISTED else ""
                lines += [f"- {title}: {shown}{more}"]
        if t.added or t.removed:
            lines.append("")
        if t.changed:
            lines += ["| Record | Field | Before | After |", "|---|---|---|---|"]
            for row in t.changed[:MAX_LISTED]:
                for name, ch in row["fields"].items():
                    lines.append(f"| {_code(row['key'])} | {_md(name)} | {_md(ch['before'])} | {_md(ch['after'])} |")
            if len(t.changed) > MAX_LISTED:
                lines.append(f"| … | {len(t.changed) - MAX_LISTED} more records | | |")
            lines.append("")
    for note in d.notes:
        lines.append(f"> note: {_md(note)}")
    return "\n".join(safe_text(line) for line in lines).rstrip() + "\n"


def format_json(d: PackageDiff) -> str:
    import json

    return json.dumps(d.to_dict(), indent=2, ensure_ascii=False, default=str)


FORMATS = {"text": format_text, "json": format_json, "markdown": format_markdown}
