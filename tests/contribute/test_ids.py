"""next-id: the next free ID of a table, never one used in any earlier version (git history)."""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import zipfile

import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.contribute.ids import id_scheme, ids_in_csv, next_id, slugify, suggest_slug
from balochistan_events.package.descriptor import read_package
from balochistan_events.package.source import open_source


def run(*args):
    return CliRunner().invoke(cli, list(args))


def rows(pkg, table):
    with open(pkg / "data" / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def schema_pattern(root, table, field):
    schema = json.loads((root / "schemas" / f"{table}.json").read_text())
    return next(f for f in schema["fields"] if f["name"] == field)["constraints"]["pattern"]


def max_serial(ids, rx, year=None):
    best = 0
    for value in ids:
        m = re.fullmatch(rx, value)
        if m and (year is None or int(m.group(1)) == year):
            best = max(best, int(m.group(m.lastindex)))
    return best


def git(cwd, *args):
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def git_repo(pkg):
    git(pkg, "init", "-q", "-b", "main")
    git(pkg, "add", "-A")
    git(pkg, "commit", "-qm", "initial")


def append_line(path, line):
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        data += b"\n"
    path.write_bytes(data + line.encode() + b"\n")


def scheme(root, table):
    src = open_source(root)
    try:
        return id_scheme(read_package(src).resources[table])
    finally:
        src.close()


def test_id_schemes_are_read_from_the_primary_key_patterns(root):
    claims, events = scheme(root, "claims"), scheme(root, "events")
    assert schema_pattern(root, "claims", "claim_id") == "CL-[0-9]{6,8}"
    assert (claims.prefix, claims.yearly, claims.min_digits, claims.max_digits) == ("CL-", False, 6, 8)
    assert (events.prefix, events.yearly, events.min_digits) == ("EV-", True, 4)
    assert claims.format(7) == "CL-000007" and events.format(12, 2024) == "EV-2024-0012"
    assert events.regex.match("EV-2026-0001") and not events.regex.match("EV-26-0001")
    # actors and sources have slug keys: no serial scheme
    assert scheme(root, "actors") is None and scheme(root, "sources") is None


def test_next_claim_id_is_one_past_the_highest_in_the_data(package_copy):
    used = [r["claim_id"] for r in rows(package_copy, "claims")]
    expected = f"CL-{max_serial(used, r'CL-([0-9]+)') + 1:06d}"
    result = run("next-id", "claims", "--package", str(package_copy))
    assert result.exit_code == 0, result.output
    assert result.stdout == expected + "\n"          # only the ID on stdout: ID=$(balochistan-events next-id claims)
    assert "not a git repository" in result.stderr   # a copy outside git knows only the current file
    assert expected not in used


@pytest.mark.parametrize("year", [2024, 2026, 2031])
def test_next_event_id_counts_within_the_year(package_copy, year):
    used = [r["event_id"] for r in rows(package_copy, "events")]
    expected = f"EV-{year}-{max_serial(used, r'EV-([0-9]{4})-([0-9]+)', year) + 1:04d}"
    result = run("next-id", "events", "--year", str(year), "-p", str(package_copy))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == expected


def test_events_need_a_year(package_copy):
    result = run("next-id", "events", "-p", str(package_copy))
    assert result.exit_code == 2
    assert "pass --year YYYY" in result.stderr and "Traceback" not in result.output


def test_ids_removed_in_git_history_are_retired(package_copy):
    """An ID committed once and removed later is never handed out again."""
    claims = package_copy / "data" / "claims.csv"
    events = package_copy / "data" / "events.csv"
    used = [r["claim_id"] for r in rows(package_copy, "claims")]
    retired = max_serial(used, r"CL-([0-9]+)") + 40
    ev_used = [r["event_id"] for r in rows(package_copy, "events")]
    ev_retired = max_serial(ev_used, r"EV-([0-9]{4})-([0-9]+)", 2025) + 7
    original_claims, original_events = claims.read_bytes(), events.read_bytes()
    git_repo(package_copy)
    append_line(claims, f"CL-{retired:06d},EV-2025-0001,x,y,2025-01-01,occurred,unspecified,,,,,,a quote,3,")
    append_line(events, f"EV-2025-{ev_retired:04d}" + "," * 24)
    git(package_copy, "commit", "-qam", "rows that will be removed")
    claims.write_bytes(original_claims)
    events.write_bytes(original_events)
    git(package_copy, "commit", "-qam", "remove them again")
    assert f"CL-{retired:06d}" not in ids_in_csv(claims.read_bytes(), "claim_id")

    result = run("next-id", "claims", "-p", str(package_copy))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"CL-{retired + 1:06d}"
    assert "1 retired ID(s)" in result.stderr and "not a git repository" not in result.stderr

    assert next_id("events", package_copy, year=2025).id == f"EV-2025-{ev_retired + 1:04d}"
    # serials count per year: a retired 2025 serial does not move 2026's counter
    expected_2026 = max_serial(ev_used, r"EV-([0-9]{4})-([0-9]+)", 2026) + 1
    assert next_id("events", package_copy, year=2026).id == f"EV-2026-{expected_2026:04d}"


def test_ids_held_only_by_a_release_tag_are_retired(package_copy):
    """History means every ref: a v* tag whose commit is on no branch still retires its IDs."""
    claims = package_copy / "data" / "claims.csv"
    used = [r["claim_id"] for r in rows(package_copy, "claims")]
    retired = max_serial(used, r"CL-([0-9]+)") + 5
    git_repo(package_copy)
    git(package_copy, "checkout", "-q", "-b", "side")
    append_line(claims, f"CL-{retired:06d},EV-2025-0001,x,y,2025-01-01,occurred,unspecified,,,,,,a quote,3,")
    git(package_copy, "commit", "-qam", "released on a side branch")
    git(package_copy, "tag", "v0.0.1")
    git(package_copy, "checkout", "-q", "main")
    git(package_copy, "branch", "-q", "-D", "side")
    assert next_id("claims", package_copy).id == f"CL-{retired + 1:06d}"
    git(package_copy, "tag", "-d", "v0.0.1")   # no ref holds it any more
    assert next_id("claims", package_copy).id == f"CL-{retired - 5 + 1:06d}"


def test_uncommitted_ids_in_the_working_tree_count(package_copy):
    git_repo(package_copy)
    used = [r["claim_id"] for r in rows(package_copy, "claims")]
    serial = max_serial(used, r"CL-([0-9]+)") + 3
    append_line(package_copy / "data" / "claims.csv",
                f"CL-{serial:06d},EV-2026-0001,x,y,2026-01-01,occurred,unspecified,,,,,,q,3,")
    assert next_id("claims", package_copy).id == f"CL-{serial + 1:06d}"


def test_a_shallow_clone_is_reported(tmp_path, package_copy):
    git_repo(package_copy)
    (package_copy / "data" / "actors.csv").write_bytes((package_copy / "data" / "actors.csv").read_bytes())
    git(package_copy, "commit", "-q", "--allow-empty", "-m", "second")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{package_copy}", str(clone))
    result = run("next-id", "claims", "-p", str(clone))
    assert result.exit_code == 0, result.output
    assert "shallow clone" in result.stderr and "git fetch --unshallow" in result.stderr


def test_slug_tables_explain_and_suggest(package_copy):
    result = run("next-id", "sources", "-p", str(package_copy))
    assert result.exit_code == 2
    assert "slugs chosen by hand" in result.stderr and "--name" in result.stderr

    taken = {r["actor_id"] for r in rows(package_copy, "actors")}
    first = sorted(taken)[0]
    result = run("next-id", "actors", "--name", first.upper().replace("-", " "), "-p", str(package_copy))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{first}-2"     # the plain slug is taken
    result = run("next-id", "sources", "--name", "Dawn, 2026-02-01 (dawn.com)", "-p", str(package_copy))
    assert result.stdout.strip() == "dawn-2026-02-01-dawn-com"


def test_slug_suggestion_skips_retired_slugs(package_copy):
    git_repo(package_copy)
    path = package_copy / "data" / "actors.csv"
    original = path.read_bytes()
    append_line(path, "gone-group,Gone group,,unknown,,,,A group removed again later.")
    git(package_copy, "commit", "-qam", "add")
    path.write_bytes(original)
    git(package_copy, "commit", "-qam", "remove")
    slug, _ = suggest_slug("actors", "Gone Group", package_copy)
    assert slug == "gone-group-2"


def test_slugify():
    assert slugify("Balochistan Liberation Front") == "balochistan-liberation-front"
    assert slugify("  Ça va — Zürich!  ") == "ca-va-zurich"
    assert slugify("a" * 100, max_length=10) == "a" * 10


def test_unknown_table_and_release_zip_are_refused(tmp_path, package_copy):
    result = run("next-id", "nosuch", "-p", str(package_copy))
    assert result.exit_code == 2 and "no table 'nosuch'" in result.stderr
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in package_copy.rglob("*"):
            if f.is_file():
                zf.write(f, f.relative_to(package_copy).as_posix())
    result = run("next-id", "claims", "-p", str(archive))
    assert result.exit_code == 2 and "not on a release zip" in result.stderr
    result = run("next-id", "claims", "-p", str(tmp_path / "missing"))
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_without_git_binary_only_the_file_counts(package_copy, monkeypatch):
    monkeypatch.setenv("PATH", str(package_copy))  # no git on PATH
    assert shutil.which("git") is None
    result = next_id("claims", package_copy)
    assert result.note and "git is not installed" in result.note
