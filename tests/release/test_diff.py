"""Issue 4: `diff` — rows by primary key with field-level before/after, schema changes, and the minimum
version bump of the Data Package version recipe."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.release.build import build_zip
from balochistan_events.release.diff import compare_constraint, diff_packages
from release_helpers import (
    add_actor,
    commit,
    correct_actor,
    edit_schema,
    field_of,
    git_repo,
    make_package,
    read_rows,
    remove_field,
    write_rows,
)


@pytest.fixture
def pair(tmp_path):
    old = make_package(tmp_path / "old")
    new = tmp_path / "new"
    shutil.copytree(old, new)
    return old, new


def run(*args):
    return CliRunner().invoke(cli, ["diff", *map(str, args)])


def test_identical_packages_exit_0(pair):
    old, new = pair
    result = run(old, new)
    assert result.exit_code == 0, result.output
    assert "no differences" in result.output
    data = json.loads(run(old, new, "--format", "json").output)
    assert data["identical"] is True and data["bump"] is None


def test_a_built_release_equals_its_source(pair, tmp_path):
    """Release bookkeeping (created, bytes, hash, manifest, the derived table) is not a difference."""
    old, _ = pair
    built = build_zip(old, "2026-11-23")
    zip_path = tmp_path / built.name
    zip_path.write_bytes(built.data)
    result = run(old, zip_path)
    assert result.exit_code == 0, result.output
    result = run(zip_path, zip_path)
    assert result.exit_code == 0, result.output


def test_a_removed_field_needs_a_major_bump(pair):
    old, new = pair
    remove_field(new, "claims", "notes")
    d = diff_packages(old, new)
    assert d.bump == "major"
    assert any(c.kind == "field_removed" and c.field == "notes" and c.table == "claims" for c in d.changes)
    result = run(old, new)
    assert result.exit_code == 1
    assert "MAJOR" in result.output and "notes removed" in result.output


def test_added_rows_need_a_minor_bump(pair):
    old, new = pair
    add_actor(new, "test-group")
    d = diff_packages(old, new)
    assert d.bump == "minor"
    assert d.tables["actors"].added == ["test-group"]
    assert d.tables["actors"].removed == [] and d.tables["actors"].changed == []
    assert {t for t, td in d.tables.items() if td.status == "changed"} == {"actors"}


def test_a_corrected_value_needs_a_patch_with_before_and_after(pair):
    old, new = pair
    before = next(r for r in read_rows(old / "data" / "actors.csv")[1] if r["actor_id"] == "pk-military")["description"]
    correct_actor(new, "pk-military", "Corrected test description.")
    d = diff_packages(old, new)
    assert d.bump == "patch"
    assert d.tables["actors"].changed == [{"key": "pk-military", "fields": {
        "description": {"before": before, "after": "Corrected test description."}}}]
    data = json.loads(run(old, new, "--format", "json").output)
    assert data["bump"] == "patch"
    assert data["tables"]["actors"]["changed"][0]["fields"]["description"]["after"] == "Corrected test description."


def test_typed_values_are_compared_as_values_and_reported_typed(pair):
    old, new = pair
    fields, rows = read_rows(new / "data" / "claims.csv")
    row = next(r for r in rows if r["value_best"])
    key, best = row["claim_id"], int(row["value_best"])
    row["value_best"] = str(best + 1)
    if row["value_high"]:
        row["value_high"] = str(max(int(row["value_high"]), best + 1))
    write_rows(new / "data" / "claims.csv", fields, rows)
    d = diff_packages(old, new)
    changed = {r["key"]: r["fields"] for r in d.tables["claims"].changed}
    assert changed[key]["value_best"] == {"before": best, "after": best + 1}
    # empty cells of a typed column are None on both sides, not a change
    assert all("value_low" not in f or f["value_low"]["before"] != f["value_low"]["after"] for f in changed.values())


def test_removed_rows_of_a_referenced_table_need_major_and_of_claims_a_patch(pair):
    old, new = pair
    fields, rows = read_rows(new / "data" / "claims.csv")
    write_rows(new / "data" / "claims.csv", fields, rows[:-1])
    d = diff_packages(old, new)
    assert d.tables["claims"].removed == [rows[-1]["claim_id"]]
    assert d.bump == "patch"                      # nothing refers to claims: a withdrawn record
    fields, rows = read_rows(new / "data" / "sources.csv")
    write_rows(new / "data" / "sources.csv", fields, rows[:-1])
    d = diff_packages(old, new)
    assert d.bump == "major"                      # claims refer to sources
    assert any(c.kind == "rows_removed" and c.table == "sources" and c.level == "major" for c in d.changes)


def test_schema_changes_and_their_bumps(pair):
    old, new = pair
    cases = [
        # (edit, expected bump, expected kind)
        (lambda s: field_of(s, "notes").update(description="Reworded."), "patch", "field_metadata"),
        (lambda s: field_of(s, "notes").update(name="remarks"), "major", "field_renamed"),
        (lambda s: field_of(s, "credibility").update(type="number"), "major", "field_retyped"),
        (lambda s: field_of(s, "subject")["constraints"]["enum"].append("journalists"), "minor", "constraint_loosened"),
        (lambda s: field_of(s, "subject")["constraints"]["enum"].remove("vehicles"), "major", "constraint_tightened"),
        (lambda s: field_of(s, "notes").setdefault("constraints", {}).update(maxLength=100), "major",
         "constraint_tightened"),
        (lambda s: field_of(s, "quote")["constraints"].update(maxLength=field_of(s, "quote")["constraints"]
                                                              .get("maxLength", 200) + 100), "minor", "constraint_loosened"),
        (lambda s: s["fields"].insert(len(s["fields"]), {"name": "extra", "type": "string"}), "major", "field_added"),
    ]
    for edit, bump, kind in cases:
        shutil.rmtree(new)
        shutil.copytree(old, new)
        edit_schema(new, "claims", edit)
        if kind in ("field_renamed", "field_added"):
            fields, rows = read_rows(new / "data" / "claims.csv")
            schema = json.loads((new / "schemas" / "claims.json").read_text())
            names = [f["name"] for f in schema["fields"]]
            for r in rows:
                if "remarks" in names:
                    r["remarks"] = r.pop("notes")
            write_rows(new / "data" / "claims.csv", names, rows)
        d = diff_packages(old, new)
        assert d.bump == bump, (kind, [c.message for c in d.changes])
        assert any(c.kind == kind for c in d.changes), (kind, [c.message for c in d.changes])


def test_a_renamed_field_keeps_its_values_paired(pair):
    old, new = pair
    edit_schema(new, "claims", lambda s: field_of(s, "notes").update(name="remarks"))
    fields, rows = read_rows(new / "data" / "claims.csv")
    for r in rows:
        r["remarks"] = r.pop("notes")
    write_rows(new / "data" / "claims.csv", ["remarks" if f == "notes" else f for f in fields], rows)
    d = diff_packages(old, new)
    assert [c.kind for c in d.changes] == ["field_renamed"]
    assert d.tables["claims"].changed == []


def test_metadata_changes_are_patch_and_name_changes_major(pair):
    old, new = pair
    desc = json.loads((new / "datapackage.json").read_text())
    desc["description"] = "Reworded description."
    desc["version"] = "9.9.9"                     # the version is not itself a change
    (new / "datapackage.json").write_text(json.dumps(desc, indent=2))
    d = diff_packages(old, new)
    assert d.bump == "patch" and [c.kind for c in d.changes] == ["metadata"]
    desc["name"] = "another-name"
    (new / "datapackage.json").write_text(json.dumps(desc, indent=2))
    assert diff_packages(old, new).bump == "major"


def test_a_resource_added_is_minor_and_removed_is_major(pair):
    old, new = pair
    desc = json.loads((new / "datapackage.json").read_text())
    extra = dict(desc["resources"][1], name="actors_copy", path="data/actors_copy.csv")
    shutil.copy2(new / "data" / "actors.csv", new / "data" / "actors_copy.csv")
    desc["resources"].append(extra)
    (new / "datapackage.json").write_text(json.dumps(desc, indent=2))
    assert diff_packages(old, new).bump == "minor"
    assert diff_packages(new, old).bump == "major"


@pytest.mark.parametrize("key,old,new,expected", [
    ("required", False, True, "tightened"), ("required", True, False, "loosened"), ("required", None, False, None),
    ("minimum", 0, 1, "tightened"), ("minimum", 1, 0, "loosened"), ("minimum", None, 0, "tightened"),
    ("maximum", 10, 5, "tightened"), ("maximum", 5, 10, "loosened"), ("maximum", 5, None, "loosened"),
    ("maxLength", 200, 100, "tightened"), ("minLength", 1, 2, "tightened"),
    ("enum", ["a", "b"], ["a"], "tightened"), ("enum", ["a"], ["a", "b"], "loosened"),
    ("enum", ["a", "b"], ["a", "c"], "tightened"), ("enum", ["a", "b"], ["b", "a"], None),
    ("pattern", "[a-z]+", "[a-z0-9]+", "tightened"), ("pattern", None, "x", "tightened"), ("pattern", "x", None, "loosened"),
])
def test_compare_constraint(key, old, new, expected):
    assert compare_constraint(key, old, new) == expected


def test_text_and_markdown_show_field_level_changes(pair):
    old, new = pair
    correct_actor(new, "pk-military", "Corrected | piped text.")
    add_actor(new, "test-group")
    text = run(old, new).output
    assert "minimum version bump: MINOR" in text
    assert "+ test-group" in text and "~ pk-military" in text and "-> Corrected | piped text." in text
    md = run(old, new, "--format", "markdown").output
    assert "**Minimum version bump: MINOR**" in md
    assert "| `pk-military` | description |" in md and "Corrected \\| piped text." in md


def test_git_refs_on_either_side(tmp_path, monkeypatch):
    repo = git_repo(tmp_path / "repo", tag="v0.1.0")
    add_actor(repo, "test-group")
    commit(repo, "add an actor")
    correct_actor(repo, "pk-military")                 # uncommitted: only in the working tree
    monkeypatch.chdir(repo)
    data = json.loads(run("v0.1.0", "HEAD", "--format", "json").output)
    assert data["bump"] == "minor" and data["tables"]["actors"]["added"] == ["test-group"]
    assert data["tables"]["actors"]["changed"] == []
    data = json.loads(run("HEAD", ".", "--format", "json").output)
    assert data["bump"] == "patch" and data["tables"]["actors"]["changed"][0]["key"] == "pk-military"
    result = run("v0.1.0", "v0.1.0")
    assert result.exit_code == 0


def test_a_git_ref_in_a_package_subdirectory(tmp_path, monkeypatch):
    from release_helpers import git

    root = tmp_path / "repo"
    make_package(root / "package")
    git(root, "init", "-q", "-b", "main")
    commit(root, "package in a subdirectory")
    git(root, "tag", "v1.0.0")
    add_actor(root / "package")
    monkeypatch.chdir(root / "package")
    data = json.loads(run("v1.0.0", ".", "--format", "json").output)
    assert data["bump"] == "minor"


def test_what_cannot_be_compared_exits_2(pair, tmp_path, monkeypatch):
    old, new = pair
    monkeypatch.chdir(tmp_path)
    result = run(old, "no-such-ref-or-dir")
    assert result.exit_code == 2
    assert "no-such-ref-or-dir" in result.output and "Traceback" not in result.output
    fields, rows = read_rows(new / "data" / "actors.csv")
    write_rows(new / "data" / "actors.csv", fields, rows + [rows[0]])       # duplicate primary key
    result = run(old, new)
    assert result.exit_code == 2
    assert rows[0]["actor_id"] in result.output


def test_rows_in_another_order_with_same_values_in_other_words_are_unchanged(pair):
    """Rows are paired by key whatever their order; a cell whose text differs but whose value is the
    same ("+5" for 5) is not a change; a retyped field compares every cell, not only those whose text differs."""
    old, new = pair
    fields, rows = read_rows(new / "data" / "claims.csv")
    row = next(r for r in rows if r["value_best"])
    row["value_best"] = "+" + row["value_best"]
    moved = next(r for r in rows if r is not row and r["value_best"])
    moved_key, moved_best = moved["claim_id"], int(moved["value_best"])
    moved["value_best"] = str(moved_best + 1)
    if moved["value_high"]:
        moved["value_high"] = str(max(int(moved["value_high"]), moved_best + 1))
    write_rows(new / "data" / "claims.csv", fields, list(reversed(rows)))
    d = diff_packages(old, new)
    changed = {r["key"]: r["fields"] for r in d.tables["claims"].changed}
    assert row["claim_id"] not in changed
    assert changed[moved_key]["value_best"] == {"before": moved_best, "after": moved_best + 1}
    # changed keys are listed in the new file's row order
    order = [r["claim_id"] for r in reversed(rows)]
    assert [r["key"] for r in d.tables["claims"].changed] == sorted(changed, key=order.index)
    edit_schema(new, "claims", lambda s: field_of(s, "credibility").update(type="string"))
    d = diff_packages(old, new)
    assert any(c.kind == "field_retyped" for c in d.changes)
    assert not any("credibility" in r["fields"] for r in d.tables["claims"].changed)
