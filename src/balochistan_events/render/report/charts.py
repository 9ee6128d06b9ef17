"""The charts of figures over time: one panel per event x claim type x subject, each claim a marker
on the date it was stated (its shape says the qualifier), ranges as bars, each claimant's highest
figure so far as a step line labelled at its end. Which panels are drawn: the 'picture' (the newest
period's campaigns, militants and security forces killed) and up to MAX_PANELS more."""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from balochistan_events.render.report.data import SIDE_ORDER, ReportData, day_numbers
from balochistan_events.render.report.svg import Canvas, date_ticks, nice_ticks, tick_label
from balochistan_events.render.report.wording import as_int, figure_text, human, iso, short_figure, text

MAX_PANELS = 30          # figures-over-time panels; the rest stay in the table
MIN_PANEL_CLAIMS = 3     # a panel needs this many figures, or figures from two claimants (else: any)
MAX_TABLE_ROWS = 40      # rows of a chart's table alternative
SUBJECT_RANK = {s: i for i, s in enumerate(("militants", "security_forces", "civilians", "all_persons", "officials"))}
W, H, ML, MR, MT, MB = 420.0, 230.0, 40.0, 50.0, 12.0, 28.0


def marker_shape(q: str) -> tuple[str, bool]:
    """(shape, filled) for a qualifier: dot exact, ring approximate, up lower bound, down upper bound."""
    if q in ("at_least", "more_than"):
        return "up", True
    if q in ("up_to", "nearly"):
        return "down", True
    return ("dot", False) if q == "approximately" else ("dot", True)


def periods(data: ReportData) -> list[list[str]]:
    """Campaign ids grouped by overlapping dates (3 days' slack), newest group first: a campaign and
    the counter-operation it provoked fall in one period."""
    ev = data.events
    camps = ev[ev["event_level"] == "campaign"].sort_values(["date_start", "event_id"], kind="stable")
    starts = camps["date_start"].to_numpy(dtype="datetime64[D]")
    stops = camps["date_end"].to_numpy(dtype="datetime64[D]")
    stops = np.where(np.isnat(stops), starts, stops)
    out: list[list[str]] = []
    current: list[str] = []
    end = None
    for eid, start, stop in zip(camps["event_id"].to_numpy(dtype=object), starts, stops, strict=True):
        if current and end is not None and not np.isnat(start) and start <= end + np.timedelta64(3, "D"):
            current.append(str(eid))
            end = max(end, stop)
        else:
            if current:
                out.append(current)
            current, end = [str(eid)], stop
    if current:
        out.append(current)
    return out[::-1]


def headline(data: ReportData) -> list[tuple[str, str, pd.DataFrame]]:
    """The picture: [(subject, event_id, frame)] of 'killed' figures about the campaigns of the newest
    period that has them, militants and security forces side by side; each subject from the campaign
    with the most such figures (campaigns are never merged)."""
    c = data.claims[(data.claims["claim_type"] == "killed") & data.claims["value_best"].notna()]
    for period in periods(data)[:50]:
        sel = c[c["event_id"].isin(period)]
        picks = []
        for subject in ("militants", "security_forces"):
            cand = sel[sel["subject"] == subject]
            if len(cand) < 2:
                continue
            counts = cand.groupby("event_id").size()
            eid = max(counts.index, key=lambda e: (int(counts[e]), e))
            picks.append((subject, str(eid), cand[cand["event_id"] == eid]))
        if picks:
            return picks
    return []


def panel_groups(data: ReportData, exclude: set[tuple[str, str, str]]) -> tuple[list[tuple[str, str, str, pd.DataFrame]], int]:
    """[(event_id, claim_type, subject, frame)] for the panels in display order, and how many groups
    were left out by MAX_PANELS: the best-documented are kept (ties: the first in the claims file).
    Vectorised: at 100k events there are hundreds of thousands of groups."""
    c = data.claims[data.claims["value_best"].notna()]
    if c.empty:
        return [], 0
    keys = ["event_id", "claim_type", "subject"]
    gid = c.groupby(keys, observed=True, sort=False).ngroup().to_numpy().astype(np.int64)
    _, first = np.unique(gid, return_index=True)
    who = pd.factorize(c["claimant_id"])[0].astype(np.int64) + 1          # 0: no claimant
    pairs = pd.unique(gid * (int(who.max()) + 1) + who)
    g = c.iloc[first][keys].reset_index(drop=True)
    g = g.assign(n=np.bincount(gid), k=np.bincount(pairs // (int(who.max()) + 1), minlength=len(first)),
                 gid=np.arange(len(first)))
    if exclude:
        trip = zip(*(g[k].to_numpy(dtype=object) for k in keys), strict=True)
        g = g[[t not in exclude for t in trip]]
    enough = (g["n"] >= MIN_PANEL_CLAIMS) | (g["k"] >= 2)
    if enough.any():
        g = g[enough]
    omitted = max(0, len(g) - MAX_PANELS)
    if omitted:
        g = g.iloc[np.argsort(-g["n"].to_numpy(), kind="stable")[:MAX_PANELS]]
    ev = data.events.set_index("event_id")
    rank = {cid: i for i, (cid, _) in enumerate(data.campaigns)}

    def order(row: Any) -> tuple:
        eid, ctype, subject = str(row.event_id), str(row.claim_type), str(row.subject)
        is_camp = eid in ev.index and ev.at[eid, "event_level"] == "campaign"
        cid: Any = ev.at[eid, "campaign_id"] if eid in ev.index else None
        return (rank.get(cid, len(rank)), 0 if is_camp else 1, 0 if is_camp else -int(row.n), eid,
                0 if ctype == "killed" else 1, SUBJECT_RANK.get(subject, len(SUBJECT_RANK)), ctype, subject)

    chosen: Any = sorted(g.itertuples(index=False), key=order)
    wanted = np.isin(gid, [r.gid for r in chosen])
    frames = dict(iter(c[wanted].groupby(gid[wanted], sort=False)))
    return [(str(r.event_id), str(r.claim_type), str(r.subject), frames[r.gid]) for r in chosen], omitted


def claimants_of(data: ReportData, g: pd.DataFrame) -> list[str]:
    return sorted(map(str, g["claimant_id"].dropna().unique()),
                  key=lambda a: (SIDE_ORDER.index(data.sides.get(a, "independent")), a))


COLS = ["claim_id", "claimant_id", "claim_date", "value_low", "value_best", "value_high", "qualifier"]


def records(g: pd.DataFrame) -> list[dict[str, Any]]:
    """A panel's claims as plain dicts in date order, each with its day number and numbers as int or
    None: drawing works on these (pandas per claimant and per row costs more than the drawing)."""
    g = g.sort_values(["claim_date", "claim_id"], kind="stable")[COLS]
    g = g.assign(day=day_numbers(g["claim_date"]))
    out: list[dict[str, Any]] = []
    for r in g.to_dict("records"):
        for k in ("value_low", "value_best", "value_high"):
            r[k] = as_int(r[k])
        r["qualifier"], r["claimant_id"], r["claim_id"] = text(r["qualifier"]), text(r["claimant_id"]), text(r["claim_id"])
        out.append({str(k): v for k, v in r.items()})
    return out


def _series(cv: Canvas, data: ReportData, s: list[dict[str, Any]], aid: str, xy: Any, off: float) -> tuple[float, float, str]:
    """One claimant's markers, ranges and step line; returns its end label (x, y, text)."""
    x_of, y_of = xy
    colour = data.colours.get(aid, "#444")
    name = data.names.get(aid, aid)
    day_max: dict[float, int] = {}
    for r in s:
        day_max[r["day"]] = max(day_max.get(r["day"], r["value_best"]), r["value_best"])
    udays = sorted(day_max)
    running = list(itertools.accumulate((day_max[d] for d in udays), max))
    if len(udays) > 1:
        pts = [(x_of(udays[0]) + off, y_of(running[0]))]
        for i in range(1, len(udays)):
            pts += [(x_of(udays[i]) + off, y_of(running[i - 1])), (x_of(udays[i]) + off, y_of(running[i]))]
        cv.path(pts, stroke=colour, width=1.6, extra=' stroke-opacity="0.6"')
    for r in s:
        lo, best, hi = r["value_low"], r["value_best"], r["value_high"]
        x = x_of(r["day"]) + off
        if lo is not None and hi is not None and lo < hi:
            cv.line(x, y_of(lo), x, y_of(hi), colour, 2.6, ' stroke-opacity="0.45"')
        shape, filled = marker_shape(r["qualifier"] or "exact")
        tip = f"{name}, {iso(r['claim_date'])}: {figure_text(lo, best, hi, r['qualifier'])} ({r['claim_id']})"
        cv.marker(x, y_of(best), shape, colour, filled, tip=tip)
    top = max(s, key=lambda r: r["value_best"])          # the first claim stating the highest figure
    label = short_figure(top["value_low"], top["value_best"], top["value_high"], top["qualifier"])
    return x_of(udays[-1]) + off + 6, y_of(running[-1]), label


def claims_svg(data: ReportData, recs: list[dict[str, Any]], claimants: list[str], uid: str, label: str,
               span: tuple[float, float] | None = None, ymax: float | None = None) -> str:
    """One panel as an <svg>; span (day numbers) and ymax put several panels on one scale."""
    d0, d1 = span or (min(r["day"] for r in recs), max(r["day"] for r in recs))
    pad = 1.0 if d0 == d1 else (d1 - d0) * 0.08 + 0.3
    lo_d, hi_d = d0 - pad, d1 + pad
    top = ymax if ymax is not None else float(max(max(r["value_best"], r["value_high"] or 0) for r in recs))
    ticks = nice_ticks(top * 1.08)

    def x_of(d: float) -> float:
        return ML + (d - lo_d) / (hi_d - lo_d) * (W - ML - MR)

    def y_of(v: float) -> float:
        return H - MB - v / ticks[-1] * (H - MT - MB)

    cv = Canvas(W, H, uid, label)
    for t in ticks:
        cv.line(ML, y_of(t), W - MR, y_of(t), "#e6e6e6", 0.8)
        cv.text(ML - 5, y_of(t) + 3.5, tick_label(t), 10, "end", "#555")
    for d, lab in date_ticks(lo_d, hi_d, 6):
        cv.line(x_of(d), H - MB, x_of(d), H - MB + 4, "#888", 0.8)
        cv.text(x_of(d), H - MB + 15, lab, 10, "middle", "#555")
    cv.line(ML, H - MB, W - MR, H - MB, "#888", 0.8)
    n = len(claimants)
    step = min(5.0, 30.0 / max(n, 1))
    labels = []
    for k, aid in enumerate(claimants):
        s = [r for r in recs if r["claimant_id"] == aid]
        if s:
            x, y, lab = _series(cv, data, s, aid, (x_of, y_of), (k - (n - 1) / 2) * step)
            labels.append((y, x, lab, data.colours.get(aid, "#444")))
    kept: list[tuple[float, float]] = []
    for y, x, lab, colour in sorted(labels, key=lambda t: t[0]):      # highest figure (smallest y) first
        if all(abs(y - ky) >= 11 or abs(x - kx) >= 48 for ky, kx in kept):
            kept.append((y, x))
            cv.text(min(x, W - 4 - 6.5 * len(lab)), y - 3, lab, 10.5, "start", colour, ' font-weight="700"')
    return str(cv)


def table_rows(data: ReportData, recs: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A chart's table alternative: every claim it draws (capped at MAX_TABLE_ROWS)."""
    return [{"date": iso(r["claim_date"]), "who": data.names.get(r["claimant_id"], r["claimant_id"]),
             "figure": figure_text(r["value_low"], r["value_best"], r["value_high"], r["qualifier"]),
             "claim_id": r["claim_id"]} for r in recs[:MAX_TABLE_ROWS]]


def panel(data: ReportData, g: pd.DataFrame, uid: str, title: str, where: str,
          span: tuple[float, float] | None = None, ymax: float | None = None) -> dict[str, Any]:
    """A panel's template context: the svg, its legend and its table alternative."""
    claimants = claimants_of(data, g)
    recs = records(g)
    label = f"{title}: {where}. {len(g)} figures by {len(claimants)} claimants, by date of claim"
    return {"svg": claims_svg(data, recs, claimants, uid, label, span, ymax), "title": title, "where": where,
            "n": len(g), "claimants": len(claimants), "table": table_rows(data, recs),
            "more": max(0, len(g) - MAX_TABLE_ROWS),
            "legend": [{"label": data.names.get(a, a), "colour": data.colours.get(a, "#444")} for a in claimants]}


def figures_context(data: ReportData) -> dict[str, Any]:
    ev = data.events.set_index("event_id")
    picks = headline(data)
    lead = []
    if picks:
        frames = pd.concat([g for _, _, g in picks])
        days = day_numbers(frames["claim_date"])
        span = (float(np.nanmin(days)), float(np.nanmax(days)))
        ymax = float(pd.concat([frames["value_high"], frames["value_best"]]).dropna().max())
        for i, (subject, eid, g) in enumerate(picks):
            where = text(ev["title"].get(eid, eid))
            lead.append(panel(data, g, f"lead{i}", f"{human(subject).capitalize()} killed", where, span, ymax))
    groups, omitted = panel_groups(data, {(e, "killed", s) for s, e, _ in picks})
    panels = []
    for n, (eid, ctype, subject, g) in enumerate(groups):
        what = f"{human(ctype).capitalize()} · {human(subject)}"
        where = text(ev["title"].get(eid, eid)) if eid in ev.index else eid
        if eid in ev.index and ev.at[eid, "event_level"] != "campaign":
            where += f" ({text(ev.at[eid, 'location'])}, {iso(ev.at[eid, 'date_start'])})"
        panels.append(panel(data, g, f"fig{n}", what, where))
    return {"lead": lead, "panels": panels, "omitted": omitted, "max_panels": MAX_PANELS,
            "min_claims": MIN_PANEL_CLAIMS}
