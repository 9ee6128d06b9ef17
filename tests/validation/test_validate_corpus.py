"""Issue 3 acceptance: every rule, constraint kind and structural check is caught at the right table,
line and field, on a copy of the real package with one mutation each (tests/helpers/validate_corpus.py)."""
from __future__ import annotations

import pytest

from balochistan_events.validation.engine import validate_package
from balochistan_events.validation.problems import Group, codes
from validate_corpus import MUTATIONS

# Codes the corpus of copies of the real package cannot reach: hostile input (tests/hostile covers them),
# a file with no header, and checks made while a row is added (tests/contribute).
NOT_IN_CORPUS = {"empty_file", "too_many_columns", "cell_too_large"}


def test_the_unmutated_package_is_valid(package_copy):
    report = validate_package(package_copy, max_errors=None)
    assert report.error_count == 0, [p.to_dict() for p in report.errors[:5]]


def test_the_corpus_covers_every_code_of_the_catalogue():
    wanted = {c.value for c in codes() if c.group is not Group.CONTRIBUTION} - NOT_IN_CORPUS
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
