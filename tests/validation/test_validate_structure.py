"""Header checks honour Table Schema v2 fieldsMatch: exact, equal, subset, superset, partial."""
from __future__ import annotations

import pytest

from balochistan_events.validation.engine import validate_package
from validate_corpus import Csv, schema_edit


def header_rules(pkg):
    report = validate_package(pkg, max_errors=None)
    return sorted({p.rule for p in report.problems if p.table == "actors" and p.line == 1}), report


def reorder(pkg):
    ac = Csv(pkg, "actors")
    a, b = ac.col("aliases"), ac.col("description")
    for r in [ac.header] + ac.rows:
        r[a], r[b] = r[b], r[a]
    ac.save()


def add_column(pkg):
    ac = Csv(pkg, "actors")
    ac.header.append("website")
    for r in ac.rows:
        r.append("")
    ac.save()


def drop_column(pkg, name="aliases"):
    ac = Csv(pkg, "actors")
    k = ac.col(name)
    for r in [ac.header] + ac.rows:
        r.pop(k)
    ac.save()


CASES = [
    # mode, change, header rules expected
    ("exact", reorder, ["column_order"]),
    ("equal", reorder, []),
    ("exact", add_column, ["extra_column"]),
    ("equal", add_column, ["extra_column"]),
    ("subset", add_column, []),
    ("superset", add_column, ["extra_column"]),
    ("exact", drop_column, ["missing_column"]),
    ("subset", drop_column, ["missing_column"]),
    ("superset", drop_column, []),
    ("partial", drop_column, []),
]


@pytest.mark.parametrize("mode,change,expected", CASES, ids=[f"{m}-{c.__name__}" for m, c, _ in CASES])
def test_fields_match(mode, change, expected, package_copy):
    schema_edit(package_copy, "actors", lambda s: s.update(fieldsMatch=mode))
    change(package_copy)
    rules, report = header_rules(package_copy)
    assert rules == expected


def test_reordered_columns_are_read_by_name_under_equal(package_copy):
    """Under fieldsMatch equal, a reordered file is checked column by column by name: a bad cell is
    still reported under its own field."""
    schema_edit(package_copy, "actors", lambda s: s.update(fieldsMatch="equal"))
    reorder(package_copy)
    ac = Csv(package_copy, "actors")
    ac.set(0, "description", "short")                         # minLength 10
    ac.save()
    report = validate_package(package_copy)
    assert [(p.line, p.field, p.rule) for p in report.errors] == [(2, "description", "min_length")]


def test_partial_needs_at_least_one_schema_column(package_copy):
    schema_edit(package_copy, "actors", lambda s: s.update(fieldsMatch="partial"))
    (package_copy / "data" / "actors.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    rules, _ = header_rules(package_copy)
    assert "missing_column" in rules
