"""`balochistan-events validate`: the contract of DESIGN.md (formats, exit codes, --max-errors,
--strict, inputs) and output that stays small and exact whatever the input."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from validate_corpus import MUTATIONS, Csv

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<field>[\w+]+): (?:warning: )?(?P<msg>.*) \(rule: (?P<rule>\w+)\)$")


def run(args, cwd=None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(cli, ["validate", *args])
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, ["validate", *args])
    finally:
        os.chdir(old)


def break_figures(pkg: Path) -> tuple[int, int, int]:
    """value_low above value_best on the first claim with figures; returns (line, low, best)."""
    cl = Csv(pkg, "claims")
    i = next(k for k, r in enumerate(cl.rows) if r[cl.col("value_best")] != "")
    best = int(cl.get(i, "value_best"))
    cl.set(i, "value_low", str(best + 25))
    cl.save()
    return cl.line_of(i), best + 25, best


def test_valid_package_exits_0_with_a_summary_per_table(package_copy):
    result = run([], cwd=package_copy)
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    for table in ("events", "actors", "sources", "claims"):
        assert any(re.match(rf"^{table}: \d+ rows, 0 error\(s\), \d+ warning\(s\)$", line) for line in out), out
    assert out[-1].startswith("valid: 0 error(s)")


def test_text_format_names_file_line_field_rule_with_a_hint(package_copy):
    line, low, best = break_figures(package_copy)
    result = run(["."], cwd=package_copy)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    want = f"data/claims.csv:{line}: value_low: {low} is greater than value_best {best} (rule: low_le_best_le_high)"
    assert want in lines, result.output
    assert lines[lines.index(want) + 1].startswith("    hint: ")
    assert lines[-1].startswith("INVALID: ")


def test_json_format_is_the_contract(package_copy):
    line, low, best = break_figures(package_copy)
    result = run([".", "--format", "json"], cwd=package_copy)
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["valid"] is False and isinstance(doc["warnings"], list)
    assert {"events", "actors", "sources", "claims"} <= set(doc["tables"])
    assert all(isinstance(t["rows"], int) for t in doc["tables"].values())
    err = next(e for e in doc["errors"] if e["rule"] == "low_le_best_le_high")
    assert {"table", "file", "line", "field", "rule", "message", "value", "severity"} <= set(err)
    assert (err["table"], err["file"], err["line"], err["field"], err["value"], err["severity"]) == \
        ("claims", "data/claims.csv", line, "value_low", str(low), "error")


def test_github_format_annotates_the_line(package_copy):
    line, _, _ = break_figures(package_copy)
    result = run([".", "--format", "github"], cwd=package_copy)
    assert result.exit_code == 1
    assert any(ln.startswith(f"::error file=data/claims.csv,line={line},title=low_le_best_le_high::value_low: ")
               for ln in result.output.splitlines()), result.output


def test_max_errors_caps_the_listing_but_not_the_counts(package_copy):
    cl = Csv(package_copy, "claims")
    for i in range(len(cl.rows)):
        cl.set(i, "credibility", "9")
    cl.save()
    result = run([".", "--format", "json", "--max-errors", "3"], cwd=package_copy)
    doc = json.loads(result.output)
    assert len(doc["errors"]) + len(doc["warnings"]) == 3
    assert doc["error_count"] >= len(cl.rows) and doc["truncated"] is True
    text = run([".", "--max-errors", "3"], cwd=package_copy).output
    assert "more problem(s) not shown (--max-errors)" in text


def test_warnings_fail_only_with_strict(package_copy):
    MUTATIONS["whitespace"](package_copy)
    assert run([str(package_copy)]).exit_code == 0
    strict = run([str(package_copy), "--strict"])
    assert strict.exit_code == 1 and "INVALID" in strict.output


@pytest.mark.parametrize("how", ["directory", "descriptor", "zip"])
def test_accepts_a_directory_a_descriptor_and_a_release_zip(how, package_copy, tmp_path):
    line, _, _ = break_figures(package_copy)
    if how == "directory":
        target = package_copy
    elif how == "descriptor":
        target = package_copy / "datapackage.json"
    else:
        target = tmp_path / "release.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(package_copy.rglob("*")):
                if f.is_file():
                    zf.write(f, f"balochistan-events-0.1.0/{f.relative_to(package_copy)}")
    result = run([str(target), "--format", "json"])
    assert result.exit_code == 1
    err = next(e for e in json.loads(result.output)["errors"] if e["rule"] == "low_le_best_le_high")
    assert err["line"] == line and err["file"].endswith("data/claims.csv")
    if how == "zip":
        assert not (tmp_path / "balochistan-events-0.1.0").exists()  # read in place, never extracted


def test_cannot_run_exits_2_with_one_line(tmp_path, package_copy):
    missing = run([str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and missing.output.startswith("error: ") and "Traceback" not in missing.output
    (package_copy / "datapackage.json").write_text("{not json", encoding="utf-8")
    broken = run([str(package_copy)])
    assert broken.exit_code == 2 and "datapackage.json" in broken.output
    as_json = run([str(package_copy), "--format", "json"])
    assert as_json.exit_code == 2
    assert json.loads(as_json.output.split("\nerror: ")[0])["valid"] is False


def test_output_stays_small_whatever_the_input(package_copy):
    ev = Csv(package_copy, "events")
    for i in range(len(ev.rows)):
        ev.set(i, "title", "=" + "x" * 50_000)           # huge, formula-like and too long, on every row
    ev.save()
    result = run([str(package_copy), "--format", "json"])
    doc = json.loads(result.output)
    values = [e["value"] for e in doc["errors"] if e["value"]]
    assert values and max(len(v) for v in values) <= 80
    assert max(len(e["message"]) for e in doc["errors"]) <= 400
    assert len(result.output) < 1000 * len(doc["errors"]) + 5000   # ~500 bytes per problem, not 50 KB


def test_no_progress_bar_when_not_a_terminal(package_copy):
    result = run([str(package_copy)])
    assert "validating" not in result.output and "\x1b[" not in result.output


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal_for_a_large_package(tmp_path, root):
    import pty

    pkg = tmp_path / "big"
    subprocess.run([sys.executable, str(root / "scripts" / "make_synthetic.py"), "--events", "3000", "--out", str(pkg)],
                   check=True, capture_output=True)
    exe = shutil.which("balochistan-events")
    cmd = [exe] if exe else [sys.executable, "-m", "balochistan_events"]
    master, slave = pty.openpty()
    proc = subprocess.Popen([*cmd, "validate", str(pkg)], stdin=slave, stdout=subprocess.PIPE, stderr=slave,
                            env={**os.environ, "TERM": "xterm", "COLUMNS": "100"})
    os.close(slave)
    out, _ = proc.communicate(timeout=300)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0, out.decode()[-500:]
    assert b"validating" in seen            # the bar went to the terminal (stderr) ...
    assert b"validating" not in out and out.decode().rstrip().endswith("warning(s)")   # ... not into stdout
