"""UCDP GED-shaped CSV: GED's 49 columns in GED's order, one row per exported event.

Filled from the x-ucdp crosswalk in schemas/*.json (events: id, dates, precision codes, place,
country; actors: side names; sources: headline, address, date; claims: source ids and the
low / best / high figures) plus derived columns: year, type_of_violence, dyad_name, deaths by side,
geom_wkt, priogrid_gid, country, region, gwnoa / gwnob and number_of_sources. GED columns that
hold UCDP's own identifiers or judgements (relid, conflict and dyad ids, code_status, active_year,
event_clarity) are left empty."""
from __future__ import annotations

import itertools
import math
from typing import Any

import pandas as pd

from balochistan_events.exports.common import (
    PERSON_GROUPS,
    PERSON_TOTALS,
    EventLists,
    actor_lookup,
    actor_names,
    csv_columns_text,
    figures,
    lexical,
    lookup,
    mapped_columns,
    mappings,
    per_event_subject,
    per_subject,
    texts,
    translate,
    values,
)

# GED's columns in GED's order (UCDP's layout, not ours: a constant by design).
COLUMNS = [
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
    "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original", "where_prec",
    "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec", "date_start", "date_end",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
]

ESTIMATE_RULE = "ged-ranges-v1"
ESTIMATE_RULE_TEXT = (
    "Per event and subject, from the `killed` claims with a figure: best is the lowest value_best among "
    "independent claimants (media, intergovernmental bodies, foreign governments; see the reconciled view) or, "
    "when none gave one, the lowest value_best of any claimant; low is the lowest value_low (or value_best when "
    "no lower bound was worded); high is the highest value_high (or value_best). Subjects go to GED's columns: "
    "security_forces to the side whose actor is state forces (ACLED inter 1), militants to the side whose actor "
    "is a rebel, political or identity militia (inter 2-4), civilians and officials to deaths_civilians; a group "
    "with no matching side goes to deaths_unknown, as does any excess of a whole-event total (all_persons or "
    "unspecified) over the sum of the groups. best = deaths_a + deaths_b + deaths_civilians + deaths_unknown; "
    "low and high are the group sums, raised to the lowest / highest whole-event total when that is larger."
)

SCOPE = ("Leaf events only, as for ACLED: every incident and every campaign recorded without incidents, so that "
         "no death is counted twice; and of those, as GED's inclusion rule requires, only events with at least one "
         "death (best >= 1). The export says on standard error how many events it left out and why.")
INCLUSION_RULE = "best >= 1"
# GED writes its event dates as timestamps at midnight.
GED_DATE = "{} 00:00:00.000"

LIMITATIONS = [
    "GED keeps one low / best / high triple per event; which claimant said what is lost (use claims.csv).",
    "UCDP's identifiers and judgements (relid, conflict and dyad ids, side ids, code_status, active_year, "
    "event_clarity, conflict_name, where_description) are left empty: the package cannot know them.",
    "type_of_violence is derived from the sides (a state's forces or authorities against an organised group = 1, "
    "two organised non-state groups = 2, an organised group or the state against civilians = 3) without GED's "
    "threshold of 25 battle-related deaths a year. An organised group recorded without a second side is coded 3 "
    "(side_b Civilians) when the event is coded as civilian targeting, else 1 (side_a the government of the "
    "event's country), so every row has a type.",
    "In state-based violence GED puts the government as side_a; the export does the same (our actor1 is the "
    "initiating side, which may be the rebel group). Side names follow GED's naming (schemas/actors.json, x-ucdp "
    "of actor_id): every state force and authority is 'Government of Pakistan'.",
    "Events without a death (best = 0) are left out, as GED only records events with at least one death; "
    "claims.csv keeps them.",
    "source_date, source_headline and source_original list only the sources that have a date, headline or "
    "address, so they are not aligned item by item with source_article.",
    "id holds our event_id (text), not GED's integer id; source_article lists our source_ids.",
    "Campaign-level totals of a campaign that has incidents are not exported (see ACLED).",
]

DERIVED = {
    "year": "year of date_start",
    "type_of_violence": "from the sides' actor types and ACLED inter codes (1 state-based, 2 non-state, 3 one-sided)",
    "dyad_name": "side_a and side_b names joined by ' - '",
    "number_of_sources": "distinct sources cited by the event's claims",
    "source_office": "publishers of those sources, aligned with source_article",
    "geom_wkt": "POINT (longitude latitude)",
    "priogrid_gid": "PRIO-GRID cell of the point: (row - 1) * 720 + col on the 0.5 degree grid",
    "country": "ISO 3166 name of country_code",
    "region": "UCDP region of the country (Pakistan: Asia)",
    "deaths_a": f"rule {ESTIMATE_RULE}",
    "deaths_b": f"rule {ESTIMATE_RULE}",
    "deaths_civilians": f"rule {ESTIMATE_RULE}",
    "deaths_unknown": f"rule {ESTIMATE_RULE}",
    "gwnoa": "Gleditsch-Ward number of side_a's country when side_a is state forces",
    "gwnob": "Gleditsch-Ward number of side_b's country when side_b is state forces",
}
AFTER_CROSSWALK = {
    "side_a": "actor_id resolved to GED's side name (x-ucdp values of actors.actor_id); the government first in "
              "state-based violence",
    "side_b": "actor_id resolved to GED's side name (x-ucdp values of actors.actor_id)",
    "date_start": "YYYY-MM-DD 00:00:00.000, as GED writes dates",
    "date_end": "YYYY-MM-DD 00:00:00.000, as GED writes dates",
    "source_article": "source_ids of all claims about the event, '; '-separated",
    "source_date": "the cited sources' dates, '; '-separated, empty items left out",
    "source_headline": "the cited sources' headlines, '; '-separated, empty items left out",
    "source_original": "the cited sources' addresses, '; '-separated, empty items left out",
    "best": f"rule {ESTIMATE_RULE} over the event's `killed` claims",
    "low": f"rule {ESTIMATE_RULE}",
    "high": f"rule {ESTIMATE_RULE}",
}

REGIONS = {"PK": "Asia"}
STATE = {1}
ORGANISED = {2, 3, 4}
CIVILIANS = {7}
# actors.actor_type values that make an actor the state side whatever its inter code (GED's "Government of ...")
STATE_TYPES = {"state_forces", "state_authority"}


def violence_type(i1: int | None, i2: int | None, civilian_targeting: object) -> str:
    """GED type_of_violence from the two sides' codes (STATE for a state's forces or authorities, else the
    ACLED inter code): 1 state-based, 2 non-state, 3 one-sided. A side missing or without a code leaves the
    other side to decide: an organised group or the state alone is one-sided violence when the event is
    coded as civilian targeting, else state-based."""
    known = [i for i in (i1, i2) if i is not None]
    if i1 is not None and i2 is not None:
        if (i1 in STATE and i2 in STATE | ORGANISED | {8}) or (i2 in STATE and i1 in STATE | ORGANISED | {8}):
            return "1"
        if i1 in ORGANISED and i2 in ORGANISED:
            return "2"
        if (i1 in STATE | ORGANISED and i2 in CIVILIANS) or (i2 in STATE | ORGANISED and i1 in CIVILIANS):
            return "3"
    if len(known) == 1 and known[0] in STATE | ORGANISED:
        return "3" if civilian_targeting is True else "1"
    return ""


def priogrid_gid(lat: float | None, lon: float | None) -> str:
    """PRIO-GRID cell (0.5 degree grid numbered row by row from (-90, -180)): (row - 1) * 720 + col."""
    if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
        return ""
    row = math.floor((float(lat) + 90) * 2) + 1
    col = math.floor((float(lon) + 180) * 2) + 1
    return str((row - 1) * 720 + col)


def _int(v: object) -> int | None:
    return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else int(v)  # type: ignore[call-overload]


def deaths(ds: Any, event_ids: list, side_a_inter: list, side_b_inter: list) -> dict[str, list]:
    """GED deaths_* and low / best / high per exported event (see ESTIMATE_RULE_TEXT)."""
    by_event = per_event_subject(per_subject(figures(ds, "killed")))
    out: dict[str, list] = {k: [] for k in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "low", "high")}
    for e, ia, ib in zip(event_ids, side_a_inter, side_b_inter, strict=False):
        d = {"deaths_a": 0, "deaths_b": 0, "deaths_civilians": 0, "deaths_unknown": 0}
        low = high = 0
        tot_best = tot_low = tot_high = None
        for subject, (_, min_best, s_low, s_high, indep_best) in (by_event.get(e) or {}).items():
            best = indep_best if indep_best is not None else min_best
            if subject in PERSON_TOTALS:
                tot_best = best if tot_best is None else min(tot_best, best)
                tot_low = s_low if tot_low is None else min(tot_low, s_low)
                tot_high = s_high if tot_high is None else max(tot_high, s_high)
                continue
            if subject not in PERSON_GROUPS:
                continue
            if subject in ("civilians", "officials"):
                target = "deaths_civilians"
            else:
                wanted = STATE if subject == "security_forces" else ORGANISED
                on_a, on_b = ia in wanted, ib in wanted
                target = "deaths_a" if on_a and not on_b else "deaths_b" if on_b and not on_a else "deaths_unknown"
            d[target] += best
            low += s_low
            high += s_high
        groups = sum(d.values())
        if tot_best is not None and tot_best > groups:
            d["deaths_unknown"] += tot_best - groups
        best_total = sum(d.values())
        low = min(max(low, tot_low or 0), best_total)
        high = max(high, tot_high or 0, best_total)
        for k, v in d.items():
            out[k].append(str(v))
        out["best"].append(str(best_total))
        out["low"].append(str(low))
        out["high"].append(str(high))
    return out


def _side_codes(ds: Any) -> dict[str, int | None]:
    """actor_id -> 1 for a state's forces or authorities (actor_type), else its ACLED inter code."""
    inters = actor_lookup(ds, "acled", "inter1")
    kinds = dict(zip(values(ds.actors["actor_id"]), values(ds.actors["actor_type"]), strict=False))
    return {a: 1 if str(kinds.get(a)) in STATE_TYPES else _int(c) for a, c in inters.items()}


def _sides(ds: Any, ev: pd.DataFrame, m: dict, cols: dict[str, list]) -> tuple[list, list, list, list]:
    """Fill type_of_violence, side_a, side_b and dyad_name; return the side actor ids and codes (a, b)."""
    names = actor_names(ds, "ucdp", "side_a")
    codes = _side_codes(ds)
    a1 = values(ev[m["side_a"].name])
    a2 = values(ev[m["side_b"].name])
    i1 = [codes.get(a) if a else None for a in a1]
    i2 = [codes.get(a) if a else None for a in a2]
    ct = values(ev["civilian_targeting"]) if "civilian_targeting" in ev else [None] * len(ev)
    tov = [violence_type(x, y, c) for x, y, c in zip(i1, i2, ct, strict=False)]
    # GED: in state-based violence side_a is the government
    swap = [t == "1" and (y in STATE and x not in STATE) for t, x, y in zip(tov, i1, i2, strict=False)]
    side_a = [b if s else a for a, b, s in zip(a1, a2, swap, strict=False)]
    side_b = [a if s else b for a, b, s in zip(a1, a2, swap, strict=False)]
    ia = [y if s else x for x, y, s in zip(i1, i2, swap, strict=False)]
    ib = [x if s else y for x, y, s in zip(i1, i2, swap, strict=False)]
    country_codes = values(ev[m["country_id"].name])
    names_of = {c: pycountry_name(c) for c in set(country_codes)}       # a few countries, many events
    country = [names_of[c] for c in country_codes]
    cols["type_of_violence"] = tov
    cols["side_a"] = [names.get(a, "") if a else "" for a in side_a]
    cols["side_b"] = [names.get(b, "") if b else "" for b in side_b]
    for k, t in enumerate(tov):   # a group recorded alone: GED's other side is the government or civilians
        if t == "1" and ia[k] not in STATE and not cols["side_b"][k]:
            cols["side_b"][k], cols["side_a"][k] = cols["side_a"][k], f"Government of {country[k]}"
            side_b[k], side_a[k], ib[k], ia[k] = side_a[k], None, ia[k], 1
        elif t == "3" and not cols["side_b"][k]:
            cols["side_b"][k] = "Civilians"
    cols["dyad_name"] = [f"{x} - {y}" if x and y else "" for x, y in zip(cols["side_a"], cols["side_b"], strict=False)]
    return side_a, side_b, ia, ib


def pycountry_name(code: object) -> str:
    """ISO 3166 name of an alpha-2 code ('' when unknown)."""
    import pycountry

    c = pycountry.countries.get(alpha_2=str(code)) if code else None
    return c.name if c else ""


def _source_lists(ds: Any, ids: list[str], cols: dict[str, list]) -> None:
    """GED's ';'-lists of the sources the event's claims cite, in source_id order (blank items left out)."""
    cited = EventLists(ds.claims["event_id"], ds.claims["source_id"], ids)
    src = ds.sources.drop_duplicates("source_id")
    sm = mappings(ds.resources["sources"], "ucdp")
    cols["number_of_sources"] = cited.counts()
    cols["source_article"] = cited.joined("; ")
    if "publisher" in src:
        cols["source_office"] = cited.joined("; ", lookup(cited.items, src["source_id"], texts(src["publisher"])))
    else:
        cols["source_office"] = [""] * len(ids)
    for c in ("source_headline", "source_original", "source_date"):
        if c in sm:
            cols[c] = cited.joined("; ", lookup(cited.items, src["source_id"], translate(src[sm[c].name], sm[c])))


def all_rows(ds: Any) -> tuple[list[str], list[list]]:
    """GED columns and a row for every leaf event, before GED's inclusion rule."""
    header, cols = all_columns(ds)
    return header, [list(r) for r in zip(*cols, strict=True)]


def all_columns(ds: Any) -> tuple[list[str], list[list]]:
    """GED columns and, for each, its cells (text) for every leaf event, before GED's inclusion rule."""
    ev, m, cols = mapped_columns(ds, "ucdp", COLUMNS)
    side_a, side_b, ia, ib = _sides(ds, ev, m, cols)
    gw = m["country_id"].values or {}
    actor_country = dict(zip(values(ds.actors["actor_id"]), values(ds.actors["country_code"]), strict=False)) \
        if "country_code" in ds.actors else {}
    codes = values(ev[m["country_id"].name])
    cols["gwnoa"] = [str(gw.get(actor_country.get(a) or c, "")) if i in STATE else ""
                     for a, i, c in zip(side_a, ia, codes, strict=False)]
    cols["gwnob"] = [str(gw.get(actor_country.get(b) or c, "")) if i in STATE else ""
                     for b, i, c in zip(side_b, ib, codes, strict=False)]
    cols["year"] = [d[:4] for d in cols["date_start"]]
    cols["date_start"] = [GED_DATE.format(d) if d else "" for d in cols["date_start"]]
    cols["date_end"] = [GED_DATE.format(d) if d else "" for d in cols["date_end"]]
    lat, lon = values(ev[m["latitude"].name]), values(ev[m["longitude"].name])
    cols["geom_wkt"] = [f"POINT ({lexical(x)} {lexical(y)})" if x is not None and y is not None else ""
                        for x, y in zip(lon, lat, strict=False)]
    cols["priogrid_gid"] = [priogrid_gid(y, x) for y, x in zip(lat, lon, strict=False)]
    names = {c: pycountry_name(c) for c in set(codes) if c}
    cols["country"] = [names.get(c, "") if c else "" for c in codes]
    cols["region"] = [REGIONS.get(c, "") if c else "" for c in codes]
    ids = values(ev["event_id"])
    _source_lists(ds, ids, cols)
    cols.update(deaths(ds, ids, ia, ib))
    return COLUMNS, [cols[c] for c in COLUMNS]


def rows(ds: Any) -> tuple[list[str], list[list]]:
    """GED columns and the rows GED's inclusion rule keeps (best >= 1)."""
    header, body = all_rows(ds)
    best = header.index("best")
    return header, [r for r in body if int(r[best]) >= 1]


def export_with_notices(ds: Any) -> tuple[str, list[str]]:
    """The export's text, and what to tell the user on standard error (events left out and why)."""
    header, cols = all_columns(ds)
    keep = [int(b) >= 1 for b in cols[header.index("best")]]
    kept = [list(itertools.compress(col, keep)) for col in cols]
    left = len(keep) - sum(keep)
    notices = [f"ucdp: left out {left} of {len(keep)} event(s) with no death claimed (best = 0): GED only "
               f"records events with at least one death ({INCLUSION_RULE})"] if left else []
    return csv_columns_text(header, kept), notices


def export(ds: Any) -> str:
    return export_with_notices(ds)[0]
