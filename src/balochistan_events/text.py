"""Wording shared by messages, changelogs and the report."""
from __future__ import annotations


def plural(count: int, noun: str, *, grouped: bool = False) -> str:
    """'1 row', '2 rows'; with grouped, thousands are separated ('12,000 events')."""
    number = f"{count:,}" if grouped else str(count)
    return f"{number} {noun}" if count == 1 else f"{number} {noun}s"
