"""A release's Parquet files queried with DuckDB, and read back by load(): the examples in
docs/using-the-data.md run as written and agree with pandas."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import balochistan_events as be
from conftest import ROOT
from sample_package import write_sample_package

duckdb = pytest.importorskip("duckdb")
DOCS = ROOT / "docs" / "using-the-data.md"


def build_release_zip(package: Path, out: Path) -> Path:
    """The release zip of `package`: build_release when the build module is installed, else (while it
    is being written) a zip with CSV + Parquet written from load() with the schemas' Arrow types."""
    try:
        from balochistan_events.build import build_release
    except ImportError:
        return _fallback_release(package, out)
    return build_release(package, out, "2026-11-23").zip_path


def _fallback_release(package: Path, out: Path) -> Path:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from balochistan_events.descriptor import read_package
    from balochistan_events.source import open_source
    from balochistan_events.types import arrow_schema

    ds = be.load(package)
    source = open_source(package)
    resources = read_package(source).resources
    source.close()
    out.mkdir(parents=True, exist_ok=True)
    zip_path = out / "balochistan-events-test.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        for f in sorted(p for p in package.rglob("*") if p.is_file()):
            zf.write(f, f"balochistan-events-test/{f.relative_to(package)}")
        for name, res in resources.items():
            schema = arrow_schema(res)
            df = ds[name].copy()
            for col in df.columns:
                if isinstance(df[col].dtype, pd.CategoricalDtype):
                    df[col] = df[col].astype(object)
            table = pa.Table.from_pandas(df, preserve_index=False).cast(schema)
            buf = io.BytesIO()
            pq.write_table(table, buf)
            zf.writestr(f"balochistan-events-test/{res.path[:-4]}.parquet", buf.getvalue())
    return zip_path


@pytest.fixture(scope="module", params=["sample", "real"])
def release(request, tmp_path_factory):
    """(package directory, release zip, extracted release folder) for the sample and the real package."""
    tmp = tmp_path_factory.mktemp(f"release-{request.param}")
    package = write_sample_package(tmp / "pkg") if request.param == "sample" else ROOT
    zip_path = build_release_zip(package, tmp / "dist")
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(tmp / "extracted")
    folder = next(p.parent for p in (tmp / "extracted").rglob("datapackage.json"))
    return package, zip_path, folder


def sql_examples() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)


def test_release_has_parquet_for_every_table(release):
    package, _, folder = release
    for name in be.load(package):
        assert (folder / "data" / f"{name}.parquet").is_file(), name


def test_claims_per_claimant_in_duckdb_matches_pandas(release, monkeypatch):
    package, _, folder = release
    monkeypatch.chdir(folder)
    query = next(q for q in sql_examples() if "claims per claimant" in q)
    got = duckdb.sql(query).df()
    ds = be.load(package)
    expected = (ds.claims.merge(ds.actors, left_on="claimant_id", right_on="actor_id")
                .groupby("name", observed=True)
                .agg(claims=("claim_id", "size"), events=("event_id", "nunique")))
    assert len(got) == len(expected)
    assert dict(zip(got["claimant"], got["claims"])) == expected["claims"].to_dict()
    assert dict(zip(got["claimant"], got["events"])) == expected["events"].to_dict()
    assert list(got["claims"]) == sorted(got["claims"], reverse=True)
    assert int(got["claims"].sum()) == len(ds.claims)


def test_every_sql_example_in_the_docs_runs(release, monkeypatch):
    _, _, folder = release
    monkeypatch.chdir(folder)
    examples = sql_examples()
    assert len(examples) >= 3
    for query in examples:
        duckdb.sql(query).fetchall()


def test_duckdb_sees_the_schema_types(release):
    package, _, folder = release
    rel = duckdb.sql(f"SELECT * FROM '{folder / 'data' / 'claims.parquet'}'")
    types = dict(zip(rel.columns, map(str, rel.types)))
    assert types["claim_date"] == "DATE" and types["value_best"] == "BIGINT" and types["claim_type"] == "VARCHAR"
    killed = duckdb.sql(f"SELECT count(*) FROM '{folder / 'data' / 'claims.parquet'}' "
                        "WHERE claim_type = 'killed' AND value_best IS NOT NULL").fetchall()[0][0]
    ds = be.load(package)
    assert killed == int(((ds.claims["claim_type"] == "killed") & ds.claims["value_best"].notna()).sum())


def test_load_reads_the_release_parquet_like_the_csv(release):
    package, zip_path, folder = release
    by_csv = be.load(package, prefer_parquet=False)
    for source in (zip_path, folder):
        by_parquet = be.load(source)
        for name, df in by_csv.items():
            key = df.columns[0]
            a = df.sort_values(key).reset_index(drop=True)
            b = by_parquet[name].sort_values(key).reset_index(drop=True)
            pd.testing.assert_frame_equal(a, b, check_categorical=True)


def test_the_python_example_in_the_docs_runs(release, root):
    _, zip_path, _ = release
    docs = DOCS.read_text(encoding="utf-8")
    example = re.findall(r"```python\n(.*?)```", docs, flags=re.S)[0]
    example = re.sub(r'"balochistan-events-[0-9.]+\.zip"', repr(str(zip_path)), example)
    scope: dict = {}
    exec(compile(example, str(DOCS), "exec"), scope)
    assert len(scope["summary"]) == len(be.load(zip_path).claims_summary())
