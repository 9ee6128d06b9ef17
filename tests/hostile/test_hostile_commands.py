"""Issue 7.4: every command answers bad input with exit 1 (the data is wrong) or 2 (cannot run), a
message naming the broken file, no traceback and bounded output. The matrix runs each command on
copies of the real package broken one way each, and on hostile archives; commands added to cli.py
later are caught by test_every_command_is_covered."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

import balochistan_events as be
from balochistan_events.cli import cli
from balochistan_events.errors import PackageError
from conftest import copy_package
from hostile_support import fixture, generator, invoke

GEN = generator()


# --- hostile inputs: each builds a target and names the file its error must mention ---------------

def _edit_csv_line(pkg, table, line_no, edit):
    path = pkg / "data" / f"{table}.csv"
    lines = path.read_bytes().split(b"\n")
    assert len(lines) > line_no, f"{table}.csv needs at least {line_no} data lines for this case"
    lines[line_no - 1] = edit(lines[line_no - 1])
    path.write_bytes(b"\n".join(lines))


def _full(tmp_path):
    return copy_package(tmp_path / "pkg")


def missing(tmp_path):
    return tmp_path / "does-not-exist", "does-not-exist"


def empty_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty", "datapackage.json"


def malformed_descriptor(tmp_path):
    pkg = _full(tmp_path)
    (pkg / "datapackage.json").write_bytes((pkg / "datapackage.json").read_bytes()[:200])
    return pkg, "datapackage.json"


def descriptor_escape(tmp_path):
    pkg = _full(tmp_path)
    text = (pkg / "datapackage.json").read_text(encoding="utf-8")
    (pkg / "datapackage.json").write_text(text.replace('"data/claims.csv"', '"../../../etc/passwd"', 1), encoding="utf-8")
    return pkg, "datapackage.json"


def schema_malformed(tmp_path):
    pkg = _full(tmp_path)
    (pkg / "schemas" / "events.json").write_bytes((pkg / "schemas" / "events.json").read_bytes()[:-40])
    return pkg, "events.json"


def latin1_claims(tmp_path):
    pkg = _full(tmp_path)
    _edit_csv_line(pkg, "claims", 2, lambda b: b.replace(b",", b",caf\xe9 ", 1))
    return pkg, "claims.csv"


def ragged_events(tmp_path):
    pkg = _full(tmp_path)
    _edit_csv_line(pkg, "events", 3, lambda b: b + b",extra")
    return pkg, "events.csv"


def unclosed_quote_sources(tmp_path):
    pkg = _full(tmp_path)
    _edit_csv_line(pkg, "sources", 2, lambda b: b.replace(b",", b',"', 1))
    return pkg, "sources.csv"


def empty_actors(tmp_path):
    pkg = _full(tmp_path)
    (pkg / "data" / "actors.csv").write_bytes(b"")
    return pkg, "actors.csv"


def control_chars_claims(tmp_path):
    pkg = _full(tmp_path)
    _edit_csv_line(pkg, "claims", 2, lambda b: b.replace(b",", b",\x1b[2J", 1))
    return pkg, "claims.csv"


def symlink_out(tmp_path):
    pkg = _full(tmp_path)
    outside = tmp_path / "outside.csv"
    shutil.copy2(pkg / "data" / "claims.csv", outside)
    (pkg / "data" / "claims.csv").unlink()
    (pkg / "data" / "claims.csv").symlink_to(outside)
    return pkg, "claims.csv"


def _zip(name):
    def build(tmp_path):
        path = tmp_path / f"{name}.zip"
        path.write_bytes(fixture(f"zip/{name}.zip"))
        return path, f"{name}.zip"
    build.__name__ = name
    return build


INPUTS = [missing, empty_directory, malformed_descriptor, descriptor_escape, schema_malformed, latin1_claims,
          ragged_events, unclosed_quote_sources, empty_actors, control_chars_claims, symlink_out,
          _zip("zip_slip_dotdot"), _zip("zip_bomb"), _zip("not_a_zip"), _zip("zip_symlink")]


# --- how each command is run on a target -----------------------------------------------------------
# (args builder, runs in the package directory, must fail on broken data, errors name the input)

def _good(tmp_path):
    return copy_package(tmp_path / "good")


COMMANDS = {
    "validate": (lambda t, tmp: ["validate", t], False, True, True),
    "validate-json": (lambda t, tmp: ["validate", t, "--format", "json"], False, True, True),
    "validate-github": (lambda t, tmp: ["validate", t, "--format", "github"], False, True, True),
    "export": (lambda t, tmp: ["export", "--to", "acled", t, "--out", tmp / "out.csv"], False, True, True),
    "export-geojson": (lambda t, tmp: ["export", "--to", "geojson", t], False, True, True),
    "codebook": (lambda t, tmp: ["codebook", t, "--out", tmp / "codebook.md"], False, False, True),
    # diff: exit 1 means "they differ", a valid answer; only its exit-2 errors must name the input
    "diff-old": (lambda t, tmp: ["diff", t, _good(tmp)], False, True, "exit 2"),
    "diff-new": (lambda t, tmp: ["diff", _good(tmp), t, "--format", "markdown"], False, True, "exit 2"),
    "verify": (lambda t, tmp: ["verify", t], False, True, True),
    "report": (lambda t, tmp: ["report", "--out", tmp / "report.html"], True, True, True),
    "build": (lambda t, tmp: ["build", "--out", tmp / "dist", "--date", "2026-01-01"], True, True, True),
    "release": (lambda t, tmp: ["release", "--bump", "patch", "--out", tmp / "dist", "--date", "2026-01-01"], True, True, True),
    "next-id": (lambda t, tmp: ["next-id", "claims", "--package", t], False, False, True),
    "add-actor": (lambda t, tmp: ["add-actor", "--dry-run", "--package", t, "--actor-id", "zz-test", "--name",
                                  "Test actor", "--actor-type", "unknown", "--description",
                                  "An actor added by the hostile-input tests."], False, False, True),
    # the package only adds ISO codes to the answer: a broken one is ignored
    # a path where a version belongs: refused (exit 2, one line) before any download or write
    "download": (lambda t, tmp: ["download", str(t), "--to", tmp / "dl"], False, True, False),
    "place": (lambda t, tmp: ["place", "\x1b[2J" + "Quetta" * 2000, "--package", t], False, False, False),
}
# Commands in cli.py this matrix knows; the others are listed in the report (issue 7.4).
COVERED = {name.split("-")[0] if name.startswith(("validate", "export", "diff")) else name for name in COMMANDS}


def test_every_command_is_covered():
    missing_commands = sorted(set(cli.commands) - COVERED - {"add-claim", "add-event", "add-source"})
    assert not missing_commands, f"add hostile-input cases for: {missing_commands}"


# Commands that work on the current directory (build, release, report) take no path, so inputs that
# are not package directories (a missing path, a zip) do not apply to them and are not generated.
_NOT_DIRECTORIES = {"missing"} | {f.__name__ for f in INPUTS if f.__name__.startswith(("zip_", "not_a_zip"))}
CASES = [(command, make) for command in sorted(COMMANDS) for make in INPUTS
         if not (COMMANDS[command][1] and make.__name__ in _NOT_DIRECTORIES)]


@pytest.mark.parametrize("command,make", CASES, ids=[f"{m.__name__}-{c}" for c, m in CASES])
def test_command_on_hostile_input(command, make, tmp_path, monkeypatch):
    assert command in cli.commands or command.split("-")[0] in cli.commands, f"{command} is not a command"
    args, in_package, must_fail, names_input = COMMANDS[command]
    target, name = make(tmp_path)
    if in_package:
        assert target.is_dir(), "only package directories are generated for cwd-based commands"
        monkeypatch.chdir(target)
    result = invoke(*args(target, tmp_path))
    if must_fail:
        assert result.exit_code in (1, 2), result.output[-1500:]
    if names_input and (result.exit_code == 2 or (result.exit_code == 1 and names_input is True)):
        assert name in result.output, result.output[-1500:]
    if result.exit_code == 2:
        assert "error" in result.stderr.lower(), result.stderr[-1500:]
    assert not (tmp_path / "out.csv").exists() or result.exit_code == 0, "a failed export wrote its output"


@pytest.mark.parametrize("make", INPUTS, ids=[f.__name__ for f in INPUTS])
def test_load_on_hostile_input(make, tmp_path):
    target, name = make(tmp_path)
    with pytest.raises(PackageError) as err:
        be.load(target)
    assert name in str(err.value)


def test_console_script_prints_no_traceback(tmp_path):
    """The real entry point, in a subprocess: stderr carries one line, exit 2."""
    pkg, _ = malformed_descriptor(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "balochistan_events", "validate", str(pkg)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: datapackage.json")
    assert len(proc.stderr.splitlines()) == 1


def test_unexpected_exceptions_become_exit_2_without_traceback(monkeypatch, tmp_path):
    """The last line of defence (SafeGroup): a bug deep inside a command still ends cleanly."""
    import balochistan_events.validation.engine as validate_module

    def boom(*args, **kwargs):
        raise KeyError("simulated bug")

    monkeypatch.setattr(validate_module, "validate_package", boom)
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "internal error: KeyError" in result.stderr and len(result.stderr.splitlines()) == 1


def test_broken_pipe_is_quiet(tmp_path):
    """`validate | head -1`: the reader goes away; no traceback, no 'Exception ignored' noise."""
    pkg = GEN.write_mini_package(tmp_path / "pkg", csv_bytes=GEN.make_large("many_bad_rows.csv", tmp_path / "g").read_bytes())
    proc = subprocess.run(f"{sys.executable} -m balochistan_events validate {pkg} | head -c 100 >/dev/null",
                          shell=True, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr[-2000:]


def test_markup_in_cells_is_escaped_in_the_html_report(tmp_path):
    """Cells are text, never markup: the report escapes them (also inside any embedded data block)."""
    report = pytest.importorskip("balochistan_events.render.report")
    import csv
    import io

    pkg = _full(tmp_path)
    path = pkg / "data" / "events.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    header = rows[0]
    rows[1][header.index("description")] = "Armed men <script>alert(1)</script> attacked </textarea><img src=x onerror=alert(2)>"
    rows[1][header.index("title")] = "Attack <b onmouseover=alert(3)>here</b>"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    html = report.render_report(pkg)
    for raw in ("<script>alert(1)", "<img src=x onerror", "<b onmouseover", "</textarea><img"):
        assert raw not in html
    assert html.lower().count("</script") == html.lower().count("<script")
