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


def _claims_resource(package_copy):
    from balochistan_events.package.descriptor import read_package
    from balochistan_events.package.source import open_source

    source = open_source(package_copy)
    try:
        return read_package(source).resources["claims"]
    finally:
        source.close()


def test_parquet_in_several_row_groups_loads_like_the_csv(package_copy):
    """Row groups stay separate chunks all the way to pandas (no concatenation), coded columns come
    dictionary-encoded per row group, each with its own dictionary: the frame is the CSV's."""
    import pyarrow.parquet as pq

    from balochistan_events.package.parquet import sort_by_key, typed_table

    res = _claims_resource(package_copy)
    by_csv = be.load(package_copy)
    table = sort_by_key(typed_table(res, (package_copy / res.path).read_bytes(), res.path), res)
    pq.write_table(table, package_copy / "data" / "claims.parquet", row_group_size=7)
    assert pq.ParquetFile(package_copy / "data" / "claims.parquet").metadata.num_row_groups > 2
    by_parquet = be.load(package_copy)
    expected = by_csv.claims.sort_values("claim_id", kind="mergesort").reset_index(drop=True)
    pd.testing.assert_frame_equal(by_parquet.claims, expected)


def test_an_unknown_code_in_any_row_group_is_refused(package_copy):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from balochistan_events.package.parquet import typed_table

    res = _claims_resource(package_copy)
    table = typed_table(res, (package_copy / res.path).read_bytes(), res.path)
    subject = table.column("subject").to_pylist()
    subject[-1] = "aliens"                      # only the last row group holds it
    table = table.set_column(table.schema.get_field_index("subject"), table.schema.field("subject"),
                             pa.array(subject, pa.string()))
    pq.write_table(table, package_copy / "data" / "claims.parquet", row_group_size=10)
    with pytest.raises(PackageError, match="subject.*aliens"):
        be.load(package_copy)


def test_category_codes_map_dictionaries_and_plain_text_alike():
    import numpy as np
    import pyarrow as pa

    from balochistan_events.package.fieldtypes import category_codes

    codes = ["low", "mid", "high"]
    plain = pa.array(["high", None, "low", "zzz", "mid"])
    # the dictionary has an entry that no cell uses, and a stranger ("zzz") that one cell does
    encoded = pa.DictionaryArray.from_arrays(pa.array([0, None, 2, 3, 4], pa.int32()),
                                             pa.array(["high", "unused", "low", "zzz", "mid"]))
    chunked = pa.chunked_array([plain.slice(0, 2), plain.slice(2)])
    expected = np.array([2, -1, 0, -1, 1])
    for arr in (plain, encoded, chunked):
        assert category_codes(arr, codes).tolist() == expected.tolist()
    assert category_codes(pa.array([3, None, 1], pa.int64()), [1, 2, 3]).tolist() == [2, -1, 0]
