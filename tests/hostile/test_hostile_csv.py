"""Issue 7.1: hostile and broken CSV. One test per case: the exit code, the problem's file, line and
field, no traceback, bounded output; and load() raises PackageError naming the same place.

The cases are tests/fixtures/hostile/csv/*.csv (small, regenerated from the schema by
scripts/make_hostile_fixtures.py) and, for large inputs, files generated into tmp at test time."""
from __future__ import annotations

import pytest

import balochistan_events as be
from balochistan_events.errors import PackageError
from hostile_support import find, fixture, generator, invoke, mini_package, validate_json

GEN = generator()
LAY = GEN.layout()
TEXT, LAST = LAY.text, LAY.last
CSV = f"data/{GEN.TABLE}.csv"
OK = "ok"

# name: (exit code, rule, severity, line, field, what load() does: OK or (line, field) of its PackageError)
CASES = {
    "valid": (0, None, None, None, None, OK),
    "latin1": (1, "encoding", "error", 3, TEXT, (3, TEXT)),
    "cp1252": (1, "encoding", "error", 4, TEXT, (4, TEXT)),
    "utf16le_bom": (1, "encoding", "error", 1, None, (1, None)),
    "utf16be_bom": (1, "encoding", "error", 1, None, (1, None)),
    "utf16_nobom": (1, "encoding", "error", 1, None, (1, None)),
    "utf8_bom": (0, "encoding", "warning", 1, None, OK),
    "crlf": (0, "line_endings", "warning", 1, None, OK),
    "cr_only": (0, "line_endings", "warning", 1, None, OK),
    "ragged_short": (1, "ragged_row", "error", 3, LAY.header[-2], (3, LAY.header[-2])),
    "ragged_long": (1, "ragged_row", "error", 4, None, (4, None)),
    "unclosed_quote": (1, "csv_syntax", "error", 3, None, (3, None)),
    "junk_after_quote": (1, "csv_syntax", "error", 3, None, (3, None)),
    "nul_byte": (1, "encoding", "error", 3, TEXT, (3, TEXT)),
    "empty": (1, "empty_file", "error", 1, None, (1, None)),
    "blank_lines_only": (1, "empty_file", "error", 1, None, (1, None)),
    "header_only": (0, None, None, None, None, OK),
    "header_only_no_newline": (0, None, None, None, None, OK),
    "blank_row": (1, "blank_row", "error", 3, None, (3, None)),
    "duplicate_header": (1, "duplicate_column", "error", 1, TEXT, (1, LAST)),
    "missing_header": (1, "missing_column", "error", 1, LAST, (1, LAST)),
    "renamed_header": (1, "missing_column", "error", 1, TEXT, (1, TEXT)),
    "no_header": (1, "missing_column", "error", 1, LAY.header[0], (1, LAY.header[0])),
    "header_injection": (1, "extra_column", "error", 1, "x\\n::error file=evil.py,line=1::pwned", OK),
    "formula": (1, "spreadsheet_formula", "error", 2, TEXT, OK),
    "html": (0, None, None, None, None, OK),
    "control_chars": (1, "control_character", "error", 3, TEXT, (3, TEXT)),
}


def test_every_csv_fixture_has_a_case():
    names = {p.stem for p in (GEN.FIXTURES / "csv").glob("*.csv")}
    assert names == set(CASES)


def _check(pkg, code, rule, severity, line, field, load):
    # JSON: the exact problem
    exit_code, report, stderr = validate_json(pkg)
    assert exit_code == code, (report or {}).get("errors", stderr)
    if rule is not None:
        found = [p for p in find(report, rule, severity) if p["line"] == line and p["field"] == field]
        assert found, (report["errors"] + report["warnings"])[:5]
        assert found[0]["file"].endswith(CSV)
    elif code == 0:
        assert report["errors"] == [] and report["warnings"] == []
    # text: what a contributor reads, "file:line: field: message (rule: …)"
    text = invoke("validate", pkg).output
    if rule is not None:
        where = f"{CSV}:{line}:" + (f" {field}:" if field else "")
        assert any(where in ln and f"(rule: {rule})" in ln for ln in text.splitlines()), text[:2000]
    # load(): clean PackageError naming the same place, or the rows
    if load == OK:
        ds = be.load(pkg)
        assert list(ds[GEN.TABLE].columns) == LAY.header
    else:
        with pytest.raises(PackageError) as err:
            be.load(pkg)
        assert err.value.file.endswith(CSV)
        assert (err.value.line, err.value.field) == load, str(err.value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_csv_case(name, tmp_path):
    pkg = mini_package(tmp_path / "pkg", csv_bytes=fixture(f"csv/{name}.csv"))
    _check(pkg, *CASES[name])


def test_bom_is_an_error_under_strict(tmp_path):
    pkg = mini_package(tmp_path / "pkg", csv_bytes=fixture("csv/utf8_bom.csv"))
    assert invoke("validate", pkg, "--strict").exit_code == 1
    # the BOM is not read into the first column's name
    assert list(be.load(pkg)[GEN.TABLE].columns)[0] == LAY.header[0]


def test_every_formula_row_is_reported(tmp_path):
    pkg = mini_package(tmp_path / "pkg", csv_bytes=fixture("csv/formula.csv"))
    _, report, _ = validate_json(pkg)
    assert sorted(p["line"] for p in find(report, "spreadsheet_formula") if p["field"] == TEXT) == [2, 3, 4, 5]


def test_html_is_data_kept_verbatim_not_executed(tmp_path):
    """Markup in a cell is text: validation accepts it and load() returns it unchanged (renderers
    such as the HTML report must escape it; that is tested with the report)."""
    pkg = mini_package(tmp_path / "pkg", csv_bytes=fixture("csv/html.csv"))
    ds = be.load(pkg)
    assert ds[GEN.TABLE][TEXT].iloc[1] == "<script>alert(1)</script><img src=x onerror=alert(2)>"


def test_crlf_values_carry_no_carriage_return(tmp_path):
    pkg = mini_package(tmp_path / "pkg", csv_bytes=fixture("csv/crlf.csv"))
    frame = be.load(pkg)[GEN.TABLE]
    assert not frame[LAST].astype(str).str.contains("\r").any()
    assert len(frame) == len(LAY.rows)


def test_header_injection_cannot_forge_a_ci_annotation(tmp_path):
    """A header cell with a newline must not start a new line in the log: on GitHub, a line starting
    with ::error is a workflow command."""
    pkg = mini_package(tmp_path / "pkg", csv_bytes=fixture("csv/header_injection.csv"))
    for fmt in ("text", "github", "json"):
        out = invoke("validate", pkg, "--format", fmt).output
        assert "x\\n::error file=evil.py" in out or "x\\\\n::error file=evil.py" in out  # shown, escaped
        assert not any(ln.lstrip().startswith("::error file=evil.py") for ln in out.splitlines()), out


def test_control_characters_never_reach_the_terminal(tmp_path):
    pkg = mini_package(tmp_path / "pkg", csv_bytes=fixture("csv/control_chars.csv"))
    for fmt in ("text", "github", "json"):
        out = invoke("validate", pkg, "--format", fmt).output
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    _, report, _ = validate_json(pkg)
    assert find(report, "bidi_control", "warning")[0]["line"] == 3


# --- large inputs, generated into tmp ------------------------------------------------------------

LARGE = {
    # name: (rule, line, field)
    "big_field_30mb.csv": ("cell_too_large", 3, TEXT),
    "columns_100k.csv": ("too_many_columns", 1, None),
    "long_line_16mb.csv": ("ragged_row", 3, None),
    "many_bad_rows.csv": ("ragged_row", 5, LAY.header[2]),   # "a,b": the first missing column
}


@pytest.mark.parametrize("name", sorted(LARGE))
def test_large_csv_case(name, tmp_path):
    rule, line, field = LARGE[name]
    path = GEN.make_large(name, tmp_path / "gen")
    pkg = mini_package(tmp_path / "pkg", csv_bytes=path.read_bytes())
    path.unlink()
    code, report, _ = validate_json(pkg)
    assert code == 1
    found = [p for p in find(report, rule) if p["line"] == line]
    assert found and found[0]["field"] == field and found[0]["file"].endswith(CSV), report["errors"][:3]
    assert all(len(p["value"] or "") <= 80 for p in report["errors"])
    with pytest.raises(PackageError) as err:
        be.load(pkg)
    assert err.value.file.endswith(CSV) and err.value.line == line


def test_many_bad_rows_are_counted_but_listed_boundedly(tmp_path):
    pkg = mini_package(tmp_path / "pkg", csv_bytes=GEN.make_large("many_bad_rows.csv", tmp_path / "gen").read_bytes())
    code, report, _ = validate_json(pkg)
    assert code == 1
    listed = report["errors"]
    assert len(listed) <= 5000
    summaries = [p for p in listed if p["line"] is None]
    assert {p["rule"] for p in summaries} == {"ragged_row", "blank_row"}
    assert all("300000 in all" in p["message"] for p in summaries)


def test_many_type_errors_output_is_bounded(tmp_path):
    path = GEN.make_large("many_type_errors.csv", tmp_path / "gen")
    pkg = mini_package(tmp_path / "pkg", csv_bytes=path.read_bytes())
    for fmt in ("text", "github"):
        assert invoke("validate", pkg, "--format", fmt).exit_code == 1     # invoke asserts the output bound
    _, report, _ = validate_json(pkg)
    assert report["error_count"] >= 100_000 and len(report["errors"]) < 100_000
    typed = [f["name"] for f in LAY.schema["fields"] if f.get("type", "string") not in ("string", "any")]
    first = find(report, "type")[0]
    assert first["line"] == 2 and first["field"] in typed


def test_committed_fixtures_match_the_schemas():
    """The small fixtures are derived from schemas/; after a schema change, regenerate them with
    `python scripts/make_hostile_fixtures.py` (this test names the stale files)."""
    assert GEN.stale() == []
