"""The Excel workbook (`export --to xlsx`, and balochistan-events-X.Y.Z.xlsx in every release), read back
with openpyxl: one sheet per table plus claims_summary and README, typed cells, text kept as text,
frozen header, readable widths, and the same bytes for the same package and date."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile

import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.exports import load_for_export
from balochistan_events.exports.xlsx import MAX_WIDTH, MIN_WIDTH, workbook_bytes
from balochistan_events.release.derived import summary_schema
from sample_package import shared_sample, shared_sample_release

openpyxl = pytest.importorskip("openpyxl")

TABLES = ["events", "actors", "sources", "claims"]
PYTHON_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool, "date": dt.datetime}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return shared_sample(tmp_path_factory)


@pytest.fixture(autouse=True)
def _no_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def _book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


@pytest.fixture(scope="module")
def real_book():
    from conftest import ROOT

    return load_for_export(ROOT), _book(workbook_bytes(load_for_export(ROOT), None, summary_schema))


def test_sheets_are_the_readme_the_tables_and_the_summary(real_book):
    _, wb = real_book
    assert wb.sheetnames == ["README", *TABLES, "claims_summary"]


def test_every_table_sheet_has_every_row_and_typed_cells(real_book):
    ds, wb = real_book
    for table in TABLES:
        ws = wb[table]
        fields = ds.resources[table].fields
        rows = _rows(ws)
        assert rows[0] == [f["name"] for f in fields]
        assert len(rows) - 1 == len(getattr(ds, table))
        assert ws.freeze_panes == "A2" and all(c.font.bold for c in ws[1])
        for j, f in enumerate(fields):
            wanted = PYTHON_TYPES[f.get("type", "string")]
            cells = [r[j] for r in rows[1:] if r[j] is not None]
            assert all(type(v) is wanted for v in cells), (table, f["name"], {type(v) for v in cells})
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(j + 1)].width
            assert MIN_WIDTH <= width <= MAX_WIDTH
    claims = ds.claims.set_index("claim_id")
    for r in _rows(wb["claims"])[1:]:
        c = claims.loc[r[0]]
        assert r[4].date() == c["claim_date"].date() and r[8] == int(c["value_best"]) if r[8] is not None else True
        assert r[12] == c["quote"]


def test_summary_sheet_matches_the_reconciled_view(real_book):
    ds, wb = real_book
    rows = _rows(wb["claims_summary"])
    summary = ds.claims_summary()
    assert rows[0] == list(summary.columns) and len(rows) - 1 == len(summary)
    claims_col = rows[0].index("claims")
    assert sum(r[claims_col] for r in rows[1:]) == int(summary["claims"].sum())
    assert all(isinstance(r[claims_col], int) for r in rows[1:])


def test_readme_describes_every_column_from_the_schemas(real_book):
    ds, wb = real_book
    rows = _rows(wb["README"])
    start = next(i for i, r in enumerate(rows) if r[:2] == ["Sheet", "Column"])
    described = {(r[0], r[1]): r for r in rows[start + 1:]}
    for table in TABLES:
        for f in ds.resources[table].fields:
            row = described[(table, f["name"])]
            assert row[3] == f.get("type", "string") and row[5] == f.get("description", "")
    claim_type = described[("claims", "claim_type")]
    assert "killed" in claim_type[6]                      # the codes are listed
    assert {k for k, _ in described if k == "claims_summary"} and wb["README"].freeze_panes == f"A{start + 2}"
    assert rows[1][1] == ds.descriptor["version"]


def test_text_is_never_a_formula_or_a_date(sample, tmp_path):
    """Cells that Excel would run (=...) or turn into dates ('31 Jan') stay text, and ’ stays ’."""
    pkg = tmp_path / "pkg"
    shutil.copytree(sample, pkg)
    claims = pkg / "data" / "claims.csv"
    text = claims.read_text(encoding="utf-8")
    assert ",campaign total," in text
    claims.write_text(text.replace(",campaign total,", ",31 Jan,", 1).replace("Synthetic", "=1+1 Synthetic’s", 1),
                      encoding="utf-8")
    events = pkg / "data" / "events.csv"
    events.write_text(events.read_text(encoding="utf-8").replace("Synthetic row.", "=SUM(A1:A9)"), encoding="utf-8")
    data = workbook_bytes(load_for_export(pkg))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any("<f>" in s or "<f " in s for s in sheets)      # no formula anywhere in the workbook
    wb = _book(data)
    notes = [c for row in wb["events"].iter_rows() for c in row if c.value == "=SUM(A1:A9)"]
    assert notes and all(c.data_type == "s" for c in notes)
    values = [c.value for row in wb["claims"].iter_rows() for c in row]
    assert "31 Jan" in values


def test_same_package_and_date_give_the_same_bytes(sample, monkeypatch):
    ds = load_for_export(sample)
    first = workbook_bytes(ds)
    assert workbook_bytes(load_for_export(sample)) == first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        stamps = {i.date_time for i in z.infolist()}
        core = z.read("docProps/core.xml").decode()
    created = ds.descriptor["created"][:10]
    assert stamps == {tuple(int(x) for x in created.split("-")) + (0, 0, 0)}
    assert f"{created}T00:00:00Z" in core and core.count(created) == 2    # created and modified
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")                # 2026-01-01
    later = workbook_bytes(load_for_export(sample))
    assert later != first and later == workbook_bytes(load_for_export(sample))
    assert _book(later).properties.created == dt.datetime(2026, 1, 1)


def test_cli_writes_the_workbook_and_needs_out(sample, tmp_path):
    out = tmp_path / "book.xlsx"
    res = CliRunner().invoke(cli, ["export", str(sample), "--to", "xlsx", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == workbook_bytes(load_for_export(sample), None, summary_schema)
    res = CliRunner().invoke(cli, ["export", str(sample), "--to", "xlsx"])
    assert res.exit_code == 2 and "--out" in res.output and "Traceback" not in res.output


def test_the_release_zip_ships_the_workbook(tmp_path_factory):
    zip_path = shared_sample_release(tmp_path_factory)
    with zipfile.ZipFile(zip_path) as z:
        names = z.namelist()
        version = zip_path.name.removeprefix("balochistan-events-").removesuffix(".zip")
        member = next(n for n in names if n.endswith(f"balochistan-events-{version}.xlsx"))
        data = z.read(member)
    wb = _book(data)
    assert wb.sheetnames == ["README", *TABLES, "claims_summary"]
    # the release's workbook is the one `export --to xlsx` makes from the release itself
    assert data == workbook_bytes(load_for_export(zip_path), None, summary_schema)


def test_the_workbook_is_written_with_openpyxl_s_own_xml_writer(monkeypatch, root):
    """With lxml installed openpyxl writes other bytes: the module chooses the pure-Python writer before
    openpyxl's first import, and refuses to write when openpyxl was already imported with lxml."""
    import os

    import openpyxl

    from balochistan_events.errors import PackageError
    from balochistan_events.exports import load_for_export, xlsx

    assert os.environ.get("OPENPYXL_LXML") == "False"
    ds = load_for_export(root)
    monkeypatch.setattr(openpyxl, "LXML", True)
    with pytest.raises(PackageError, match="lxml"):
        xlsx.workbook_bytes(ds)


def test_a_table_longer_than_an_excel_sheet_gets_a_note_instead_of_rows(monkeypatch, root):
    """Excel holds 1,048,576 rows a sheet; past that the sheet says where the data is (limit lowered here)."""
    import io

    import openpyxl

    from balochistan_events.exports import load_for_export, xlsx

    ds = load_for_export(root)
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", len(ds.events) + 1)        # events fit; claims do not
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.workbook_bytes(ds)))
    assert wb.sheetnames == ["README", "events", "actors", "sources", "claims", "claims_summary"]
    assert wb["events"].max_row == len(ds.events) + 1
    note = wb["claims"]["A1"].value
    assert wb["claims"].max_row == 1 and f"{len(ds.claims):,} rows" in note and "data/claims.csv" in note
    assert "claims" in {r[0] for r in wb["README"].iter_rows(values_only=True) if r and r[0]}
