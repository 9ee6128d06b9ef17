"""The validator as a pre-commit hook: .pre-commit-hooks.yaml (for other repositories) and this
repository's .pre-commit-config.yaml (a local hook).

The hook definition says `language: python`, so pre-commit builds a virtualenv and pip-installs the
hook repository into it. These tests must not use the network (CI has none but the package
registries, and should not need even those here), so they run pre-commit with:

- PYTHONPATH = the site-packages of the interpreter running the tests: the hook's virtualenv sees the
  test environment's packages, so the dependencies (pandas, pyarrow, …) are already satisfied and
  nothing is downloaded. (VIRTUALENV_SYSTEM_SITE_PACKAGES would not do: from a virtual environment it
  exposes the *base* interpreter's site-packages, which lack the test venv's packages. Editable
  installs' .pth files are not read from PYTHONPATH, so the hook still runs the copy pip installs);
- PIP_NO_INDEX=1 and PIP_CONFIG_FILE=/dev/null: pip never asks an index, whatever the machine's
  pip configuration says;
- PIP_NO_BUILD_ISOLATION=0 (pip's spelling of --no-build-isolation): the local checkout is built
  with the setuptools already installed instead of a freshly downloaded one.

The hook repository is a git repository made from a copy of this checkout (pre-commit clones hook
repositories, so it must be one); what gets installed into the hook's virtualenv is that checkout,
which the store test checks.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, copy_package, require_tool

HOOK_FILES = ["pyproject.toml", "src", ".pre-commit-hooks.yaml", "README.md", "LICENSE"]
PATTERN = r"^(data/.*\.csv|schemas/.*\.json|datapackage\.json)$"


def git(cwd, *args):
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": os.environ["PATH"]}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout.strip()


def interpreter_site_packages() -> list[str]:
    """The site-packages directories of the interpreter running the tests (a venv's own, not its base's)."""
    import site
    import sys

    dirs = [d for d in site.getsitepackages() if d.startswith(sys.prefix)]
    return dirs or site.getsitepackages()


def offline_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUALENV_", "PRE_COMMIT"))}
    env.update({"PRE_COMMIT_HOME": str(home), "PYTHONPATH": os.pathsep.join(interpreter_site_packages()), "PIP_NO_INDEX": "1",
                "PIP_CONFIG_FILE": os.devnull, "PIP_NO_BUILD_ISOLATION": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull})
    return env


def pre_commit(cwd, env, *args):
    import sys

    require_tool("pre-commit")
    # pre-commit run by this interpreter, so the hook's virtualenv is built from it (a venv's python)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """A git repository holding this checkout's code and hook definition (what others would pin)."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in HOOK_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif src.exists():
            shutil.copy2(src, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "hook")
    return repo


@pytest.fixture
def consumer(tmp_path) -> Path:
    """Another repository that keeps a data package in this layout."""
    repo = copy_package(tmp_path / "consumer")
    (repo / "README.md").write_text("a data repository\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    return repo


def break_a_claim(repo: Path) -> None:
    """The mistake CONTRIBUTING.md documents: value_high on an 'at least' claim."""
    path = repo / "data" / "claims.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = next(csv.reader([lines[0]]))
    q, low, high = header.index("qualifier"), header.index("value_low"), header.index("value_high")
    for i, line in enumerate(lines[1:], start=1):
        cells = next(csv.reader([line]), [])
        if len(cells) == len(header) and cells[q] == "at_least" and cells[high] == "" and cells[low]:
            cells[high] = cells[low]
            buf = io.StringIO()
            csv.writer(buf, lineterminator="").writerow(cells)
            lines[i] = buf.getvalue()
            path.write_text("\n".join(lines), encoding="utf-8")
            return
    pytest.fail("the data has no 'at_least' claim to break")


def test_hook_definition_is_what_other_repositories_need():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert len(hooks) == 1
    hook = hooks[0]
    assert hook["id"] == "balochistan-events-validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["entry"] == "balochistan-events validate"
    assert hook["files"] == PATTERN
    rx = re.compile(hook["files"])
    for path in ("data/claims.csv", "data/events.csv", "schemas/claims.json", "datapackage.json"):
        assert rx.search(path), path
    for path in ("README.md", "src/balochistan_events/cli.py", "docs/data/x.csv", "data/notes.txt", "datapackage.json.bak"):
        assert not rx.search(path), path


def test_local_config_uses_the_installed_validator_offline():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert [r["repo"] for r in config["repos"]] == ["local"]          # no hook repository to fetch
    (hook,) = config["repos"][0]["hooks"]
    assert hook["language"] == "system" and hook["pass_filenames"] is False
    assert hook["entry"] == "balochistan-events validate" and hook["files"] == PATTERN


def test_try_repo_runs_the_validator(hook_repo, consumer, tmp_path):
    """`pre-commit try-repo` with our hook definition, offline; --verbose shows the validator's
    own output, so this proves it ran (the failing case is in the next test)."""
    env = offline_env(tmp_path / "home")
    ok = pre_commit(consumer, env, "try-repo", str(hook_repo), "balochistan-events-validate", "--all-files", "--verbose")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert re.search(r"balochistan-events validate\.+Passed", ok.stdout), ok.stdout
    assert re.search(r"^claims: [0-9]+ rows, 0 error\(s\)", ok.stdout, re.M), ok.stdout
    assert re.search(r"^valid: 0 error\(s\)", ok.stdout, re.M), ok.stdout


def test_pinned_hook_installs_the_checkout_and_runs_only_for_package_files(hook_repo, consumer, tmp_path):
    """As another repository would use it: a config pinning our repository at a commit."""
    env = offline_env(tmp_path / "home")
    rev = git(hook_repo, "rev-parse", "HEAD")
    (consumer / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: balochistan-events-validate\n")
    ok = pre_commit(consumer, env, "run", "--all-files")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Passed" in ok.stdout

    # the hook's virtualenv holds the checkout itself, installed by pip from the hook repository
    installed = list((tmp_path / "home").glob("repo*/py_env-*/lib/python*/site-packages/balochistan_events/cli/__init__.py"))
    assert len(installed) == 1, list((tmp_path / "home").glob("repo*/*"))
    assert installed[0].read_bytes() == (hook_repo / "src" / "balochistan_events" / "cli" / "__init__.py").read_bytes()

    # a change outside the package does not run the validator; one inside does
    (consumer / "README.md").write_text("changed\n")
    skipped = pre_commit(consumer, env, "run", "--files", "README.md")
    assert skipped.returncode == 0 and "(no files to check)Skipped" in skipped.stdout
    break_a_claim(consumer)
    failed = pre_commit(consumer, env, "run", "--files", "data/claims.csv")
    assert failed.returncode == 1 and "(rule: qualifier_consistency)" in failed.stdout


def test_this_repositorys_config_runs_the_installed_validator(tmp_path):
    require_tool("balochistan-events")
    repo = copy_package(tmp_path / "repo")
    shutil.copy2(ROOT / ".pre-commit-config.yaml", repo / ".pre-commit-config.yaml")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    env = offline_env(tmp_path / "home")
    ok = pre_commit(repo, env, "run", "--all-files")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    break_a_claim(repo)
    bad = pre_commit(repo, env, "run", "--all-files")
    assert bad.returncode == 1 and "(rule: qualifier_consistency)" in bad.stdout
