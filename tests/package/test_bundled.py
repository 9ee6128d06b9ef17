"""Issue 13: the installed package carries the current release's tables. A wheel built with `pip wheel .`
and installed into a new virtual environment loads them from an empty directory, and says which
version they are; inside a checkout load() keeps reading the checkout."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import balochistan_events as be
from balochistan_events.cli import cli
from balochistan_events.package import download
from balochistan_events.package.loading import BUNDLED, bundled_version
from conftest import ROOT


def test_the_bundled_release_is_the_latest_registered_one_and_intact():
    desc = json.loads((BUNDLED / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["version"] == list(download.registry())[-1] == bundled_version()
    for res in desc["resources"]:
        data = (BUNDLED / res["path"]).read_bytes()
        assert len(data) == res["bytes"] and "sha256:" + hashlib.sha256(data).hexdigest() == res["hash"], res["path"]
        assert (BUNDLED / res["schema"]).is_file()
        assert (BUNDLED / res["path"].replace(".csv", ".parquet")).is_file()


def test_load_reads_the_checkout_inside_it_and_the_bundle_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT / "docs")                       # a subfolder of the checkout
    inside = be.load()
    assert inside.origin == "checkout" and Path(inside.location) == ROOT
    bundled = be.load(BUNDLED)
    assert bundled.version == bundled_version() and len(bundled.claims) > 0


def test_version_prints_the_tool_and_the_data_version(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    data = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert result.output.startswith(f"balochistan-events {be.__version__} (data {data}, checkout ")


def run(cmd: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)], ROOT)
    (path,) = out.glob("balochistan_events-*.whl")
    return path


def test_the_wheel_holds_the_bundled_tables_registry_and_readme_template(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for rel in ("bundled/datapackage.json", "bundled/data/claims.csv", "bundled/data/claims.parquet",
                "bundled/schemas/claims.json", "registry.json", "release/zip_readme.md"):
        assert f"balochistan_events/{rel}" in names, rel


PROBE = """
import json, balochistan_events as be
ds = be.load()
print(json.dumps({"file": be.__file__, "tool": be.__version__, "version": ds.version, "origin": ds.origin,
                  "rows": {n: len(df) for n, df in ds.items()}, "dtype": str(ds.claims["claim_date"].dtype)}))
"""


def test_the_installed_wheel_loads_the_bundled_tables_from_an_empty_directory(wheel, tmp_path):
    """A new venv; its dependencies come from this interpreter's site-packages so that the test runs
    offline (the README's clean-venv check installs them from PyPI instead)."""
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    out = json.loads(run([str(python), "-c", PROBE], empty).stdout)
    assert out["file"].startswith(str(venv)), out["file"]                     # the installed copy, not a checkout
    assert out["origin"] == "bundled" and out["version"] == bundled_version()
    assert out["tool"] == wheel.name.split("-")[1]
    expected = be.load(BUNDLED)
    assert out["rows"] == {n: len(df) for n, df in expected.items()}
    assert out["dtype"].startswith("datetime64")
    version = run([str(venv / "bin" / "balochistan-events"), "--version"], empty).stdout
    assert version.strip() == f"balochistan-events {out['tool']} (data {bundled_version()}, bundled)"
    assert os.listdir(empty) == []
