"""Issue 15.5: `verify` checks what users load, not only what the manifest says. A release whose Parquet
file was changed and re-hashed (manifest and descriptor hash rewritten to match) passes every hash,
yet load() would return other numbers: verify must compare each Parquet file with its CSV. Files an
extracted release does not list are named too."""
from __future__ import annotations

import hashlib
import json
import re
import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.release.build import build_release, extract
from release_helpers import make_package

DATE = "2026-11-23"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    base = tmp_path_factory.mktemp("verify-contents")
    pkg = make_package(base / "pkg")
    return extract(build_release(pkg, base / "dist", DATE).zip_path, base / "extracted")


def _rehash(release, rel: str) -> None:
    """Record the new bytes and sha256 of `rel`, then recompute the descriptor's own hash: what a
    careful forger does so that every hash matches."""
    desc_path = release / "datapackage.json"
    desc = json.loads(desc_path.read_text(encoding="utf-8"))
    data = (release / rel).read_bytes()
    for entry in desc["x-release"]["files"]:
        if entry["path"] == rel:
            entry["bytes"], entry["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    desc["x-release"]["descriptor_sha256"] = "0" * 64
    body = (json.dumps(desc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()
    desc_path.write_bytes(body.replace(b'"descriptor_sha256": "' + b"0" * 64 + b'"',
                                       b'"descriptor_sha256": "' + digest.encode() + b'"'))


def _forge(release, tmp_path, edit):
    copy = tmp_path / "forged"
    shutil.copytree(release, copy)
    path = copy / "data" / "claims.parquet"
    table = pq.read_table(path)
    pq.write_table(edit(table), path)
    _rehash(copy, "data/claims.parquet")
    return copy


def verify(target):
    return CliRunner().invoke(cli, ["verify", str(target)])


def test_the_untouched_release_verifies(extracted):
    result = verify(extracted)
    assert result.exit_code == 0, result.output


def test_a_changed_and_rehashed_parquet_value_is_named(extracted, tmp_path):
    def triple(table):
        i = table.schema.get_field_index("value_best")
        return table.set_column(i, table.schema.field(i), pc.multiply(table.column(i), pa.scalar(3, table.column(i).type)))

    forged = _forge(extracted, tmp_path, triple)
    result = verify(forged)
    assert result.exit_code == 1, result.output
    assert re.search(r"data/claims\.parquet: does not hold what data/claims\.csv holds: column 'value_best' differs",
                     result.output), result.output


def test_a_dropped_parquet_row_is_named(extracted, tmp_path):
    forged = _forge(extracted, tmp_path, lambda table: table.slice(1))
    result = verify(forged)
    assert result.exit_code == 1
    assert "data/claims.parquet: does not hold what data/claims.csv holds" in result.output and "rows" in result.output


def test_a_parquet_with_another_type_is_named(extracted, tmp_path):
    def as_text(table):
        i = table.schema.get_field_index("value_best")
        return table.set_column(i, pa.field("value_best", pa.string()), pc.cast(table.column(i), pa.string()))

    result = verify(_forge(extracted, tmp_path, as_text))
    assert result.exit_code == 1 and "data/claims.parquet" in result.output and "value_best" in result.output


@pytest.mark.parametrize("extra", ["data/extra.csv", "notes.txt", "schemas/old/claims.json"])
def test_a_file_the_release_does_not_list_is_named(extracted, tmp_path, extra):
    copy = tmp_path / "copy"
    shutil.copytree(extracted, copy)
    (copy / extra).parent.mkdir(parents=True, exist_ok=True)
    (copy / extra).write_text("slipped in\n")
    result = verify(copy)
    assert result.exit_code == 1
    assert f"{extra}: is in the release folder but has no recorded hash" in result.output
