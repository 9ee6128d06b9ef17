"""Rules on text, in every table: URLs, spreadsheet formulas (CSV injection) and stray whitespace.

Cells are screened by their first and last bytes (numpy over the column's buffers); only the few
candidate cells go through a regular expression."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow.compute as pc

from balochistan_events.errors import Problem
from balochistan_events.package.tables import TableData
from balochistan_events.validation.kernels import WS_CLASS, WS_FIRST, WS_LAST, matching, true_mask, valid
from balochistan_events.validation.problems import Code
from balochistan_events.validation.rules.base import ALL_TABLES, Context, rule

URL_RE = r"^https?://[^\s/?#@]+(@[^\s/?#@]+)?(:[0-9]*)?([/?#]\S*)?$"
# Characters that make a spreadsheet evaluate a cell as a formula (CSV injection), when first.
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]
_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[[ord(c) for c in FORMULA_STARTS]] = True
_AFTER_WHITESPACE = rf"^{WS_CLASS}+[=+\-@]"
_WS_EDGE = rf"^{WS_CLASS}|{WS_CLASS}$"
# Schema properties whose strings can be written into a CSV or workbook cell as they are.
_SCHEMA_VALUES = ("trueValues", "falseValues", "enum")


def _text_fields(t: TableData) -> list[str]:
    return [f["name"] for f in t.resource.fields if f.get("type", "string") == "string" and f["name"] in t.raw]


@rule(Code.URL_HTTP, table="sources", columns=("url",))
def url_http(ctx: Context, t: TableData) -> None:
    url = t.typed["url"]
    ok = pc.match_substring_regex(url, URL_RE)
    ctx.flag(t, "url", Code.URL_HTTP, valid(url) & ~true_mask(ok), lambda i, v: f"{v!r} is not an http(s) URL")


def is_formula(text: str) -> bool:
    """Would a spreadsheet run this text as a formula (also after leading whitespace)?"""
    return text[:1] in FORMULA_STARTS or text.lstrip()[:1] in ("=", "+", "-", "@")


@rule(Code.SPREADSHEET_FORMULA, table=ALL_TABLES, needs_rows=False)
def spreadsheet_formula(ctx: Context, t: TableData) -> None:
    for where, value in _schema_strings(t):
        if isinstance(value, str) and is_formula(value):
            ctx.report.add(Problem(t.name, t.resource.schema_path or "datapackage.json", None, where[0],
                                   Code.SPREADSHEET_FORMULA,
                                   f"{where[1]} {value!r} starts with a character that spreadsheets run as a formula "
                                   "(= + - @), and it can be written into the CSV files and the workbook",
                                   value, "error", "change the value in the schema"))
    if not t.num_rows:
        return
    for name in _text_fields(t):
        first, _ = ctx.edges(t, name)
        ctx.flag(t, name, Code.SPREADSHEET_FORMULA, _FORMULA_BYTES[first],
                 "text starts with a character that spreadsheets run as a formula (= + - @)")
        spaced = matching(t.raw[name], WS_FIRST[first] & ~_FORMULA_BYTES[first], _AFTER_WHITESPACE)
        ctx.flag(t, name, Code.SPREADSHEET_FORMULA, spaced,
                 "text starts with whitespace and then a character that spreadsheets run as a formula (= + - @)",
                 hint="trim the cell, and reword so it starts with a letter or digit")


def _schema_strings(t: TableData) -> Iterator[tuple[tuple[str | None, str], object]]:
    """((field, what), value) for every string a table's schema can put into a cell or header."""
    for f in t.resource.fields:
        name = f.get("name")
        yield (name, "field name"), name
        for key in _SCHEMA_VALUES:
            for v in (f.get(key) if key != "enum" else f.get("constraints", {}).get("enum")) or []:
                yield (name, key), v
        for c in f.get("categories") or []:
            for v in (c.get("value"), c.get("label")) if isinstance(c, dict) else (c,):
                yield (name, "categories"), v
    for v in t.resource.schema.get("missingValues", []):
        yield ("missingValues", "missingValues"), v


@rule(Code.WHITESPACE, table=ALL_TABLES)
def whitespace(ctx: Context, t: TableData) -> None:
    # numbers, dates and booleans with spaces around them are already type errors, which quote the value
    for name in _text_fields(t):
        first, last = ctx.edges(t, name)
        mask = matching(t.raw[name], WS_FIRST[first] | WS_LAST[last], _WS_EDGE)
        ctx.flag(t, name, Code.WHITESPACE, mask, "leading or trailing whitespace")
