"""Rendering validation reports as text, JSON or GitHub Actions annotations."""
from __future__ import annotations

import json

from balochistan_events.errors import Problem
from balochistan_events.validation.results import Report


def _where(p: Problem) -> str:
    where = p.file or p.table or ""
    if p.line is not None:
        where += f":{p.line}"
    return where


def format_problem(p: Problem) -> str:
    label = "warning: " if p.severity == "warning" else ""
    field = f" {p.field}:" if p.field else ""
    text = f"{_where(p)}:{field} {label}{p.message} (rule: {p.rule})"
    if p.hint:
        text += f"\n    hint: {p.hint}"
    return text


def format_text(report: Report) -> str:
    lines = [format_problem(p) for p in report.problems]
    if report.truncated:
        shown = len(report.problems)
        lines.append(f"… {report.error_count + report.warning_count - shown} more problem(s) not shown (--max-errors)")
    if lines:
        lines.append("")
    for name, info in report.tables.items():
        rows = f"{info['rows']} rows, " if "rows" in info else ""
        lines.append(f"{name}: {rows}{info.get('errors', 0)} error(s), {info.get('warnings', 0)} warning(s)")
    verdict = "valid" if report.valid else "INVALID"
    extra = " (--strict: warnings count as errors)" if report.strict and report.warning_count and not report.error_count else ""
    lines.append(f"{verdict}: {report.error_count} error(s), {report.warning_count} warning(s){extra}")
    return "\n".join(lines)


def format_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str)


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def format_github(report: Report) -> str:
    """GitHub Actions workflow commands: one annotation per problem, shown on the pull request's diff."""
    out = []
    for p in report.problems:
        kind = "error" if p.severity == "error" or report.strict else "warning"
        props = []
        if p.file:
            props.append(f"file={_escape_property(p.file)}")
        if p.line is not None:
            props.append(f"line={p.line}")
        props.append(f"title={_escape_property(p.rule)}")
        msg = f"{p.field}: {p.message}" if p.field else p.message
        if p.hint:
            msg += f" (hint: {p.hint})"
        out.append(f"::{kind} {','.join(props)}::{_escape_data(msg)}")
    verdict = "valid" if report.valid else "invalid"
    out.append(f"{verdict}: {report.error_count} error(s), {report.warning_count} warning(s)")
    return "\n".join(out)


FORMATS = {"text": format_text, "json": format_json, "github": format_github}
