"""Issue 7.3: hostile release archives and Parquet files. Zips are read in memory member by member,
never extracted; anything that could write outside a folder when extracted (zip-slip, links) or
expand without bound (bombs) is refused from the archive's directory alone. load() checks a release's
Parquet against the Table Schema before trusting it."""
from __future__ import annotations

import io
import zipfile

import pytest

import balochistan_events as be
from balochistan_events.errors import PackageError
from hostile_support import FIXTURES, fixture, generator, invoke, mini_package, validate_json

GEN = generator()
LAY = GEN.layout()
T = GEN.TABLE
PREFIX = "balochistan-events-0.0.0/"

# name: (file the message names: "zip" = the archive, else the member shown as archive!member; words)
ZIP_CASES = {
    "zip_slip_dotdot": ("zip", "zip-slip"),
    "zip_slip_absolute": ("zip", "zip-slip"),
    "zip_slip_backslash": ("zip", "zip-slip"),
    "zip_symlink": ("zip", "symbolic link"),
    "zip_duplicate": ("zip", "two entries"),
    "zip_bomb": ("zip", "zip bomb"),
    "zip_declared_huge": ("zip", "would expand to"),
    "zip_no_descriptor": ("zip", "no datapackage.json"),
    "not_a_zip": ("zip", "not a readable zip"),
    "empty": ("zip", "not a readable zip"),
    "zip_truncated": ("zip", "not a readable zip"),
    "zip_bad_crc": (f"{PREFIX}datapackage.json", "Bad CRC"),
    "zip_encrypted": (f"{PREFIX}datapackage.json", "encrypted"),
}


def test_every_zip_fixture_has_a_case():
    assert {p.stem for p in (FIXTURES / "zip").glob("*.zip")} == set(ZIP_CASES)


def _expect_cannot_run(target, file, words):
    result = invoke("validate", target)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {file}"), result.stderr
    assert words in result.stderr and len(result.stderr.splitlines()) == 1
    code, report, _ = validate_json(target)
    assert code == 2 and report["errors"][0]["file"] == file
    with pytest.raises(PackageError) as err:
        be.load(target)
    assert err.value.file == file and words in str(err.value)


@pytest.mark.parametrize("name", sorted(ZIP_CASES))
def test_zip_case(name, tmp_path):
    member, words = ZIP_CASES[name]
    target = tmp_path / f"{name}.zip"
    target.write_bytes(fixture(f"zip/{name}.zip"))
    file = str(target) if member == "zip" else f"{target}!{member}"
    _expect_cannot_run(target, file, words)


def test_nothing_is_extracted(tmp_path, monkeypatch):
    """Reading an archive never writes: no member reaches the file system, hostile or not."""
    def no_extract(*args, **kwargs):
        raise AssertionError("extraction attempted")

    monkeypatch.setattr(zipfile.ZipFile, "extract", no_extract)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", no_extract)
    pkg = mini_package(tmp_path / "pkg")
    archive = GEN.release_zip(pkg, tmp_path / "release.zip")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert invoke("validate", archive).exit_code == 0
    assert len(be.load(archive)[T]) == len(LAY.rows)
    for name in ("zip_slip_dotdot", "zip_symlink"):
        (tmp_path / f"{name}.zip").write_bytes(fixture(f"zip/{name}.zip"))
        assert invoke("validate", tmp_path / f"{name}.zip").exit_code == 2
        before.append(f"{name}.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before)


def test_descriptor_inside_a_zip_cannot_reach_out(tmp_path):
    pkg = mini_package(tmp_path / "pkg", descriptor_bytes=fixture("descriptor/path_dotdot.json"))
    archive = GEN.release_zip(pkg, tmp_path / "release.zip")
    _expect_cannot_run(archive, "datapackage.json", "leaves the package")


def test_broken_csv_inside_a_zip_names_member_line_and_field(tmp_path):
    pkg = mini_package(tmp_path / "pkg", csv_bytes=fixture("csv/latin1.csv"))
    archive = GEN.release_zip(pkg, tmp_path / "release.zip")
    code, report, _ = validate_json(archive)
    assert code == 1
    p = report["errors"][0]
    assert (p["file"], p["line"], p["field"], p["rule"]) == (f"{archive}!{PREFIX}data/{T}.csv", 3, LAY.text, "encoding")


def test_member_lying_about_its_size(tmp_path):
    pkg = mini_package(tmp_path / "pkg")
    archive = GEN.release_zip(pkg, tmp_path / "release.zip")
    member = f"{PREFIX}data/{T}.csv"
    archive.write_bytes(GEN.set_member_size(archive.read_bytes(), member, 10))
    _expect_cannot_run(archive, f"{archive}!{member}", "cannot read")


def test_too_many_entries(tmp_path):
    path = GEN.make_large("zip_too_many_entries.zip", tmp_path)
    _expect_cannot_run(path, str(path), "at most 10000")


# --- Parquet in a release --------------------------------------------------------------------------

PARQUET_CASES = {
    # mutation: (field named, words)
    "drop_column": (LAY.last, "missing"),
    "extra_column": ("injected", "not in the Table Schema"),
    "wrong_type": (LAY.text, "the Table Schema says"),
    "reorder": (None, "order"),
    "corrupt": (None, "not a readable Parquet file"),
    "truncated": (None, "not a readable Parquet file"),
}


def _release_with_parquet(tmp_path, data: bytes):
    pkg = mini_package(tmp_path / "pkg")
    return GEN.release_zip(pkg, tmp_path / "release.zip", extra={f"data/{T}.parquet": data})


def test_a_consistent_parquet_is_preferred(tmp_path):
    archive = _release_with_parquet(tmp_path, GEN.parquet_bytes(LAY))
    frame = be.load(archive)[T]
    assert list(frame.columns) == LAY.header and len(frame) == len(LAY.rows)


@pytest.mark.parametrize("mutation", sorted(PARQUET_CASES))
def test_parquet_disagreeing_with_the_table_schema(mutation, tmp_path):
    field, words = PARQUET_CASES[mutation]
    archive = _release_with_parquet(tmp_path, GEN.parquet_bytes(LAY, mutation))
    with pytest.raises(PackageError) as err:
        be.load(archive)
    assert err.value.file == f"{archive}!{PREFIX}data/{T}.parquet"
    assert err.value.field == field and words in str(err.value), str(err.value)
    # the CSV is still there: loading it instead works, and validation (which reads CSV) is unaffected
    assert len(be.load(archive, prefer_parquet=False)[T]) == len(LAY.rows)


def test_parquet_with_an_unknown_code_is_refused_not_blanked(tmp_path):
    """A coded column becomes a pandas Categorical; a value outside the codes would silently turn
    into a missing value. load() refuses the file instead."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    coded = next(f["name"] for f in LAY.schema["fields"] if "enum" in f.get("constraints", {}))
    table = pq.read_table(io.BytesIO(GEN.parquet_bytes(LAY)))
    i = table.schema.get_field_index(coded)
    values = table.column(coded).to_pylist()
    values[1] = "not_a_code"
    table = table.set_column(i, table.schema.field(i), pa.array(values, pa.string()))
    buf = io.BytesIO()
    pq.write_table(table, buf)
    archive = _release_with_parquet(tmp_path, buf.getvalue())
    with pytest.raises(PackageError) as err:
        be.load(archive)
    assert err.value.field == coded and "not_a_code" in str(err.value)
