"""Parity with the reference implementation: on every package of the corruption corpus, everything
frictionless-py (5.x, Python API) reports, we report too, in the same table at the same line.

frictionless numbers rows as records (header = 1, blank lines counted); that equals our file line
unless a quoted cell spans lines, so its row numbers are translated through the file's own record
-> line map before comparing (test_row_numbers_are_file_lines checks both cases)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from balochistan_events.validation.engine import validate_package
from validate_corpus import MUTATIONS, Csv

frictionless = pytest.importorskip("frictionless")

LABEL_ERRORS = {"missing-label", "extra-label", "duplicate-label", "incorrect-label", "blank-label"}


def record_lines(path: Path) -> dict[int, int]:
    """frictionless row number (1-based record, header = 1) -> file line the record starts on."""
    text = path.read_bytes().decode("utf-8", "replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    out, start = {}, 1
    try:
        for k, _ in enumerate(reader, start=1):
            out[k] = start
            start = reader.line_num + 1
    except csv.Error:
        pass
    return out


def frictionless_errors(pkg: Path):
    report = frictionless.validate(str(pkg / "datapackage.json"))
    found = []
    for task in report.tasks:
        for e in task.errors:
            found.append((task.name, e.type, getattr(e, "row_number", None), getattr(e, "field_name", None), e.message))
    found += [(None, e.type, None, None, e.message) for e in report.errors]
    return found


def assert_we_find_everything_frictionless_finds(pkg: Path):
    ours = validate_package(pkg, max_errors=None)
    at = {(p.table, p.line) for p in ours.problems}
    rules_by_table = {(p.table, p.rule) for p in ours.problems}
    theirs = frictionless_errors(pkg)
    missed = []
    for table, etype, row, field, message in theirs:
        if etype in LABEL_ERRORS:
            ok = (table, 1) in at
        elif row is not None:
            line = record_lines(pkg / "data" / f"{table}.csv").get(row, row)
            ok = (table, line) in at
        elif etype == "encoding-error":
            # frictionless also reports it on tables whose foreign keys read the broken file
            ok = any(rule == "encoding" for _, rule in rules_by_table)
        else:
            ok = table in {t for t, _ in at} or not ours.valid
        if not ok:
            missed.append((table, etype, row, field, message[:120]))
    assert not missed, missed
    return ours, theirs


def test_the_real_package_is_valid_for_both(package_copy):
    ours, theirs = assert_we_find_everything_frictionless_finds(package_copy)
    assert theirs == [] and ours.error_count == 0


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_we_find_everything_frictionless_finds(name, package_copy):
    expect = MUTATIONS[name](package_copy)
    ours, theirs = assert_we_find_everything_frictionless_finds(package_copy)
    # and we always find the mutation itself, whether frictionless does or not
    assert any(p.table == expect.table and p.line == expect.line and p.rule == expect.rule for p in ours.problems)


def test_row_numbers_are_file_lines(package_copy):
    """frictionless' rowNumber is the file line when no cell spans lines; when one does, ours stays
    the file line (what an editor shows) and frictionless' counts records."""
    so = Csv(package_copy, "sources")
    last = len(so.rows) - 1
    so.set(last, "language", "english")                        # pattern error on the last row
    so.save()
    theirs = [e for e in frictionless_errors(package_copy) if e[1] == "constraint-error"]
    ours = [p for p in validate_package(package_copy).problems if p.rule == "pattern"]
    assert [e[2] for e in theirs] == [p.line for p in ours] == [so.line_of(last)]

    so.set(0, "notes", "first line\nsecond line")              # a quoted cell spanning two lines
    so.save()
    theirs = [e for e in frictionless_errors(package_copy) if e[1] == "constraint-error"]
    ours = [p for p in validate_package(package_copy).problems if p.rule == "pattern"]
    assert ours[0].line == so.line_of(last) == theirs[0][2] + 1
    assert record_lines(package_copy / "data" / "sources.csv")[theirs[0][2]] == ours[0].line
