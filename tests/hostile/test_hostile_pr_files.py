"""Issue 15.1, 15.2 and 15.4: files a pull request can commit never steer a maintainer's command.

- A release journal in the tree is reported and ignored; the real one lives under .git/, names only
  paths inside the package and is checked before recover() acts on it.
- CHANGELOG.md, CITATION.cff and every companion file a release copies are read through the checked
  source: a committed symlink out of the package is refused, never copied into the zip.
- Outputs: a committed `dist` symlink, or an --out inside data/, schemas/ or the descriptor, is refused.
- Two concurrent releases: one succeeds, the other exits 2; one changelog entry, one zip."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.package import atomic
from balochistan_events.package.lock import package_lock
from hostile_support import assert_clean
from release_helpers import GIT_ENV, add_actor, commit, git_repo, set_git_identity, snapshot

DATE = "2026-11-23"
RELEASE = ["release", "--bump", "minor", "--date", DATE]
SECRET = b"maintainer's private key\n"
STUB = {"codebook.md": b"codebook stub\n", "report.html": b"report stub\n"}


@pytest.fixture(autouse=True)
def git_identity(monkeypatch):
    set_git_identity(monkeypatch)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    from balochistan_events.release import build as build_module

    monkeypatch.setattr(build_module, "render_documents", lambda staging, when, columns=None: dict(STUB))
    repo = git_repo(tmp_path / "repo", tag="v1.0.0")
    add_actor(repo)
    commit(repo, "add an actor")
    monkeypatch.chdir(repo)
    return repo


@pytest.fixture
def outside(tmp_path):
    """A file of the maintainer's outside the checkout."""
    path = tmp_path / "home" / "secret.txt"
    path.parent.mkdir()
    path.write_bytes(SECRET)
    return path


def invoke(*args):
    return assert_clean(CliRunner().invoke(cli, [str(a) for a in args]))


# --- 15.1 the journal -----------------------------------------------------------------------------

def test_a_committed_journal_is_reported_and_ignored(repo, outside):
    hostile = {"state": "renaming", "entries": [{"target": str(outside), "existed": False, "done": True,
                                                 "tmp": str(outside) + ".new", "backup": str(outside) + ".old"}],
               "created_dirs": [str(outside.parent)]}
    (repo / atomic.STRAY_JOURNAL).write_text(json.dumps(hostile))
    commit(repo, "a pull request adds a journal")
    result = invoke(*RELEASE)
    assert result.exit_code == 0, result.output
    assert outside.read_bytes() == SECRET
    assert atomic.STRAY_JOURNAL in result.output and "never trusted" in result.output
    assert (repo / "dist" / "balochistan-events-1.1.0.zip").is_file()


@pytest.mark.parametrize("target", ["../home/secret.txt", "/etc/passwd", "data/../../home/secret.txt"])
def test_a_journal_naming_a_path_outside_the_package_is_refused(repo, outside, target):
    journal = atomic.journal_path(repo)
    journal.write_text(json.dumps({"version": 1, "token": "0123abcd", "state": "renaming",
                                   "entries": [{"target": target, "existed": False, "done": True}]}))
    before = snapshot(repo)
    result = invoke(*RELEASE)
    assert result.exit_code == 2, result.output
    assert "not a valid transaction journal" in result.output and "nothing was restored" in result.output
    assert outside.read_bytes() == SECRET and snapshot(repo) == before
    with pytest.raises(atomic.TransactionError):
        atomic.recover(repo)


def test_the_journal_lives_under_git_not_in_the_tree(repo):
    path = atomic.journal_path(repo)
    assert (repo / ".git").resolve() in path.resolve().parents


def test_a_live_release_s_journal_is_never_rolled_back_by_another_run(repo):
    """recover() takes the lock: while a release holds it, nobody else may act on its journal."""
    journal = atomic.journal_path(repo)
    journal.write_text(json.dumps({"version": 1, "token": "0123abcd", "state": "staging", "entries": []}))
    with package_lock(repo, "balochistan-events release (live)"):
        proc = subprocess.run([sys.executable, "-c", "from balochistan_events.package import atomic; "
                               f"atomic.recover({str(repo)!r})"], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "BALOCHISTAN_EVENTS_LOCK_WAIT": "0"})
    assert proc.returncode != 0 and "being written by pid" in proc.stderr
    assert journal.exists()


# --- 15.2 inputs through the checked source ------------------------------------------------------

@pytest.mark.parametrize("name", ["CHANGELOG.md", "CITATION.cff", "LICENSE-DATA.md", "R/read_balochistan_events.R"])
@pytest.mark.parametrize("command", ["release", "build"])
def test_a_committed_symlink_out_of_the_package_is_never_read(repo, outside, name, command):
    link = repo / name
    link.parent.mkdir(exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(outside)
    commit(repo, f"a pull request replaces {name} with a link")
    before = snapshot(repo)
    args = RELEASE if command == "release" else ["build", "--date", DATE]
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert name in result.output and "outside the package" in result.output
    assert not (repo / "dist").exists()
    assert snapshot(repo) == before


def test_a_build_shows_the_user_s_paths_never_the_staging_copy(repo):
    (repo / "CHANGELOG.md").unlink()
    (repo / "CHANGELOG.md").mkdir()          # something there that is not a file
    result = invoke("build", "--date", DATE)
    assert result.exit_code == 2 and "CHANGELOG.md" in result.output
    assert "be-build-" not in result.output and "/tmp" not in result.output.replace(str(repo), "")


# --- 15.2 outputs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["build", "release"])
def test_a_committed_dist_symlink_is_refused(repo, tmp_path, command):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / "dist").symlink_to(elsewhere, target_is_directory=True)
    result = invoke(*(RELEASE if command == "release" else ["build", "--date", DATE]))
    assert result.exit_code == 2, result.output
    assert "symbolic link" in result.output and "dist" in result.output
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("out", ["data/claims.csv", "schemas/claims.json", "datapackage.json", "data/new.csv",
                                 "./data/../data/events.csv"])
@pytest.mark.parametrize("command", ["export", "codebook", "report", "build"])
def test_an_output_inside_the_package_s_own_files_is_refused(repo, out, command):
    before = snapshot(repo)
    args = {"export": ["export", "--to", "acled", "--out", out], "codebook": ["codebook", "--out", out],
            "report": ["report", "--out", out], "build": ["build", "--date", DATE, "--out", "data"]}[command]
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "refused" in result.output
    assert snapshot(repo) == before


def test_release_out_must_stay_inside_the_package(repo, tmp_path):
    result = invoke(*RELEASE, "--out", tmp_path / "other")
    assert result.exit_code == 2 and "outside the package" in result.output
    assert not (tmp_path / "other").exists()


# --- 15.4 two releases at once --------------------------------------------------------------------

DRIVER = r"""
import sys
from balochistan_events.release import build
build.render_documents = lambda staging, when, columns=None: {"codebook.md": b"codebook stub\n", "report.html": b"report stub\n"}
from balochistan_events.cli import main
sys.argv = ["balochistan-events"] + sys.argv[1:]
main()
"""


def test_two_concurrent_releases_one_succeeds_the_other_exits_2(repo):
    env = {**os.environ, **GIT_ENV, "PYTHONDONTWRITEBYTECODE": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", DRIVER, *RELEASE], cwd=repo, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outs
    loser = next(err for p, (_, err) in zip(procs, outs, strict=True) if p.returncode == 2)
    assert "being written by pid" in loser or "already exists" in loser, loser
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.count("## [1.1.0]") == 1
    assert sorted(p.name for p in (repo / "dist").iterdir()) == ["balochistan-events-1.1.0.zip",
                                                                  "balochistan-events-1.1.0.zip.sha256"]
    with zipfile.ZipFile(repo / "dist" / "balochistan-events-1.1.0.zip") as zf:
        assert zf.testzip() is None


def test_a_release_finding_the_package_locked_exits_2_naming_the_holder(repo, monkeypatch):
    before = snapshot(repo)
    monkeypatch.setenv("BALOCHISTAN_EVENTS_LOCK_WAIT", "0")
    with package_lock(repo, "balochistan-events add-claim (held by the test)"):
        proc = subprocess.run([sys.executable, "-c", DRIVER, *RELEASE], cwd=repo, capture_output=True, text=True,
                              timeout=600, env={**os.environ, **GIT_ENV})
    assert proc.returncode == 2, proc.stderr
    assert f"pid {os.getpid()}" in proc.stderr and "held by the test" in proc.stderr
    assert snapshot(repo) == before
