"""ACLED-shaped CSV: ACLED's 31 columns in ACLED's order, one row per exported event.

Filled from the x-acled crosswalk in schemas/*.json (events: date, precision, types, actors, place,
tags, description; actors: ACLED's actor name and inter label; sources: publisher and source scale), plus
derived columns: year, disorder_type, interaction, country, region, source, source_scale, fatalities and
timestamp. Labels are ACLED's current text labels ('Rebel group', 'State forces-Rebel group')."""
from __future__ import annotations

from typing import Any

import pandas as pd

from balochistan_events.exports.common import (
    PERSON_GROUPS,
    PERSON_TOTALS,
    actor_lookup,
    actor_names,
    csv_columns_text,
    figures,
    joined_per_event,
    lookup,
    mapped_columns,
    mappings,
    per_event_subject,
    per_subject,
    translate,
    values,
)

# ACLED's export columns, in ACLED's order (ACLED's layout, not ours: a constant by design).
COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]

FATALITY_RULE = "conservative-v1"
FATALITY_RULE_TEXT = (
    "fatalities is the larger of (a) the sum, over the non-overlapping groups security_forces, militants, "
    "civilians and officials, of the lowest value_best that any claimant gave for that group, and (b) the lowest "
    "value_best among whole-event totals (subject all_persons or unspecified); 0 when the event has no `killed` "
    "claim with a figure. Only `killed` claims about the exported event itself count: a campaign's own totals "
    "are not spread over its incidents. ACLED records the most conservative available estimate; this rule takes "
    "the most conservative figure for each group and never lets the result fall below the most conservative "
    "reported total. The notes column ends with the rule's name and the figures it used."
)

SCOPE = ("Leaf events only: every incident, and every campaign recorded without incidents. A campaign that has "
         "incidents is left out, because ACLED codes single events and its incidents already carry the "
         "episodes; exporting both would count the same deaths twice.")

LIMITATIONS = [
    "One fatality number per event: the claimants' disagreement (who said how many) is reduced to the "
    "conservative figure; the notes column names the rule and the per-group figures used.",
    "Campaign-level figures (e.g. a two-day total across the province) are not exported when the campaign "
    "has incidents; use claims.csv or the reconciled view (load().claims_summary()).",
    "Injured, abducted, escaped, arrested and other claim types have no ACLED column and are not exported.",
    "assoc_actor_1, assoc_actor_2 and admin3 are left empty: the package does not record them.",
    "Actor names follow ACLED's pattern (the mapping and its rule are in schemas/actors.json, x-acled of actor_id) "
    "but without the period suffix ACLED gives state actors ('Military Forces of Pakistan (2018-)' in ACLED's "
    "rows of 2019): join on the name without its bracketed period. Units are merged into their force (the "
    "Frontier Corps and ISPR into 'Military Forces of Pakistan', the Levies into 'Police Forces of Pakistan'): "
    "the unit is not carried.",
    "inter1, inter2 and interaction use ACLED's current text labels ('Rebel group', 'State forces-Rebel group', "
    "'Rebel group only'); an actor without an ACLED inter code (a news agency, a district administration) leaves "
    "its inter label and the interaction empty.",
    "source_scale follows each cited source's type (schemas/sources.json, x-acled of source_type: news agency = "
    "International, newspaper or broadcaster = National, ...), not the publisher's country: a foreign newspaper is "
    "counted as National.",
    "disorder_type is derived from the event and sub-event type (ACLED 2023 codebook grouping); it is not "
    "coded separately.",
    "timestamp is the package's `created` time (one value for all rows), not a per-row edit time.",
    "event_id_cnty holds our event_id (EV-YYYY-NNNN), not an ACLED identifier.",
]

# How the columns that no crosswalk fills are made (the codebook prints this with the crosswalk).
DERIVED = {
    "year": "year of event_date",
    "disorder_type": "from event_type / sub_event_type (ACLED 2023 grouping)",
    "inter1": "ACLED's label of actors.acled_inter of actor1 (x-acled values)",
    "inter2": "ACLED's label of actors.acled_inter of actor2 (x-acled values)",
    "interaction": "the two inter labels joined by '-', lower code first and Civilians last; '<label> only' for a sole actor",
    "source_scale": "the scales of the cited sources' types (x-acled of sources.source_type), distinct, '-'-joined",
    "region": "ACLED region of the country (Pakistan: South Asia)",
    "country": "ISO 3166 name of country_code",
    "source": "publishers of the sources the event's claims cite, sorted, '; '-separated",
    "fatalities": f"rule {FATALITY_RULE} over the event's `killed` claims",
    "timestamp": "the package's `created` time as a Unix timestamp",
}
# And the extra steps after a crosswalk: actor ids become actor names, tags become '; '-separated, and
# notes get the fatality rule appended.
AFTER_CROSSWALK = {
    "actor1": "actor_id resolved to ACLED's name (x-acled values of actors.actor_id), else actors.name",
    "actor2": "actor_id resolved to ACLED's name (x-acled values of actors.actor_id), else actors.name",
    "tags": "'|' replaced by '; '",
    "notes": "followed by the fatality rule's name and the figures it used",
}

POLITICAL_VIOLENCE = "Political violence"
DISORDER_BY_TYPE = {
    "Battles": POLITICAL_VIOLENCE, "Explosions/Remote violence": POLITICAL_VIOLENCE,
    "Violence against civilians": POLITICAL_VIOLENCE, "Protests": "Demonstrations", "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}
DISORDER_BY_SUB_TYPE = {
    "Excessive force against protesters": "Political violence; Demonstrations",
    "Mob violence": "Political violence; Demonstrations",
}
# ACLED's region for the countries this package covers (ACLED's grouping).
REGIONS = {"PK": "South Asia"}


# ACLED's numeric interaction codes put the lower code first, except that Civilians (7) come last
# ("External/Other forces-Civilians" is 78): the order of ACLED's own interaction labels.
CIVILIANS_CODE = 7
# The order in which combined source scales are written (ACLED writes e.g. "National-International").
SCALE_ORDER = ("Local", "Subnational", "Regional", "National", "International", "New media", "Other")


def interaction(inter1: int | None, inter2: int | None, labels: dict[str, str]) -> str:
    """ACLED's interaction label from the two inter codes: 'State forces-Rebel group' (lower code first,
    Civilians last), or 'Rebel group only' when there is one actor with a code; '' when neither has one.
    `labels` maps the code (as text) to ACLED's label."""
    codes = [c for c in (inter1, inter2) if c is not None]
    if not codes:
        return ""
    if len(codes) == 1:
        return f"{labels[str(codes[0])]} only"
    codes.sort(key=lambda c: (c == CIVILIANS_CODE, c))
    return "-".join(labels[str(c)] for c in codes)


def source_scale(scales: set[str]) -> str:
    """ACLED's source_scale for an event: the distinct scales of its sources, in SCALE_ORDER, '-'-joined."""
    rank = {s: i for i, s in enumerate(SCALE_ORDER)}
    return "-".join(sorted((s for s in scales if s), key=lambda s: (rank.get(s, len(rank)), s)))


def fatalities(ds: Any, event_ids: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """event_id -> fatalities by FATALITY_RULE, and event_id -> a short account of the figures used."""
    by_event = per_event_subject(per_subject(figures(ds, "killed")))
    counts: dict[str, int] = {}
    notes: dict[str, str] = {}
    for e in event_ids:
        rows = by_event.get(e)
        if not rows:
            counts[e] = 0
            notes[e] = f"Fatalities ({FATALITY_RULE}): no killed figure claimed; coded 0."
            continue
        parts, group_sum = [], 0
        for s in PERSON_GROUPS:
            if s in rows:
                n, lowest = rows[s][0], rows[s][1]
                group_sum += lowest
                parts.append(f"{s} {lowest} (lowest of {n})")
        totals = [(rows[s][1], s, rows[s][0]) for s in PERSON_TOTALS if s in rows]
        total = min(totals) if totals else None
        value = max(group_sum, total[0] if total else 0)
        text = f"Fatalities ({FATALITY_RULE}): "
        text += ("groups " + ", ".join(parts) + f" = {group_sum}") if parts else "no per-group figure"
        if total:
            text += f"; lowest total {total[0]} ({total[1]}, lowest of {total[2]})"
        counts[e] = value
        notes[e] = text + f"; coded {value}."
    return counts, notes


def _created_timestamp(descriptor: dict) -> str:
    created = descriptor.get("created")
    try:
        return str(int(pd.Timestamp(created).timestamp())) if created else ""
    except (ValueError, TypeError):
        return ""


def _int_or_none(v: object) -> int | None:
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else int(v)  # type: ignore[call-overload]


def _actor_columns(ds: Any, ev: pd.DataFrame, m: dict, cols: dict[str, list]) -> None:
    """actor1 / actor2 as ACLED names, inter1 / inter2 as ACLED's labels, and the interaction label."""
    names = actor_names(ds, "acled", "actor1")
    inter_map = mappings(ds.resources["actors"], "acled")["inter1"]
    labels = {str(k): str(v) for k, v in (inter_map.values or {}).items()}
    codes = {a: _int_or_none(c) for a, c in actor_lookup(ds, "acled", "inter1").items()}
    a1 = values(ev[m["actor1"].name])
    a2 = values(ev[m["actor2"].name])
    c1 = [codes.get(a) if a else None for a in a1]
    c2 = [codes.get(a) if a else None for a in a2]
    cols["actor1"] = [names.get(a, "") if a else "" for a in a1]
    cols["actor2"] = [names.get(a, "") if a else "" for a in a2]
    cols["inter1"] = [labels.get(str(c), "") if c is not None else "" for c in c1]
    cols["inter2"] = [labels.get(str(c), "") if c is not None else "" for c in c2]
    # an actor present without an inter code leaves the interaction unknown rather than "... only"
    cols["interaction"] = ["" if (a and x is None) or (b and y is None) else interaction(x, y, labels)
                           for a, b, x, y in zip(a1, a2, c1, c2, strict=False)]


def _source_columns(ds: Any, ids: list[str], cols: dict[str, list]) -> None:
    """source: the publishers the event's claims cite; source_scale: the scales of those sources' types."""
    sm = mappings(ds.resources["sources"], "acled")
    src_ids, cited, claim_events = ds.sources["source_id"], ds.claims["source_id"], ds.claims["event_id"]
    cols["source"] = joined_per_event(claim_events, lookup(cited, src_ids, ds.sources[sm["source"].name]), ids, "; ")
    scale = (translate(ds.sources[sm["source_scale"].name], sm["source_scale"]) if "source_scale" in sm
             else [""] * len(src_ids))
    # each event's distinct scales, then ACLED's order for each of the few distinct combinations
    scales = joined_per_event(claim_events, lookup(cited, src_ids, scale), ids, "\x1f")
    combos = {c: source_scale(set(c.split("\x1f"))) for c in set(scales)}
    cols["source_scale"] = [combos[c] for c in scales]


def rows(ds: Any) -> tuple[list[str], list[list]]:
    """ACLED columns and rows (cells as text) for the exported events."""
    header, cols = columns(ds)
    return header, [list(r) for r in zip(*cols, strict=True)]


def columns(ds: Any) -> tuple[list[str], list[list]]:
    """ACLED columns and, for each, its cells (text), one per exported event."""
    ev, m, cols = mapped_columns(ds, "acled", COLUMNS)
    n = len(ev)
    _actor_columns(ds, ev, m, cols)
    cols["year"] = [d[:4] for d in cols["event_date"]]
    etype = values(ev[m["event_type"].name])
    stype = values(ev[m["sub_event_type"].name])
    cols["disorder_type"] = [DISORDER_BY_SUB_TYPE.get(s) or DISORDER_BY_TYPE.get(t, "")
                             for t, s in zip(etype, stype, strict=False)]
    codes = values(ev[m["iso"].name])
    import pycountry

    countries = {c: pycountry.countries.get(alpha_2=c) for c in set(codes) if c}
    cols["country"] = [getattr(countries.get(c), "name", "") if c else "" for c in codes]
    cols["region"] = [REGIONS.get(c, "") if c else "" for c in codes]
    cols["tags"] = [t.replace("|", "; ") for t in cols["tags"]]
    ids = values(ev["event_id"])
    _source_columns(ds, ids, cols)
    counts, notes = fatalities(ds, ids)
    cols["fatalities"] = [str(counts[e]) for e in ids]
    cols["notes"] = [f"{d} {notes[e]}".strip() for d, e in zip(cols["notes"], ids, strict=False)]
    stamp = _created_timestamp(ds.descriptor)
    cols["timestamp"] = [stamp] * n
    return COLUMNS, [cols[c] for c in COLUMNS]


def export(ds: Any) -> str:
    header, cols = columns(ds)
    return csv_columns_text(header, cols)
