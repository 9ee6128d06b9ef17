"""Excel workbook (.xlsx, written with openpyxl) for spreadsheet users: a README sheet, one sheet per
table (events, actors, sources, claims; rows in primary-key order) and the reconciled view (claims_summary).

Why a workbook: Excel opens the package's CSVs (UTF-8 without a byte-order mark) as Windows-1252, so
"’" shows as "â€™", and it turns cells such as "31 Jan" into dates. Here every cell is typed from the
Table Schema: dates are dates, integers and numbers are numbers, booleans are booleans, and text is
stored as text (never read as a formula or a date). The header row is frozen and columns have
readable widths. The README sheet lists every column with its title, type, description and codes,
taken from schemas/*.json.

Byte-reproducible: the workbook's created/modified properties and every zip entry's time come from
one date (the release's build date, or SOURCE_DATE_EPOCH, else the descriptor's `created`), and the
entries are written in a fixed order."""
from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pandas as pd

from balochistan_events.exports.common import values

SCOPE = ("Everything in the package: the four tables, every row and column, plus the reconciled view "
         "(claims_summary) and a README sheet describing every column from the schemas.")

LIMITATIONS = [
    "A snapshot for reading and filtering: edits made in Excel do not flow back; contribute through the CSVs.",
    "Excel shows dates in the reader's locale; the cells hold real dates (stored as yyyy-mm-dd).",
    "Coordinates are numbers with Excel's 15 significant digits, enough for the package's five decimals.",
]

SUMMARY = "claims_summary"
README = "README"
MAX_WIDTH = 60
MIN_WIDTH = 8
# Excel's limit on a cell's text; the package's own limits are far below it.
EXCEL_CELL_LIMIT = 32767
EXCEL_MAX_ROWS = 1_048_576      # rows in an Excel sheet, header included

# openpyxl writes its XML with lxml when lxml is installed, else with its own pure-Python writer, and the
# two give different bytes: a release's workbook (and so the release zip) would depend on whether lxml
# happens to be installed. The pure-Python writer is the one releases were built with; choose it before
# openpyxl is first imported (openpyxl reads OPENPYXL_LXML once, at import).
os.environ.setdefault("OPENPYXL_LXML", "False")


def _check_xml_writer() -> None:
    """Refuse to write a workbook whose bytes would differ from a release's: openpyxl imported with lxml
    (by the calling program, before this module set OPENPYXL_LXML)."""
    import openpyxl

    if getattr(openpyxl, "LXML", False):
        from balochistan_events.errors import PackageError

        raise PackageError("openpyxl was imported with lxml before balochistan_events.exports.xlsx, so the "
                           "workbook would not be byte-reproducible; set OPENPYXL_LXML=False before importing "
                           "openpyxl (or import balochistan_events.exports.xlsx first)")

SummarySchema = Callable[[Any, list[str]], dict]


def workbook_date(descriptor: dict) -> dt.datetime:
    """The date stamped in the workbook: SOURCE_DATE_EPOCH, else the descriptor's `created`, else 1980-01-01
    (the earliest time a zip entry can carry)."""
    from balochistan_events.package.dates import from_created, output_date

    return output_date(None, from_created(descriptor)) or dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)


# --- cells ---------------------------------------------------------------------------------------------

def _cell_value(value: object, ftype: str) -> object:
    """A typed pandas cell as the Python value openpyxl stores with the right Excel type (None = empty)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if ftype == "date" or isinstance(value, pd.Timestamp):
        return pd.Timestamp(value).date()  # type: ignore[arg-type]
    if ftype in ("integer", "year"):
        return int(value)  # type: ignore[call-overload]
    if ftype == "number":
        return float(value)  # type: ignore[arg-type]
    if ftype == "boolean":
        return bool(value)
    return str(value)


def _frame_type(series: pd.Series) -> str:
    """A Table Schema type for a derived column that has no schema field (claims_summary without one)."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "integer"
    if pd.api.types.is_float_dtype(series.dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "date"
    return "string"


def _write_sheet(ws: Any, header: list[str], columns: list[tuple[list, str]]) -> None:
    """Header row plus typed columns; text cells forced to text, dates formatted, header frozen."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append(header)
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    n = len(columns[0][0]) if columns else 0
    for i in range(n):
        ws.append([_cell_value(col[i], ftype) for col, ftype in columns])
    for j, (_, ftype) in enumerate(columns, start=1):
        _type_column(ws, j, ftype, n)
    ws.freeze_panes = "A2"
    for j, name in enumerate(header, start=1):
        texts = [name] + [str(v) for v in columns[j - 1][0] if v is not None and v is not pd.NA][:500]
        width = max((len(t) for t in texts), default=MIN_WIDTH) + 2
        ws.column_dimensions[get_column_letter(j)].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    if n:
        ws.auto_filter.ref = ws.dimensions


def _type_column(ws: Any, j: int, ftype: str, n: int) -> None:
    for (cell,) in ws.iter_rows(min_row=2, max_row=n + 1, min_col=j, max_col=j):
        if cell.value is None:
            continue
        if ftype == "date":
            cell.number_format = "yyyy-mm-dd"
        elif isinstance(cell.value, str):
            # openpyxl reads a leading "=" as a formula; the package's text is never one
            cell.data_type = "s"
            cell.number_format = "@"


# --- README ----------------------------------------------------------------------------------------

def _codes(field: dict) -> str:
    """'code = label' pairs from the field's categories, else its enum; '' when it has neither."""
    cats = field.get("categories")
    pairs: list[str] = []
    if isinstance(cats, list):
        for c in cats:
            if isinstance(c, dict) and "value" in c:
                pairs.append(f"{c['value']} = {c.get('label', '')}".rstrip(" ="))
            else:
                pairs.append(str(c))
    else:
        enum = field.get("constraints", {}).get("enum")
        pairs = [str(v) for v in enum] if isinstance(enum, list) else []
    vocab = field.get("x-vocabulary")
    if isinstance(vocab, dict):
        pairs += [f"{k} = {v}" for k, v in vocab.items()]
    return "; ".join(pairs)


def _readme_rows(descriptor: dict, schemas: list[tuple[str, dict]], when: dt.datetime) -> list[list[str]]:
    licences = ", ".join(str(lic.get("name", "")) for lic in descriptor.get("licenses", []) if isinstance(lic, dict))
    about = [
        ["Package", str(descriptor.get("title") or descriptor.get("name", ""))],
        ["Version", str(descriptor.get("version", ""))],
        ["Date", when.date().isoformat()],
        ["Licence", licences],
        ["Homepage", str(descriptor.get("homepage", ""))],
        ["About", "One sheet per table, plus claims_summary (the reconciled view derived from the claims). "
                  "The columns are described below, from the package's Table Schemas. Empty cell = not known "
                  "or not applicable. Every figure is a claim: see the claims sheet for who said it."],
        [],
        ["Sheet", "Column", "Title", "Type", "Required", "Description", "Codes"],
    ]
    for sheet, schema in schemas:
        for f in schema.get("fields", []):
            required = "yes" if f.get("constraints", {}).get("required") else ""
            about.append([sheet, str(f.get("name", "")), str(f.get("title", "")), str(f.get("type", "string")),
                          required, str(f.get("description", "")), _codes(f)])
    return about


def _write_readme(ws: Any, rows: list[list[str]]) -> None:
    from openpyxl.styles import Alignment, Font

    for r in rows:
        ws.append(r)
    header_row = next(i for i, r in enumerate(rows, start=1) if r[:2] == ["Sheet", "Column"])
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for k in range(1, header_row):
        ws.cell(row=k, column=1).font = Font(bold=True)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{header_row + 1}"
    for letter, width in zip("ABCDEFG", (16, 28, 28, 10, 10, 70, 60), strict=False):
        ws.column_dimensions[letter].width = width


# --- the workbook ------------------------------------------------------------------------------------

def _table_columns(df: pd.DataFrame, fields: list[dict]) -> tuple[list[str], list[tuple[list, str]]]:
    names = [f["name"] for f in fields if f["name"] in df.columns]
    types = {f["name"]: f.get("type", "string") for f in fields}
    return names, [(values(df[n]), types[n]) for n in names]


def _by_key(df: pd.DataFrame, key: object) -> pd.DataFrame:
    """Rows in primary-key order, so that a checkout (CSV order) and its release (Parquet, sorted by key)
    give the same workbook."""
    keys = [key] if isinstance(key, str) else [k for k in key if k in df.columns] if isinstance(key, list) else []
    return df.sort_values(keys, kind="mergesort").reset_index(drop=True) if keys else df


def build_workbook(ds: Any, when: dt.datetime, summary_schema: SummarySchema | None = None) -> Any:
    """The openpyxl Workbook of a loaded package (load_for_export: tables plus .resources)."""
    from openpyxl import Workbook

    wb = Workbook()
    readme = wb.active
    readme.title = README
    schemas: list[tuple[str, dict]] = []
    for name, res in ds.resources.items():
        if name == SUMMARY or not hasattr(ds, name):
            continue
        table = getattr(ds, name)
        if _too_long(wb, name, len(table), res.path):
            schemas.append((name, res.schema))
            continue
        df = _by_key(table, res.schema.get("primaryKey"))
        header, columns = _table_columns(df, res.fields)
        _write_sheet(wb.create_sheet(name), header, columns)
        schemas.append((name, res.schema))
    summary = ds.claims_summary()
    keys = [c for c in ("event_id", "claim_type", "subject") if c in summary.columns]
    summary = summary.sort_values(keys, kind="mergesort").reset_index(drop=True)
    schema = summary_schema(SimpleNamespace(resources=ds.resources), list(summary.columns)) if summary_schema \
        else {"fields": [{"name": c, "type": _frame_type(summary[c])} for c in summary.columns]}
    if not _too_long(wb, SUMMARY, len(summary), "data/claims_summary.csv"):
        header, columns = _table_columns(summary, schema["fields"])
        _write_sheet(wb.create_sheet(SUMMARY), header, columns)
    schemas.append((SUMMARY, schema))
    _write_readme(readme, _readme_rows(ds.descriptor, schemas, when))
    naive = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    props = wb.properties
    props.creator = "balochistan-events"
    props.lastModifiedBy = "balochistan-events"
    props.title = str(ds.descriptor.get("title") or "")
    props.created = naive
    props.modified = naive
    return wb


def _too_long(wb: Any, name: str, rows: int, path: str) -> bool:
    """A table longer than an Excel sheet gets a sheet that says so (and where the data is) instead of
    its rows: Excel would refuse the file, or drop rows without a word."""
    if rows < EXCEL_MAX_ROWS:
        return False
    wb.create_sheet(name).append([f"{name} has {rows:,} rows, more than an Excel sheet holds "
                                  f"({EXCEL_MAX_ROWS - 1:,} below its header). Read {path} (or the release's "
                                  "Parquet file of the same name) instead; the columns are described in README."])
    return True


def _fixed_zip(raw: bytes, when: dt.datetime) -> bytes:
    """Rewrite openpyxl's zip with every entry stamped `when` (zip times cannot precede 1980)."""
    stamp = max(when.astimezone(dt.timezone.utc), dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc))
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second - stamp.second % 2)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o100644 << 16
            dst.writestr(entry, src.read(info.filename), compresslevel=9)
    return out.getvalue()


def workbook_bytes(ds: Any, when: dt.datetime | None = None, summary_schema: SummarySchema | None = None) -> bytes:
    """The .xlsx file's bytes; the same package and date give the same bytes."""
    from openpyxl.writer.excel import ExcelWriter

    _check_xml_writer()
    when = when or workbook_date(ds.descriptor)
    wb = build_workbook(ds, when, summary_schema)
    buf = io.BytesIO()
    # ExcelWriter, not Workbook.save: save() stamps the current time as the modified date. Stored, not
    # deflated: _fixed_zip reads every entry back and deflates it once, at level 9
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    return _fixed_zip(buf.getvalue(), when)


def release_workbook(staging: str | os.PathLike, when: dt.datetime, version: str | None,
                     summary_schema: SummarySchema | None = None, *, dataset: Any = None) -> dict[str, bytes]:
    """{"balochistan-events-X.Y.Z.xlsx": bytes} for a release built from `staging` at `when` (`dataset`: the
    staged package already loaded, with `.resources`)."""
    from balochistan_events.exports import load_for_export

    ds = dataset if dataset is not None else load_for_export(staging)
    return {f"balochistan-events-{version}.xlsx": workbook_bytes(ds, when, summary_schema)}


def export(ds: Any) -> bytes:
    """The workbook of a loaded package (the CLI writes it with --out)."""
    return workbook_bytes(ds)
