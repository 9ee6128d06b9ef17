"""Shared helpers for tests/hostile/ (issue 7): run a command on hostile input and check
that it failed cleanly: exit 0/1/2, no traceback, no masked internal error, bounded output."""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

from click.testing import CliRunner

from balochistan_events.cli import cli

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "hostile"
MAX_OUTPUT_BYTES = 1024 * 1024  # what any command may print for one hostile input, whatever its size


def generator():
    """scripts/make_hostile_fixtures.py as a module (it builds the cases from the real schemas)."""
    name = "make_hostile_fixtures"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def assert_clean(result, max_output: int = MAX_OUTPUT_BYTES):
    """The command ended on purpose (exit 0, 1 or 2, or 130 for Ctrl-C) and said so briefly, without a
    traceback."""
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"uncaught {type(exc).__name__}: {exc}"
    assert result.exit_code in (0, 1, 2, 130), result.exit_code
    out = result.output
    assert "Traceback" not in out, out[-2000:]
    # SafeGroup turns unexpected exceptions into exit 2 "internal error": clean for users, but a bug here
    assert "internal error" not in out, out[-2000:]
    assert len(out.encode("utf-8", "replace")) <= max_output, f"{len(out)} characters of output"
    # no raw control characters: an ESC from a cell would drive the terminal, a CR overwrite a line
    bad = re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", out)
    assert bad is None, f"raw control character {bad.group()!r} in output: {out[max(bad.start() - 80, 0):bad.start() + 20]!r}"
    for line in out.splitlines():
        assert not line.startswith("::") or line.startswith(("::error ", "::warning ", "::notice ")), line[:200]
    return result


def invoke(*args, max_output: int = MAX_OUTPUT_BYTES, **kwargs):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True, **kwargs)
    return assert_clean(result, max_output)


def validate_json(target, *extra):
    """(exit code, parsed JSON report, stderr) of `validate --format json`."""
    result = invoke("validate", target, "--format", "json", *extra)
    report = json.loads(result.stdout) if result.stdout.strip() else None
    return result.exit_code, report, result.stderr


def find(report: dict, rule: str, severity: str = "error") -> list[dict]:
    key = "errors" if severity == "error" else "warnings"
    return [p for p in report[key] if p["rule"] == rule]


def mini_package(dest: Path, csv_bytes: bytes | None = None, descriptor_bytes: bytes | None = None,
                 schema_bytes: bytes | None = None) -> Path:
    """A one-table package (the generator's TABLE) with one part replaced by hostile bytes."""
    gen = generator()
    gen.write_mini_package(dest, csv_bytes=csv_bytes, descriptor_bytes=descriptor_bytes)
    if schema_bytes is not None:
        (dest / "schemas" / f"{gen.TABLE}.json").write_bytes(schema_bytes)
    return dest


def fixture(rel: str) -> bytes:
    return (FIXTURES / rel).read_bytes()
