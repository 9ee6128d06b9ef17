"""The one place that decides the date stamped into outputs (release zips, the report, the workbook), so
that the same inputs give the same bytes: an explicit date, else SOURCE_DATE_EPOCH (the reproducible-
builds convention), else a fallback each caller chooses (the last commit, the descriptor's `created`)."""
from __future__ import annotations

import datetime as dt
import os
from typing import Any

from balochistan_events.errors import PackageError

UTC = dt.timezone.utc


def parse_date(text: str) -> dt.datetime:
    """A strict YYYY-MM-DD as midnight UTC."""
    try:
        day = dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise PackageError(f"date {text!r} is not YYYY-MM-DD") from None
    if len(text) != 10:
        raise PackageError(f"date {text!r} is not YYYY-MM-DD")
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)


def to_utc(value: str | dt.date | dt.datetime) -> dt.datetime:
    """A date (midnight), a datetime (naive means UTC) or a YYYY-MM-DD string, as an aware UTC datetime."""
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    return parse_date(value)


def from_environment() -> dt.datetime | None:
    """SOURCE_DATE_EPOCH as a UTC datetime; None when unset; a clean error when it is not whole seconds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    if not epoch.isdigit():
        raise PackageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds")
    return dt.datetime.fromtimestamp(int(epoch), tz=UTC)


def from_created(descriptor: dict[str, Any]) -> dt.datetime | None:
    """The descriptor's `created` (ISO 8601) as a UTC datetime; None when absent or unreadable."""
    created = descriptor.get("created")
    if not isinstance(created, str) or not created.strip():
        return None
    text = created.strip()
    try:
        return to_utc(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        try:
            return parse_date(text[:10])
        except PackageError:
            return None


def output_date(date: str | dt.date | dt.datetime | None, fallback: dt.datetime | None) -> dt.datetime | None:
    """The explicit date, else SOURCE_DATE_EPOCH, else `fallback`."""
    if date:
        return to_utc(date)
    return from_environment() or fallback
