"""The tables the report draws from, prepared once: each event's campaign, each claimant's side,
name and colour, each event's largest 'killed' figure (the map's point size).

Colours are from the Okabe-Ito palette (designed to stay distinguishable with the common kinds of
colour blindness): blues for the state side, vermillion and orange for the armed group, greens, purple
and greys for independent claimants. Within a side, claimants differ by shade."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from balochistan_events.package.summary import claimant_sides
from balochistan_events.render.report.wording import human, text

SIDE_ORDER = ("official", "armed_group", "independent")
SIDE_WORDS = {"official": "state", "armed_group": "armed group", "independent": "independent"}
SIDE_PALETTES = {
    "official": ["#0072B2", "#56B4E9", "#004C7A", "#7FB8DE", "#2A8FC9", "#00375A"],
    "armed_group": ["#D55E00", "#E69F00", "#8F3F00", "#F2B85C"],
    "independent": ["#009E73", "#CC79A7", "#555555", "#006B4E", "#9A9A9A", "#8E4F75", "#222222"],
}
TYPE_PALETTE = ["#0072B2", "#D55E00", "#CC79A7", "#E69F00", "#009E73", "#56B4E9", "#000000", "#999999"]


@dataclass
class ReportData:
    events: pd.DataFrame       # sorted by date; + campaign_id, toll
    claims: pd.DataFrame       # + side (without the long text: claim_text, same index)
    event_text: pd.DataFrame   # description, tags (index: events')
    claim_text: pd.DataFrame   # quote, scope_note, quote_translation if present (index: claims')
    actors: pd.DataFrame
    sources: pd.DataFrame
    descriptor: dict
    names: dict[str, str]      # actor_id -> display name
    colours: dict[str, str]    # claimant_id -> colour
    sides: dict[str, str]      # actor_id -> official / armed_group / independent
    kinds: dict[str, str]      # actor_id -> 'state', 'armed group', 'media', … (a word or two)
    type_colours: dict[str, str]
    campaigns: list[tuple[str | None, str]]   # (campaign_id or None, title), newest first
    has_translation: bool


def objects(col: Any) -> Any:
    """A column as a NumPy array of Python objects, None for missing."""
    return col.to_numpy(dtype=object, na_value=None)


def _plain(frame: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    """Key columns as plain Python strings (None for missing): the loader's Arrow-backed strings are
    slow to compare, map and iterate row by row, which the report does on 300k-row tables."""
    for c in cols:
        if c in frame and isinstance(frame[c].dtype, pd.StringDtype):
            frame[c] = pd.Series(objects(frame[c]), index=frame.index).astype(object)
    return frame


def _split(frame: pd.DataFrame, cols: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the frame without the long text columns, those columns): every filter on the first copies
    less; the text is joined back (by index) for the few rows that show it."""
    present = [c for c in cols if c in frame]
    return frame.drop(columns=present), frame[present]


def campaign_ids(events: pd.DataFrame) -> pd.Series:
    """Each event's campaign: itself when a campaign row, else the first campaign up its parent links
    (at most 16 hops: cycles and dangling links give no campaign)."""
    ids, parents = objects(events["event_id"]), objects(events["parent_event_id"])
    parent: dict[Any, Any] = {}
    for e, p in zip(ids, parents, strict=True):
        parent.setdefault(e, p)
    camps = set(ids[(events["event_level"] == "campaign").to_numpy(dtype=bool, na_value=False)])
    found: dict[Any, Any] = {}

    def up(e: Any) -> Any:
        for _ in range(16):
            if e is None or e in camps:
                return e
            e = parent.get(e)
        return None

    out = [found.setdefault(e, up(e)) if e not in found else found[e] for e in ids]
    return pd.Series(out, index=events.index, dtype=object)


def _colours(claims: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """claimant -> colour and side; claimants with more figures get the side's first colours."""
    counts = claims.loc[claims["value_best"].notna(), "claimant_id"].value_counts()
    colours, sides = {}, {}
    for side in SIDE_ORDER:
        ids = sorted(set(claims.loc[claims["side"] == side, "claimant_id"].dropna().unique()),
                     key=lambda a: (-int(counts.get(a, 0)), a))
        palette = SIDE_PALETTES[side]
        for i, aid in enumerate(ids):
            colours[aid] = palette[i % len(palette)]
            sides[aid] = side
    return colours, sides


def prepare(ds: Any) -> ReportData:
    ev = ds["events"]
    ev = ev.iloc[np.lexsort((ev["event_id"].to_numpy(dtype=object, na_value=""), ev["date_start"].to_numpy()))]
    events, event_text = _split(ev.reset_index(drop=True), ("description", "tags", "notes"))
    events = _plain(events, ("event_id", "parent_event_id"))
    claims, claim_text = _split(ds["claims"], ("quote", "scope_note", "quote_translation", "notes"))
    claims = _plain(claims, ("event_id", "claimant_id"))
    actors, sources = ds["actors"], ds["sources"]
    events["campaign_id"] = campaign_ids(events)
    camp_rows = events[events["event_level"] == "campaign"].iloc[::-1]
    campaigns: list[tuple[str | None, str]] = [(str(c), text(t)) for c, t in zip(camp_rows["event_id"],
                                                                               camp_rows["title"], strict=True)]
    if events["campaign_id"].isna().any():
        campaigns.append((None, "Events outside a campaign"))

    names: dict[str, str] = {}
    for aid, name in zip(actors["actor_id"], actors["name"], strict=False):
        names.setdefault(str(aid), text(name) or str(aid))
    side_map = claimant_sides(actors) if len(actors) else pd.Series(dtype="string")
    claims["side"] = claims["claimant_id"].map(side_map.to_dict()).fillna("independent").astype(object)
    colours, sides = _colours(claims)
    for aid, side in side_map.items():
        sides.setdefault(str(aid), str(side))

    kinds: dict[str, str] = {}
    for aid, atype in zip(actors["actor_id"], actors["actor_type"].astype("string"), strict=False):
        side = sides.get(str(aid), "independent")
        kinds.setdefault(str(aid), SIDE_WORDS[side] if side != "independent" else human(atype))
    killed = claims[(claims["claim_type"] == "killed") & claims["value_best"].notna()]
    top = killed["value_high"].fillna(killed["value_best"]).astype("float64")
    events["toll"] = events["event_id"].map(top.groupby(killed["event_id"]).max()).astype("float64")

    etype = ds["events"]["event_type"]
    cats = (list(etype.cat.categories) if isinstance(etype.dtype, pd.CategoricalDtype)
            else sorted(etype.dropna().astype(str).unique()))
    type_colours = {str(t): TYPE_PALETTE[i % len(TYPE_PALETTE)] for i, t in enumerate(cats)}
    has_tr = "quote_translation" in claim_text and bool(claim_text["quote_translation"].notna().any())
    return ReportData(events, claims, event_text, claim_text, actors, sources, dict(ds.descriptor), names, colours, sides, kinds,
                      type_colours, campaigns, has_tr)


def report_date(date: Any, descriptor: dict) -> dt.date:
    """The date printed on the page: the argument, else SOURCE_DATE_EPOCH, else the descriptor's
    `created`, else today."""
    from balochistan_events.package.dates import from_created, output_date

    when = output_date(date, from_created(descriptor))
    return when.date() if when is not None else dt.date.today()


def day_numbers(values: pd.Series) -> np.ndarray:
    """Dates as float days since the epoch (NaN for missing)."""
    v = pd.to_datetime(pd.Series(values))
    return ((v - pd.Timestamp(0)) / pd.Timedelta(days=1)).to_numpy(dtype="float64", na_value=np.nan)
