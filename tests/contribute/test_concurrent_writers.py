"""Issue 15.4: one writer at a time. Concurrent add-claims (real processes) each get their own ID and
every row lands; a writer that finds the package locked stops with exit 2 naming the holder; add-claim
into a CR-only claims.csv names the right line and writes a row its own check accepts; a required
cell of only spaces is refused."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.package.lock import package_lock

ADDERS = 4


def _claim_values(pkg, quote="three people were injured"):
    with open(pkg / "data" / "claims.csv", encoding="utf-8", newline="") as fh:
        first = next(csv.DictReader(fh))
    return ["--event-id", first["event_id"], "--source-id", first["source_id"], "--claimant-id", first["claimant_id"],
            "--claim-date", first["claim_date"], "--claim-type", "injured", "--subject", "civilians",
            "--value-best", "3", "--qualifier", "exact", "--quote", quote, "--credibility", "5"]


def _rows(pkg):
    with open(pkg / "data" / "claims.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _env(**extra):
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    return {**os.environ, "PYTHONPATH": os.path.abspath(src), "PYTHONDONTWRITEBYTECODE": "1", **extra}


def test_concurrent_add_claims_get_distinct_ids_and_every_row_lands(package_copy):
    before = _rows(package_copy)
    cmd = [sys.executable, "-m", "balochistan_events", "add-claim", "-p", str(package_copy)]
    procs = [subprocess.Popen([*cmd, *_claim_values(package_copy, f"{i + 3} people were injured")], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=_env())
             for i in range(ADDERS)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0] * ADDERS, outs
    reported = [line.split()[1] for out, _ in outs for line in out.splitlines() if line.startswith("added ")]
    assert len(reported) == ADDERS and len(set(reported)) == ADDERS, reported
    after = _rows(package_copy)
    assert len(after) == len(before) + ADDERS
    assert sorted(r["claim_id"] for r in after[len(before):]) == sorted(reported)
    assert CliRunner().invoke(cli, ["validate", str(package_copy)]).exit_code == 0


def test_a_writer_finding_the_package_locked_exits_2_naming_the_holder(package_copy):
    before = (package_copy / "data" / "claims.csv").read_bytes()
    with package_lock(package_copy, "balochistan-events add-claim (the test holds it)"):
        proc = subprocess.run([sys.executable, "-m", "balochistan_events", "add-claim", "-p", str(package_copy),
                               *_claim_values(package_copy)], capture_output=True, text=True, timeout=600,
                              env=_env(BALOCHISTAN_EVENTS_LOCK_WAIT="0"))
    assert proc.returncode == 2, proc.stderr
    assert f"pid {os.getpid()}" in proc.stderr and "the test holds it" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert (package_copy / "data" / "claims.csv").read_bytes() == before


def test_the_lock_is_not_a_file_in_the_package(package_copy):
    with package_lock(package_copy, "test") as state:
        assert package_copy.resolve() not in state.resolve().parents
    assert sorted(p.name for p in package_copy.iterdir()) == ["data", "datapackage.json", "schemas"]


def test_add_claim_into_a_cr_only_file_names_its_line_and_writes_a_valid_row(package_copy):
    path = package_copy / "data" / "claims.csv"
    cr = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    path.write_bytes(cr)
    result = CliRunner().invoke(cli, ["add-claim", "-p", str(package_copy), *_claim_values(package_copy)])
    assert result.exit_code == 0, result.output
    lines = cr.count(b"\r")                       # the header and every row end with CR
    assert f"(line {lines + 1})" in result.output, result.output
    after = path.read_bytes()
    assert after.startswith(cr) and after.endswith(b"\r") and b"\n" not in after
    report = CliRunner().invoke(cli, ["validate", str(package_copy), "--format", "json"])
    problems = json.loads(report.output)
    assert problems["valid"], problems["errors"][:3]
    assert not [p for p in problems["warnings"] if p["line"] == lines + 1 and p["rule"] != "line_endings"]
    new = list(csv.reader(io.StringIO(after.decode("utf-8"), newline="")))[-1]
    assert "three people were injured" in new


def test_a_required_cell_of_only_spaces_is_refused(package_copy):
    before = (package_copy / "data" / "claims.csv").read_bytes()
    args = _claim_values(package_copy)
    args[args.index("--quote") + 1] = "   "
    result = CliRunner().invoke(cli, ["add-claim", "-p", str(package_copy), *args])
    assert result.exit_code == 1, result.output
    assert "quote is required but holds only whitespace" in result.output
    assert (package_copy / "data" / "claims.csv").read_bytes() == before
