"""A release's Parquet files queried with DuckDB, and read back by load(): the examples in
docs/using-the-data.md run as written and agree with pandas."""
from __future__ import annotations

import re
import zipfile

import pandas as pd
import pytest

import balochistan_events as be
from conftest import ROOT
from sample_package import build_release_zip, shared_sample, shared_sample_release

duckdb = pytest.importorskip("duckdb")
DOCS = ROOT / "docs" / "using-the-data.md"


@pytest.fixture(scope="module", params=["sample", "real"])
def release(request, tmp_path_factory):
    """(package directory, release zip, extracted release folder) for the sample and the real package."""
    tmp = tmp_path_factory.mktemp(f"release-{request.param}")
    if request.param == "sample":
        package, zip_path = shared_sample(tmp_path_factory), shared_sample_release(tmp_path_factory)
    else:
        package, zip_path = ROOT, build_release_zip(ROOT, tmp / "dist")
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
    assert dict(zip(got["claimant"], got["claims"], strict=False)) == expected["claims"].to_dict()
    assert dict(zip(got["claimant"], got["events"], strict=False)) == expected["events"].to_dict()
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
    types = dict(zip(rel.columns, map(str, rel.types), strict=False))
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
