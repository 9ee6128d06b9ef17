"""Issue 13: the release zip is a Frictionless zip (datapackage.json and README.md at its root) that
frictionless-py opens and validates row by row; every reader still accepts 1.0.0's layout (one
top-level folder)."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import balochistan_events as be
from balochistan_events.cli import cli
from balochistan_events.release import build as build_module
from balochistan_events.release.build import build_release
from balochistan_events.release.diff import diff_packages
from balochistan_events.release.verify import verify_release
from conftest import ROOT
from release_helpers import make_package

DATE = "2026-11-23"
STUB_DOCS = {"codebook.md": b"codebook stub\n", "report.html": b"report stub\n"}


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """(package dir, zip path) of the sample package with the R loader, CITATION and licence, built once."""
    base = tmp_path_factory.mktemp("layout")
    pkg = make_package(base / "pkg")
    shutil.copytree(ROOT / "R", pkg / "R")
    for name in ("CITATION.cff", "LICENSE-DATA.md"):
        shutil.copy2(ROOT / name, pkg / name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build_module, "render_documents", lambda staging, when, columns=None: dict(STUB_DOCS))
        result = build_release(pkg, base / "dist", DATE)
    return pkg, result.zip_path


def old_layout(zip_path: Path, dest: Path) -> Path:
    """The same release repacked as 1.0.0 packed it: every member under balochistan-events-X.Y.Z/."""
    folder = zip_path.name[: -len(".zip")] + "/"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(folder + info.filename, zin.read(info))
    return dest


def test_datapackage_json_and_readme_sit_at_the_root(release):
    _, zip_path = release
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        readme = zf.read("README.md").decode("utf-8")
    assert names[0] == "datapackage.json"
    assert all("/" not in n or n.split("/")[0] in ("data", "schemas", "R") for n in names), names
    # the README names every file of the zip, the version, and each way in
    for name in names:
        assert f"`{name}`" in readme, name
    for needle in ("0.1.0", "```python", "```r", "```sql", "polars", "Spreadsheet", "sha256sum -c",
                   "balochistan-events verify", "Citing", "CC-BY-4.0", 'dtype_backend="pyarrow"'):
        assert needle in readme, needle


def test_the_readme_is_covered_by_verify(release, tmp_path):
    _, zip_path = release
    assert verify_release(zip_path).ok
    changed = tmp_path / zip_path.name
    with zipfile.ZipFile(zip_path) as zin, zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, data + b"tampered\n" if info.filename == "README.md" else data)
    result = verify_release(changed, validate=False)
    assert not result.ok and "README.md" in {m.file for m in result.mismatches}


def test_frictionless_package_opens_the_zip(release):
    frictionless = pytest.importorskip("frictionless")
    pkg, zip_path = release
    package = frictionless.Package(str(zip_path))
    names = [r.name for r in package.resources]
    assert names == ["events", "actors", "sources", "claims", "claims_summary"]
    ds = be.load(pkg)
    rows = package.get_resource("claims").read_rows()
    assert len(rows) == len(ds.claims)
    assert rows[0]["claim_id"] == ds.claims["claim_id"].iloc[0]


def frictionless_validate(path: Path) -> dict:
    exe = shutil.which("frictionless") or pytest.skip("frictionless CLI not installed")
    proc = subprocess.run([exe, "validate", str(path), "--json"], capture_output=True, text=True, timeout=300)
    return json.loads(proc.stdout)


def test_frictionless_validate_checks_every_row_of_every_table(release):
    pkg, zip_path = release
    report = frictionless_validate(zip_path)
    assert report["valid"] is True, report
    checked = {task["name"]: task["stats"]["rows"] for task in report["tasks"]}
    ds = be.load(zip_path)
    assert checked == {name: len(df) for name, df in ds.items()}
    assert all(n > 0 for n in checked.values())


def test_frictionless_validate_finds_a_bad_row_in_the_zip(release, tmp_path):
    """Proof that rows are read: a cell of the wrong type inside the zip is reported at its row."""
    _, zip_path = release
    broken = tmp_path / zip_path.name
    with zipfile.ZipFile(zip_path) as zin, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "data/events.csv":
                lines = data.decode("utf-8").split("\n")
                header = lines[0].split(",")
                cells = lines[2].split(",")
                cells[header.index("date_start")] = "not-a-date"
                lines[2] = ",".join(cells)
                data = "\n".join(lines).encode("utf-8")
            zout.writestr(info, data)
    report = frictionless_validate(broken)
    assert report["valid"] is False
    errors = [e for task in report["tasks"] for e in task["errors"]]
    assert any(e["type"] == "type-error" and e.get("rowNumber") == 3 and e.get("fieldName") == "date_start"
               for e in errors), [e["type"] for e in errors]


def test_readers_accept_the_1_0_0_layout(release, tmp_path):
    pkg, zip_path = release
    legacy = old_layout(zip_path, tmp_path / "legacy" / zip_path.name)
    with zipfile.ZipFile(legacy) as zf:
        assert zf.namelist()[0] == "balochistan-events-0.1.0/datapackage.json"
    new, old = be.load(zip_path), be.load(legacy)
    assert list(old) == list(new) and all(old[n].equals(new[n]) for n in new)
    assert verify_release(legacy).ok
    assert diff_packages(legacy, zip_path).identical
    result = CliRunner().invoke(cli, ["diff", str(legacy), str(zip_path)])
    assert result.exit_code == 0, result.output


def test_the_readme_python_snippets_run(release, tmp_path):
    """The zip README's pandas claim: dtype_backend="pyarrow" keeps integers and dates; without it,
    integer columns with empty cells become float64 and dates objects."""
    import pandas as pd

    _, zip_path = release
    with zipfile.ZipFile(zip_path) as zf:
        data = zf.read("data/claims.parquet")
    plain = pd.read_parquet(io.BytesIO(data))
    typed = pd.read_parquet(io.BytesIO(data), dtype_backend="pyarrow")
    assert plain["value_low"].isna().any() and str(plain["value_low"].dtype) == "float64"
    assert str(plain["claim_date"].dtype) == "object"
    assert str(typed["value_low"].dtype) == "int64[pyarrow]"
    assert str(typed["claim_date"].dtype) == "date32[day][pyarrow]"
    docs = (ROOT / "docs" / "using-the-data.md").read_text(encoding="utf-8")
    assert 'dtype_backend="pyarrow"' in docs and "float64" in docs


def test_every_snippet_of_the_zip_readme_runs_as_written(release, tmp_path, monkeypatch):
    """Python, polars, DuckDB and R blocks of the README, run in the folder holding the zip and its
    extracted files, as a downloader would."""
    import re

    from balochistan_events.release.build import extract

    _, zip_path = release
    folder = tmp_path / "download"
    extract(zip_path, folder)
    shutil.copy2(zip_path, folder / zip_path.name)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w+)\n(.*?)```", readme, flags=re.S)
    assert {lang for lang, _ in blocks} >= {"python", "r", "sql"}
    monkeypatch.chdir(folder)
    for lang, code in blocks:
        if lang == "python":
            if "polars" in code:
                pytest.importorskip("polars")
            scope: dict = {}
            exec(compile(code, "README.md", "exec"), scope)        # noqa: S102 - our own documentation
            frame = scope.get("claims", scope.get("ds"))
            assert frame is not None and len(frame) > 0
        elif lang == "sql":
            duckdb = pytest.importorskip("duckdb")
            assert duckdb.sql(code).fetchall()
        elif lang == "r":
            exe = shutil.which("Rscript")
            if exe is None:
                continue
            proc = subprocess.run([exe, "--vanilla", "-e", code], capture_output=True, text=True, timeout=300)
            assert proc.returncode == 0, proc.stderr
            assert "killed" in proc.stdout
    if (polars := sys.modules.get("polars")) is not None:
        claims = polars.read_parquet("data/claims.parquet")
        assert str(claims.schema["value_low"]) == "Int64" and str(claims.schema["claim_date"]) == "Date"
