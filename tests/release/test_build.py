"""Issue 4: `build` — the release layout, deterministic to the byte, with Parquet equal to the CSV."""
from __future__ import annotations

import datetime as dt
import json
import stat
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import balochistan_events as be
from balochistan_events.cli import cli
from balochistan_events.package.descriptor import read_package
from balochistan_events.package.fieldtypes import arrow_schema
from balochistan_events.package.source import open_source
from balochistan_events.release.build import build_release, build_zip, extract
from release_helpers import commit, git_repo, make_package, read_rows, write_rows

DATE = "2026-11-23"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One build of the sample package, extracted: (package dir, zip path, extracted dir)."""
    base = tmp_path_factory.mktemp("build")
    pkg = make_package(base / "pkg")
    result = build_release(pkg, base / "dist", DATE)
    return pkg, result.zip_path, extract(result.zip_path, base / "extracted")


def test_two_builds_are_byte_identical(tmp_path, monkeypatch):
    pkg = make_package(tmp_path / "pkg")
    monkeypatch.chdir(pkg)
    runner = CliRunner()
    first = runner.invoke(cli, ["build", "--out", "out1", "--date", DATE])
    second = runner.invoke(cli, ["build", "--out", "out2", "--date", DATE])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    a = (pkg / "out1" / "balochistan-events-0.1.0.zip").read_bytes()
    b = (pkg / "out2" / "balochistan-events-0.1.0.zip").read_bytes()
    assert a == b
    assert (pkg / "out1" / "balochistan-events-0.1.0.zip.sha256").read_bytes() == \
        (pkg / "out2" / "balochistan-events-0.1.0.zip.sha256").read_bytes()
    # a different date is a different build: the date really reaches the artifact
    other = build_zip(pkg, "2026-11-24")
    assert other.data != a


def test_sha256_file_is_in_sha256sum_format(built):
    _, zip_path, _ = built
    import hashlib

    line = zip_path.with_name(zip_path.name + ".sha256").read_text()
    assert line == f"{hashlib.sha256(zip_path.read_bytes()).hexdigest()}  {zip_path.name}\n"


def test_zip_has_fixed_order_times_and_permissions(built):
    _, zip_path, _ = built
    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    # a Frictionless zip: the package at the archive's root, no top-level folder
    rel = names
    assert rel[0] == "datapackage.json"
    assert "README.md" in rel and not any("/" in n and n.startswith("balochistan-events-") for n in rel)
    assert any(n.startswith("balochistan-events-") and n.endswith(".xlsx") and "/" not in n for n in rel)
    assert rel[1:] == sorted(rel[1:])
    for info in infos:
        assert info.date_time == (2026, 11, 23, 0, 0, 0)
        assert stat.S_IMODE(info.external_attr >> 16) == 0o644
        assert info.create_system == 3


def test_release_layout(built):
    pkg, _, out = built
    for table in ("events", "actors", "sources", "claims", "claims_summary"):
        assert (out / "data" / f"{table}.csv").is_file()
        assert (out / "data" / f"{table}.parquet").is_file()
    assert (out / "CHANGELOG.md").read_bytes() == (pkg / "CHANGELOG.md").read_bytes()
    for table in ("events", "actors", "sources", "claims"):
        assert (out / "data" / f"{table}.csv").read_bytes() == (pkg / "data" / f"{table}.csv").read_bytes()
        assert (out / "schemas" / f"{table}.json").read_bytes() == (pkg / "schemas" / f"{table}.json").read_bytes()
    assert (out / "schemas" / "claims_summary.json").is_file()
    try:
        import balochistan_events.render.codebook  # noqa: F401
        assert (out / "codebook.md").read_text().strip()
    except ImportError:
        pass
    try:
        import balochistan_events.render.report  # noqa: F401
        assert "<html" in (out / "report.html").read_text().lower()
    except ImportError:
        pass


def test_built_descriptor_has_created_bytes_and_hashes(built):
    import hashlib

    pkg, _, out = built
    desc = json.loads((out / "datapackage.json").read_text())
    source_desc = json.loads((pkg / "datapackage.json").read_text())
    assert desc["version"] == source_desc["version"]
    assert desc["created"] == "2026-11-23T00:00:00Z"
    assert [r["name"] for r in desc["resources"]] == [r["name"] for r in source_desc["resources"]] + ["claims_summary"]
    for res in desc["resources"]:
        data = (out / res["path"]).read_bytes()
        assert res["bytes"] == len(data)
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    listed = {f["path"] for f in desc["x-release"]["files"]}
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert on_disk == listed | {r["path"] for r in desc["resources"]} | {"datapackage.json"}


def test_created_follows_source_date_epoch_without_date(tmp_path, monkeypatch):
    pkg = make_package(tmp_path / "pkg")
    epoch = int(dt.datetime(2026, 3, 4, 5, 6, 8, tzinfo=dt.timezone.utc).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    a = build_zip(pkg)
    assert a.created == "2026-03-04T05:06:08Z"
    assert build_zip(pkg).data == a.data


def test_created_follows_last_commit_without_date_or_epoch(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    repo = git_repo(tmp_path / "repo", date="2026-05-06T07:08:10+00:00")
    assert build_zip(repo).created == "2026-05-06T07:08:10Z"
    commit_date = "2026-06-01T00:00:00+00:00"
    (repo / "notes.txt").write_text("x")
    commit(repo, "later", commit_date)
    assert build_zip(repo).created == "2026-06-01T00:00:00Z"


def test_no_date_outside_git_is_a_clear_error(tmp_path, monkeypatch):
    pkg = make_package(tmp_path / "pkg")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.chdir(pkg)
    result = CliRunner().invoke(cli, ["build", "--out", "out"])
    if (Path(pkg).resolve().parent / ".git").exists():
        pytest.skip("tmp dir is inside a git repository")
    assert result.exit_code == 2
    assert "--date" in result.output and "Traceback" not in result.output
    assert not (pkg / "out").exists()


def test_bad_date_is_a_usage_error(tmp_path, monkeypatch):
    pkg = make_package(tmp_path / "pkg")
    monkeypatch.chdir(pkg)
    result = CliRunner().invoke(cli, ["build", "--date", "23/11/2026"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_build_refuses_invalid_data(tmp_path, monkeypatch):
    pkg = make_package(tmp_path / "pkg")
    fields, rows = read_rows(pkg / "data" / "claims.csv")
    rows[0]["event_id"] = "EV-2099-9999"           # a foreign key to no event
    write_rows(pkg / "data" / "claims.csv", fields, rows)
    monkeypatch.chdir(pkg)
    result = CliRunner().invoke(cli, ["build", "--out", "out", "--date", DATE])
    assert result.exit_code == 1
    assert "EV-2099-9999" in result.output
    assert not (pkg / "out").exists()


def _parquet_tables(out: Path):
    pkg = read_package(open_source(out))
    for name, res in pkg.resources.items():
        yield name, res, out / res.path.replace(".csv", ".parquet")


def test_parquet_has_the_table_schema_types_and_our_metadata(built):
    _, _, out = built
    for name, res, path in _parquet_tables(out):
        table = pq.read_table(path)
        expected = arrow_schema(res)
        assert table.schema.names == expected.names, name
        for f in expected:
            assert table.schema.field(f.name).type == f.type, (name, f.name)
            assert table.schema.field(f.name).nullable == f.nullable, (name, f.name)
        meta = pq.read_metadata(path).metadata
        assert meta[b"balochistan-events:version"] == b"0.1.0"
        assert meta[b"balochistan-events:table"] == name.encode()
        assert b"pandas" not in meta and b"ARROW:schema" not in meta
        pk = res.schema["primaryKey"]
        keys = table.select(pk).to_pylist()
        assert keys == sorted(keys, key=lambda r: tuple(r[k] for k in pk)), f"{name} not sorted by {pk}"


def test_parquet_read_back_equals_the_typed_csv(built):
    """Arrow level: the Parquet file holds exactly the CSV's cells, typed, sorted by primary key."""
    from balochistan_events.package.parquet import sort_by_key, typed_table

    _, _, out = built
    for name, res, path in _parquet_tables(out):
        from_csv = sort_by_key(typed_table(res, (out / res.path).read_bytes(), res.path), res)
        back = pq.read_table(path)
        assert back.num_rows == from_csv.num_rows == len(read_rows(out / res.path)[1]), name
        for field in from_csv.schema:
            assert back.column(field.name).type == field.type, (name, field.name)
            assert back.column(field.name).to_pylist() == from_csv.column(field.name).to_pylist(), (name, field.name)


def test_parquet_round_trip_equals_the_csv(built):
    """Every table read from Parquet equals the same table read from its CSV: values and dtypes."""
    _, zip_path, out = built
    from_parquet = be.load(out)                                  # a release: Parquet preferred
    from_csv = be.load(out, prefer_parquet=False)
    assert set(from_parquet) == set(from_csv) == {"events", "actors", "sources", "claims", "claims_summary"}
    pkg = read_package(open_source(out))
    for name in from_csv:
        pk = pkg.resources[name].schema["primaryKey"]
        a = from_csv[name].sort_values(pk, ignore_index=True)
        b = from_parquet[name].sort_values(pk, ignore_index=True)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert len(a) == len(read_rows(out / "data" / f"{name}.csv")[1])
    # the zip loads too, and gives the same
    pd.testing.assert_frame_equal(be.load(zip_path).claims.sort_values("claim_id", ignore_index=True),
                                  from_csv.claims.sort_values("claim_id", ignore_index=True))


def test_parquet_keeps_empty_cells_as_nulls_not_zeros(built):
    _, _, out = built
    claims = pq.read_table(out / "data" / "claims.parquet").to_pylist()
    csv_rows = {r["claim_id"]: r for r in read_rows(out / "data" / "claims.csv")[1]}
    for row in claims:
        for field in ("value_low", "value_high"):
            assert (row[field] is None) == (csv_rows[row["claim_id"]][field] == "")


def test_claims_summary_table_equals_the_loader_summary(built):
    pkg, _, out = built
    expected = be.load(pkg).claims_summary()
    got = be.load(out, prefer_parquet=False)["claims_summary"]
    keys = ["event_id", "claim_type", "subject"]
    assert len(got) == len(expected) > 0
    # categorical codes sort in schema order, strings alphabetically: sort both as text
    e = expected.sort_values(keys, key=lambda s: s.astype(str), ignore_index=True)
    g = got.sort_values(keys, key=lambda s: s.astype(str), ignore_index=True)
    for col in expected.columns:
        left = [None if pd.isna(v) else (v.date() if isinstance(v, pd.Timestamp) else v) for v in e[col]]
        right = [None if pd.isna(v) else (v.date() if isinstance(v, pd.Timestamp) else v) for v in g[col]]
        assert [str(v) for v in left] == [str(v) for v in right], col


def test_frictionless_validates_the_extracted_build(built):
    frictionless = pytest.importorskip("frictionless")
    _, _, out = built
    report = frictionless.validate(str(out / "datapackage.json"))
    problems = [e.message for task in report.tasks for e in task.errors] + [e.message for e in report.errors]
    assert report.valid, problems[:5]
    assert len(report.tasks) == 5


def test_frictionless_catches_a_changed_release_file(built, tmp_path):
    """The recorded hashes are ones frictionless checks too (not only our own verify)."""
    frictionless = pytest.importorskip("frictionless")
    import shutil

    _, _, out = built
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    data = (copy / "data" / "actors.csv").read_bytes()
    (copy / "data" / "actors.csv").write_bytes(data.replace(b"Test actor", b"Test Actor", 1))
    report = frictionless.validate(str(copy / "datapackage.json"))
    assert not report.valid
    assert any(e.type == "hash-count" for task in report.tasks for e in task.errors)


def test_our_validator_accepts_the_build(built):
    _, zip_path, out = built
    for target in (out, zip_path):
        result = CliRunner().invoke(cli, ["validate", str(target)])
        assert result.exit_code == 0, result.output


def test_the_real_package_builds(root, tmp_path):
    from conftest import copy_package

    pkg = copy_package(tmp_path / "real")
    if (root / "CHANGELOG.md").exists():
        (pkg / "CHANGELOG.md").write_bytes((root / "CHANGELOG.md").read_bytes())
    if not be.validate_package(pkg).valid:
        pytest.fail("the real package does not validate; build refuses it (run balochistan-events validate)")
    first = build_zip(pkg, DATE)
    assert first.data == build_zip(pkg, DATE).data
    assert first.name == f"balochistan-events-{json.loads((pkg / 'datapackage.json').read_text())['version']}.zip"


def test_build_writes_no_temporary_files(tmp_path):
    pkg = make_package(tmp_path / "pkg")
    before = sorted(p.name for p in pkg.rglob("*"))
    build_release(pkg, tmp_path / "dist", DATE)
    assert sorted(p.name for p in pkg.rglob("*")) == before
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == ["balochistan-events-0.1.0.zip",
                                                                     "balochistan-events-0.1.0.zip.sha256"]


def test_parquet_of_an_empty_table_keeps_its_types(tmp_path):
    import pyarrow.parquet as pq

    from balochistan_events.package.parquet import parquet_bytes, typed_table

    pkg = make_package(tmp_path / "pkg")
    res = read_package(open_source(pkg)).resources["claims"]
    header = (pkg / "data" / "claims.csv").read_bytes().split(b"\n")[0] + b"\n"
    table = typed_table(res, header, "claims.csv")
    back = pq.read_table(pa.BufferReader(parquet_bytes(table, res, "1.0.0")))
    assert back.num_rows == 0
    assert [f.type for f in back.schema] == [f.type for f in arrow_schema(res)]
    assert back.schema.field("value_best").type == pa.int64()
    assert back.schema.field("claim_date").type == pa.date32()


def test_companion_files_ship_and_are_hashed(tmp_path):
    """The R loader, CITATION.cff and the data licence travel with the data, and verify covers them."""
    from balochistan_events.release.build import COMPANION_FILES
    from conftest import ROOT, copy_package

    pkg = copy_package(tmp_path / "real")
    for rel in COMPANION_FILES:
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_bytes((ROOT / rel).read_bytes())
    result = build_release(pkg, tmp_path / "dist", DATE)
    with zipfile.ZipFile(result.zip_path) as zf:
        for rel in COMPANION_FILES:
            shipped, source = zf.read(rel), (ROOT / rel).read_bytes()
            if rel == "R/read_balochistan_events.R":
                # the loader's registry line is written at build time: the releases before this one
                import re
                line = re.compile(rb"(?m)^\.be_registry <- c\(.*\)$")
                version = json.loads((pkg / "datapackage.json").read_bytes())["version"]
                stamped = line.search(shipped)[0].decode()
                registered = json.loads((ROOT / "src/balochistan_events/registry.json").read_bytes())["releases"]
                older = {v: r["sha256"] for v, r in registered.items()
                         if tuple(map(int, v.split("."))) < tuple(map(int, version.split(".")))}
                for v, sha in older.items():                  # every release before this one, with its hash
                    assert f'"{v}" = "{sha}"' in stamped, (v, stamped)
                assert stamped.count(" = ") == len(older) and f'"{version}"' not in stamped   # not its own
                shipped, source = line.sub(b"", shipped), line.sub(b"", source)
            assert shipped == source, rel
        desc = json.loads(zf.read("datapackage.json"))
    recorded = json.dumps(desc)
    for rel in COMPANION_FILES:
        assert rel in recorded, rel


def test_parquet_is_stored_and_text_deflated_at_the_chosen_level(built):
    """Parquet is zstd inside: the zip stores it; everything else is deflated (the level was chosen by
    measurement, see docs/benchmarks.md). Stored members still carry their CRC and read back intact."""
    from balochistan_events.release.build import ZIP_LEVEL

    assert 1 <= ZIP_LEVEL <= 9
    with zipfile.ZipFile(built[1]) as zf:
        methods = {i.filename.rsplit("/", 1)[-1]: i.compress_type for i in zf.infolist()}
        assert zf.testzip() is None
    parquet = [m for m in methods if m.endswith(".parquet")]
    assert parquet and all(methods[m] == zipfile.ZIP_STORED for m in parquet)
    assert all(t == zipfile.ZIP_DEFLATED for m, t in methods.items() if not m.endswith(".parquet"))
