"""Rules on links between rows that keys alone cannot express: parent chains that loop, events
without a claim, sources no claim cites."""
from __future__ import annotations

import pyarrow.compute as pc

from balochistan_events.package.tables import TableData
from balochistan_events.validation.kernels import cycles, scalar, true_mask, valid
from balochistan_events.validation.problems import Code
from balochistan_events.validation.rules.base import Context, rule

# table -> (its key, the column naming the parent row)
_PARENT_LINKS = {"events": ("event_id", "parent_event_id"), "actors": ("actor_id", "parent_actor_id")}


@rule(Code.PARENT_CYCLE, table=tuple(_PARENT_LINKS), columns=_PARENT_LINKS)
def parent_cycle(ctx: Context, t: TableData) -> None:
    key, parent = _PARENT_LINKS[t.name]
    ids = t.typed[key]
    ctx.flag(t, parent, Code.PARENT_CYCLE, cycles(ids, t.typed[parent], ctx.index(t, parent, t, key)),
             lambda i, v: f"{scalar(ids, i)} -> {v} is part of a loop of parent links")


def _uncited(ctx: Context, t: TableData, key: str, child: str, code: Code, what: str) -> None:
    """Flag the rows of t whose key no row of the child table refers to."""
    c = ctx.tables.get(child)
    if c is None or not c.has(key):
        return
    ids = t.typed[key]
    mask = valid(ids) & ~true_mask(pc.is_in(ids, value_set=c.typed[key].drop_null()))
    ctx.flag(t, key, code, mask, lambda i, v: what.format(v))


@rule(Code.EVENT_HAS_CLAIM, table="events", columns=("event_id",))
def event_has_claim(ctx: Context, t: TableData) -> None:
    _uncited(ctx, t, "event_id", "claims", Code.EVENT_HAS_CLAIM, "event {} has no claim")


@rule(Code.SOURCE_CITED, table="sources", columns=("source_id",))
def source_cited(ctx: Context, t: TableData) -> None:
    _uncited(ctx, t, "source_id", "claims", Code.SOURCE_CITED, "source {} is not cited by any claim")
