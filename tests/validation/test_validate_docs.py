"""docs/validation.md lists every problem code, generated from the catalogue (validation/problems.py)."""
from __future__ import annotations

import subprocess
import sys

from balochistan_events.validation.problems import Code, codes
from balochistan_events.validation.problems_doc import BEGIN, END, render_validation_doc
from balochistan_events.validation.rules import RULES

REGENERATE = "run `python scripts/make_validation_doc.py` and commit docs/validation.md"


def test_the_tables_of_problems_are_fresh(root):
    committed = (root / "docs" / "validation.md").read_text(encoding="utf-8")
    assert committed == render_validation_doc(committed), f"docs/validation.md is stale: {REGENERATE}"


def test_every_code_is_documented_with_its_severity_and_hint(root):
    doc = (root / "docs" / "validation.md").read_text(encoding="utf-8")
    generated = doc[doc.index(BEGIN):doc.index(END)]
    for c in codes():
        row = next((line for line in generated.splitlines() if line.startswith(f"| `{c.value}` |")), None)
        assert row is not None, c
        assert f"| {c.severity}" in row and c.hint.replace("|", "\\|") in row, row
    assert "`retired_id`" in generated and "`blank_column`" in generated


def test_every_rule_is_a_catalogue_code_and_every_rule_code_has_a_rule():
    assert set(RULES) == {c.value for c in Code if c.group == "rule"}


def test_a_changed_title_shows_in_the_page(root, monkeypatch):
    page = (root / "docs" / "validation.md").read_text(encoding="utf-8")
    monkeypatch.setattr(Code.DATE_ORDER, "title", "a changed title for the freshness test")
    assert "a changed title for the freshness test" in render_validation_doc(page)


def test_the_script_checks_and_writes_the_page(root, tmp_path):
    script = root / "scripts" / "make_validation_doc.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
