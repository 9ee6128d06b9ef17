"""One date resolver for every output that carries a date (release zip, report, workbook)."""
from __future__ import annotations

import datetime as dt

import pytest

from balochistan_events.errors import PackageError
from balochistan_events.exports.xlsx import workbook_date
from balochistan_events.package.dates import from_created, output_date, parse_date
from balochistan_events.release.build import resolve_date
from balochistan_events.render.report.data import report_date

UTC = dt.timezone.utc
DESC = {"created": "2026-11-23T00:00:00Z"}


def test_an_explicit_date_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1770681600")
    assert output_date("2026-03-01", None) == dt.datetime(2026, 3, 1, tzinfo=UTC)
    assert resolve_date("2026-03-01") == dt.datetime(2026, 3, 1, tzinfo=UTC)
    assert report_date("2026-03-01", DESC) == dt.date(2026, 3, 1)


def test_source_date_epoch_is_used_alike_by_every_output(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1770681600")
    expected = dt.datetime(2026, 2, 10, tzinfo=UTC)
    assert resolve_date(None) == expected
    assert workbook_date(DESC) == expected
    assert report_date(None, DESC) == expected.date()


def test_without_the_environment_the_report_and_workbook_follow_created(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert workbook_date(DESC) == dt.datetime(2026, 11, 23, tzinfo=UTC)
    assert report_date(None, DESC) == dt.date(2026, 11, 23)
    assert workbook_date({}) == dt.datetime(1980, 1, 1, tzinfo=UTC)
    assert from_created({"created": "not a date"}) is None


@pytest.mark.parametrize("text", ["2026-2-1", "01/02/2026", "2026-02-30", ""])
def test_malformed_dates_are_clean_errors(text):
    with pytest.raises(PackageError, match="not YYYY-MM-DD"):
        parse_date(text)


def test_a_malformed_source_date_epoch_is_a_clean_error_everywhere(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "12.5")
    for call in (lambda: resolve_date(None), lambda: workbook_date(DESC), lambda: report_date(None, DESC)):
        with pytest.raises(PackageError, match="SOURCE_DATE_EPOCH"):
            call()
