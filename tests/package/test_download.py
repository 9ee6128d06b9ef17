"""Issue 13: load(version=) and `download` fetch a published release from a real local http.server,
check its sha256 (registry, else the published .sha256), cache it, and work offline from the cache."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

import balochistan_events as be
from balochistan_events.cli import cli
from balochistan_events.errors import PackageError
from balochistan_events.package import download
from balochistan_events.release import build as build_module
from release_helpers import make_package
from release_server import ReleaseServer, build_version

NEW = "7.0.0"            # newer than every registered version: its sha256 comes from the published .sha256
STUB_DOCS = {"codebook.md": b"codebook stub\n", "report.html": b"report stub\n"}


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """The sample package built as 7.0.0 and as 1.0.0 (the latter is not the registered 1.0.0)."""
    base = tmp_path_factory.mktemp("releases")
    pkg = make_package(base / "pkg")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build_module, "render_documents", lambda staging, when, columns=None: dict(STUB_DOCS))
        return {NEW: build_version(pkg, NEW), "1.0.0": build_version(pkg, "1.0.0")}


@pytest.fixture
def server(tmp_path, monkeypatch):
    srv = ReleaseServer(tmp_path / "www").start()
    monkeypatch.setenv(download.ENV_URL, srv.template)
    monkeypatch.setenv(download.ENV_CACHE, str(tmp_path / "cache"))
    yield srv
    srv.stop()


def cli_run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_first_load_downloads_and_verifies_the_second_works_with_the_server_stopped(server, releases, tmp_path):
    built = releases[NEW]
    server.publish(built)
    ds = be.load(version=NEW)
    assert ds.version == NEW and ds.origin == "download"
    assert len(ds.claims) > 0 and str(ds.claims["claim_date"].dtype).startswith("datetime64")
    assert server.requested == [f"/{NEW}/balochistan-events-{NEW}.zip.sha256", f"/{NEW}/balochistan-events-{NEW}.zip"]
    cached = Path(ds.location)
    assert cached == tmp_path / "cache" / NEW / built.sha256 / built.name       # keyed by version and hash
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == built.sha256

    server.stop()
    again = be.load(version=f"v{NEW}")
    assert again.version == NEW and again.claims.equals(ds.claims)
    result = cli_run("download", NEW)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(cached)


def test_download_prints_the_path_and_copies_with_to(server, releases, tmp_path):
    built = releases[NEW]
    server.publish(built)
    result = cli_run("download", NEW, "--to", str(tmp_path / "here"))
    assert result.exit_code == 0, result.output
    copied = tmp_path / "here" / built.name
    assert result.output.strip() == str(copied)
    assert copied.read_bytes() == built.data
    assert (tmp_path / "here" / (built.name + ".sha256")).read_text() == built.sha256_line
    # the copy is a release `verify` accepts, sidecar included
    assert cli_run("verify", str(copied)).exit_code == 0


def test_a_tampered_zip_is_refused_naming_both_hashes_and_deleted(server, releases, tmp_path):
    built = releases[NEW]
    tampered = bytearray(built.data)
    tampered[len(tampered) // 2] ^= 0xFF
    server.publish(built, data=bytes(tampered))
    result = cli_run("download", NEW)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    received = hashlib.sha256(bytes(tampered)).hexdigest()
    assert f"expected {built.sha256}" in result.output and f"received {received}" in result.output
    assert not list((tmp_path / "cache").rglob("*.zip"))                           # nothing kept
    with pytest.raises(PackageError, match="sha256 mismatch"):
        be.load(version=NEW)


def test_the_registry_hash_wins_over_what_the_server_says(server, releases):
    """1.0.0 is registered: a different zip served as 1.0.0, with a .sha256 that agrees with it, is
    still refused, with the registered sha256 named."""
    built = releases["1.0.0"]
    registered = download.registry()["1.0.0"]
    assert registered != built.sha256
    server.publish(built)
    result = cli_run("download", "1.0.0")
    assert result.exit_code == 2
    assert f"expected {registered} (the registry shipped in this package)" in result.output
    assert f"received {built.sha256}" in result.output
    assert server.requested == ["/1.0.0/balochistan-events-1.0.0.zip"]           # the .sha256 was not asked


def test_a_registered_version_downloads_and_a_corrupted_cache_is_replaced(server, releases, monkeypatch):
    built = releases["1.0.0"]
    monkeypatch.setattr(download, "registry", lambda: {"1.0.0": built.sha256})
    server.publish(built)
    path = download.fetch_release("1.0.0")
    path.write_bytes(b"corrupted in the cache")
    again = download.fetch_release("1.0.0")                    # checked again on use: fetched anew
    assert again == path and again.read_bytes() == built.data
    assert server.requested.count("/1.0.0/balochistan-events-1.0.0.zip") == 2
    server.stop()
    path.write_bytes(b"corrupted again")
    with pytest.raises(PackageError, match="cannot download"):   # never the corrupted bytes
        be.load(version="1.0.0")


@pytest.mark.parametrize("version", ["0.5.0", "8.0.0"])
def test_an_unknown_version_lists_the_known_ones(server, version):
    result = cli_run("download", version)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"unknown version {version}" in result.output
    assert "1.0.0" in result.output.split("known versions")[1]


def test_no_network_is_a_clean_error(server, releases):
    server.publish(releases[NEW])
    server.stop()
    result = cli_run("download", NEW)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "cannot download release 7.0.0 (no network, or the server cannot be reached" in result.output


def test_bad_versions_and_templates_are_refused(server, monkeypatch):
    assert "is not X.Y.Z" in cli_run("download", "latest").output
    monkeypatch.setenv(download.ENV_URL, "http://127.0.0.1:9/fixed.zip")
    result = cli_run("download", NEW)
    assert result.exit_code == 2 and "has no {version} placeholder" in result.output


def test_the_default_url_is_the_github_release_asset_named_in_the_project_urls(monkeypatch):
    monkeypatch.delenv(download.ENV_URL, raising=False)
    assert download.release_url("1.2.3") == (
        "https://github.com/balochistan-events/balochistan-events/releases/download/v1.2.3/balochistan-events-1.2.3.zip")


def test_registry_is_well_formed():
    known = download.registry()
    assert "1.0.0" in known
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in known.values())
