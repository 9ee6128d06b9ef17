"""Issue 7.5: nothing lost. `release` is interrupted at each of its steps — by an exception raised
inside the step (in process), by Ctrl-C, and by a real SIGKILL of a subprocess — and afterwards
datapackage.json, CHANGELOG.md, data/ and dist/ (every file of the package) are byte-identical to
before. After a SIGKILL no cleanup code runs: the journal left by atomic.Transaction lets
atomic.recover() (which the next `release` calls first) put everything back."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import zipfile

import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.package import atomic as atomic

release_module = pytest.importorskip("balochistan_events.release.publish")
from hostile_support import assert_clean  # noqa: E402
from release_helpers import GIT_ENV, add_actor, commit, git_repo, set_git_identity, snapshot  # noqa: E402

DATE = "2026-11-23"
ARGS = ["release", "--bump", "minor", "--date", DATE]

# step: (module or class, attribute). Each is wrapped so that its n-th call is interrupted.
STEPS = {
    "validate": ("balochistan_events.validation.engine", "validate_package"),
    "diff": ("balochistan_events.release.publish", "diff_packages"),
    "changelog": ("balochistan_events.release.publish", "update_changelog"),
    "build": ("balochistan_events.release.publish", "build_zip"),
    "journal": ("balochistan_events.package.atomic", "Transaction._save"),
    "stage": ("balochistan_events.package.atomic", "Transaction.stage"),
    "backup": ("balochistan_events.package.atomic", "_backup"),
    "rename": ("balochistan_events.release.publish", "_replace"),
    "close": ("balochistan_events.package.atomic", "Transaction.close"),
    "tag": ("balochistan_events.release.publish", "_commit_and_tag"),
}
# (step, which call). A minor release in a repository without dist/: journal 1 (dist/ is created),
# journal 2-5 with stage 1-4 (zip, .sha256, CHANGELOG.md, datapackage.json), backup 1-2 (the two
# replaced files), journal 6 ('renaming'), rename 1-4, journal 7 ('renamed'), close (the commit point).
POINTS = [("validate", 1), ("diff", 1), ("changelog", 1), ("build", 1), ("journal", 1), ("stage", 1), ("stage", 4),
          ("backup", 1), ("backup", 2), ("journal", 6), ("rename", 1), ("rename", 2), ("rename", 4), ("journal", 7),
          ("close", 1), ("tag", 1)]
CTRL_C = {("validate", 1), ("stage", 2), ("rename", 3), ("close", 1)}
KILL_POINTS = [("validate", 1), ("stage", 3), ("backup", 2), ("rename", 1), ("rename", 3), ("journal", 7),
               ("close", 1), ("tag", 1)]
INTERRUPTS = [(s, n, "error") for s, n in POINTS] + [(s, n, "ctrl-c") for s, n in sorted(CTRL_C)]


@pytest.fixture(autouse=True)
def git_identity(monkeypatch):
    set_git_identity(monkeypatch)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A released package (v1.0.0) with one new actor since, ready for a minor release."""
    from balochistan_events.release import build as build_module

    monkeypatch.setattr(build_module, "render_documents",
                        lambda staging, when, columns=None: {"codebook.md": b"codebook stub\n", "report.html": b"report stub\n"})
    repo = git_repo(tmp_path / "repo", tag="v1.0.0")
    add_actor(repo)
    commit(repo, "add an actor")
    return repo


def _target(spec):
    import importlib

    module, attr = spec
    owner = importlib.import_module(module)
    *path, name = attr.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


def _args(step):
    return ARGS + (["--tag"] if step == "tag" else [])


def _no_leftovers(repo):
    names = [p.name for p in repo.rglob("*") if ".git" not in p.relative_to(repo).parts]
    assert atomic.STRAY_JOURNAL not in names
    assert not atomic.journal_path(repo).exists()
    assert not [n for n in names if n.endswith((".new", ".old", ".tmp"))], names


@pytest.mark.parametrize("step,nth,interrupt", INTERRUPTS, ids=[f"{s}{n}-{i}" for s, n, i in INTERRUPTS])
def test_an_exception_inside_any_step_changes_nothing(repo, monkeypatch, step, nth, interrupt):
    before = snapshot(repo)
    tags_before = subprocess.run(["git", "-C", repo, "tag"], capture_output=True, text=True).stdout
    owner, name = _target(STEPS[step])
    real = getattr(owner, name)
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == nth:
            if interrupt == "ctrl-c":
                raise KeyboardInterrupt
            raise OSError(5, f"simulated failure in {step}")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, interrupted)
    monkeypatch.chdir(repo)
    result = assert_clean(CliRunner().invoke(cli, _args(step)))
    assert len(calls) >= nth, f"{step} was called {len(calls)} time(s): the step list is out of date"
    assert result.exit_code in ((130,) if interrupt == "ctrl-c" else (1, 2)), result.output
    if interrupt == "error":
        assert f"simulated failure in {step}" in result.output
    assert snapshot(repo) == before
    assert not (repo / "dist").exists()
    _no_leftovers(repo)
    assert subprocess.run(["git", "-C", repo, "tag"], capture_output=True, text=True).stdout == tags_before


DRIVER = r"""
import os, signal, sys, importlib
step_module, step_attr, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
from balochistan_events.release import build as build
build.render_documents = lambda staging, when, columns=None: {"codebook.md": b"codebook stub\n", "report.html": b"report stub\n"}
owner = importlib.import_module(step_module)
*path, name = step_attr.split(".")
for part in path:
    owner = getattr(owner, part)
real = getattr(owner, name)
calls = []
def killed(*args, **kwargs):
    calls.append(1)
    if len(calls) == nth:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)
setattr(owner, name, killed)
from balochistan_events.cli import main
sys.argv = ["balochistan-events"] + sys.argv[4:]
main()
"""


def _env(repo):
    home = repo.parent / "home"          # caches (GeoNames) go there, not into the package
    home.mkdir(exist_ok=True)
    env = {**os.environ, **GIT_ENV, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    return env


def _torn(repo):
    """Files a crash may leave: each one must be whole (old or new), never half written."""
    json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    for z in (repo / "dist").glob("*.zip") if (repo / "dist").exists() else []:
        with zipfile.ZipFile(z) as zf:
            assert zf.testzip() is None


@pytest.mark.parametrize("step,nth", KILL_POINTS, ids=[f"{s}{n}" for s, n in KILL_POINTS])
def test_sigkill_at_any_step_is_recovered_byte_for_byte(repo, step, nth):
    before = snapshot(repo)
    module, attr = STEPS[step]
    env = _env(repo)
    proc = subprocess.run([sys.executable, "-c", DRIVER, module, attr, str(nth), *_args(step)], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr[-2000:])
    _torn(repo)
    journal = atomic.journal_path(repo)
    if not journal.exists():
        # killed before the transaction started: nothing visible changed at all
        assert snapshot(repo) == before
    restored = atomic.recover(repo)
    assert not journal.exists()
    assert snapshot(repo) == before, f"restored {restored}"
    assert not (repo / "dist").exists()
    _no_leftovers(repo)


def test_the_next_release_recovers_then_succeeds(repo, monkeypatch):
    env = _env(repo)
    module, attr = STEPS["rename"]
    proc = subprocess.run([sys.executable, "-c", DRIVER, module, attr, "3", *ARGS], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL
    assert atomic.journal_path(repo).exists()
    monkeypatch.chdir(repo)
    result = assert_clean(CliRunner().invoke(cli, ARGS))
    assert result.exit_code == 0, result.output
    assert "interrupted release was rolled back" in result.output
    assert json.loads((repo / "datapackage.json").read_text())["version"] == "1.1.0"
    assert (repo / "dist" / "balochistan-events-1.1.0.zip").is_file()
    _no_leftovers(repo)


# --- the other writing commands: one file each, atomically ------------------------------------------

@pytest.mark.parametrize("command", ["export", "codebook", "report"])
def test_single_file_writers_leave_the_old_file_on_failure(tmp_path, monkeypatch, command, root):
    """A failure while writing --out leaves the previous file byte for byte and no temporary."""
    if command not in cli.commands:
        pytest.skip(f"{command} is not in cli.py yet")
    out = tmp_path / "out" / "previous.txt"
    out.parent.mkdir()
    out.write_bytes(b"the previous version\n")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device (simulated)", str(dst))

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    from conftest import copy_package

    pkg = copy_package(tmp_path / "pkg")
    args = {"export": ["export", "--to", "acled", pkg, "--out", out],
            "codebook": ["codebook", pkg, "--out", out],
            "report": ["report", "--out", out]}[command]
    if command == "report":
        from balochistan_events.render import report as report_module

        monkeypatch.setattr(report_module, "render_report", lambda *a, **k: "<html>stub</html>")
        monkeypatch.chdir(pkg)
    result = assert_clean(CliRunner().invoke(cli, [str(a) for a in args]))
    assert result.exit_code == 2 and "No space left" in result.output
    assert out.read_bytes() == b"the previous version\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["previous.txt"]
