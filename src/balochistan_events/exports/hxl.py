"""HXL-tagged CSV (Humanitarian Exchange Language 1.1): the events table with our column names as the
header and the x-hxl hashtag of each field on the second row, as HXL tools expect.

Rows in event_id order; cells are the package's own text (as in data/events.csv); a field without x-hxl gets an empty
hashtag cell, which HXL tools ignore."""
from __future__ import annotations

from typing import Any

from balochistan_events.exports.common import csv_columns_text, sorted_events, texts

SCOPE = "All events, campaigns and incidents alike (the #event+type+level column tells them apart)."

LIMITATIONS = [
    "Only the events table: figures live in claims, which HXL cannot attach to an event row without "
    "choosing one number; claims.csv carries its own hashtags in schemas/claims.json (x-hxl) for tools that "
    "read them.",
    "Actor columns hold actor_ids (slugs), not names; join actors.csv for names.",
]


def export(ds: Any) -> str:
    res = ds.resources["events"]
    events = sorted_events(ds.events)
    fields = [f for f in res.fields if f["name"] in events]
    header = [f["name"] for f in fields]
    tags = [f.get("x-hxl", "") if isinstance(f.get("x-hxl"), str) else "" for f in fields]
    columns = [texts(events[f["name"]], f) for f in fields]
    return csv_columns_text(header, columns, extra_rows=[tags])
