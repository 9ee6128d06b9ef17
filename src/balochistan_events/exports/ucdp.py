"""UCDP GED-shaped CSV: GED's 49 columns in GED's order, one row per exported event.

Filled from the x-ucdp crosswalk in schemas/*.json (events: id, dates, precision codes, place,
country; actors: side names; sources: headline, address, date; claims: source ids and the
low / best / high figures) plus derived columns: year, type_of_violence, dyad_name, deaths by side,
geom_wkt, priogrid_gid, country, region, gwnoa / gwnob and number_of_sources. GED columns that
hold UCDP's own identifiers or judgements (relid, conflict and dyad ids, code_status, active_year,
event_clarity) are left empty."""
from __future__ import annotations

import math

import pandas as pd

from balochistan_events.exports.common import (
    PERSON_GROUPS,
    PERSON_TOTALS,
    actor_lookup,
    csv_text,
    figures,
    lexical,
    mapped_columns,
    mappings,
    per_event_subject,
    per_subject,
    sources_per_event,
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
         "no death is counted twice.")

LIMITATIONS = [
    "GED keeps one low / best / high triple per event; which claimant said what is lost (use claims.csv).",
    "UCDP's identifiers and judgements (relid, conflict and dyad ids, side ids, code_status, active_year, "
    "event_clarity, conflict_name, where_description) are left empty: the package cannot know them.",
    "type_of_violence is derived from the sides' ACLED inter codes (state vs organised group = 1, two "
    "organised non-state groups = 2, an organised group against civilians = 3) without GED's threshold of "
    "25 battle-related deaths a year; it is empty when the sides do not fit one of these.",
    "In state-based violence GED puts the government as side_a; the export does the same (our actor1 is the "
    "initiating side, which may be the rebel group).",
    "id holds our event_id (text), not GED's integer id; source_article lists our source_ids.",
    "Campaign-level totals of a campaign that has incidents are not exported (see ACLED).",
]

DERIVED = {
    "year": "year of date_start",
    "type_of_violence": "from the sides' ACLED inter codes (1 state-based, 2 non-state, 3 one-sided)",
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
    "side_a": "actor_id resolved to actors.name; the government side first in state-based violence",
    "side_b": "actor_id resolved to actors.name",
    "source_article": "source_ids of all claims about the event, '; '-separated",
    "source_date": "one entry per cited source, aligned with source_article",
    "source_headline": "one entry per cited source, aligned with source_article",
    "source_original": "one entry per cited source, aligned with source_article",
    "best": f"rule {ESTIMATE_RULE} over the event's `killed` claims",
    "low": f"rule {ESTIMATE_RULE}",
    "high": f"rule {ESTIMATE_RULE}",
}

REGIONS = {"PK": "Asia"}
STATE = {1}
ORGANISED = {2, 3, 4}
CIVILIANS = {7}


def violence_type(i1, i2, civilian_targeting) -> str:
    """GED type_of_violence from the two sides' ACLED inter codes ('' when it does not fit)."""
    codes = [i for i in (i1, i2) if i is not None]
    if i1 is not None and i2 is not None:
        if (i1 in STATE and i2 in STATE | ORGANISED | {8}) or (i2 in STATE and i1 in STATE | ORGANISED | {8}):
            return "1"
        if i1 in ORGANISED and i2 in ORGANISED:
            return "2"
        if (i1 in STATE | ORGANISED and i2 in CIVILIANS) or (i2 in STATE | ORGANISED and i1 in CIVILIANS):
            return "3"
    elif len(codes) == 1 and codes[0] in STATE | ORGANISED and civilian_targeting is True:
        return "3"
    return ""


def priogrid_gid(lat, lon) -> str:
    """PRIO-GRID cell (0.5 degree grid numbered row by row from (-90, -180)): (row - 1) * 720 + col."""
    if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
        return ""
    row = math.floor((float(lat) + 90) * 2) + 1
    col = math.floor((float(lon) + 180) * 2) + 1
    return str((row - 1) * 720 + col)


def _int(v):
    return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else int(v)


def deaths(ds, event_ids: list, side_a_inter: list, side_b_inter: list) -> dict[str, list]:
    """GED deaths_* and low / best / high per exported event (see ESTIMATE_RULE_TEXT)."""
    by_event = per_event_subject(per_subject(figures(ds, "killed")))
    out = {k: [] for k in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "low", "high")}
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


def rows(ds) -> tuple[list[str], list[list]]:
    ev, m, cols = mapped_columns(ds, "ucdp", COLUMNS)
    n = len(ev)
    names = actor_lookup(ds, "ucdp", "side_a")
    inters = actor_lookup(ds, "acled", "inter1")
    a1 = values(ev[m["side_a"].name])
    a2 = values(ev[m["side_b"].name])
    i1 = [_int(inters.get(a)) if a else None for a in a1]
    i2 = [_int(inters.get(a)) if a else None for a in a2]
    ct = values(ev["civilian_targeting"]) if "civilian_targeting" in ev else [None] * n
    tov = [violence_type(x, y, c) for x, y, c in zip(i1, i2, ct, strict=False)]
    # GED: in state-based violence side_a is the government
    swap = [t == "1" and (y in STATE and x not in STATE) for t, x, y in zip(tov, i1, i2, strict=False)]
    side_a = [b if s else a for a, b, s in zip(a1, a2, swap, strict=False)]
    side_b = [a if s else b for a, b, s in zip(a1, a2, swap, strict=False)]
    ia = [y if s else x for x, y, s in zip(i1, i2, swap, strict=False)]
    ib = [x if s else y for x, y, s in zip(i1, i2, swap, strict=False)]
    cols["type_of_violence"] = tov
    cols["side_a"] = [lexical(names.get(a)) if a else "" for a in side_a]
    cols["side_b"] = [lexical(names.get(b)) if b else "" for b in side_b]
    cols["dyad_name"] = [f"{x} - {y}" if x and y else "" for x, y in zip(cols["side_a"], cols["side_b"], strict=False)]
    gw = m["country_id"].values or {}
    actor_country = dict(zip(values(ds.actors["actor_id"]), values(ds.actors["country_code"]), strict=False)) \
        if "country_code" in ds.actors else {}
    cols["gwnoa"] = [str(gw.get(actor_country.get(a), "")) if i in STATE else "" for a, i in zip(side_a, ia, strict=False)]
    cols["gwnob"] = [str(gw.get(actor_country.get(b), "")) if i in STATE else "" for b, i in zip(side_b, ib, strict=False)]
    cols["year"] = [d[:4] for d in cols["date_start"]]
    lat, lon = values(ev[m["latitude"].name]), values(ev[m["longitude"].name])
    cols["geom_wkt"] = [f"POINT ({lexical(x)} {lexical(y)})" if x is not None and y is not None else ""
                        for x, y in zip(lon, lat, strict=False)]
    cols["priogrid_gid"] = [priogrid_gid(y, x) for y, x in zip(lat, lon, strict=False)]
    import pycountry

    codes = values(ev[m["country_id"].name])
    countries = {c: pycountry.countries.get(alpha_2=c) for c in set(codes) if c}
    cols["country"] = [countries[c].name if c and countries.get(c) else "" for c in codes]
    cols["region"] = [REGIONS.get(c, "") if c else "" for c in codes]
    # sources: aligned ';'-separated lists, one entry per cited source (GED's convention)
    cited = sources_per_event(ds)
    src = ds.sources.drop_duplicates("source_id")
    src_ids = values(src["source_id"])
    sm = mappings(ds.resources["sources"], "ucdp")
    src_cols = {c: dict(zip(src_ids, translate(src[sm[c].name], sm[c]), strict=False)) for c in
                ("source_headline", "source_original", "source_date") if c in sm}
    publisher = dict(zip(src_ids, texts(src["publisher"]), strict=False)) if "publisher" in src else {}
    ids = values(ev["event_id"])
    cols["number_of_sources"] = [str(len(cited.get(e, []))) for e in ids]
    cols["source_article"] = ["; ".join(cited.get(e, [])) for e in ids]
    cols["source_office"] = ["; ".join(publisher.get(s, "") for s in cited.get(e, [])) for e in ids]
    for c, by_source in src_cols.items():
        cols[c] = ["; ".join(by_source.get(s, "") for s in cited.get(e, [])) for e in ids]
    cols.update(deaths(ds, ids, ia, ib))
    return COLUMNS, [list(r) for r in zip(*(cols[c] for c in COLUMNS), strict=False)]


def export(ds) -> str:
    header, body = rows(ds)
    return csv_text(header, body)
