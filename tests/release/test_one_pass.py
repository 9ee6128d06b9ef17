"""The faster paths give the same results as the plain ones they replace (issue 16).

- build streams the zip into a file, copies data files from disk and deflates them ahead of time on a
  worker thread: the bytes equal an in-memory build with zipfile's own compression;
- build, export and report use the columns validation parsed: the frames equal load()'s;
- the claims summary by sorted runs equals the pandas groupby it replaced.
Each comparison runs on the shipped package and on a synthetic one with every table populated."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

from balochistan_events.package.loading import load
from balochistan_events.package.summary import SUMMARY_COLUMNS, claimant_sides, claims_summary
from balochistan_events.release import build as build_module
from balochistan_events.release.build import build_release, build_zip, deflate_file, write_zip
from balochistan_events.validation.gate import validated_dataset

WHEN = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    from conftest import ROOT

    out = tmp_path_factory.mktemp("synth") / "pkg"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_synthetic.py"), "--events", "600", "--out", str(out),
                    "--seed", "11"], check=True, capture_output=True)
    return out


@pytest.fixture(params=["shipped", "synthetic"])
def package(request, root, synth):
    return root if request.param == "shipped" else synth


def test_streamed_zip_equals_in_memory_zip(package, tmp_path, monkeypatch):
    monkeypatch.setattr(build_module, "render_documents",
                        lambda staging, when, columns=None: {"codebook.md": b"stub\n", "report.html": b"stub\n"})
    in_memory = build_zip(package, "2026-11-23")
    sink = tmp_path / "streamed.zip"
    streamed = build_zip(package, "2026-11-23", sink=sink)
    assert streamed.data == b""
    assert sink.read_bytes() == in_memory.data
    assert streamed.sha256 == in_memory.sha256 and streamed.members == in_memory.members


def test_file_members_and_early_deflate_write_the_bytes_writestr_writes(tmp_path, root):
    big = tmp_path / "claims.csv"
    big.write_bytes((root / "data" / "claims.csv").read_bytes() * 3)
    small = tmp_path / "table.parquet"          # stored, never deflated
    small.write_bytes(b"PAR1" + bytes(range(256)) * 10)
    plain = write_zip({"data/claims.csv": big.read_bytes(), "data/table.parquet": small.read_bytes()}, "", WHEN)
    members = {"data/claims.csv": big, "data/table.parquet": small}
    assert write_zip(members, "", WHEN) == plain
    assert write_zip(members, "", WHEN, deflated={"data/claims.csv": deflate_file(big)}) == plain
    with open(tmp_path / "out.zip", "wb") as sink:
        write_zip(members, "", WHEN, sink, deflated={"data/claims.csv": deflate_file(big)})
    assert (tmp_path / "out.zip").read_bytes() == plain
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        assert zf.testzip() is None
        assert zf.read("data/claims.csv") == big.read_bytes()


def test_a_wrong_early_deflate_would_be_caught_by_the_crc(tmp_path, root):
    """The CRC is zipfile's own, over the file: a stream that does not match the file makes a zip that fails
    its check, so the early deflate cannot silently ship other bytes."""
    f = tmp_path / "a.csv"
    f.write_bytes(b"x,y\n1,2\n" * 1000)
    other = tmp_path / "b.csv"
    other.write_bytes(b"x,y\n3,4\n" * 1000)
    data = write_zip({"a.csv": f}, "", WHEN, deflated={"a.csv": deflate_file(other)})
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as zf, pytest.raises(zipfile.BadZipFile):
        zf.read("a.csv")


def test_a_failed_build_leaves_no_output_folder(tmp_path, package_copy):
    (package_copy / "data" / "events.csv").write_text("event_id\n", encoding="utf-8")
    out = tmp_path / "dist"
    with pytest.raises(build_module.BuildInvalid):
        build_release(package_copy, out, "2026-11-23")
    assert not out.exists()


def test_validated_dataset_equals_load(package):
    report, ds = validated_dataset(package)
    assert report.valid and ds is not None
    loaded = load(package)
    assert list(ds) == list(loaded)
    for name in loaded:
        pd.testing.assert_frame_equal(ds[name], loaded[name], check_exact=True)
    assert set(ds.resources) == set(loaded)


def test_validated_dataset_is_none_for_invalid_data(package_copy):
    (package_copy / "data" / "claims.csv").write_text(
        (package_copy / "data" / "claims.csv").read_text(encoding="utf-8").replace("killed", "slain", 1),
        encoding="utf-8")
    report, ds = validated_dataset(package_copy)
    assert not report.valid and ds is None


def _summary_by_groupby(tables) -> pd.DataFrame:
    """The pandas groupby version that claims_summary replaced (release 2.0.0), kept as the reference."""
    claims, actors = tables["claims"], tables["actors"]
    keys = ["event_id", "claim_type", "subject"]
    c = claims.loc[claims["value_best"].notna(), keys + ["claim_id", "claimant_id", "claim_date",
                                                         "value_low", "value_best", "value_high"]].copy()
    for k in keys:
        c[k] = c[k].astype("string")
    c["side"] = c["claimant_id"].map(claimant_sides(actors)).fillna("independent")
    c["lo"] = c["value_low"].fillna(c["value_best"])
    c["hi"] = c["value_high"].fillna(c["value_best"])
    out = c.groupby(keys, sort=True).agg(claims=("claim_id", "size"), claimants=("claimant_id", "nunique"))
    for name, part in (("partisan", c[c["side"] != "independent"]), ("independent", c[c["side"] == "independent"])):
        out = out.join(part.groupby(keys).agg(**{f"{name}_low": ("lo", "min"), f"{name}_high": ("hi", "max")}))
    for side in ("official", "armed_group"):
        latest = (c[c["side"] == side].sort_values(["claim_date", "claim_id"]).groupby(keys).tail(1).set_index(keys)
                  [["value_best", "claimant_id", "claim_date", "claim_id"]])
        latest.columns = [f"latest_{side}_{col}" for col in ("value", "claimant_id", "date", "claim_id")]
        out = out.join(latest)
    out = out.reset_index().reindex(columns=SUMMARY_COLUMNS)
    for col in ("claims", "claimants", "partisan_low", "partisan_high", "independent_low", "independent_high",
                "latest_official_value", "latest_armed_group_value"):
        out[col] = out[col].astype("Int64")
    for col in ("event_id", "claim_type", "subject", "latest_official_claimant_id", "latest_official_claim_id",
                "latest_armed_group_claimant_id", "latest_armed_group_claim_id"):
        out[col] = out[col].astype("string")
    for col in ("latest_official_date", "latest_armed_group_date"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[s]")
    return out.reset_index(drop=True)


def test_claims_summary_equals_the_groupby_reference(package):
    ds = load(package)
    fast = claims_summary(ds)
    assert len(fast) > 100
    pd.testing.assert_frame_equal(fast, _summary_by_groupby(ds), check_exact=True)


def test_claims_summary_on_ties_and_gaps_equals_the_reference(root):
    """Same date for two claims of one side (claim_id breaks the tie), groups without an independent or
    an armed-group claimant, and an empty table."""
    ds = load(root)
    claims = ds.claims.copy()
    claims["claim_date"] = claims["claim_date"].iloc[0]              # every claim on one day
    tables = {"claims": claims, "actors": ds.actors}
    pd.testing.assert_frame_equal(claims_summary(tables), _summary_by_groupby(tables), check_exact=True)
    empty = {"claims": ds.claims.iloc[:0], "actors": ds.actors}
    pd.testing.assert_frame_equal(claims_summary(empty), _summary_by_groupby(empty), check_exact=True,
                                  check_index_type=False)


@pytest.mark.parametrize("rows_per_group", [1 << 20, 997])
def test_parquet_written_group_by_group_equals_the_sorted_table_written_whole(synth, monkeypatch, rows_per_group):
    """parquet_bytes takes one row group at a time in key order instead of sorting a copy of the table:
    the file must be the one writing the whole sorted table gives, also when it spans several groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from balochistan_events.package import parquet as parquet_module
    from balochistan_events.package.descriptor import open_package

    monkeypatch.setattr(parquet_module, "ROW_GROUP_SIZE", rows_per_group)
    with open_package(synth) as pkg:
        res = pkg.resources["claims"]
        table = parquet_module.typed_table(res, pkg.source.read(res.path), res.path)
    got = parquet_module.parquet_bytes(table, res, "9.9.9")
    whole = parquet_module.sort_by_key(table, res).replace_schema_metadata(None)
    sink = pa.BufferOutputStream()
    with pq.ParquetWriter(sink, whole.schema, version=parquet_module.FORMAT_VERSION,
                          compression=parquet_module.COMPRESSION, compression_level=parquet_module.COMPRESSION_LEVEL,
                          use_dictionary=True, write_statistics=True, store_schema=False, write_page_index=False,
                          data_page_version="1.0") as writer:
        writer.write_table(whole, row_group_size=rows_per_group)
        writer.add_key_value_metadata(parquet_module.parquet_metadata(res, "9.9.9", None))
    assert got == sink.getvalue().to_pybytes()
    assert pq.ParquetFile(pa.BufferReader(got)).metadata.num_row_groups == -(-table.num_rows // rows_per_group)
