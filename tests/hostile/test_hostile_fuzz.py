"""Issue 7.6: fuzzing. Hypothesis mutates valid CSV, descriptor, schema and zip bytes (byte flips,
truncation, insertions of tokens that matter to the parsers, deletions, splices) and every command
must either succeed or fail cleanly: exit 0/1/2, no traceback, no masked internal error, bounded
output; load() returns or raises PackageError.

Bounded: 60 examples per command by default (derandomised, so CI runs the same cases every time).
Explore further with  HYPOTHESIS_PROFILE=explore pytest tests/hostile/test_hostile_fuzz.py  (random, 500 each)."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import balochistan_events as be  # noqa: E402
from balochistan_events.cli import cli  # noqa: E402
from balochistan_events.errors import PackageError  # noqa: E402
from conftest import ROOT, copy_package  # noqa: E402
from hostile_support import generator, invoke  # noqa: E402

# an exception inside a callback (e.g. a parser's row handler) is printed as "Exception ignored …
# Traceback" on stderr, outside any try: fail on it
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")

GEN = generator()
COMMON = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))
settings.register_profile("ci", max_examples=60, derandomize=True, **COMMON)
settings.register_profile("explore", max_examples=500, **COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
SLOW = 20     # build, release, report: examples each (they stop at validation, see below)

TOKENS = [b'"', b",", b"\n", b"\r\n", b"\r", b"\x00", b"\xff", b"\xe9", b"\xef\xbb\xbf", b"=1+1", b"\x1b[2J",
          "\u202e".encode(), b'""', b"{", b"}", b"[", b"]", b":", b"null", b"../", b"/etc/passwd", b"https://x/",
          b"\\", b"1e999", b"-0", b"9" * 30, b"PK\x03\x04", b" ", b"\t"]


@st.composite
def mutated(draw, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "splice"]))
        n = len(data)
        if op == "flip" and n:
            data[draw(st.integers(0, n - 1))] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[draw(st.integers(0, n)):]
        elif op == "insert":
            at = draw(st.integers(0, n))
            data[at:at] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=8))
        elif op == "delete" and n:
            start = draw(st.integers(0, n - 1))
            del data[start:draw(st.integers(start, min(n, start + 64)))]
        elif op == "splice" and n:
            a, b = sorted((draw(st.integers(0, n)), draw(st.integers(0, n))))
            at = draw(st.integers(0, n))
            data[at:at] = data[a:b][:256]
    return bytes(data)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The real package, once; each example works on a fresh copy."""
    return copy_package(tmp_path_factory.mktemp("fuzz") / "pkg")


PACKAGE_FILES = ["datapackage.json"] + [f"schemas/{t}.json" for t in ("events", "actors", "sources", "claims")] \
    + [f"data/{t}.csv" for t in ("events", "actors", "sources", "claims")]
CSV_FILES = [f for f in PACKAGE_FILES if f.endswith(".csv")]


def files_and_mutation(choices):
    return st.sampled_from(choices).flatmap(
        lambda rel: st.tuples(st.just(rel), mutated((ROOT / rel).read_bytes())))


class Copy:
    """A throw-away copy of the base package with one file replaced."""

    def __init__(self, base: Path, rel: str, data: bytes):
        self.tmp = Path(tempfile.mkdtemp(prefix="fuzz-"))
        self.pkg = self.tmp / "pkg"
        shutil.copytree(base, self.pkg)
        (self.pkg / rel).write_bytes(data)

    def __enter__(self):
        return self.pkg

    def __exit__(self, *exc):
        shutil.rmtree(self.tmp, ignore_errors=True)


def load_cleanly(target):
    try:
        be.load(target)
    except PackageError as exc:
        assert exc.file, str(exc)      # the message names a file


def _names_a_file(result):
    """exit 1 / 2 messages say where: a path or a file name of the package."""
    if result.exit_code in (1, 2):
        assert any(s in result.output for s in (".csv", ".json", ".zip", "pkg", "datapackage")), result.output[-500:]


# --- validate and load() ----------------------------------------------------------------------------

@given(case=files_and_mutation(PACKAGE_FILES), fmt=st.sampled_from(["text", "json", "github"]))
def test_fuzz_validate(base, case, fmt):
    rel, data = case
    with Copy(base, rel, data) as pkg:
        result = invoke("validate", pkg, "--format", fmt)
        _names_a_file(result)


@given(case=files_and_mutation(PACKAGE_FILES))
def test_fuzz_load(base, case):
    rel, data = case
    with Copy(base, rel, data) as pkg:
        load_cleanly(pkg)


@pytest.fixture(scope="module")
def release_zip(tmp_path_factory) -> bytes:
    """A release-shaped zip of the mini package with a Parquet copy of its table."""
    tmp = tmp_path_factory.mktemp("fuzzzip")
    pkg = GEN.write_mini_package(tmp / "pkg")
    lay = GEN.layout()
    return GEN.release_zip(pkg, tmp / "r.zip", extra={f"data/{GEN.TABLE}.parquet": GEN.parquet_bytes(lay)}).read_bytes()


@given(data=st.data())
def test_fuzz_zip(release_zip, data):
    blob = data.draw(mutated(release_zip))
    tmp = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        target = tmp / "release.zip"
        target.write_bytes(blob)
        _names_a_file(invoke("validate", target))
        load_cleanly(target)
        if "verify" in cli.commands:
            _names_a_file(invoke("verify", target))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- the other commands -----------------------------------------------------------------------------

@given(case=files_and_mutation(PACKAGE_FILES), new_side=st.booleans())
def test_fuzz_diff(base, case, new_side):
    rel, data = case
    with Copy(base, rel, data) as pkg:
        args = ("diff", base, pkg) if new_side else ("diff", pkg, base)
        result = invoke(*args)
        if result.exit_code == 2:
            _names_a_file(result)


@given(case=files_and_mutation(PACKAGE_FILES), kind=st.sampled_from(["acled", "ucdp", "geojson", "hxl"]))
def test_fuzz_export(base, case, kind):
    rel, data = case
    with Copy(base, rel, data) as pkg:
        _names_a_file(invoke("export", "--to", kind, pkg))


@given(case=files_and_mutation(["datapackage.json"] + [f for f in PACKAGE_FILES if f.startswith("schemas/")]))
def test_fuzz_codebook(base, case):
    rel, data = case
    with Copy(base, rel, data) as pkg:
        _names_a_file(invoke("codebook", pkg))


@given(case=files_and_mutation(PACKAGE_FILES))
def test_fuzz_verify(base, case):
    rel, data = case
    with Copy(base, rel, data) as pkg:
        _names_a_file(invoke("verify", pkg))


@given(case=files_and_mutation(["datapackage.json"] + CSV_FILES), table=st.sampled_from(["events", "claims"]))
def test_fuzz_next_id(base, case, table):
    rel, data = case
    with Copy(base, rel, data) as pkg:
        invoke("next-id", table, "--year", "2026", "--package", pkg)


def _invalid_only(pkg):
    """build / release / report of a package that still validates is slow and is the other tests'
    business; the fuzz looks at how they refuse broken input."""
    from balochistan_events.validation.engine import validate_package

    with contextlib.suppress(PackageError):
        assume(not validate_package(pkg).valid)


@pytest.mark.parametrize("command", ["build", "release", "report"])
@settings(max_examples=SLOW)
@given(case=files_and_mutation(PACKAGE_FILES))
def test_fuzz_writing_commands_refuse_cleanly(base, command, case, monkeypatch):
    rel, data = case
    with Copy(base, rel, data) as pkg:
        _invalid_only(pkg)
        before = {p: p.read_bytes() for p in sorted(pkg.rglob("*")) if p.is_file()}
        out = pkg.parent / "out"
        args = {"build": ["build", "--out", out, "--date", "2026-01-01"],
                "release": ["release", "--bump", "patch", "--out", out, "--date", "2026-01-01"],
                "report": ["report", "--out", out / "report.html"]}[command]
        with monkeypatch.context() as m:
            m.chdir(pkg)
            result = invoke(*args)
        assert result.exit_code in (1, 2), result.output[-500:]
        _names_a_file(result)
        # refused means refused: nothing written, nothing changed
        assert not out.exists() or not any(out.iterdir())
        assert {p: p.read_bytes() for p in sorted(pkg.rglob("*")) if p.is_file()} == before
