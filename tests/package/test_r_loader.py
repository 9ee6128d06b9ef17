"""R/read_balochistan_events.R in real R: the same rows, column classes, missing cells and factor levels
as the Python loader, for a checkout, an extracted package and a release zip."""
from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest

import balochistan_events as be
from conftest import ROOT, require_tool
from sample_package import shared_sample, shared_sample_release

R_LOADER = ROOT / "R" / "read_balochistan_events.R"

DESCRIBE = r"""
source(commandArgs(trailingOnly = TRUE)[1])
be <- read_balochistan_events(commandArgs(trailingOnly = TRUE)[2])
out <- lapply(be, function(t) list(
  rows = nrow(t),
  columns = lapply(t, function(x) list(class = class(x)[1], na = sum(is.na(x)),
                                       levels = if (is.factor(x)) levels(x) else NULL))))
cat(jsonlite::toJSON(out, auto_unbox = TRUE, null = "null"))
"""


def rscript(tmp_path, code: str, *args, cwd=None) -> subprocess.CompletedProcess:
    exe = require_tool("Rscript")
    script = tmp_path / "script.R"
    script.write_text(code, encoding="utf-8")
    return subprocess.run([exe, "--vanilla", str(script), *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def r_class(series: pd.Series) -> str:
    """The R class the loader must give a column that the Python loader typed as `series`."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "factor"
    if pd.api.types.is_bool_dtype(dtype):
        return "logical"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "Date"          # the package has date fields only; a datetime field would be POSIXct
    return "character"


def compare(r_out: dict, ds) -> None:
    assert set(r_out) == set(ds), "R and Python load different tables"
    for name, df in ds.items():
        rt = r_out[name]
        assert rt["rows"] == len(df), f"{name}: R has {rt['rows']} rows, Python {len(df)}"
        assert list(rt["columns"]) == list(df.columns), f"{name}: column order differs"
        for col in df.columns:
            rc = rt["columns"][col]
            assert rc["class"] == r_class(df[col]), f"{name}.{col}: R {rc['class']}, expected {r_class(df[col])}"
            assert rc["na"] == int(df[col].isna().sum()), f"{name}.{col}: missing cells differ"
            if rc["class"] == "factor":
                levels = rc["levels"] if isinstance(rc["levels"], list) else [rc["levels"]]
                assert levels == [str(c) for c in df[col].cat.categories], f"{name}.{col}: factor levels"


def describe_in_r(tmp_path, path) -> dict:
    res = rscript(tmp_path, DESCRIBE, R_LOADER, path)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return shared_sample(tmp_path_factory)


def test_r_matches_python_on_the_real_package(tmp_path, root):
    compare(describe_in_r(tmp_path, root), be.load(root))


def test_r_matches_python_on_the_sample_package(tmp_path, sample):
    r_out = describe_in_r(tmp_path, sample)
    compare(r_out, be.load(sample))
    assert r_out["events"]["rows"] == 4 and r_out["claims"]["rows"] == 13     # guards the comparison itself


def test_r_reads_a_release_zip_like_python(tmp_path, tmp_path_factory):
    zip_path = shared_sample_release(tmp_path_factory)
    ds = be.load(zip_path)            # Python reads the release's Parquet; R reads its CSVs
    compare(describe_in_r(tmp_path, zip_path), ds)


def test_r_reads_a_datapackage_json_path(tmp_path, sample):
    compare(describe_in_r(tmp_path, sample / "datapackage.json"), be.load(sample))


@pytest.mark.parametrize("column, bad, message", [
    ("date_start", "31/01/2026", "field date_start"),
    ("event_level", "episode", "field event_level"),
    ("civilian_targeting", "yes", "field civilian_targeting"),
    ("geonames_id", "12x", "field geonames_id"),
])
def test_r_names_file_line_and_field_of_a_bad_cell(tmp_path, sample, column, bad, message):
    import csv
    import shutil

    pkg = tmp_path / "pkg"
    shutil.copytree(sample, pkg)
    path = pkg / "data" / "events.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[3][rows[0].index(column)] = bad                                       # file line 4
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    res = rscript(tmp_path, f'source("{R_LOADER}"); read_balochistan_events("{pkg}")')
    assert res.returncode != 0
    assert "data/events.csv line 4" in res.stderr and message in res.stderr and bad in res.stderr


def test_r_refuses_paths_outside_the_package(tmp_path, sample):
    import shutil

    pkg = tmp_path / "pkg"
    shutil.copytree(sample, pkg)
    desc = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"][0]["path"] = "../outside.csv"
    (pkg / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    res = rscript(tmp_path, f'source("{R_LOADER}"); read_balochistan_events("{pkg}")')
    assert res.returncode != 0 and "not inside the package" in res.stderr
