"""Shared fixtures: the real package, and throw-away copies of it to corrupt."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# package locks and release journals of packages outside git live in the user's state directory:
# keep the tests' ones out of the real home directory
if "XDG_STATE_HOME" not in os.environ:
    import tempfile

    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="be-test-state-")
# shared test helpers (sample packages, the corruption corpus, hostile fixtures) import by bare name
sys.path.insert(0, str(Path(__file__).resolve().parent / "helpers"))
PACKAGE_FILES = ["datapackage.json", "schemas", "data"]


def copy_package(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in PACKAGE_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def package_copy(tmp_path) -> Path:
    """A fresh copy of the real package to mutate."""
    return copy_package(tmp_path / "pkg")


def require_tool(name: str):
    """Skip locally when a system tool is absent; under CI the test must run, so fail instead."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI (scripts/test.sh installs it)")
        pytest.skip(f"{name} not installed")
    return path
