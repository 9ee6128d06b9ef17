"""The view across campaigns: for each campaign (an event whose event_level is 'campaign') and each
subject of 'killed' figures, the highest and the latest figure that each side stated about the
campaign as a whole (claims whose event_id is the campaign row), and the ratio between the sides'
highest figures. Nothing is summed over incidents or averaged: every number shown is one claim.

A claimant's side is package/summary.py's typing (SIDES): state forces and authorities are the
state side, rebel groups and militias the armed group, everyone else independent.

    highest: the largest value_best (ties: the earliest claim_date, then claim_id)
    latest:  the last by claim_date, then claim_id (as summary.py's latest_* columns)
    ratio:   armed group's highest ÷ state's highest, and independent's highest ÷ state's highest"""
from __future__ import annotations

from typing import Any

import pandas as pd

from balochistan_events.render.report.data import SIDE_ORDER, ReportData
from balochistan_events.render.report.wording import date_span, figure_text, iso, nice_date, ratio_text, text

MAX_COMPARED = 40         # campaigns in the table; the rest are named in a note
SUBJECT_ORDER = ("militants", "security_forces", "civilians", "all_persons", "officials")


def killed_on_campaigns(data: ReportData) -> pd.DataFrame:
    """'killed' claims with a figure whose event is a campaign row."""
    c = data.claims
    camps = data.events.loc[data.events["event_level"] == "campaign", "event_id"]
    return c[(c["claim_type"] == "killed") & c["value_best"].notna() & c["event_id"].isin(camps)]


def _pick(frame: pd.DataFrame, latest: bool) -> pd.DataFrame:
    keys = ["event_id", "subject", "side"]
    f = frame.assign(_v=frame["value_best"].astype("float64"), _d=frame["claim_date"])
    if latest:
        f = f.sort_values(keys + ["_d", "claim_id"], ascending=[True, True, True, False, False], kind="stable")
    else:
        f = f.sort_values(keys + ["_v", "_d", "claim_id"], ascending=[True, True, True, False, True, True],
                          kind="stable")
    return f.groupby(keys, sort=False).head(1).set_index(keys)


def _figure(data: ReportData, row: Any) -> dict[str, Any]:
    aid = text(row["claimant_id"])
    tr = text(row.get("quote_translation"))
    return {"claim_id": text(row["claim_id"]), "value": float(row["value_best"]),
            "text": figure_text(row["value_low"], row["value_best"], row["value_high"], row["qualifier"]),
            "who": data.names.get(aid, aid), "colour": data.colours.get(aid, "#555"),
            "date": nice_date(row["claim_date"]), "iso": iso(row["claim_date"]),
            "quote": text(row["quote"]), "translation": tr}


def _chosen(killed: pd.DataFrame) -> tuple[list[str], int]:
    """The campaigns in the table (the most figures first, capped), and how many were left out."""
    counts = killed.groupby("event_id").size()
    ranked = sorted(counts.index, key=lambda e: (-int(counts[e]), str(e)))
    return [str(e) for e in ranked[:MAX_COMPARED]], max(0, len(ranked) - MAX_COMPARED)


def comparison(data: ReportData) -> dict[str, Any]:
    """{'campaigns': [{id, title, dates, rows: [{subject, sides: {side: {highest, latest, n}}, ratios}]}],
    'omitted': n, 'without': [titles of campaigns with no killed figure]}"""
    all_killed = killed_on_campaigns(data)
    chosen, omitted = _chosen(all_killed)
    killed = all_killed[all_killed["event_id"].isin(chosen)]
    killed = killed.join(data.claim_text.loc[killed.index])
    highest: Any = _pick(killed, latest=False)
    latest: Any = _pick(killed, latest=True)
    counts = killed.groupby(["event_id", "subject", "side"]).size()
    ev = data.events.set_index("event_id")
    out = []
    for cid in sorted(chosen, key=lambda e: (ev.at[e, "date_start"], e), reverse=True):
        rows = []
        subjects = set(killed.loc[killed["event_id"] == cid, "subject"].astype(str))
        order = [s for s in SUBJECT_ORDER if s in subjects] + sorted(subjects - set(SUBJECT_ORDER))
        for subject in order:
            sides: dict[str, Any] = {}
            for side in SIDE_ORDER:
                key = (cid, subject, side)
                if key in highest.index:
                    sides[side] = {"highest": _figure(data, highest.loc[key]), "latest": _figure(data, latest.loc[key]),
                                   "n": int(counts[key])}
            top = {s: v["highest"]["value"] for s, v in sides.items()}
            rows.append({"subject": subject, "sides": sides,
                         "ratio_armed": ratio_text(top.get("armed_group"), top.get("official")),
                         "ratio_indep": ratio_text(top.get("independent"), top.get("official"))})
        out.append({"id": cid, "title": text(ev.at[cid, "title"]),
                    "dates": date_span(ev.at[cid, "date_start"], ev.at[cid, "date_end"]), "rows": rows})
    all_camps = data.events.loc[data.events["event_level"] == "campaign"]
    with_figures = set(all_killed["event_id"])
    without = [text(t) for e, t in zip(all_camps["event_id"], all_camps["title"], strict=True) if e not in with_figures]
    return {"campaigns": out, "omitted": omitted, "without": without[:20], "without_n": len(without)}
