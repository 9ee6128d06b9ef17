"""Rules on the claims table: the shape of low / best / high and the qualifier, figures against the
claim type (x-without-figures), and claim dates against their event."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.package.tables import TableData
from balochistan_events.validation.kernels import scalar, true_mask, valid
from balochistan_events.validation.problems import Code
from balochistan_events.validation.rules.base import Context, rule

_FIGURES = ("value_low", "value_best", "value_high")

# qualifier -> (which bounds must equal best, which must be empty)
QUALIFIER_SHAPE: dict[str, tuple[set[str], set[str]]] = {
    "exact": ({"value_low", "value_high"}, set()),
    "at_least": ({"value_low"}, {"value_high"}),
    "more_than": ({"value_low"}, {"value_high"}),
    "up_to": ({"value_high"}, {"value_low"}),
    "nearly": ({"value_high"}, {"value_low"}),
    "approximately": (set(), set()),
}


@rule(Code.LOW_LE_BEST_LE_HIGH, table="claims", columns=_FIGURES)
def low_le_best_le_high(ctx: Context, t: TableData) -> None:
    low, best, high = (t.typed[n] for n in _FIGURES)
    ctx.flag(t, "value_low", Code.LOW_LE_BEST_LE_HIGH, true_mask(pc.greater(low, best)),
             lambda i, v: f"{v} is greater than value_best {scalar(best, i)}",
             hint="value_low is the lower bound: low <= best <= high")
    ctx.flag(t, "value_high", Code.LOW_LE_BEST_LE_HIGH, true_mask(pc.less(high, best)),
             lambda i, v: f"{v} is less than value_best {scalar(best, i)}",
             hint="value_high is the upper bound: low <= best <= high")
    ctx.flag(t, "value_low", Code.LOW_LE_BEST_LE_HIGH, true_mask(pc.greater(low, high)) & ~valid(best),
             lambda i, v: f"{v} is greater than value_high {scalar(high, i)}",
             hint="value_low is the lower bound: low <= high")


@rule(Code.FIGURES_MATCH_CLAIM_TYPE, table="claims", columns=("claim_type", *_FIGURES, "qualifier"))
def figures_match_claim_type(ctx: Context, t: TableData) -> None:
    code = Code.FIGURES_MATCH_CLAIM_TYPE
    without = t.resource.field("claim_type").get("x-without-figures", [])
    ctype = t.typed["claim_type"]
    no_fig = true_mask(pc.is_in(ctype, value_set=pa.array(without, pa.string())))
    has_any = valid(t.typed["value_low"]) | valid(t.typed["value_best"]) | valid(t.typed["value_high"])
    numeric = valid(ctype) & ~no_fig
    has_qualifier = valid(t.typed["qualifier"])
    ctx.flag(t, "value_best", code, no_fig & has_any,
             lambda i, v: f"claim_type {scalar(ctype, i)!r} carries no figure, but values are given",
             hint="use a counting claim type (killed, injured, …) or clear the values")
    ctx.flag(t, "value_best", code, numeric & ~valid(t.typed["value_best"]),
             lambda i, v: f"claim_type {scalar(ctype, i)!r} needs value_best (the stated figure)",
             hint="write the figure as worded in the quote")
    ctx.flag(t, "qualifier", code, numeric & ~has_qualifier,
             lambda i, v: f"claim_type {scalar(ctype, i)!r} needs a qualifier (exact, at_least, …)",
             hint="say how the figure is worded: exact, at_least, more_than, approximately, up_to, nearly")
    ctx.flag(t, "qualifier", code, no_fig & has_qualifier,
             lambda i, v: f"claim_type {scalar(ctype, i)!r} carries no figure, so no qualifier",
             hint="clear the qualifier")


@rule(Code.QUALIFIER_CONSISTENCY, table="claims", columns=(*_FIGURES, "qualifier"))
def qualifier_consistency(ctx: Context, t: TableData) -> None:
    q = t.typed["qualifier"]
    best = t.typed["value_best"]
    has_best = valid(best)
    for qualifier, (equal, empty) in QUALIFIER_SHAPE.items():
        rows = true_mask(pc.equal(q, qualifier)) & has_best
        if not rows.any():
            continue
        for name in sorted(equal):
            ctx.flag(t, name, Code.QUALIFIER_CONSISTENCY, rows & ~true_mask(pc.equal(t.typed[name], best)),
                     _equal_message(qualifier, name, best))
        for name in sorted(empty):
            ctx.flag(t, name, Code.QUALIFIER_CONSISTENCY, rows & valid(t.typed[name]),
                     _empty_message(qualifier, name), hint="leave it empty, or change the qualifier")


def _empty_message(qualifier: str, name: str) -> Callable[[int, Any], str]:
    return lambda i, val: f"qualifier {qualifier!r} gives no {name.split('_')[1]} bound, but {name} is {val}"


def _equal_message(qualifier: str, name: str, best: pa.Array) -> Callable[[int, Any], str]:
    def message(i: int, val: Any) -> str:
        return (f"qualifier {qualifier!r} means {name} equals value_best {scalar(best, i)}, "
                f"got {val if val is not None else 'empty'}")
    return message


@rule(Code.CLAIM_AFTER_EVENT_START, table="claims", columns=("event_id", "claim_date"),
      also={"events": ("event_id", "date_start")})
def claim_after_event_start(ctx: Context, c: TableData) -> None:
    e = ctx.tables["events"]
    ev_start = e.typed["date_start"].take(ctx.index(c, "event_id", e, "event_id"))
    ctx.flag(c, "claim_date", Code.CLAIM_AFTER_EVENT_START, true_mask(pc.less(c.typed["claim_date"], ev_start)),
             lambda i, v: f"claim dated {v}, before its event {scalar(c.typed['event_id'], i)} starts "
                          f"({scalar(ev_start, i)})")


@rule(Code.QUOTE_TRANSLATED, table="claims", columns=("source_id", "quote_translation"),
      also={"sources": ("source_id", "language")})
def quote_translated(ctx: Context, c: TableData) -> None:
    s = ctx.tables["sources"]
    language = s.typed["language"].take(ctx.index(c, "source_id", s, "source_id"))
    foreign = true_mask(pc.not_equal(language, "en"))
    ctx.flag(c, "quote_translation", Code.QUOTE_TRANSLATED, foreign & ~valid(c.typed["quote_translation"]),
             lambda i, v: f"the quote is in {scalar(language, i)!r} (source {scalar(c.typed['source_id'], i)}) "
                          "but has no quote_translation")
