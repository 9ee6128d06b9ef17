"""Issue 3 acceptance: every rule, constraint kind and structural check is caught at the right table,
line and field, on a copy of the real package with one mutation each (tests/helpers/validate_corpus.py)."""
from __future__ import annotations

import pytest

from balochistan_events.validation.constraints import CONSTRAINTS, FIELD_CONSTRAINTS
from balochistan_events.validation.engine import validate_package
from balochistan_events.validation.rules import RULES
from validate_corpus import MUTATIONS

STRUCTURAL = ["missing_column", "extra_column", "duplicate_column", "column_order", "ragged_row", "blank_row",
              "encoding", "bom", "type", "line_endings", "control_character", "bidi_control", "csv_syntax"]
KEYS = ["required", "unique", "primary_key", "unique_keys", "foreign_key"]


def test_the_unmutated_package_is_valid(package_copy):
    report = validate_package(package_copy, max_errors=None)
    assert report.error_count == 0, [p.to_dict() for p in report.errors[:5]]


def test_the_corpus_covers_every_rule_constraint_and_structural_check():
    wanted = set(RULES) | {spec[0] for spec in CONSTRAINTS.values()} | {spec[0] for spec in FIELD_CONSTRAINTS.values()} \
        | set(STRUCTURAL) | set(KEYS)
    covered = {w for w in wanted if any(name == w or name.startswith(w + "_") for name in MUTATIONS)}
    assert wanted - covered == set()


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_mutation_is_reported_at_its_table_line_and_field(name, package_copy):
    expect = MUTATIONS[name](package_copy)
    assert name == expect.rule or name.startswith(expect.rule + "_") or name == "bom"
    report = validate_package(package_copy, max_errors=None)
    here = [p for p in report.problems if p.table == expect.table and p.line == expect.line]
    match = [p for p in here if p.rule == expect.rule and p.field == expect.field]
    assert match, (expect, [(p.field, p.rule, p.message) for p in here][:10])
    p = match[0]
    assert p.severity == expect.severity
    assert p.file.endswith(f"data/{expect.table}.csv")
    assert p.message and p.hint, p
    if expect.severity == "error":
        assert not report.valid
    else:
        assert report.valid and not validate_package(package_copy, strict=True).valid
