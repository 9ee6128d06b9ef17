"""Issue 4: `release` — versioned, reproducible, all-or-nothing releases with a generated changelog."""
from __future__ import annotations

import io
import json
import subprocess
import tarfile
import zipfile

import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.release import build as build_module
from balochistan_events.release import publish as release_module
from release_helpers import (
    add_actor,
    commit,
    correct_actor,
    git,
    git_repo,
    read_rows,
    remove_field,
    set_git_identity,
    snapshot,
    write_rows,
)

DATE = "2026-11-23"


@pytest.fixture(autouse=True)
def git_identity(monkeypatch):
    set_git_identity(monkeypatch)


@pytest.fixture
def fast_docs(monkeypatch):
    """Stand-ins for codebook/report rendering where the documents are not what is tested."""
    monkeypatch.setattr(build_module, "render_documents",
                        lambda staging, when, columns=None: {"codebook.md": b"codebook stub\n", "report.html": b"report stub\n"})


def run(repo, monkeypatch, *args):
    monkeypatch.chdir(repo)
    return CliRunner().invoke(cli, ["release", *args])


def tags(repo) -> list[str]:
    return git(repo, "tag", "--list").split()


UNRELEASED = """# Changelog

Intro text stays.

## [Unreleased]

A note before the sections.

### Added
- Data: the sample events.

### Tools
- `validate`: checks everything.

## [0.0.1] - 2025-01-01

### Added
- An older entry that stays below.
"""


def test_first_release_writes_version_changelog_and_zip(tmp_path, monkeypatch):
    repo = git_repo(tmp_path / "repo")
    (repo / "CHANGELOG.md").write_text(UNRELEASED)
    commit(repo, "changelog")
    desc_before = (repo / "datapackage.json").read_text()
    result = run(repo, monkeypatch, "--version", "1.0.0", "--date", DATE)
    assert result.exit_code == 0, result.output
    zip_path = repo / "dist" / "balochistan-events-1.0.0.zip"
    assert zip_path.is_file() and (repo / "dist" / "balochistan-events-1.0.0.zip.sha256").is_file()
    desc_after = (repo / "datapackage.json").read_text()
    assert json.loads(desc_after)["version"] == "1.0.0"
    assert json.loads(desc_after)["created"] == "2026-11-23T00:00:00Z"
    changed = [(a, b) for a, b in zip(desc_before.splitlines(), desc_after.splitlines(), strict=False) if a != b]
    assert len(desc_before.splitlines()) == len(desc_after.splitlines())
    assert all('"version"' in a or '"created"' in a for a, _ in changed)      # hand-written layout kept
    log = (repo / "CHANGELOG.md").read_text()
    assert log == UNRELEASED.replace("## [Unreleased]\n\nA note", "## [Unreleased]\n\n## [1.0.0] - 2026-11-23\n\n"
                                     "First release: 4 events, 5 actors, 3 sources and 13 claims.\n\nA note")
    assert "git tag -a v1.0.0" in result.output
    assert tags(repo) == []                                                   # tag only with --tag
    assert CliRunner().invoke(cli, ["verify", str(zip_path)]).exit_code == 0


def _rebuild_at(repo, ref, dest):
    """The package as committed at `ref`, exported without git (as a user would from the tag's archive)."""
    archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", ref], capture_output=True, check=True)
    dest.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def test_a_tagged_release_rebuilds_to_the_same_bytes(tmp_path, monkeypatch):
    repo = git_repo(tmp_path / "repo")
    result = run(repo, monkeypatch, "--version", "1.0.0", "--date", DATE, "--tag")
    assert result.exit_code == 0, result.output
    assert tags(repo) == ["v1.0.0"]
    assert git(repo, "status", "--porcelain") == ""                           # descriptor + changelog committed
    assert json.loads(git(repo, "show", "v1.0.0:datapackage.json"))["version"] == "1.0.0"
    released = (repo / "dist" / "balochistan-events-1.0.0.zip").read_bytes()
    checkout = _rebuild_at(repo, "v1.0.0", tmp_path / "checkout")
    monkeypatch.chdir(checkout)
    result = CliRunner().invoke(cli, ["build", "--out", str(tmp_path / "rebuilt"), "--date", DATE])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rebuilt" / "balochistan-events-1.0.0.zip").read_bytes() == released


def test_added_rows_need_minor(tmp_path, monkeypatch, fast_docs):
    repo = git_repo(tmp_path / "repo", tag="v1.0.0")
    add_actor(repo, "test-group")
    commit(repo, "add an actor")
    before = snapshot(repo)
    result = run(repo, monkeypatch, "--bump", "patch", "--date", DATE)
    assert result.exit_code == 2
    assert "need a minor bump" in result.output and "1.1.0" in result.output
    assert snapshot(repo) == before
    result = run(repo, monkeypatch, "--bump", "minor", "--date", DATE)
    assert result.exit_code == 0, result.output
    assert json.loads((repo / "datapackage.json").read_text())["version"] == "1.1.0"
    entry = (repo / "CHANGELOG.md").read_text().split("## [1.1.0] - 2026-11-23", 1)[1].split("\n## [", 1)[0]
    assert "### Added\n- actors: `test-group`" in entry
    assert "1 actor added" in entry
    assert (repo / "dist" / "balochistan-events-1.1.0.zip").is_file()


def test_a_removed_field_needs_major(tmp_path, monkeypatch, fast_docs):
    repo = git_repo(tmp_path / "repo", tag="v1.0.0")
    remove_field(repo, "claims", "notes")
    commit(repo, "drop claims.notes")
    before = snapshot(repo)
    result = run(repo, monkeypatch, "--version", "1.1.0", "--date", DATE)
    assert result.exit_code == 2
    assert "major" in result.output and "notes removed" in result.output
    assert snapshot(repo) == before
    result = run(repo, monkeypatch, "--bump", "major", "--date", DATE)
    assert result.exit_code == 0, result.output
    log = (repo / "CHANGELOG.md").read_text()
    assert "## [2.0.0] - 2026-11-23" in log
    assert "### Schema\n- claims: field notes removed (MAJOR)" in log


def test_a_corrected_value_is_a_patch(tmp_path, monkeypatch, fast_docs):
    repo = git_repo(tmp_path / "repo", tag="v1.0.0")
    correct_actor(repo, "pk-military")
    commit(repo, "fix a description")
    result = run(repo, monkeypatch, "--bump", "patch", "--date", DATE)
    assert result.exit_code == 0, result.output
    log = (repo / "CHANGELOG.md").read_text()
    assert "## [1.0.1] - 2026-11-23" in log
    assert "- actors `pk-military`: corrected description" in log


def _invalid(repo):
    fields, rows = read_rows(repo / "data" / "claims.csv")
    rows[0]["event_id"] = "EV-2099-9999"
    write_rows(repo / "data" / "claims.csv", fields, rows)


def _artifact(repo):
    (repo / "dist").mkdir()
    (repo / "dist" / "balochistan-events-1.1.0.zip").write_bytes(b"an earlier upload")


def _artifact_sha(repo):
    (repo / "dist").mkdir()
    (repo / "dist" / "balochistan-events-1.1.0.zip.sha256").write_bytes(b"0" * 64 + b"  x.zip\n")


def _dirty(repo):
    correct_actor(repo, "pk-military")            # uncommitted data: --tag must not tag something else


def _changelog_entry(repo):
    with open(repo / "CHANGELOG.md", "a") as fh:
        fh.write("\n## [1.1.0] - 2026-01-01\n\nAlready written by hand.\n")


@pytest.mark.parametrize("setup,args,code,message", [
    (_invalid, ["--bump", "minor"], 1, "EV-2099-9999"),
    (None, ["--version", "1.0.0"], 2, "not greater than the last release v1.0.0"),
    (None, ["--version", "0.9.0"], 2, "not greater than the last release v1.0.0"),
    (lambda r: remove_field(r, "claims", "notes"), ["--bump", "minor"], 2, "need a major bump"),
    (lambda r: add_actor(r), ["--version", "1.0.1"], 2, "need a minor bump"),
    (_artifact, ["--bump", "minor"], 2, "already exists"),
    (_artifact_sha, ["--bump", "minor"], 2, "already exists"),
    (None, ["--version", "1.1"], 2, "not X.Y.Z"),
    (None, ["--version", "1.1.0", "--bump", "minor"], 2, "exactly one"),
    (None, [], 2, "exactly one"),
    (_dirty, ["--bump", "patch", "--tag"], 2, "uncommitted"),
    (_changelog_entry, ["--bump", "minor"], 2, "already has an entry for 1.1.0"),
], ids=["invalid-data", "same-version", "lower-version", "smaller-bump-major", "smaller-bump-minor",
        "existing-zip", "existing-sha256", "bad-version", "both-options", "no-option", "dirty-tag", "changelog-entry"])
def test_refusals_leave_every_file_as_it_was(tmp_path, monkeypatch, fast_docs, setup, args, code, message):
    repo = git_repo(tmp_path / "repo", tag="v1.0.0")
    if setup is not None:
        setup(repo)
        if setup not in (_dirty, _artifact, _artifact_sha):
            commit(repo, "change")
    before = snapshot(repo)
    head = git(repo, "rev-parse", "HEAD")
    result = run(repo, monkeypatch, *args, "--date", DATE)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert snapshot(repo) == before
    assert tags(repo) == ["v1.0.0"] and git(repo, "rev-parse", "HEAD") == head


def test_the_tag_that_exists_is_refused(tmp_path, monkeypatch, fast_docs):
    repo = git_repo(tmp_path / "repo", tag="v1.0.0")
    git(repo, "tag", "v2.0.0-rc")                  # not a release tag: ignored when finding the last release
    git(repo, "tag", "-a", "v1.1.0", "-m", "x")    # v1.1.0 is the latest release
    before = snapshot(repo)
    result = run(repo, monkeypatch, "--version", "1.1.0", "--date", DATE)
    assert result.exit_code == 2 and "v1.1.0" in result.output
    assert snapshot(repo) == before
    result = run(repo, monkeypatch, "--bump", "patch", "--date", DATE)
    assert result.exit_code == 0, result.output
    assert json.loads((repo / "datapackage.json").read_text())["version"] == "1.1.1"


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4])
def test_a_failure_while_writing_rolls_everything_back(tmp_path, monkeypatch, fast_docs, fail_at):
    repo = git_repo(tmp_path / "repo", tag="v1.0.0")
    add_actor(repo)
    commit(repo, "add")
    before = snapshot(repo)
    real = release_module._replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == fail_at:
            raise OSError(28, "No space left on device", str(dst))
        real(src, dst)

    monkeypatch.setattr(release_module, "_replace", flaky)
    result = run(repo, monkeypatch, "--bump", "minor", "--date", DATE)
    assert result.exit_code == 2, result.output
    assert "No space left" in result.output
    assert len(calls) == fail_at
    assert snapshot(repo) == before
    assert not (repo / "dist").exists()


def test_a_failing_build_changes_nothing(tmp_path, monkeypatch):
    repo = git_repo(tmp_path / "repo", tag="v1.0.0")
    add_actor(repo)
    commit(repo, "add")
    before = snapshot(repo)

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(build_module, "render_documents", broken)
    result = run(repo, monkeypatch, "--bump", "minor", "--date", DATE)
    assert result.exit_code == 2 and "renderer crashed" in result.output
    assert snapshot(repo) == before


def test_a_failing_tag_undoes_the_commit_and_the_files(tmp_path, monkeypatch, fast_docs):
    repo = git_repo(tmp_path / "repo", tag="v1.0.0")
    add_actor(repo)
    commit(repo, "add")
    before, head = snapshot(repo), git(repo, "rev-parse", "HEAD")
    real_git = release_module.git

    def no_tags(repo_, *args, **kwargs):
        if args and args[0] == "tag":
            raise release_module.PackageError("git tag failed: simulated")
        return real_git(repo_, *args, **kwargs)

    monkeypatch.setattr(release_module, "git", no_tags)
    result = run(repo, monkeypatch, "--bump", "minor", "--date", DATE, "--tag")
    assert result.exit_code == 2 and "simulated" in result.output
    assert snapshot(repo) == before
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""
    assert tags(repo) == ["v1.0.0"]


def test_release_outside_git_needs_a_date_and_cannot_tag(tmp_path, monkeypatch, fast_docs):
    from release_helpers import make_package

    pkg = make_package(tmp_path / "pkg")
    if subprocess.run(["git", "-C", str(pkg), "rev-parse"], capture_output=True).returncode == 0:
        pytest.skip("tmp dir is inside a git repository")
    before = snapshot(pkg)
    result = run(pkg, monkeypatch, "--version", "1.0.0")
    assert result.exit_code == 2 and "--date" in result.output
    assert snapshot(pkg) == before
    result = run(pkg, monkeypatch, "--version", "1.0.0", "--date", DATE, "--tag")
    assert result.exit_code == 2 and "git repository" in result.output
    result = run(pkg, monkeypatch, "--version", "1.0.0", "--date", DATE)
    assert result.exit_code == 0, result.output
    assert "not a git repository" in result.output


def test_the_real_package_can_be_released_as_its_next_version(root, tmp_path, monkeypatch, fast_docs):
    """What a maintainer runs next on the repository (here a copy): a patch release after the current one."""
    from conftest import copy_package

    repo = copy_package(tmp_path / "repo")
    (repo / "CHANGELOG.md").write_bytes((root / "CHANGELOG.md").read_bytes())
    (repo / ".gitignore").write_text("/dist/\n")
    current = json.loads((repo / "datapackage.json").read_text())["version"]
    major, minor, patch = (int(x) for x in current.split("."))
    following = f"{major}.{minor}.{patch + 1}"
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "snapshot of the real package")
    result = run(repo, monkeypatch, "--version", following, "--date", "2026-11-24")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    zip_path = repo / "dist" / f"balochistan-events-{following}.zip"
    assert CliRunner().invoke(cli, ["verify", str(zip_path)]).exit_code == 0
    assert json.loads((repo / "datapackage.json").read_text())["version"] == following
    assert f"## [{following}] - 2026-11-24" in (repo / "CHANGELOG.md").read_text()


def test_release_updates_the_citation_to_the_new_version(tmp_path, monkeypatch, fast_docs):
    repo = git_repo(tmp_path / "repo")
    citation = 'cff-version: 1.2.0\ntitle: "x"\nversion: "0.1.0"\ndate-released: "2026-01-01"\nlicense: CC-BY-4.0\n'
    (repo / "CITATION.cff").write_text(citation)
    commit(repo, "citation")
    result = run(repo, monkeypatch, "--version", "1.0.0", "--date", DATE)
    assert result.exit_code == 0, result.output
    assert (repo / "CITATION.cff").read_text() == citation.replace('"0.1.0"', '"1.0.0"').replace(
        '"2026-01-01"', '"2026-11-23"')
    assert "CITATION.cff" in result.output                      # the commit command names it too
    with zipfile.ZipFile(repo / "dist" / "balochistan-events-1.0.0.zip") as zf:
        shipped = zf.read("CITATION.cff").decode()
    assert 'version: "1.0.0"' in shipped
