"""Helpers for the build / release / diff / verify tests: a small valid package (tests/helpers/sample_package.py)
with the real schemas, descriptor and CHANGELOG, optionally inside a throw-away git repository."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

from sample_package import write_sample_package

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}


SAMPLE_CHANGELOG = """# Changelog

All notable changes to this sample package.

## [Unreleased]

### Added
- Sample data for the release tests.
"""


def set_git_identity(monkeypatch) -> None:
    """Commits with a fixed author and committer, and no SOURCE_DATE_EPOCH from the caller's shell."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def make_package(dest: Path, changelog: bool = True) -> Path:
    """The sample package, unreleased, with a changelog holding only an [Unreleased] section (the
    repository's own CHANGELOG has released entries that a sample must not inherit)."""
    write_sample_package(dest)
    if changelog:
        (dest / "CHANGELOG.md").write_text(SAMPLE_CHANGELOG, encoding="utf-8")
    return dest


def git(repo: Path, *args: str, env: dict | None = None) -> str:
    full_env = {**os.environ, **GIT_ENV, "HOME": str(repo), **(env or {})}
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=full_env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def git_repo(dest: Path, tag: str | None = None, date: str = "2026-11-20T12:00:00+00:00") -> Path:
    """A package in a new git repository with one commit (and a tag); dist/ is ignored."""
    make_package(dest)
    (dest / ".gitignore").write_text("/dist/\n")
    git(dest, "init", "-q", "-b", "main")
    commit(dest, "initial package", date)
    if tag:
        git(dest, "tag", "-a", tag, "-m", tag)
    return dest


def commit(repo: Path, message: str, date: str = "2026-11-21T12:00:00+00:00") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, env={"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date})


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (outside .git), with its bytes."""
    out = {}
    for p in sorted(root.rglob("*")):
        if ".git" in p.relative_to(root).parts or not p.is_file():
            continue
        out[str(p.relative_to(root))] = p.read_bytes()
    return out


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def write_rows(path: Path, fields: list[str], rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({f: row.get(f, "") for f in fields})
    path.write_text(buf.getvalue(), encoding="utf-8")


def add_actor(pkg: Path, actor_id: str = "test-group") -> None:
    fields, rows = read_rows(pkg / "data" / "actors.csv")
    rows.append(dict(actor_id=actor_id, name="Test Group", actor_type="rebel_group", acled_inter="2",
                     country_code="PK", description="Test actor added for a release test."))
    write_rows(pkg / "data" / "actors.csv", fields, rows)


def correct_actor(pkg: Path, actor_id: str = "pk-military", text: str = "Corrected test description.") -> None:
    fields, rows = read_rows(pkg / "data" / "actors.csv")
    for row in rows:
        if row["actor_id"] == actor_id:
            row["description"] = text
    write_rows(pkg / "data" / "actors.csv", fields, rows)


def remove_field(pkg: Path, table: str, field: str) -> None:
    schema_path = pkg / "schemas" / f"{table}.json"
    schema = json.loads(schema_path.read_text())
    schema["fields"] = [f for f in schema["fields"] if f["name"] != field]
    schema_path.write_text(json.dumps(schema, indent=2) + "\n")
    fields, rows = read_rows(pkg / "data" / f"{table}.csv")
    write_rows(pkg / "data" / f"{table}.csv", [f for f in fields if f != field], rows)


def edit_schema(pkg: Path, table: str, edit) -> None:
    schema_path = pkg / "schemas" / f"{table}.json"
    schema = json.loads(schema_path.read_text())
    edit(schema)
    schema_path.write_text(json.dumps(schema, indent=2) + "\n")


def field_of(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)
