"""Issue 4: `verify` — a downloaded release is checked file by file, and any one-byte change is named."""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.release.build import build_release, build_zip, extract
from balochistan_events.release.verify import verify_release
from release_helpers import make_package, read_rows, write_rows

DATE = "2026-11-23"


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    base = tmp_path_factory.mktemp("verify")
    pkg = make_package(base / "pkg")
    result = build_release(pkg, base / "dist", DATE)
    extracted = extract(result.zip_path, base / "extracted")
    files = sorted(str(p.relative_to(extracted)) for p in extracted.rglob("*") if p.is_file())
    return result.zip_path, extracted, files


def run(*args):
    return CliRunner().invoke(cli, ["verify", *map(str, args)])


def test_a_fresh_release_verifies(release):
    zip_path, extracted, files = release
    for target in (zip_path, extracted, extracted / "datapackage.json"):
        result = run(target)
        assert result.exit_code == 0, result.output
        assert "verified 0.1.0" in result.output
    assert len(files) >= 15   # 5 tables x (csv + parquet) + schemas + descriptor + changelog (+ docs)


def _flip(data: bytes, pos: int) -> bytes:
    b = bytearray(data)
    b[pos] = b[pos] ^ 0x01 if b[pos] not in (0x22, 0x5C) else 0x41   # keep it a one-byte change
    return bytes(b)


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_one_byte_change_in_any_file_of_a_directory_is_named(release, tmp_path, where):
    _, extracted, files = release
    for rel in files:
        copy = tmp_path / rel.replace("/", "_") / "pkg"
        shutil.copytree(extracted, copy)
        data = (copy / rel).read_bytes()
        pos = {"start": 0, "middle": len(data) // 2, "end": len(data) - 1}[where]
        (copy / rel).write_bytes(_flip(data, pos))
        result = verify_release(copy, validate=False)
        named = {m.file for m in result.mismatches}
        assert not result.ok, f"{rel} changed at {where} but verify passed"
        assert rel in named, f"{rel} changed at {where}; mismatches named {named}"
        shutil.rmtree(copy.parent)


def _rezip(src: Path, dest: Path, change=None, add=None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if change and (info.filename == change or info.filename.endswith("/" + change)):
                data = _flip(data, len(data) // 2)
            zout.writestr(info, data)
        if add:
            zout.writestr(add, b"surprise\n")
    return dest


def test_a_changed_member_of_the_zip_is_named_and_the_sha256_file_disowns_the_zip(release, tmp_path):
    zip_path, _, _ = release
    target = tmp_path / zip_path.name
    _rezip(zip_path, target, change="data/claims.parquet")
    shutil.copy2(zip_path.with_name(zip_path.name + ".sha256"), tmp_path)
    result = run(target)
    assert result.exit_code == 1
    assert "data/claims.parquet" in result.output
    assert f"{zip_path.name}: sha256 is" in result.output
    assert "NOT VERIFIED" in result.output


def test_a_corrupt_zip_with_its_sha256_file_is_a_mismatch_not_a_crash(release, tmp_path):
    zip_path, _, _ = release
    target = tmp_path / zip_path.name
    data = zip_path.read_bytes()
    target.write_bytes(data[: len(data) // 2])              # truncated download
    shutil.copy2(zip_path.with_name(zip_path.name + ".sha256"), tmp_path)
    result = run(target)
    assert result.exit_code == 1, result.output
    assert zip_path.name in result.output and "Traceback" not in result.output


def test_a_changed_byte_anywhere_in_the_zip_file_is_caught_by_the_sha256_file(release, tmp_path):
    zip_path, _, _ = release
    data = zip_path.read_bytes()
    for pos in (len(data) // 3, len(data) - 10):
        target = tmp_path / zip_path.name
        target.write_bytes(_flip(data, pos))
        shutil.copy2(zip_path.with_name(zip_path.name + ".sha256"), tmp_path)
        result = run(target)
        assert result.exit_code in (1,), result.output
        assert zip_path.name in result.output


def test_a_file_slipped_into_the_zip_is_named(release, tmp_path):
    zip_path, _, _ = release
    target = _rezip(zip_path, tmp_path / zip_path.name, add="data/extra.csv")
    result = run(target)
    assert result.exit_code == 1
    assert "data/extra.csv" in result.output


def test_a_missing_file_is_named(release, tmp_path):
    _, extracted, _ = release
    copy = tmp_path / "pkg"
    shutil.copytree(extracted, copy)
    (copy / "data" / "events.parquet").unlink()
    result = run(copy)
    assert result.exit_code == 1
    assert "data/events.parquet" in result.output


def test_a_source_checkout_is_not_a_verified_release(tmp_path):
    pkg = make_package(tmp_path / "pkg")
    result = run(pkg)
    assert result.exit_code == 1
    assert "data/events.csv" in result.output and "no hash" in result.output


def test_a_release_of_invalid_data_fails_validation(tmp_path):
    """Hashes consistent, data wrong (built without validation): verify still fails, exit 1."""
    pkg = make_package(tmp_path / "pkg")
    fields, rows = read_rows(pkg / "data" / "claims.csv")
    row = next(r for r in rows if r["value_low"] and r["value_best"])
    row["value_low"] = str(int(row["value_best"]) + 1)          # low > best: a domain rule
    write_rows(pkg / "data" / "claims.csv", fields, rows)
    built = build_zip(pkg, DATE, validate=False)
    target = tmp_path / built.name
    target.write_bytes(built.data)
    result = run(target)
    assert result.exit_code == 1
    assert "low_le_best_le_high" in result.output
    assert "validation error" in result.output


def test_what_is_not_a_package_cannot_run(tmp_path):
    result = run(tmp_path / "nothing.zip")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    result = run(tmp_path / "junk.zip")
    assert result.exit_code == 2


def test_the_descriptor_hash_covers_whitespace_too(release, tmp_path):
    _, extracted, _ = release
    copy = tmp_path / "pkg"
    shutil.copytree(extracted, copy)
    text = (copy / "datapackage.json").read_text()
    (copy / "datapackage.json").write_text(text.replace('"title": ', '"title":  ', 1))
    json.loads((copy / "datapackage.json").read_text())           # still valid JSON, same content
    result = run(copy)
    assert result.exit_code == 1
    assert "datapackage.json" in result.output
