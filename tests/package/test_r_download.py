"""Issue 13 in real R: read_balochistan_events(version = ) downloads from a local http.server, checks the
sha256, caches, works with the server stopped; the docs' R example runs as written from a fresh folder,
on the new zip layout and on 1.0.0's (one top-level folder)."""
from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

import balochistan_events as be
from balochistan_events.package import download
from balochistan_events.release import build as build_module
from conftest import ROOT, require_tool
from release_helpers import make_package
from release_server import ReleaseServer, build_version

R_LOADER = ROOT / "R" / "read_balochistan_events.R"
NEW = "7.0.0"
STUB_DOCS = {"codebook.md": b"codebook stub\n", "report.html": b"report stub\n"}


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    base = tmp_path_factory.mktemp("r-releases")
    pkg = make_package(base / "pkg")
    shutil.copytree(ROOT / "R", pkg / "R")                  # releases ship the R loader
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build_module, "render_documents", lambda staging, when, columns=None: dict(STUB_DOCS))
        return {NEW: build_version(pkg, NEW), "1.0.0": build_version(pkg, "1.0.0")}


@pytest.fixture
def server(tmp_path):
    srv = ReleaseServer(tmp_path / "www").start()
    yield srv
    srv.stop()


def rscript(code: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = require_tool("Rscript")
    script = cwd / "script.R"
    script.write_text(code, encoding="utf-8")
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BALOCHISTAN_EVENTS_")}
    full_env.update(env or {})
    return subprocess.run([exe, "--vanilla", str(script)], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env=full_env)


def r_env(server: ReleaseServer, tmp_path: Path) -> dict:
    return {download.ENV_URL: server.template, download.ENV_CACHE: str(tmp_path / "r-cache")}


LOAD = f'source("{R_LOADER}")\nbe <- read_balochistan_events(version = "{{version}}")\n' \
       'cat("OK", attr(be, "version"), nrow(be$claims), as.character(class(be$claims$claim_date)), "\\n")\n'


def test_r_downloads_verifies_caches_and_works_offline(server, releases, tmp_path):
    built = releases[NEW]
    server.publish(built)
    env = r_env(server, tmp_path)
    first = rscript(LOAD.format(version=NEW), tmp_path, env)
    assert first.returncode == 0, first.stderr
    rows = len(be.load(Path(server.root / NEW / built.name)).claims)
    assert f"OK {NEW} {rows} Date" in first.stdout
    cached = tmp_path / "r-cache" / NEW / built.sha256 / built.name
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == built.sha256
    assert server.requested == [f"/{NEW}/{built.name}.sha256", f"/{NEW}/{built.name}"]

    server.stop()
    second = rscript(LOAD.format(version=f"v{NEW}"), tmp_path, env)
    assert second.returncode == 0, second.stderr
    assert f"OK {NEW} {rows} Date" in second.stdout

    cached.write_bytes(b"corrupted")                  # checked again on use: never read unverified
    third = rscript(LOAD.format(version=NEW), tmp_path, env)
    assert third.returncode != 0 and "cannot download" in third.stderr


def test_r_refuses_a_tampered_zip_naming_both_hashes(server, releases, tmp_path):
    built = releases[NEW]
    tampered = bytearray(built.data)
    tampered[len(tampered) // 3] ^= 0xFF
    server.publish(built, data=bytes(tampered))
    res = rscript(LOAD.format(version=NEW), tmp_path, r_env(server, tmp_path))
    assert res.returncode != 0
    received = hashlib.sha256(bytes(tampered)).hexdigest()
    assert f"expected {built.sha256}" in res.stderr and f"received {received}" in res.stderr
    assert not list((tmp_path / "r-cache").rglob("*.zip")) and not list((tmp_path / "r-cache").rglob("*.part"))


def test_r_checks_a_registered_version_against_its_registry(server, releases, tmp_path):
    built = releases["1.0.0"]                 # not the published 1.0.0: the registry must refuse it
    server.publish(built)
    res = rscript(LOAD.format(version="1.0.0"), tmp_path, r_env(server, tmp_path))
    assert res.returncode != 0
    assert f"expected {download.registry()['1.0.0']} (the loader's registry)" in res.stderr
    assert f"received {built.sha256}" in res.stderr


@pytest.mark.parametrize("version", ["0.5.0", "8.0.0"])
def test_r_unknown_version_lists_the_known_ones(server, tmp_path, version):
    res = rscript(LOAD.format(version=version), tmp_path, r_env(server, tmp_path))
    assert res.returncode != 0
    assert f"unknown version {version}" in res.stderr and "1.0.0" in res.stderr


def test_the_r_registry_matches_the_python_registry():
    """The repository's R loader knows every registered release; a built zip's loader those before it."""
    text = R_LOADER.read_text(encoding="utf-8")
    pairs = dict(re.findall(r'"([0-9]+\.[0-9]+\.[0-9]+)" = "([0-9a-f]{64})"', re.search(r"(?m)^\.be_registry <- .*$", text)[0]))
    assert pairs == download.registry()


def test_a_built_loader_knows_only_older_releases(releases):
    with zipfile.ZipFile(io.BytesIO(releases["1.0.0"].data)) as zf:
        shipped = zf.read("R/read_balochistan_events.R").decode()
    assert re.search(r"(?m)^\.be_registry <- c\(\)$", shipped)
    with zipfile.ZipFile(io.BytesIO(releases[NEW].data)) as zf:
        shipped = zf.read("R/read_balochistan_events.R").decode()
    assert f'"1.0.0" = "{download.registry()["1.0.0"]}"' in shipped


def docs_r_example() -> str:
    docs = (ROOT / "docs" / "using-the-data.md").read_text(encoding="utf-8")
    example = re.findall(r"```r\n(.*?)```", docs, flags=re.S)[0]
    assert "read_balochistan_events(" in example and "source(" in example
    return example


def with_top_folder(data: bytes, folder: str) -> bytes:
    """The same release in 1.0.0's layout: every member under one top-level folder."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(folder + info.filename, zin.read(info))
    return out.getvalue()


@pytest.mark.parametrize("layout", ["root", "folder"])
def test_the_docs_r_example_runs_as_written_from_a_fresh_folder(releases, tmp_path, layout):
    """A fresh folder holding only the downloaded zip, named as in the docs; the example unchanged."""
    example = docs_r_example()
    name = re.search(r'"(balochistan-events-[0-9.]+\.zip)"', example)[1]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    data = releases[NEW].data
    if layout == "folder":
        data = with_top_folder(data, name[: -len(".zip")] + "/")
    (fresh / name).write_bytes(data)
    res = rscript(example + '\ncat("\\nOK", nrow(be$claims), "\\n")\n', fresh)
    assert res.returncode == 0, res.stderr
    rows = len(be.load(fresh / name).claims)
    assert f"OK {rows}" in res.stdout
    assert sorted(p.name for p in fresh.iterdir()) == sorted([name, "script.R"])   # nothing extracted here
    shutil.rmtree(fresh)
