"""The codebook: generated from the schemas, complete, deterministic, and committed fresh."""
from __future__ import annotations

import json
import re

from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.exports import KINDS, exporter
from balochistan_events.render.codebook import render_codebook
from balochistan_events.validation.rules import RULES

REGENERATE = "run `balochistan-events codebook --out docs/codebook.md` and commit the result"


def _schemas(root):
    desc = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    return {r["name"]: json.loads((root / r["schema"]).read_text(encoding="utf-8")) for r in desc["resources"]}


def test_committed_codebook_is_fresh(root):
    committed = (root / "docs" / "codebook.md").read_text(encoding="utf-8")
    assert committed == render_codebook(root), f"docs/codebook.md is stale: {REGENERATE}"


def test_codebook_is_deterministic_and_independent_of_where_the_package_is(root, package_copy):
    text = render_codebook(root)
    assert render_codebook(root) == text
    assert render_codebook(package_copy) == text                # no absolute paths, no dates
    assert render_codebook(package_copy / "datapackage.json") == text
    assert str(root) not in text and str(package_copy) not in text


def test_codebook_does_not_depend_on_the_data(package_copy, root):
    (package_copy / "data" / "actors.csv").write_text("actor_id,name\n", encoding="utf-8")   # broken data
    assert render_codebook(package_copy) == render_codebook(root)


def test_every_field_code_and_crosswalk_is_documented(root):
    text = render_codebook(root)
    headings = set(re.findall(r"^### (\S+)$", text, flags=re.M))
    for table, schema in _schemas(root).items():
        assert f"## Table `{table}`" in text
        for f in schema["fields"]:
            assert f"{table}.{f['name']}" in headings, f"no section for {table}.{f['name']}"
            section = text.split(f"### {table}.{f['name']}\n", 1)[1].split("\n### ", 1)[0]
            assert f.get("description", "") in section
            assert f"- Type: {f.get('type', 'string')}" in section
            for cat in f.get("categories", []):
                value = cat["value"] if isinstance(cat, dict) else cat
                assert f"| `{value}` |" in section, f"code {value!r} of {table}.{f['name']} missing"
                if isinstance(cat, dict) and cat.get("label"):
                    assert cat["label"].replace("|", "\\|") in section
            for peer in ("acled", "ucdp", "hxl"):
                prop = f.get(f"x-{peer}")
                if prop is not None:
                    column = prop if isinstance(prop, str) else prop["field"]
                    assert f"`{column}`" in section, f"x-{peer} of {table}.{f['name']} missing"
            for tag, meaning in f.get("x-vocabulary", {}).items():
                assert f"| `{tag}` | {meaning} |" in text


def test_rules_and_export_limitations_are_listed(root):
    text = render_codebook(root)
    for rule in RULES.values():
        assert f"| `{rule.name}` | {rule.table} |" in text
    for kind in KINDS:
        module = exporter(kind)
        assert module.SCOPE in text
        for limitation in module.LIMITATIONS:
            assert limitation in text
    assert exporter("acled").FATALITY_RULE_TEXT in text and exporter("ucdp").ESTIMATE_RULE_TEXT in text
    for column in exporter("acled").COLUMNS + exporter("ucdp").COLUMNS:
        assert f"| `{column}` |" in text


def test_a_schema_change_shows_in_the_codebook(package_copy, root):
    path = package_copy / "schemas" / "events.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"][0]["description"] = "A changed description for the freshness test."
    path.write_text(json.dumps(schema), encoding="utf-8")
    text = render_codebook(package_copy)
    assert text != render_codebook(root) and "A changed description for the freshness test." in text


def test_cli_codebook_stdout_and_out(root, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["codebook", str(root)])
    assert res.exit_code == 0 and res.output == render_codebook(root)
    out = tmp_path / "docs" / "codebook.md"
    res = runner.invoke(cli, ["codebook", str(root), "--out", str(out)])
    assert res.exit_code == 0 and out.read_text(encoding="utf-8") == render_codebook(root)
    assert [p.name for p in out.parent.iterdir()] == ["codebook.md"]


def test_cli_codebook_on_a_broken_package_exits_2(tmp_path):
    (tmp_path / "datapackage.json").write_text("{not json", encoding="utf-8")
    res = CliRunner().invoke(cli, ["codebook", str(tmp_path)])
    assert res.exit_code == 2 and "datapackage.json" in res.output and "Traceback" not in res.output
