"""Issue 15.6: the smaller ones, each a clean exit code and message.

FIFO and /dev/zero as PATH; non-finite numbers in the descriptor; schema bounds beyond int64; zip
expansion bounded by ratio, not by size; Ctrl-C exits 130; the Markdown diff escapes HTML; a full
disk names the file; build errors name the user's paths, never the staging copy; scripts/test.sh
waits for the dpkg lock."""
from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import zipfile

import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.errors import PackageError
from balochistan_events.package.source import MAX_RATIO, ZipSource
from conftest import ROOT, copy_package
from hostile_support import assert_clean


def invoke(*args):
    return assert_clean(CliRunner().invoke(cli, [str(a) for a in args]))


def _subprocess(*args, timeout=120):
    """A real process with a deadline: a PATH that blocks would otherwise hang the test run."""
    return subprocess.run([sys.executable, "-m", "balochistan_events", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


# --- non-regular PATH ----------------------------------------------------------------------------

@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "release.zip"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", ["validate", "verify", "diff-old", "diff-new"])
@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_a_path_that_is_not_a_regular_file_is_refused_at_once(command, kind, fifo, tmp_path):
    target = fifo if kind == "fifo" else "/dev/zero"
    good = copy_package(tmp_path / "good")
    args = {"validate": ["validate", target], "verify": ["verify", target], "diff-old": ["diff", target, good],
            "diff-new": ["diff", good, target]}[command]
    proc = _subprocess(*args)
    assert proc.returncode == 2, proc.stderr
    assert "is not a regular file or a directory" in proc.stderr and str(target) in proc.stderr
    assert "Traceback" not in proc.stderr


# --- numbers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity"])
def test_a_non_finite_number_in_the_descriptor_is_refused(package_copy, number):
    path = package_copy / "datapackage.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{", '{"x-figure": ' + number + ",", 1), encoding="utf-8")
    result = invoke("validate", package_copy)
    assert result.exit_code == 2, result.output
    assert "datapackage.json" in result.output and "internal error" not in result.output
    assert re.search(r"out of range|not valid JSON", result.output)


@pytest.mark.parametrize("bound", [10**19, -(10**19), 1e30, 10**400], ids=["2^63+", "-2^63-", "1e30", "10^400"])
def test_schema_bounds_beyond_int64_are_a_clean_error(package_copy, bound):
    path = package_copy / "schemas" / "claims.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    for f in schema["fields"]:
        if f["name"] == "value_best":
            f.setdefault("constraints", {})["maximum"] = bound
    path.write_text(json.dumps(schema), encoding="utf-8")
    result = invoke("validate", package_copy)
    assert result.exit_code == 2, result.output
    assert "schemas/claims.json" in result.output and "value_best" in result.output
    assert "out of range" in result.output or "Exceeds the limit" in result.output


# --- zips: ratio, not size -------------------------------------------------------------------------

def _zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def test_many_small_members_cannot_add_up_to_a_bomb(tmp_path):
    """Each member is under the 1 MiB ratio-free size, but together they expand far beyond MAX_RATIO
    times the archive."""
    chunk = b"\0" * (1024**2)
    members = [("datapackage.json", b"{}")] + [(f"data/f{i}.csv", chunk) for i in range(MAX_RATIO + 20)]
    path = _zip(tmp_path / "spray.zip", members)
    with pytest.raises(PackageError, match="more than 200 times its own size"):
        ZipSource(path)


def test_a_member_is_streamed_whole_and_exactly(tmp_path):
    data = os.urandom(3 * 1024**2 + 17)              # several stream chunks, incompressible
    path = _zip(tmp_path / "ok.zip", [("pkg/datapackage.json", b"{}"), ("pkg/data/x.bin", data)])
    source = ZipSource(path)
    try:
        assert source.read("data/x.bin") == data
        assert source.digest("data/x.bin", "sha256")[0] == len(data)
    finally:
        source.close()


def test_no_absolute_size_cap_on_members():
    """A legitimate release may exceed 2 GiB: nothing but the ratio bounds a member."""
    import balochistan_events.package.source as source

    assert not hasattr(source, "MAX_TOTAL_BYTES")
    from pathlib import Path

    text = Path(source.__file__).read_text(encoding="utf-8")
    assert "info.file_size > MAX_MEMBER_BYTES" not in text


# --- Ctrl-C ----------------------------------------------------------------------------------------

def test_ctrl_c_exits_130_with_one_line(package_copy, monkeypatch):
    import balochistan_events.validation.engine as engine

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "validate_package", interrupted)
    result = CliRunner().invoke(cli, ["validate", str(package_copy)])
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output and "Traceback" not in result.output


def test_ctrl_c_during_add_claim_leaves_the_file_whole(package_copy, monkeypatch):
    from balochistan_events.package import atomic

    before = (package_copy / "data" / "claims.csv").read_bytes()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    import csv

    with open(package_copy / "data" / "claims.csv", encoding="utf-8", newline="") as fh:
        first = next(csv.DictReader(fh))
    result = CliRunner().invoke(cli, ["add-claim", "-p", str(package_copy), "--event-id", first["event_id"],
                                      "--source-id", first["source_id"], "--claimant-id", first["claimant_id"],
                                      "--claim-date", first["claim_date"], "--claim-type", "injured", "--subject",
                                      "civilians", "--value-best", "2", "--qualifier", "exact", "--quote",
                                      "two people were injured", "--credibility", "5"])
    assert result.exit_code == 130, result.output
    assert (package_copy / "data" / "claims.csv").read_bytes() == before
    assert not [p for p in (package_copy / "data").iterdir() if p.name.startswith(".")]


# --- the Markdown diff ---------------------------------------------------------------------------

def test_the_markdown_diff_escapes_html(package_copy, tmp_path):
    old = copy_package(tmp_path / "old")
    path = package_copy / "data" / "actors.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    cells = next(iter(__import__("csv").reader([lines[1]])))
    cells[header.index("description")] = "<img src=https://tracker.example/x.png> [click](https://evil.example) `x`"
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(cells)
    lines[1] = buf.getvalue()
    path.write_text("\n".join(lines), encoding="utf-8")
    result = invoke("diff", old, package_copy, "--format", "markdown")
    assert result.exit_code == 1, result.output
    assert "&lt;img src=https://tracker.example/x.png&gt;" in result.output
    assert "<img" not in result.output
    assert "\\[click\\](https://evil.example)" in result.output        # no link: the brackets are escaped


# --- messages: the user's file -------------------------------------------------------------------

def test_a_full_disk_names_the_file_being_written(package_copy, tmp_path, monkeypatch):
    from balochistan_events.package import atomic

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    out = tmp_path / "codebook.md"
    result = invoke("codebook", package_copy, "--out", out)
    assert result.exit_code == 2
    assert f"{out}: No space left on device" in result.output
    assert not list(tmp_path.glob(".codebook.md.*"))


def test_build_errors_name_the_user_s_package_not_the_staging_copy(package_copy, tmp_path, monkeypatch):
    path = package_copy / "data" / "claims.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",exact,", ",not-a-qualifier,", 1), encoding="utf-8")
    monkeypatch.chdir(package_copy)
    result = invoke("build", "--date", "2026-01-01", "--out", tmp_path / "dist")
    assert result.exit_code == 1, result.output
    assert "data/claims.csv" in result.output
    assert "be-build-" not in result.output


# --- scripts/test.sh -----------------------------------------------------------------------------

def test_the_test_script_waits_for_the_dpkg_lock():
    text = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    calls = [line for line in text.splitlines() if re.search(r"\bapt-get\b", line) and "command -v" not in line
             and not line.strip().startswith("#")]
    assert calls
    assert "DPkg::Lock::Timeout=600" in text
    assert all("apt_wait" in line for line in calls), calls


# --- a required value of only spaces ----------------------------------------------------------------

def test_validate_treats_a_required_value_of_only_spaces_as_missing(package_copy):
    """Not a warning that --strict alone turns into an error: CI runs validate without --strict."""
    import csv
    import io

    path = package_copy / "data" / "claims.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[1][rows[0].index("quote")] = "     "
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    result = invoke("validate", package_copy, "--format", "json")
    assert result.exit_code == 1, result.output
    errors = json.loads(result.output)["errors"]
    assert any(e["rule"] == "required" and e["field"] == "quote" and e["line"] == 2 for e in errors), errors[:5]
