"""Issue 13: versions without tags. A clone may carry no v* tags: a version then resolves to the commit
whose datapackage.json first carried it, for diff and for release's previous release; release records
the new zip's sha256 in the package registry."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.package.gitsource import latest_release, resolve_version
from balochistan_events.release import build as build_module
from conftest import ROOT
from release_helpers import GIT_ENV, add_actor, commit, git, git_repo, set_git_identity

DATE = "2026-11-23"


@pytest.fixture(autouse=True)
def git_identity(monkeypatch):
    set_git_identity(monkeypatch)
    monkeypatch.setattr(build_module, "render_documents",
                        lambda staging, when, columns=None: {"codebook.md": b"codebook stub\n", "report.html": b"report stub\n"})


def invoke(repo, monkeypatch, *args):
    monkeypatch.chdir(repo)
    return CliRunner().invoke(cli, list(args))


def test_release_without_tags_diffs_against_the_commit_that_carried_the_last_version(tmp_path, monkeypatch):
    repo = git_repo(tmp_path / "repo")
    # the tool's registry and R loader live in the same checkout, as in this repository
    (repo / "src" / "balochistan_events").mkdir(parents=True)
    (repo / "src" / "balochistan_events" / "registry.json").write_text('{"description": "x", "releases": {}}\n')
    shutil.copytree(ROOT / "R", repo / "R")
    commit(repo, "tool files")
    first = invoke(repo, monkeypatch, "release", "--version", "1.0.0", "--date", DATE)
    assert first.exit_code == 0, first.output
    assert "(first release)" in first.output
    sha = (repo / "dist" / "balochistan-events-1.0.0.zip.sha256").read_text().split()[0]
    registry = json.loads((repo / "src" / "balochistan_events" / "registry.json").read_text())
    assert registry["releases"] == {"1.0.0": {"sha256": sha, "date": DATE}}
    assert f'.be_registry <- c("1.0.0" = "{sha}")' in (repo / "R" / "read_balochistan_events.R").read_text()
    assert "src/balochistan_events/registry.json" in first.output          # committed with the release
    commit(repo, "Release 1.0.0")                                           # committed, never tagged
    release_commit = git(repo, "rev-parse", "HEAD").strip()
    assert git(repo, "tag", "--list").strip() == ""

    assert latest_release(repo) == ((1, 0, 0), "v1.0.0", release_commit)
    assert resolve_version(repo, "1.0.0") == (release_commit, f"v1.0.0 (commit {release_commit[:12]}; no tag)")
    add_actor(repo)
    commit(repo, "a new actor")

    diff = invoke(repo, monkeypatch, "diff", "1.0.0", ".")
    assert diff.exit_code == 1, diff.output                                # they differ: one row added
    assert "minimum version bump: MINOR" in diff.output and "+ test-group" in diff.output
    assert invoke(repo, monkeypatch, "diff", "v1.0.0", "HEAD~1").exit_code == 0   # the release commit itself

    second = invoke(repo, monkeypatch, "release", "--bump", "minor", "--date", DATE)
    assert second.exit_code == 0, second.output
    assert "released 1.1.0 (since v1.0.0: needs minor bump, made minor)" in second.output
    assert "## [1.1.0]" in (repo / "CHANGELOG.md").read_text()
    releases = json.loads((repo / "src" / "balochistan_events" / "registry.json").read_text())["releases"]
    assert list(releases) == ["1.0.0", "1.1.0"] and releases["1.0.0"]["sha256"] == sha


def test_a_patch_bump_is_refused_when_the_changes_need_minor_without_tags(tmp_path, monkeypatch):
    repo = git_repo(tmp_path / "repo")
    assert invoke(repo, monkeypatch, "release", "--version", "1.0.0", "--date", DATE).exit_code == 0
    commit(repo, "Release 1.0.0")
    add_actor(repo)
    commit(repo, "a new actor")
    refused = invoke(repo, monkeypatch, "release", "--bump", "patch", "--date", DATE)
    assert refused.exit_code == 2
    assert "is a patch bump from v1.0.0, but the changes need a minor bump" in refused.output


def test_an_unreleased_version_in_the_history_is_not_a_release(tmp_path, monkeypatch):
    """The sample's descriptor says 0.1.0 but its changelog has no 0.1.0 entry: a first release."""
    repo = git_repo(tmp_path / "repo")
    assert latest_release(repo) is None
    assert resolve_version(repo, "0.1.0") is not None            # diff can still name it
    missing = invoke(repo, monkeypatch, "diff", "2.0.0", ".")
    assert missing.exit_code == 2 and "no tag v2.0.0 and no commit" in missing.output


def test_a_clone_of_this_repository_without_tags_diffs_against_1_0_0(tmp_path):
    """The acceptance check on the real history: `diff 1.0.0 .` in a fresh clone carrying no tags."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    env = {**os.environ, **GIT_ENV}
    proc = subprocess.run(["git", "clone", "-q", "--no-tags", str(ROOT), str(clone)], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    assert subprocess.run(["git", "-C", str(clone), "tag"], capture_output=True, text=True).stdout == ""
    proc = subprocess.run([sys.executable, "-m", "balochistan_events", "diff", "1.0.0", ".", "--format", "json"],
                          cwd=clone, capture_output=True, text=True, env={**env, "PYTHONPATH": str(clone / "src")})
    assert proc.returncode in (0, 1), proc.stderr
    result = json.loads(proc.stdout)
    assert result["old"]["version"] == "1.0.0"


def test_build_ref_rebuilds_a_version_without_tags_byte_for_byte(tmp_path, monkeypatch):
    repo = git_repo(tmp_path / "repo")
    assert invoke(repo, monkeypatch, "release", "--version", "1.0.0", "--date", DATE).exit_code == 0
    commit(repo, "Release 1.0.0")
    add_actor(repo)
    commit(repo, "later work")
    rebuilt = invoke(repo, monkeypatch, "build", "--ref", "1.0.0", "--out", str(tmp_path / "again"))
    assert rebuilt.exit_code == 0, rebuilt.output
    name = "balochistan-events-1.0.0.zip"
    assert (tmp_path / "again" / name).read_bytes() == (repo / "dist" / name).read_bytes()
    missing = invoke(repo, monkeypatch, "build", "--ref", "3.0.0", "--out", str(tmp_path / "x"))
    assert missing.exit_code == 2 and "version '3.0.0': not found" in missing.output
