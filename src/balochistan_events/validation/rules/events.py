"""Rules on the events table: dates, the campaign / incident levels, the ACLED taxonomy, tags and
near-duplicates. Parameters that describe columns come from the schema (x-belongs-to, x-vocabulary)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.package.tables import TableData
from balochistan_events.validation.kernels import lookup, repeats, scalar, true_mask, valid
from balochistan_events.validation.problems import Code
from balochistan_events.validation.rules.base import Context, rule


@rule(Code.DATE_ORDER, table="events", columns=("date_start", "date_end"))
def date_order(ctx: Context, t: TableData) -> None:
    start, end = t.typed["date_start"], t.typed["date_end"]
    ctx.flag(t, "date_end", Code.DATE_ORDER, true_mask(pc.less(end, start)),
             lambda i, v: f"date_end {v} is before date_start {scalar(start, i)}")


@rule(Code.PARENT_LEVEL, table="events", columns=("event_id", "parent_event_id", "event_level"))
def parent_level(ctx: Context, t: TableData) -> None:
    # An incident may stand alone (no parent); when it has one, the parent is a campaign.
    parents, level = t.typed["parent_event_id"], t.typed["event_level"]
    is_incident = true_mask(pc.equal(level, "incident"))
    is_campaign = true_mask(pc.equal(level, "campaign"))
    p_level = level.take(ctx.index(t, "parent_event_id", t, "event_id"))
    ctx.flag(t, "parent_event_id", Code.PARENT_LEVEL, is_incident & true_mask(pc.not_equal(p_level, "campaign")),
             lambda i, v: f"parent {v} is an incident; an incident's parent must be a campaign")
    ctx.flag(t, "parent_event_id", Code.PARENT_LEVEL, is_campaign & valid(parents),
             lambda i, v: f"a campaign has no parent, but parent_event_id is {v}",
             hint="clear parent_event_id, or make this row an incident")


@rule(Code.INCIDENT_WITHIN_CAMPAIGN, table="events", columns=("event_id", "parent_event_id", "date_start", "date_end"))
def incident_within_campaign(ctx: Context, t: TableData) -> None:
    parents = t.typed["parent_event_id"]
    start, end = t.typed["date_start"], t.typed["date_end"]
    parent_row = ctx.index(t, "parent_event_id", t, "event_id")
    p_start, p_end = start.take(parent_row), end.take(parent_row)
    ctx.flag(t, "date_start", Code.INCIDENT_WITHIN_CAMPAIGN, true_mask(pc.less(start, p_start)),
             lambda i, v: f"incident starts {v}, before its campaign {scalar(parents, i)} starts ({scalar(p_start, i)})")
    ctx.flag(t, "date_end", Code.INCIDENT_WITHIN_CAMPAIGN, true_mask(pc.greater(end, p_end)),
             lambda i, v: f"incident ends {v}, after its campaign {scalar(parents, i)} ends ({scalar(p_end, i)})")


@rule(Code.SUB_EVENT_TYPE_IN_TYPE, table="events", columns=("event_type", "sub_event_type"))
def sub_event_type_in_type(ctx: Context, t: TableData) -> None:
    mapping = t.resource.field("sub_event_type").get("x-belongs-to", {}).get("values", {})
    if not mapping:
        return
    etype, sub = t.typed["event_type"], t.typed["sub_event_type"]
    expected = lookup(sub, pa.array(list(mapping), pa.string()), pa.array(list(mapping.values()), pa.string()))
    ctx.flag(t, "sub_event_type", Code.SUB_EVENT_TYPE_IN_TYPE, true_mask(pc.not_equal(expected, etype)),
             lambda i, v: f"sub_event_type {v!r} belongs to {scalar(expected, i)!r}, not {scalar(etype, i)!r}")


@rule(Code.TAGS_VOCABULARY, table="events", columns=("tags",))
def tags_vocabulary(ctx: Context, t: TableData) -> None:
    vocab = list(t.resource.field("tags").get("x-vocabulary", {}))
    if not vocab:
        return
    tags = t.typed["tags"]
    parts = pc.split_pattern(tags, "|")
    flat = pc.list_flatten(parts)
    parent = np.asarray(pc.list_parent_indices(parts).to_numpy(zero_copy_only=False))
    unknown = ~true_mask(pc.is_in(flat, value_set=pa.array(vocab, pa.string())))
    mask = np.zeros(len(tags), dtype=bool)
    mask[parent[unknown]] = True
    allowed = set(vocab)

    def message(i: int, v: Any) -> str:
        return (f"unknown tag(s) {', '.join(x for x in str(v).split('|') if x not in allowed)}; "
                f"allowed: {', '.join(sorted(allowed))}")
    ctx.flag(t, "tags", Code.TAGS_VOCABULARY, mask, message)


@rule(Code.NEAR_DUPLICATE_EVENT, table="events", columns=("date_start", "location", "event_type", "event_level"))
def near_duplicate_event(ctx: Context, t: TableData) -> None:
    incident = pc.equal(t.typed["event_level"], "incident")
    level = pc.if_else(incident, pa.scalar("incident"), pa.scalar(None, pa.string()))
    first, dup = repeats([t.typed["date_start"], t.typed["location"], t.typed["event_type"], level])
    ids = t.typed.get("event_id")
    ctx.flag(t, "location", Code.NEAR_DUPLICATE_EVENT, dup,
             lambda i, v: f"same day, place and event type as line {t.lines[first[i]]}"
                          + (f" ({scalar(ids, first[i])})" if ids is not None else ""))
