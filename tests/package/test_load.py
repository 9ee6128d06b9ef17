"""load(): typed frames from a directory, a datapackage.json path or a zip; clear errors otherwise."""
from __future__ import annotations

import zipfile

import pandas as pd
import pytest

import balochistan_events as be
from balochistan_events.errors import PackageError


def test_load_accepts_directory_descriptor_and_zip(package_copy, tmp_path):
    by_dir = be.load(package_copy)
    by_desc = be.load(package_copy / "datapackage.json")
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(package_copy.rglob("*")):
            if f.is_file():
                zf.write(f, f"balochistan-events/{f.relative_to(package_copy)}")
    by_zip = be.load(archive)
    for name in by_dir:
        pd.testing.assert_frame_equal(by_dir[name], by_desc[name])
        pd.testing.assert_frame_equal(by_dir[name], by_zip[name])


def test_coded_fields_use_the_schema_codes_as_categories(package_copy):
    ds = be.load(package_copy)
    import json
    schema = json.loads((package_copy / "schemas" / "claims.json").read_text())
    enum = next(f for f in schema["fields"] if f["name"] == "claim_type")["constraints"]["enum"]
    assert list(ds.claims["claim_type"].cat.categories) == enum


def test_a_type_error_names_file_line_and_field(package_copy):
    path = package_copy / "data" / "claims.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    col = header.index("claim_date")
    import csv
    import io
    row = next(csv.reader([lines[1]]))
    row[col] = "31/01/2026"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row)
    lines[1] = buf.getvalue()
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(PackageError) as err:
        be.load(package_copy)
    assert err.value.line == 2 and err.value.field == "claim_date"
    assert "claims.csv" in err.value.file


def test_claims_summary_is_one_row_per_event_type_subject(package_copy):
    ds = be.load(package_copy)
    summary = ds.claims_summary()
    keys = ["event_id", "claim_type", "subject"]
    assert not summary.duplicated(keys).any()
    with_figures = ds.claims[ds.claims["value_best"].notna()]
    assert summary["claims"].sum() == len(with_figures)
    assert (summary["partisan_low"].isna() | summary["partisan_high"].isna()
            | (summary["partisan_low"] <= summary["partisan_high"])).all()


def test_missing_package_is_a_clean_error(tmp_path):
    with pytest.raises(PackageError):
        be.load(tmp_path / "nowhere")


def test_parquet_with_empty_coded_cells_loads_like_the_csv(package_copy):
    """A release's Parquet may hold nulls in coded columns (a claim without a qualifier): they load as
    missing values, exactly as the CSV's empty cells do; only a present, unknown code is refused."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from balochistan_events.package.descriptor import read_package
    from balochistan_events.package.fieldtypes import arrow_schema
    from balochistan_events.package.source import open_source

    by_csv = be.load(package_copy)
    source = open_source(package_copy)
    res = read_package(source).resources["claims"]
    source.close()
    df = by_csv.claims.astype({c: object for c in by_csv.claims.columns
                               if isinstance(by_csv.claims[c].dtype, pd.CategoricalDtype)})
    df.loc[0, "qualifier"] = None           # at least one empty coded cell, whatever the data holds
    table = pa.Table.from_pandas(df, preserve_index=False).cast(arrow_schema(res))
    pq.write_table(table, package_copy / "data" / "claims.parquet")
    by_parquet = be.load(package_copy)
    assert by_parquet.claims["qualifier"].isna().sum() >= 1
    expected = by_csv.claims.copy()
    expected.loc[0, "qualifier"] = None
    pd.testing.assert_frame_equal(by_parquet.claims, expected)
    df.loc[0, "qualifier"] = "roughly"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False).cast(arrow_schema(res)),
                   package_copy / "data" / "claims.parquet")
    with pytest.raises(PackageError, match="qualifier"):
        be.load(package_copy)
