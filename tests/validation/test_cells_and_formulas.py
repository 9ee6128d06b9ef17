"""Issue 15 (cells that escape their row or run as formulas) and the domain rules' edge cases: a CR or
LF inside a cell is an error naming file, line and field; the spreadsheet-formula rule covers leading
whitespace and every string a schema can put into a CSV or workbook; a required text cell of only
whitespace is empty; an incident may stand alone; messages read as English."""
from __future__ import annotations

import pytest

from balochistan_events.validation.engine import validate_package
from validate_corpus import Csv, field_of, schema_edit


def _problems(pkg, rule):
    return [p for p in validate_package(pkg, max_errors=None).problems if p.rule == rule]


def test_a_lone_cr_inside_a_quoted_cell_is_an_error_with_file_line_and_field(package_copy):
    so = Csv(package_copy, "sources")
    # the comma makes the writer quote the cell, so the CR sits inside the quotes and the row stays whole
    so.set(1, "title", so.get(1, "title") + ", then\r=HYPERLINK(1)")
    so.save()
    report = validate_package(package_copy, max_errors=None)
    hits = [p for p in report.problems if p.rule == "line_break"]
    assert [(p.severity, p.file.endswith("data/sources.csv"), p.line, p.field) for p in hits] == \
        [("error", True, so.line_of(1), "title")]
    assert not report.valid
    # the CR is inside a cell, not a line ending: no misleading line_endings warning
    assert not [p for p in report.problems if p.rule == "line_endings"]


def test_cr_line_endings_are_still_reported_beside_a_cr_inside_a_cell(package_copy):
    so = Csv(package_copy, "sources")
    so.set(1, "title", so.get(1, "title") + ", then\r=HYPERLINK(1)")
    so.path.write_bytes(so.text().replace("\n", "\r\n").encode("utf-8"))
    rules = {p.rule for p in validate_package(package_copy, max_errors=None).problems if p.table == "sources"}
    assert {"line_break", "line_endings"} <= rules


def test_an_lf_inside_a_quoted_cell_is_an_error(package_copy):
    cl = Csv(package_copy, "claims")
    cl.set(2, "notes", "first line\nsecond line")
    cl.save()
    hits = _problems(package_copy, "line_break")
    assert [(p.severity, p.line, p.field) for p in hits] == [("error", cl.line_of(2), "notes")]


@pytest.mark.parametrize("prefix", [" ", "  ", "\u00a0", "\u3000 "])
@pytest.mark.parametrize("sign", ["=", "+", "-", "@"])
def test_a_formula_after_leading_whitespace_is_an_error(package_copy, prefix, sign):
    ac = Csv(package_copy, "actors")
    ac.set(0, "description", f"{prefix}{sign}cmd|' /C calc'!A0")
    ac.save()
    hits = _problems(package_copy, "spreadsheet_formula")
    assert [(p.severity, p.line, p.field) for p in hits] == [("error", ac.line_of(0), "description")]


def test_leading_whitespace_before_ordinary_text_is_only_the_whitespace_warning(package_copy):
    ac = Csv(package_copy, "actors")
    ac.set(0, "description", "  an armed group")
    ac.save()
    assert _problems(package_copy, "spreadsheet_formula") == []
    assert [p.severity for p in _problems(package_copy, "whitespace")] == ["warning"]


@pytest.mark.parametrize("key, value", [("trueValues", ["true", "=1+1"]), ("falseValues", ["false", " @SUM(A1)"]),
                                        ("enum", None)])
def test_formula_like_values_in_a_schema_are_errors_naming_the_schema_and_field(package_copy, key, value):
    def edit(schema):
        field = field_of(schema, "civilian_targeting" if value else "geo_precision")
        if value:
            field[key] = value
        else:
            field["constraints"]["enum"] = [*field["constraints"]["enum"], "-district"]
    schema_edit(package_copy, "events", edit)
    hits = _problems(package_copy, "spreadsheet_formula")
    assert len(hits) == 1, hits
    p = hits[0]
    assert (p.table, p.file, p.line, p.severity) == ("events", "schemas/events.json", None, "error")
    assert p.field == ("civilian_targeting" if value else "geo_precision") and key in p.message


def test_formula_like_missing_values_are_errors(package_copy):
    schema_edit(package_copy, "claims", lambda s: s.update(missingValues=["", "-"]))
    hits = _problems(package_copy, "spreadsheet_formula")
    assert [(p.table, p.field, p.value) for p in hits] == [("claims", "missingValues", "-")]


def test_a_required_text_cell_of_only_whitespace_is_an_error(package_copy):
    cl = Csv(package_copy, "claims")
    cl.set(0, "quote", "   ")
    cl.set(1, "quote", "\u00a0\t")
    cl.save()
    hits = _problems(package_copy, "required")
    assert [(p.severity, p.line, p.field) for p in hits] == [("error", cl.line_of(0), "quote"),
                                                            ("error", cl.line_of(1), "quote")]
    assert "only whitespace" in hits[0].message


def test_an_incident_may_stand_alone_but_a_parent_must_be_a_campaign(package_copy):
    ev = Csv(package_copy, "events")
    alone = ev.find(lambda r: r["event_level"] == "incident" and r["parent_event_id"])
    ev.set(alone, "parent_event_id", "")
    under_incident = ev.find(lambda r: r["event_level"] == "incident" and r["parent_event_id"])
    ev.set(under_incident, "parent_event_id", ev.get(alone, "event_id"))
    ev.save()
    hits = _problems(package_copy, "parent_level")
    assert [(p.line, p.field) for p in hits] == [(ev.line_of(under_incident), "parent_event_id")]
    assert "must be a campaign" in hits[0].message


def test_foreign_key_messages_use_the_right_article(package_copy):
    ev = Csv(package_copy, "events")
    ev.set(0, "actor1_id", "no-such-actor")
    ev.save()
    cl = Csv(package_copy, "claims")
    cl.set(0, "source_id", "no-such-source")
    cl.save()
    messages = {p.message for p in _problems(package_copy, "foreign_key")}
    assert messages == {"'no-such-actor' is not an actor_id in actors", "'no-such-source' is not a source_id in sources"}
