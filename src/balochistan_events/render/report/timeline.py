"""Timelines: the whole period (incidents per day, week or four weeks, stacked by event type, with the
campaigns as labelled bands above), and incidents by day for the largest campaigns. Aggregates only:
the cost and the size do not grow with the number of events."""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from balochistan_events.render.report.data import ReportData, day_numbers, objects
from balochistan_events.render.report.svg import Canvas, date_ticks, nice_ticks, tick_label
from balochistan_events.render.report.wording import clip, date_span, plural, short_title, text

MAX_TIMELINES = 12       # per-campaign timelines (the campaigns with the most incidents)
MAX_BANDS = 30           # campaigns drawn as bands on the overview
LANES = 4
EPOCH = dt.date(1970, 1, 1)


def _bars(cv: Canvas, table: pd.DataFrame, colours: dict[str, str], x_of: Any, y_of: Any, width: float,
          unit: str) -> None:
    """Stacked bars: table index = first day of each bin (day number), columns = event types."""
    bottom = np.zeros(len(table))
    days = table.index.to_numpy(dtype="float64")
    for t in table.columns:
        v = table[t].to_numpy(dtype="float64")
        for d, b, h in zip(days, bottom, v, strict=True):
            if h > 0:
                day = (EPOCH + dt.timedelta(days=int(d))).isoformat()
                cv.rect(x_of(d), y_of(b + h), width, y_of(b) - y_of(b + h), colours.get(t, "#555"),
                        tip=f"{unit} of {day}: {int(h)} {t}")
        bottom += v


def _frame(cv: Canvas, ticks: list[float], x_of: Any, y_of: Any, lo: float, hi: float, box: tuple[float, ...]) -> None:
    left, right, bottom = box
    for t in ticks:
        cv.line(left, y_of(t), right, y_of(t), "#e6e6e6", 0.8)
        cv.text(left - 5, y_of(t) + 3.5, tick_label(t), 10, "end", "#555")
    for d, lab in date_ticks(lo, hi, 7 if right - left > 500 else 4):
        cv.line(x_of(d), bottom, x_of(d), bottom + 4, "#888", 0.8)
        cv.text(x_of(d), bottom + 15, lab, 10, "middle", "#555")
    cv.line(left, bottom, right, bottom, "#888", 0.8)


def _binned(inc: pd.DataFrame, days: np.ndarray, bin_days: int, types: list[str]) -> pd.DataFrame:
    start = np.floor(days / bin_days) * bin_days
    frame = pd.DataFrame({"bin": start, "type": inc["event_type"].astype(str).to_numpy()})
    table = frame.groupby(["bin", "type"], sort=True).size().unstack(fill_value=0)
    return table.reindex(columns=[t for t in types if t in table.columns], fill_value=0)


def banded(data: ReportData) -> pd.DataFrame:
    """The campaigns drawn as bands on the overview: the MAX_BANDS with the most incidents, by date."""
    ev = data.events
    camps = ev[ev["event_level"] == "campaign"]
    sizes = ev.loc[ev["event_level"] == "incident", "campaign_id"].value_counts()
    camps = camps.assign(_n=camps["event_id"].map(sizes).fillna(0)).sort_values(["_n", "event_id"], ascending=[False, True])
    return camps.head(MAX_BANDS).sort_values(["date_start", "event_id"], kind="stable")


def _bands(cv: Canvas, shown: pd.DataFrame, x_of: Any, top: float) -> None:
    """Campaign bands in lanes above the bars, labelled where a lane has room."""
    ends = [-1e9] * LANES
    s_days, e_days = day_numbers(shown["date_start"]), day_numbers(shown["date_end"])
    for title, d0, d1 in zip(shown["title"], s_days, e_days, strict=True):
        if np.isnan(d0):
            continue
        d1 = d0 if np.isnan(d1) else d1
        x0, x1 = x_of(d0), max(x_of(d1 + 1), x_of(d0) + 3)
        label = clip(short_title(text(title)), 30)
        label_w = 6.2 * len(label)
        right = x0 + label_w > cv.width - 4          # near the right edge: the label ends at the band's end
        left = x1 - label_w if right else x0
        lane = next((i for i in range(LANES) if ends[i] < left), None)
        y = top + 16 * (lane if lane is not None else LANES - 1)
        when = date_span(EPOCH + dt.timedelta(days=int(d0)), EPOCH + dt.timedelta(days=int(d1)))
        cv.rect(x0, y + 8, x1 - x0, 5, "#6b6b6b", tip=f"{text(title)} ({when})")
        if lane is not None:
            cv.text(x1 if right else x0, y + 6, label, 10.5, "end" if right else "start", "#222")
            ends[lane] = max(x1, left + label_w) + 8


def overview(data: ReportData) -> dict[str, Any] | None:
    """The whole period in one chart (a wide and a narrow drawing: CSS shows the one that fits, so the
    labels stay legible on phones), with its table alternative (incidents per month)."""
    ev = data.events
    inc = ev[(ev["event_level"] == "incident") & ev["date_start"].notna()]
    if inc.empty:
        return None
    days = day_numbers(inc["date_start"])
    lo, hi = float(days.min()), float(days.max())
    camp_days = day_numbers(ev.loc[ev["event_level"] == "campaign", "date_start"])
    if len(camp_days) and not np.isnan(camp_days).all():
        lo, hi = min(lo, float(np.nanmin(camp_days))), max(hi, float(np.nanmax(camp_days)))
    span = hi - lo + 1
    bin_days = 1 if span <= 150 else 7 if span <= 1100 else 28
    unit = {1: "day", 7: "week", 28: "4 weeks"}[bin_days]
    table = _binned(inc, days, bin_days, list(data.type_colours))
    label = f"Incidents per {unit}, {date_span(*(EPOCH + dt.timedelta(days=int(v)) for v in (lo, hi)))}, with the campaigns"
    shown = banded(data)
    wide = _overview_svg(data, table, shown, (lo, hi, bin_days), 720.0, "overview", label)
    narrow = _overview_svg(data, table, shown, (lo, hi, bin_days), 380.0, "overviewn", label)
    per_month = pd.Series(inc["date_start"].to_numpy(dtype="datetime64[M]")).value_counts().sort_index()
    per_month.index = [str(m)[:7] for m in per_month.index.to_numpy(dtype="datetime64[M]")]
    camps = int((ev["event_level"] == "campaign").sum())
    return {"wide": wide, "narrow": narrow, "unit": unit, "label": label, "incidents": len(inc),
            "bands_left_out": max(0, camps - MAX_BANDS), "max_bands": MAX_BANDS,
            "months": [{"month": m, "n": int(n)} for m, n in per_month.items()],
            "legend": [{"label": t, "colour": data.type_colours[t]} for t in table.columns]}


def _overview_svg(data: ReportData, table: pd.DataFrame, shown: pd.DataFrame, span: tuple[float, float, int],
                  width: float, uid: str, label: str) -> str:
    lo, hi, bin_days = span
    unit = {1: "day", 7: "week", 28: "4 weeks"}[bin_days]
    height, left, right = (300.0 if width > 500 else 260.0), 40.0, 10.0
    band_top, bottom = 8.0, height - 28
    bar_top = band_top + 16 * LANES + 10
    lo_d, hi_d = lo - bin_days, hi + bin_days
    ticks = nice_ticks(float(table.sum(axis=1).max()) * 1.05)

    def x_of(d: float) -> float:
        return left + (d - lo_d) / (hi_d - lo_d) * (width - left - right)

    def y_of(v: float) -> float:
        return bottom - v / ticks[-1] * (bottom - bar_top)

    cv = Canvas(width, height, uid, label)
    _frame(cv, ticks, x_of, y_of, lo_d, hi_d, (left, width - right, bottom))
    bar_w = max(x_of(lo + bin_days) - x_of(lo) - (0.6 if bin_days > 1 else 0.3), 0.8)
    _bars(cv, table, data.type_colours, x_of, y_of, bar_w, unit.capitalize())
    _bands(cv, shown, x_of, band_top)
    return str(cv)


def campaign_timeline(ev: pd.DataFrame, data: ReportData, cid: str | None, title: str, uid: str) -> dict[str, Any] | None:
    """Incidents of one campaign by day (ev: the events, or a part holding that campaign's)."""
    inc = ev[(ev["event_level"] == "incident") & ev["date_start"].notna() &
             (ev["campaign_id"].isna() if cid is None else ev["campaign_id"] == cid)]
    if inc.empty:
        return None
    days = day_numbers(inc["date_start"])
    lo, hi = float(days.min()), float(days.max())
    if cid is not None:                  # the campaign's own dates, when it is not much longer than its incidents
        own = day_numbers(ev.loc[ev["event_id"] == cid, ["date_start", "date_end"]].iloc[0])
        if not np.isnan(own).any() and own[1] - own[0] <= 366:
            lo, hi = min(lo, own[0]), max(hi, own[1])
    table = _binned(inc, days, 1, list(data.type_colours))
    width, height, left, right, top, bottom = 460.0, 200.0, 36.0, 10.0, 18.0, 172.0
    ticks = nice_ticks(float(table.sum(axis=1).max()) * 1.1, 4)

    def x_of(d: float) -> float:          # day d's bar spans d+0.1 .. d+0.9
        return left + (d - lo + 0.5) / (hi - lo + 2) * (width - left - right)

    def y_of(v: float) -> float:
        return bottom - v / ticks[-1] * (bottom - top)

    day_w = x_of(lo + 1) - x_of(lo)
    cv = Canvas(width, height, uid, f"Incidents by day: {title}")
    _frame(cv, ticks, lambda d: x_of(d + 0.5), y_of, lo - 0.5, hi + 0.5, (left, width - right, bottom))
    _bars(cv, table, data.type_colours, lambda d: x_of(d + 0.1), y_of, day_w * 0.8, "Day")
    totals = table.sum(axis=1)
    if len(totals) <= 40:
        for d, n in zip(totals.index.to_numpy(dtype="float64"), totals.to_numpy(), strict=True):
            cv.text(x_of(float(d) + 0.5), y_of(float(n)) - 3, str(int(n)), 9.5, "middle", "#333")
    rows = [{"day": (EPOCH + dt.timedelta(days=int(d))).isoformat(),
             "counts": ", ".join(f"{int(v)} {t}" for t, v in table.loc[d].items() if v)} for d in table.index]
    return {"svg": str(cv), "title": title, "incidents": len(inc), "rows": rows[:60], "more": max(0, len(rows) - 60),
            "legend": [{"label": t, "colour": data.type_colours[t]} for t in table.columns]}


def timelines(data: ReportData) -> dict[str, Any]:
    inc = data.events[data.events["event_level"] == "incident"]
    sizes = inc["campaign_id"].value_counts(dropna=False)
    keys = objects(pd.Series(sizes.index))
    size = {(None if k is None else str(k)): int(v) for k, v in zip(keys, sizes.to_numpy(), strict=True)}
    ranked = sorted((cid for cid, _ in data.campaigns if size.get(cid)), key=lambda c: (-size[c], str(c)))
    drawn = set(ranked[:MAX_TIMELINES])
    sub = data.events[data.events["campaign_id"].isin([c for c in drawn if c is not None]) | data.events["campaign_id"].isna()]
    charts = []
    for n, (cid, title) in enumerate(data.campaigns):
        if cid in drawn:
            t = campaign_timeline(sub, data, cid, title, f"tl{n}")
            if t is not None:
                charts.append(t)
    left_out = max(0, len(ranked) - MAX_TIMELINES)
    return {"overview": overview(data), "charts": charts, "left_out": left_out,
            "left_out_text": plural(left_out, "smaller campaign") if left_out else "", "max": MAX_TIMELINES}
