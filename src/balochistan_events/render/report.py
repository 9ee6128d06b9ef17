"""The report: one self-contained, offline HTML page that shows the claims as pictures.

    >>> html = render_report()                        # doctest: +SKIP
    >>> write_report("report.html", date="2026-02-10")  # doctest: +SKIP

Sections: a header (version, date, counts, licence, how to cite, method note); the figures over time
(one panel per event x claim type x subject with enough figures, one series per claimant); a timeline
of incidents by day per campaign; a map of incident locations; and a per-event table of every claim
with its source and quote.

Charts are drawn with matplotlib into inline SVG: no JavaScript is needed to see them, nothing is
fetched, and the output is byte-identical for the same data, date and matplotlib version (fixed
svg.hashsalt, no date metadata, DejaVu Sans glyphs embedded as paths, ids prefixed per chart). Every
data string is HTML-escaped; a Content-Security-Policy allows only the page's own script (by hash),
so even a missed escape could neither run code nor make a request."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import io
import math
import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from balochistan_events.package.summary import claimant_sides

MAX_PANELS = 30          # figures-over-time panels; the rest stay in the table
MIN_PANEL_CLAIMS = 3     # a panel needs this many figures, or figures from two claimants (else: any)
MAX_MAP_LABELS = 40
MAX_TIMELINES = 12
SIDE_ORDER = ("official", "armed_group", "independent")
SIDE_HEADS = {"official": "Official (state) claimants", "armed_group": "Armed group",
              "independent": "Others (media, UN, …)"}
SIDE_PALETTES = {   # official: blues and teals; armed group: reds and oranges; others: greys, greens, purples
    "official": ["#1f5fae", "#18a0b5", "#0b2a5c", "#7a9cc9", "#3fb6e0", "#4b3f9e", "#2c6e8f", "#9cc3e6"],
    "armed_group": ["#d1451b", "#e8962a", "#8c2d04", "#f0b862", "#b5562e"],
    "independent": ["#3d3d3d", "#8e5ba8", "#5f8f2f", "#a0a0a0", "#b0649a", "#8a6d3b", "#4d4d80", "#2e8b7a"],
}
TYPE_PALETTE = ["#c0392b", "#e69f00", "#7b3294", "#0072b2", "#009e73", "#666666", "#b8860b", "#56b4e9"]
QUALIFIER_WORDS = {"at_least": "at least", "more_than": "more than", "approximately": "about",
                   "up_to": "up to", "nearly": "nearly"}
QUALIFIER_SHORT = {"at_least": "≥", "more_than": ">", "approximately": "~", "up_to": "≤", "nearly": "~"}
SUBJECT_ORDER = ("militants", "security_forces", "civilians", "all_persons", "officials")
RC = {
    "svg.hashsalt": "balochistan-events",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "text.parse_math": False,          # data strings containing $ must stay text
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#888888",
    "axes.labelcolor": "#333333",
    "xtick.color": "#555555",
    "ytick.color": "#555555",
    "axes.titlesize": 10,
    "legend.fontsize": 8.8,
    "path.simplify": True,
}
SAFE_URL = re.compile(r"https?://[^\s\"'<>`\\]+", re.ASCII)


# --------------------------------------------------------------------------- public API


def render_report(path=None, date=None) -> str:
    """The report as one HTML string. path: package directory, datapackage.json or release zip
    (default: as load()). date: the date printed in the header (YYYY-MM-DD string or date; default:
    SOURCE_DATE_EPOCH, else the descriptor's `created` date, else today)."""
    from balochistan_events.package.loading import load

    ds = load(path)
    data = _prepare(ds)
    when = _report_date(date, ds.descriptor)
    return _page(data, ds.descriptor, when)


def write_report(out="report.html", path=None, date=None) -> Path:
    """Render and write the report atomically; returns the path written."""
    from balochistan_events.package.atomic import write_text

    text = render_report(path, date)
    write_text(out, text)
    return Path(out)


# --------------------------------------------------------------------------- data


@dataclass
class _Data:
    events: pd.DataFrame       # + campaign_id, campaign_title, toll
    claims: pd.DataFrame       # + side, claimant_name, source fields
    actors: pd.DataFrame
    sources: pd.DataFrame
    names: dict                # actor_id -> display name
    colours: dict              # claimant_id -> colour
    sides: dict                # claimant_id -> side
    kinds: dict                # actor_id -> 'official' / 'armed group' / 'media' / ... (short words)
    type_colours: dict         # event_type -> colour
    campaigns: list            # [(campaign_id or None, title)] in display order


def _s(value) -> str:
    """A cell as text ('' for missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _prepare(ds) -> _Data:
    events = ds["events"].copy()
    claims = ds["claims"].copy()
    actors = ds["actors"].copy()
    sources = ds["sources"].copy()
    for frame, cols in ((events, ("event_level", "event_type", "sub_event_type", "geo_precision",
                                  "verification", "date_precision")),
                        (claims, ("claim_type", "subject", "qualifier"))):
        for c in cols:
            if c in frame and not isinstance(frame[c].dtype, pd.CategoricalDtype):
                frame[c] = frame[c].astype("string")

    # campaign of each event: walk parent links up to a campaign row (cycles and dangling links stop)
    level = dict(zip(events["event_id"], events["event_level"].astype("string"), strict=False))
    parent = dict(zip(events["event_id"], events["parent_event_id"], strict=False))
    titles = dict(zip(events["event_id"], events["title"], strict=False))

    def campaign_of(eid):
        seen = set()
        while eid is not None and not pd.isna(eid) and eid not in seen:
            seen.add(eid)
            if level.get(eid) == "campaign":
                return eid
            eid = parent.get(eid)
        return None

    events["campaign_id"] = [campaign_of(e) for e in events["event_id"]]
    events = events.sort_values(["date_start", "event_id"], kind="stable").reset_index(drop=True)

    # display order of campaigns: newest first; events outside any campaign last
    camp_rows = events[events["event_level"].astype("string") == "campaign"].iloc[::-1]
    campaigns = [(cid, _s(titles.get(cid))) for cid in camp_rows["event_id"]]
    if events["campaign_id"].isna().any():
        campaigns.append((None, "Events outside a campaign"))

    names = {}
    for aid, name in zip(actors["actor_id"], actors["name"], strict=False):
        names.setdefault(aid, _s(name) or _s(aid))
    side_map = claimant_sides(actors).to_dict() if len(actors) else {}

    claims["side"] = [side_map.get(c, "independent") for c in claims["claimant_id"]]
    with_fig = claims[claims["value_best"].notna()]
    counts = with_fig["claimant_id"].value_counts()
    colours, sides = {}, {}
    for side in SIDE_ORDER:
        ids = sorted(set(claims.loc[claims["side"] == side, "claimant_id"].dropna()),
                     key=lambda a: (-int(counts.get(a, 0)), a))
        palette = SIDE_PALETTES[side]
        for i, aid in enumerate(ids):
            colours[aid] = palette[i % len(palette)]
            sides[aid] = side

    # largest single 'killed' figure claimed about each event (its high end when a range)
    killed = claims[(claims["claim_type"].astype("string") == "killed") & claims["value_best"].notna()]
    top = killed["value_high"].fillna(killed["value_best"]).astype("float64")
    toll = top.groupby(killed["event_id"]).max()
    events["toll"] = events["event_id"].map(toll)

    types = events["event_type"]
    cats = list(types.cat.categories) if isinstance(types.dtype, pd.CategoricalDtype) else sorted(types.dropna().unique())
    type_colours = {t: TYPE_PALETTE[i % len(TYPE_PALETTE)] for i, t in enumerate(cats)}
    kinds = {}
    for aid, atype in zip(actors["actor_id"], actors["actor_type"].astype("string"), strict=False):
        side = side_map.get(aid, "independent")
        kinds.setdefault(aid, {"official": "official", "armed_group": "armed group"}.get(side) or _human(atype))
    return _Data(events, claims, actors, sources, names, colours, sides, kinds, type_colours, campaigns)


def _report_date(date, descriptor) -> dt.date:
    if date is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch and epoch.strip().isdigit():
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
        created = descriptor.get("created")
        if isinstance(created, str):
            try:
                return dt.date.fromisoformat(created[:10])
            except ValueError:
                pass
        return dt.date.today()
    if isinstance(date, dt.datetime):
        return date.date()
    if isinstance(date, dt.date):
        return date
    try:
        return dt.date.fromisoformat(str(date))
    except ValueError:
        raise ValueError(f"date {date!r} is not YYYY-MM-DD") from None


# --------------------------------------------------------------------------- wording


def _human(code) -> str:
    return _s(code).replace("_", " ")


def _int(v):
    return None if v is None or pd.isna(v) else int(v)


def figure_text(low, best, high, qualifier) -> str:
    """A claim's figure in words: '37', 'at least 37', '20–30', 'about 25 (20–30)'."""
    low, best, high, q = _int(low), _int(best), _int(high), _s(qualifier)
    if best is None:
        return "—"
    if low is not None and high is not None and low < high:
        rng = f"{low}–{high}"
        if q == "approximately" or best not in (low, high):
            return f"{QUALIFIER_WORDS.get(q, '')} {best} ({rng})".strip()
        return rng
    return f"{QUALIFIER_WORDS.get(q, '')} {best}".strip()


def _short_figure(low, best, high, qualifier) -> str:
    low, best, high, q = _int(low), _int(best), _int(high), _s(qualifier)
    if low is not None and high is not None and low < high:
        return f"{low}–{high}"
    return f"{QUALIFIER_SHORT.get(q, '')}{best}"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _date(d) -> str:
    return "" if d is None or pd.isna(d) else pd.Timestamp(d).strftime("%Y-%m-%d")


def _nice_date(d) -> str:
    if d is None or pd.isna(d):
        return ""
    t = pd.Timestamp(d)
    return f"{t.day} {t:%b %Y}"   # no %-d: not portable


def _date_span(start, end) -> str:
    a, b = _date(start), _date(end)
    return a if not b or a == b else f"{a} – {b}"


def _short_name(aid, names, limit=44) -> str:
    name = names.get(aid, aid)
    return name if len(name) <= limit else name[: limit - 1] + "…"


# --------------------------------------------------------------------------- SVG plumbing


def _figure(w, h):
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h), layout="constrained")


def _svg(fig, uid: str, label: str) -> str:
    """The figure as an inline <svg>: no XML prolog, no metadata, scalable, ids unique on the page."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    head_end = text.index(">")
    head = text[:head_end]
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    head += f' role="img" aria-label="{html.escape(label, quote=True)}" preserveAspectRatio="xMidYMid meet"'
    text = head + text[head_end:]
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{uid}-{m.group(1)}"', text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{uid}-{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{uid}-{m.group(1)})", text)
    return text.strip()


def _rc():
    import matplotlib

    return matplotlib.rc_context(RC)


# --------------------------------------------------------------------------- charts


def _marker(q: str):
    """(marker, filled) for a qualifier: dot exact, ring approximate, caret up lower bound, down upper."""
    if q in ("at_least", "more_than"):
        return "^", True
    if q in ("up_to", "nearly"):
        return "v", True
    if q == "approximately":
        return "o", False
    return "o", True


def _panel_groups(data: _Data, exclude=frozenset()):
    """[(event_id, claim_type, subject, frame)] for the figures-over-time panels, in display order, and
    how many were left out by MAX_PANELS."""
    c = data.claims[data.claims["value_best"].notna()]
    if c.empty:
        return [], 0
    ev = data.events.set_index("event_id")
    groups = []
    for (eid, ctype, subject), g in c.groupby(["event_id", c["claim_type"].astype("string"),
                                               c["subject"].astype("string")], sort=True):
        if (eid, ctype, subject) not in exclude:
            groups.append((eid, ctype, subject, g))
    def enough(g):
        return len(g) >= MIN_PANEL_CLAIMS or g["claimant_id"].nunique() >= 2

    if any(enough(g) for *_, g in groups):
        groups = [x for x in groups if enough(x[3])]
    camp_rank = {cid: i for i, (cid, _) in enumerate(data.campaigns)}

    def key(item):
        eid, ctype, subject, g = item
        is_campaign = eid in ev.index and _s(ev.at[eid, "event_level"]) == "campaign"
        cid = ev.at[eid, "campaign_id"] if eid in ev.index else None
        return (camp_rank.get(cid if not pd.isna(cid) else None, len(camp_rank)), 0 if is_campaign else 1,
                -len(g) if not is_campaign else 0, eid, 0 if ctype == "killed" else 1,
                SUBJECT_ORDER.index(subject) if subject in SUBJECT_ORDER else len(SUBJECT_ORDER), ctype, subject)

    groups.sort(key=key)
    if len(groups) > MAX_PANELS:   # keep the best-documented ones, in display order
        keep = sorted(groups, key=lambda x: (-len(x[3]), key(x)))[:MAX_PANELS]
        kept = {(x[0], x[1], x[2]) for x in keep}
        omitted = len(groups) - MAX_PANELS
        groups = [x for x in groups if (x[0], x[1], x[2]) in kept]
        return groups, omitted
    return groups, 0


def _periods(data: _Data) -> list[list[str]]:
    """Campaign ids grouped by overlapping dates (3 days' slack), newest group first: a campaign and
    the counter-operation it provoked fall in one period."""
    ev = data.events
    camps = ev[ev["event_level"].astype("string") == "campaign"].sort_values(["date_start", "event_id"], kind="stable")
    periods, current, end = [], [], None
    for eid, start, stop in zip(camps["event_id"], camps["date_start"], camps["date_end"], strict=False):
        stop = start if pd.isna(stop) else stop
        if current and not pd.isna(start) and start <= end + pd.Timedelta(days=3):
            current.append(eid)
            end = max(end, stop)
        else:
            if current:
                periods.append(current)
            current, end = [eid], stop
    if current:
        periods.append(current)
    return periods[::-1]


def _headline(data: _Data):
    """The picture: [(subject, event_id, frame)] of 'killed' figures about the campaigns of the newest
    period that has them, militants and security forces side by side; each subject from the campaign
    with the most such figures (campaigns are never merged)."""
    c = data.claims[(data.claims["claim_type"].astype("string") == "killed") & data.claims["value_best"].notna()]
    for period in _periods(data):
        sel = c[c["event_id"].isin(period)]
        picks = []
        for subject in ("militants", "security_forces"):
            cand = sel[sel["subject"].astype("string") == subject]
            if len(cand) < 2:
                continue
            counts = cand.groupby("event_id").size()
            eid = max(counts.index, key=lambda e: (int(counts[e]), e))
            picks.append((subject, eid, cand[cand["event_id"] == eid]))
        if picks:
            return picks
    return []


def _short_title(title: str) -> str:
    head = title.split(":", 1)[0].strip()
    return head if len(head) >= 3 else title


def _draw_claims(ax, data: _Data, g: pd.DataFrame, claimants: list, fs: float = 1.0, span=None):
    """One panel: every claim as a marker by qualifier (ranges as bars), each claimant's highest figure
    so far as a step line, labelled at its end. Returns the end labels (for decluttering)."""
    from matplotlib.ticker import MaxNLocator

    g = g.sort_values(["claim_date", "claim_id"], kind="stable")
    n = len(claimants)
    step = min(0.16, 0.7 / max(n, 1))
    d0, d1 = span or (g["claim_date"].min(), g["claim_date"].max())
    texts = []
    for k, aid in enumerate(claimants):
        s = g[g["claimant_id"] == aid]
        if s.empty:
            continue
        colour = data.colours.get(aid, "#444444")
        off = np.timedelta64(int(round((k - (n - 1) / 2) * step * 86400)), "s")
        x = s["claim_date"].to_numpy() + off
        best = s["value_best"].astype("float64").to_numpy()
        lo = s["value_low"].astype("float64").to_numpy()
        hi = s["value_high"].astype("float64").to_numpy()
        # highest figure so far, per claim date
        days = s["claim_date"].to_numpy()
        udays, first = np.unique(days, return_index=True)
        day_max = np.array([best[days == d].max() for d in udays])
        running = np.maximum.accumulate(day_max)
        if len(udays) > 1:
            ax.step(udays + off, running, where="post", color=colour, lw=1.5, alpha=0.6, zorder=2)
        rng = ~np.isnan(lo) & ~np.isnan(hi) & (lo < hi)
        if rng.any():
            ax.vlines(x[rng], lo[rng], hi[rng], color=colour, lw=2.6, alpha=0.45, zorder=2)
            ax.scatter(np.concatenate([x[rng], x[rng]]), np.concatenate([lo[rng], hi[rng]]), marker="_",
                       s=60, color=colour, lw=1.6, zorder=3)
        quals = s["qualifier"].astype("string").fillna("exact").to_numpy()
        for q in dict.fromkeys(quals):
            m = quals == q
            marker, filled = _marker(q)
            ax.scatter(x[m], best[m], marker=marker, s=(34 if marker == "o" else 44) * fs,
                       facecolor=colour if filled else "white", edgecolor=colour, lw=1.3, zorder=4)
        top = s.iloc[int(np.argmax(best))]   # the first claim stating the highest figure
        t = ax.annotate(_short_figure(top["value_low"], top["value_best"], top["value_high"], top["qualifier"]),
                        (udays[-1] + off, running[-1]), xytext=(5, 2), textcoords="offset points",
                        fontsize=8.8 * fs, color=colour, fontweight="bold", va="bottom", ha="left", zorder=5)
        t.priority = running[-1]
        texts.append(t)
    pad = np.timedelta64(1, "D") if d0 == d1 else (d1 - d0) * 0.1 + np.timedelta64(8, "h")
    ax.set_xlim(d0 - pad, d1 + pad * 1.7)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    _date_axis(ax, d0, d1)
    ax.grid(axis="y", color="#e6e6e6", lw=0.7)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8.5 * fs)
    return texts


def _declutter(fig, texts):
    """Drop end labels that would overlap a bigger one (after trying a spot below the line end)."""
    if len(texts) < 2:
        return
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    fig.get_layout_engine().execute(fig)   # positions only; no need to draw
    fig.set_layout_engine("none")          # and savefig keeps them instead of laying out again
    kept = []
    for t in sorted(texts, key=lambda t: -t.priority):
        for xy, va in (((5, 2), "bottom"), ((5, -3), "top"), ((-5, 3), "bottom")):
            t.set_position(xy)
            t.set_va(va)
            t.set_ha("left" if xy[0] > 0 else "right")
            bb = t.get_window_extent(renderer)
            if not any(bb.overlaps(k) for k in kept):
                kept.append(bb)
                break
        else:
            t.remove()


def _claims_figure(data: _Data, panels: list, uid: str, label: str, width: float, ncols: int,
                   titles: bool = False, sharey: bool = False) -> str:
    """panels: [(title, frame)] drawn as subplots of one figure with one legend of claimants."""
    from matplotlib.lines import Line2D

    allc = pd.concat([g for _, g in panels])
    claimants = sorted(allc["claimant_id"].unique(),
                       key=lambda a: (SIDE_ORDER.index(data.sides.get(a, "independent")), a))
    labels = [_short_name(a, data.names) for a in claimants]
    ncol = _legend_cols(labels, width, RC["legend.fontsize"], 3)
    nrows = math.ceil(len(panels) / ncols)
    panel_h = 2.85 if titles else 2.55
    height = nrows * (panel_h + (0.25 if titles else 0)) + 0.25 + 0.19 * math.ceil(len(labels) / ncol)
    with _rc():
        fig = _figure(width, height)
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=sharey)
        span = (allc["claim_date"].min(), allc["claim_date"].max()) if sharey else None
        texts = []
        years = set()
        ymax = 0.0
        for ax, (title, g) in zip(axes.ravel(), panels, strict=False):
            texts += _draw_claims(ax, data, g, claimants, span=span)
            ymax = max(ymax, float(pd.concat([g["value_high"], g["value_best"]]).dropna().max()))
            years |= {pd.Timestamp(g["claim_date"].min()).year, pd.Timestamp(g["claim_date"].max()).year}
            if titles:   # wrapped to the panel's width (DejaVu Sans bold: about 0.62 em a character)
                chars = max(20, int((width / ncols - 0.4) / (9.5 * 0.62 / 72)))
                lines = textwrap.wrap(title, chars)
                if len(lines) > 2:
                    lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), chars, placeholder="…")]
                ax.set_title("\n".join(lines), loc="left", fontsize=9.5, fontweight="bold", color="#222222")
            if not sharey:
                ax.set_ylim(0, float(pd.concat([g["value_high"], g["value_best"]]).dropna().max()) * 1.18 + 1)
        if sharey:
            axes[0, 0].set_ylim(0, ymax * 1.15 + 1)
        for ax in axes.ravel()[len(panels):]:
            ax.set_visible(False)
        years_text = "–".join(map(str, sorted(years)))
        for ax in axes[-1]:
            ax.set_xlabel(f"date of claim ({years_text})", fontsize=8.5, color="#666666")
        handles = [Line2D([], [], color=data.colours.get(a, "#444"), marker="o", lw=1.4, ms=5) for a in claimants]
        fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False, handlelength=1.6,
                   columnspacing=1.2)
        _declutter(fig, texts)
        return _svg(fig, uid, label)


def _timeline(data: _Data, cid, uid: str, label: str):
    """Incidents of one campaign by start day, stacked by event type; None when it has none."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    ev = data.events
    inc = ev[(ev["event_level"].astype("string") == "incident") &
             (ev["campaign_id"].isna() if cid is None else ev["campaign_id"] == cid)]
    if inc.empty:
        return None, 0
    days = inc["date_start"].dt.floor("D")
    start, end = days.min(), days.max()
    if cid is not None:
        camp = ev[ev["event_id"] == cid].iloc[0]
        cs, ce = camp["date_start"], camp["date_end"]
        if not pd.isna(cs) and not pd.isna(ce) and (ce - cs).days <= 366:
            start, end = min(start, cs), max(end, ce)
    ndays = (end - start).days + 1
    types = [t for t in data.type_colours if (inc["event_type"].astype("string") == t).any()]
    table = pd.crosstab(days, inc["event_type"].astype("string")).reindex(columns=types, fill_value=0)
    with _rc():
        fig_w = 5.0
        ncol = _legend_cols(types, fig_w, RC["legend.fontsize"])
        fig = _figure(fig_w, 2.45 + 0.2 * math.ceil(len(types) / ncol))
        ax = fig.add_subplot()
        if cid is not None and not pd.isna(cs) and not pd.isna(ce):
            ax.axvspan(cs - pd.Timedelta(hours=12), ce + pd.Timedelta(hours=12), color="#f1efe9", zorder=0, lw=0)
        bottom = np.zeros(len(table))
        x = table.index.to_numpy()
        width = 0.8 if ndays < 120 else 1.0
        for t in types:
            v = table[t].to_numpy()
            ax.bar(x, v, bottom=bottom, width=width, color=data.type_colours[t], edgecolor="white",
                   lw=0.6 if v.max() < 40 else 0, zorder=2)
            bottom += v
        if len(x) <= 40:
            for xi, total in zip(x, bottom, strict=False):
                ax.annotate(str(int(total)), (xi, total), xytext=(0, 2), textcoords="offset points",
                            ha="center", va="bottom", fontsize=8.5, color="#333333")
        ax.set_xlim(start - pd.Timedelta(days=0.7), end + pd.Timedelta(days=0.7))
        ax.set_ylim(0, max(bottom.max() * 1.2, 1))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        _date_axis(ax, start, end)
        ax.set_ylabel("incidents", fontsize=8.5, color="#666666")
        ax.grid(axis="y", color="#e6e6e6", lw=0.7)
        ax.set_axisbelow(True)
        fig.legend([Patch(color=data.type_colours[t]) for t in types], types, loc="outside lower center",
                   ncol=ncol, frameon=False, handlelength=1.2)
        return _svg(fig, uid, label), len(inc)


def _date_axis(ax, d0, d1):
    """Whole days on the x axis: every day (or every few days) when short, months or years when long."""
    import matplotlib.dates as mdates

    days = (pd.Timestamp(d1) - pd.Timestamp(d0)).days
    if days <= 60:
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, math.ceil((days + 1) / 8))))
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{mdates.num2date(v).day} {mdates.num2date(v):%b}"))
    else:
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))


def _legend_cols(labels, width_in: float, fontsize: float, max_cols: int = 3) -> int:
    """How many legend columns fit across the figure (DejaVu Sans: about 0.56 em a character)."""
    if not labels:
        return 1
    em = fontsize / 72
    col_w = (max(len(x) for x in labels) * 0.56 + 3.4) * em
    return max(1, min(max_cols, len(labels), int((width_in - 0.2) // col_w)))


def _clip_ring(xs, ys, box):
    """Sutherland-Hodgman: a polygon ring clipped to the rectangle box = (x0, y0, x1, y1)."""
    pts = list(zip(xs, ys, strict=False))
    x0, y0, x1, y1 = box
    for axis, bound, keep_above in ((0, x0, True), (0, x1, False), (1, y0, True), (1, y1, False)):
        if not pts:
            break
        out, prev = [], pts[-1]
        for cur in pts:
            cin = cur[axis] >= bound if keep_above else cur[axis] <= bound
            pin = prev[axis] >= bound if keep_above else prev[axis] <= bound
            if cin != pin:
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                cross = (bound, prev[1] + t * (cur[1] - prev[1])) if axis == 0 else (prev[0] + t * (cur[0] - prev[0]), bound)
                out.append(cross)
            if cin:
                out.append(cur)
            prev = cur
        pts = out
    return pts


def _area(ring) -> float:
    if len(ring) < 3:
        return 0.0
    xs, ys = np.array([p[0] for p in ring]), np.array([p[1] for p in ring])
    return float(abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))) / 2)


def _label_point(ring, view):
    """A point well inside a clipped polygon: the interior grid point farthest from its edges (coarse)."""
    from matplotlib.path import Path as MPath

    path = MPath(ring)
    xs = np.array([p[0] for p in ring])
    ys = np.array([p[1] for p in ring])
    gx, gy = np.meshgrid(np.linspace(xs.min(), xs.max(), 24), np.linspace(ys.min(), ys.max(), 24))
    cand = np.column_stack([gx.ravel(), gy.ravel()])
    inside = cand[path.contains_points(cand)]
    if not len(inside):
        return float(xs.mean()), float(ys.mean())
    edge = np.column_stack([xs, ys])
    dist = np.sqrt(((inside[:, None, :] - edge[None, :, :]) ** 2).sum(-1)).min(1)
    x0, y0, x1, y1 = view
    margin = np.minimum.reduce([inside[:, 0] - x0, x1 - inside[:, 0], inside[:, 1] - y0, y1 - inside[:, 1]])
    best = int(np.argmax(np.minimum(dist, margin * 3)))
    return float(inside[best, 0]), float(inside[best, 1])


def _nice_km(target: float) -> int:
    for v in (10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if v >= target * 0.8:
            return v
    return 1000


def _map(data: _Data, uid: str, label: str, width: float = 7.2, fs: float = 1.0):
    from matplotlib import patheffects
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon, Rectangle
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    from balochistan_events.reference.basemap import ATTRIBUTION, COUNTRIES, WINDOW

    ev = data.events[data.events["latitude"].notna() & data.events["longitude"].notna()]
    pts = ev[ev["event_level"].astype("string") == "incident"]
    if pts.empty:
        pts = ev
    if pts.empty:
        return None, 0
    lat = pts["latitude"].astype("float64").to_numpy()
    lon = pts["longitude"].astype("float64").to_numpy()
    # extent: the points plus a margin, at least 4 degrees across, inside the basemap window
    cx, cy = (lon.min() + lon.max()) / 2, (lat.min() + lat.max()) / 2
    half_w = max((lon.max() - lon.min()) / 2 + 0.9, 2.0)
    half_h = max((lat.max() - lat.min()) / 2 + 0.7, 1.6)
    coslat = math.cos(math.radians(cy))
    # a pleasant shape: between 4:5 and 3:2 (width:height on screen)
    if half_w * coslat / half_h > 1.5:
        half_h = half_w * coslat / 1.5
    if half_w * coslat / half_h < 0.8:
        half_w = half_h * 0.8 / coslat
    x0, x1 = max(cx - half_w, WINDOW[0]), min(cx + half_w, WINDOW[2])
    y0, y1 = max(cy - half_h, WINDOW[1]), min(cy + half_h, WINDOW[3])
    aspect = (x1 - x0) * coslat / (y1 - y0)

    tolls = pts["toll"].astype("float64").to_numpy()
    tmax = max(np.nanmax(tolls) if np.isfinite(tolls).any() else 1.0, 1.0)

    def size(t):
        return 22 + 520 * (t / tmax)

    order = np.argsort(-np.nan_to_num(tolls, nan=-1), kind="stable")
    types = pts["event_type"].astype("string").to_numpy()
    precise = pts["geo_precision"].astype("string").isin(["exact", "near"]).to_numpy()
    # legend: event types present, two reference sizes, the no-figure marker
    types_present = [t for t in data.type_colours if t in set(types)]
    handles = [Line2D([], [], ls="", marker="o", ms=7, markerfacecolor=data.type_colours[t],
                      markeredgecolor="white") for t in types_present]
    labels = list(types_present)
    if np.isfinite(tolls).any():
        for v in sorted({max(1, int(round(tmax / 4))), int(tmax)}):
            handles.append(Line2D([], [], ls="", marker="o", ms=math.sqrt(size(v)), markerfacecolor="#bbbbbb",
                                  markeredgecolor="white", alpha=0.8))
            labels.append(f"{v} killed (largest claim)")
    if np.isnan(tolls).any():
        handles.append(Line2D([], [], ls="", marker="o", ms=4.5, markerfacecolor="white", markeredgecolor="#555"))
        labels.append("no casualty figure")
    ncol = _legend_cols(labels, width, 8.5 * fs)
    legend_h = math.ceil(len(labels) / ncol) * 0.24 * fs + 0.15
    with _rc():
        fig = _figure(width, (width - 0.75) / aspect + 0.45 + legend_h)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_facecolor("#dfe9f1")
        box = (x0 - 0.5, y0 - 0.5, x1 + 0.5, y1 + 0.5)
        for name, _iso, rings in COUNTRIES:
            for ring in rings:
                clipped = _clip_ring(ring[0::2], ring[1::2], box)
                if len(clipped) >= 3:
                    ax.add_patch(Polygon(clipped, closed=True, facecolor="#fbfaf6" if name == "Pakistan" else "#eeebe2",
                                         edgecolor="#8f8a7e", lw=0.7, zorder=1))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect(1 / coslat)
        view = (x0, y0, x1, y1)
        for name, _iso, rings in COUNTRIES:   # name the countries that fill a good part of the view
            best = max((_clip_ring(r[0::2], r[1::2], view) for r in rings), key=_area, default=[])
            if len(best) >= 3 and _area(best) > 0.06 * (x1 - x0) * (y1 - y0):
                px, py = _label_point(best, view)
                ax.annotate(name.upper(), (px, py), ha="center", va="center", fontsize=8 * fs, color="#8a857a",
                            zorder=2)
        span = max(x1 - x0, y1 - y0)
        step = 1 if span <= 8 else 2 if span <= 16 else 5
        ax.xaxis.set_major_locator(MultipleLocator(step))
        ax.yaxis.set_major_locator(MultipleLocator(step))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}°E"))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}°N"))
        ax.grid(color="#ffffff", lw=0.6, alpha=0.9, zorder=1.5)
        ax.set_axisbelow(False)
        for sp in ax.spines.values():
            sp.set_visible(True)
            sp.set_color("#999999")
        ax.tick_params(labelsize=7.5 * fs, length=2)

        # one scatter call, biggest first so small points stay on top
        colours = np.array([data.type_colours.get(t, "#555555") for t in types], dtype=object)[order]
        has = ~np.isnan(tolls[order])
        face = [to_rgba(c, 0.78) if h else (1, 1, 1, 1) for c, h in zip(colours, has, strict=False)]
        edge = [(1, 1, 1, 1) if h else to_rgba(c) for c, h in zip(colours, has, strict=False)]
        ax.scatter(lon[order], lat[order], s=np.where(has, size(np.nan_to_num(tolls[order])), 18), zorder=3,
                   facecolors=face, edgecolors=edge, linewidths=np.where(has, 0.8, 1.2),
                   linestyles=["-" if p else "--" for p in precise[order]])
        fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False, handletextpad=0.7,
                   columnspacing=1.6, labelspacing=0.9, borderaxespad=0.2, fontsize=8.5 * fs)
        # labels: one per place, biggest toll first, skipped where they would overlap. Lay out once now
        # (legend included), and keep that layout, so the overlap checks hold in the saved drawing.
        renderer = fig.canvas.get_renderer()
        fig.get_layout_engine().execute(fig)
        fig.set_layout_engine("none")
        to_px = ax.transData.transform
        from matplotlib.transforms import Bbox
        placed = []
        for i in range(len(pts)):   # every point is an obstacle for every label
            px, py = to_px((lon[i], lat[i]))
            r = math.sqrt(size(tolls[i]) if not np.isnan(tolls[i]) else 18) / 2 * fig.dpi / 72
            placed.append(Bbox([[px - r * 0.8, py - r * 0.8], [px + r * 0.8, py + r * 0.8]]))
        places = {}
        for i in order:
            key = _s(pts["location"].iloc[i]) or _s(pts["admin2"].iloc[i])
            if key and key not in places:
                places[key] = i
        halo = [patheffects.withStroke(linewidth=2.6, foreground="white")]
        for key, i in list(places.items())[:MAX_MAP_LABELS]:
            r = math.sqrt(size(tolls[i]) if not np.isnan(tolls[i]) else 18) / 2
            for dx, dy, ha, va in ((r + 2, r * 0.4, "left", "bottom"), (r + 2, -r * 0.4, "left", "top"),
                                   (-r - 2, r * 0.4, "right", "bottom"), (-r - 2, -r * 0.4, "right", "top"),
                                   (0, r + 2, "center", "bottom"), (0, -r - 2, "center", "top")):
                t = ax.annotate(key, (lon[i], lat[i]), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                                fontsize=8.6 * fs, color="#222222", zorder=5, path_effects=halo)
                bb = t.get_window_extent(renderer).expanded(1.05, 1.1)
                inside = ax.get_window_extent(renderer).contains(bb.x0, bb.y0) and \
                    ax.get_window_extent(renderer).contains(bb.x1, bb.y1)
                if inside and not any(bb.overlaps(p) for p in placed):
                    placed.append(bb)
                    break
                t.remove()
        # scale bar (km) in the lower left, in the map's own units
        km_per_deg = 111.32 * coslat
        km = _nice_km((x1 - x0) * km_per_deg / 5)
        deg = km / km_per_deg
        # the corner with the fewest points nearby (lower left, lower right, upper left, upper right)
        w, h = x1 - x0, y1 - y0
        corners = [(x0 + w * 0.04, y0 + h * 0.05), (x1 - w * 0.04 - deg, y0 + h * 0.09),
                   (x0 + w * 0.04, y1 - h * 0.06), (x1 - w * 0.04 - deg, y1 - h * 0.06)]

        def crowd(c):
            cx0, cy0 = c[0] - w * 0.05, c[1] - h * 0.06
            return int(((lon >= cx0) & (lon <= cx0 + deg + w * 0.1) & (lat >= cy0) & (lat <= cy0 + h * 0.16)).sum())

        bx, by = min(corners, key=crowd)
        ax.add_patch(Rectangle((bx - 0.08 * deg, by - (y1 - y0) * 0.018), deg * 1.16, (y1 - y0) * 0.075,
                               facecolor="white", alpha=0.75, lw=0, zorder=5))
        ax.plot([bx, bx + deg], [by, by], color="#222222", lw=2.2, zorder=6, solid_capstyle="butt")
        ax.plot([bx, bx], [by - (y1 - y0) * 0.008, by + (y1 - y0) * 0.008], color="#222", lw=1, zorder=6)
        ax.plot([bx + deg, bx + deg], [by - (y1 - y0) * 0.008, by + (y1 - y0) * 0.008], color="#222", lw=1, zorder=6)
        ax.annotate(f"{km} km", (bx + deg / 2, by), xytext=(0, 3), textcoords="offset points", ha="center",
                    va="bottom", fontsize=8 * fs, zorder=6)
        ax.annotate(ATTRIBUTION + "; de facto borders", (1, 0), xycoords="axes fraction", xytext=(-3, 3),
                    textcoords="offset points", ha="right", va="bottom", fontsize=6.5 * fs, color="#666666", zorder=6,
                    path_effects=halo)
        return _svg(fig, uid, label), len(pts)


# --------------------------------------------------------------------------- HTML


def _e(value) -> str:
    return html.escape(_s(value), quote=True)


def _link(url, text, title="") -> str:
    """An <a> to an http(s) URL; anything else (data is untrusted) stays plain text."""
    url = _s(url)
    tip = f' title="{_e(title)}"' if title else ""
    if SAFE_URL.fullmatch(url):
        return f'<a href="{html.escape(url, quote=True)}" rel="noopener noreferrer nofollow"{tip}>{text}</a>'
    return f"<span{tip}>{text}</span>" if tip else text


def _header(data: _Data, descriptor: dict, when: dt.date) -> str:
    ev, cl = data.events, data.claims
    level = ev["event_level"].astype("string")
    n_camp, n_inc = int((level == "campaign").sum()), int((level == "incident").sum())
    n_fig = int(cl["value_best"].notna().sum())
    version = _s(descriptor.get("version")) or "unversioned"
    title = _s(descriptor.get("title")) or _s(descriptor.get("name")) or "balochistan-events"
    lic = descriptor.get("licenses") or []
    lic_names = ", ".join(_s(x.get("name") or x.get("title")) for x in lic if isinstance(x, dict)) or "see LICENSE-DATA.md"
    lic_links = " ".join(_link(x.get("path"), _e(x.get("title") or x.get("name"))) for x in lic if isinstance(x, dict))
    authors = "; ".join(_s(c.get("title")) for c in descriptor.get("contributors") or [] if isinstance(c, dict)) \
        or "balochistan-events maintainers"
    homepage = _s(descriptor.get("homepage"))
    cite = (f"{authors} ({when.year}). {_s(descriptor.get('name')) or 'balochistan-events'}: {title}. "
            f"Version {version} [data set]. " + (f"{homepage}. " if homepage else "") + f"Licence: {lic_names}.")
    stats = [("events", f"{len(ev)}", f"{_n(n_camp, 'campaign')}, {_n(n_inc, 'incident')}"),
             ("claims", f"{len(cl)}", f"{n_fig} with a figure"),
             ("sources", f"{len(data.sources)}", "documents read"),
             ("claimants", f"{cl['claimant_id'].nunique()}", "actors making claims")]
    stat_html = "".join(f'<div class="stat" data-stat="{k}"><b>{_e(v)}</b> {_e(k)}<small>{_e(sub)}</small></div>'
                        for k, v, sub in stats)
    return f"""<header>
<p class="kicker">balochistan-events · report</p>
<h1>{_e(title)}</h1>
<p class="meta">Version <b id="version">{_e(version)}</b> · {_e(when.isoformat())} · data licence {lic_links or _e(lic_names)}</p>
<div class="stats">{stat_html}</div>
<details class="method" open><summary>How to read this report</summary>
<p><b>A claim</b> is one attributed assertion: who stated a figure or a fact (the claimant), about which
event, on which date, in which source, with the shortest quote that carries it. Claimants are state
spokespeople and ministries, the armed group, and news organisations giving their own counts.</p>
<p><b>Figures are not merged.</b> The parties' numbers differ widely, change from day to day and can rarely
be checked independently; averaging them, or choosing one, would hide the disagreement this dataset
records. Every claim is shown as stated, with its claimant, date, scope and source.</p>
<p>Titles, descriptions and notes are our own neutral words; a party's own terms appear only inside quotes,
which are short fragments of the cited sources (their copyright stays with the publishers).</p>
</details>
<details class="cite"><summary>How to cite</summary><p id="citation">{_e(cite)}</p>
<p>Please cite the version you used; the data may change between versions.</p></details>
</header>"""


def _glance(data: _Data, picks) -> str:
    """The highest figure each side stated, per headline subject: the disagreement in one table."""
    head = "".join(f"<th scope=\"col\">{_e(SIDE_HEADS[s])}</th>" for s in SIDE_ORDER)
    rows = []
    for subject, eid, g in picks:
        cells = []
        for side in SIDE_ORDER:
            s = g[[data.sides.get(a, "independent") == side for a in g["claimant_id"]]]
            if s.empty:
                cells.append('<td class="none">no figure</td>')
                continue
            s = s.assign(_v=s["value_best"].astype("float64")).sort_values(["_v", "claim_date", "claim_id"],
                                                                          ascending=[False, True, True], kind="stable")
            top = s.iloc[0]
            aid = _s(top["claimant_id"])
            cells.append(f'<td><b>{_e(figure_text(top["value_low"], top["value_best"], top["value_high"], top["qualifier"]))}</b>'
                         f'<small>{_e(data.names.get(aid, aid))}, {_e(_nice_date(top["claim_date"]))}'
                         f' · {_n(len(s), "figure")}</small></td>')
        title = _s(data.events.set_index("event_id")["title"].get(eid, eid))
        rows.append(f'<tr><th scope="row">{_e(_human(subject).capitalize())} killed<small>{_e(_short_title(title))}</small>'
                    f'</th>{"".join(cells)}</tr>')
    return (f'<table class="glance"><caption>Highest figure stated by each side</caption><thead><tr><th></th>{head}'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _figures_section(data: _Data) -> str:
    ev = data.events.set_index("event_id")
    picks = _headline(data)
    lead = ""
    if picks:
        panels = [(f"{_human(subject).capitalize()} killed — {_short_title(_s(ev['title'].get(eid, eid)))}", g)
                  for subject, eid, g in picks]
        label = "; ".join(t for t, _ in panels) + ": claimed figures by date of claim, one series per claimant"
        wide = _claims_figure(data, panels, "lead", label, width=9.2, ncols=len(panels), titles=True, sharey=True)
        narrow = _claims_figure(data, panels, "leadn", label, width=4.6, ncols=1, titles=True, sharey=True)
        what = " and ".join(f"{_human(s)} killed (claims about {_short_title(_s(ev['title'].get(e, e)))})"
                            for s, e, _ in picks)
        lead = (f'<figure class="chart lead" data-chart="claims"><figcaption><b>The picture:</b> <span>{_e(what)}, '
                f'on one scale, by the date each figure was stated.</span><small>Steps follow each claimant\'s '
                f'highest figure so far.</small></figcaption><div class="wide">{wide}</div>'
                f'<div class="narrow">{narrow}</div></figure>{_glance(data, picks)}')
    shown = {(eid, "killed", subject) for subject, eid, _ in picks}
    groups, omitted = _panel_groups(data, exclude=shown)
    parts = []
    for n, (eid, ctype, subject, g) in enumerate(groups):
        what = f"{_human(ctype).capitalize()} · {_human(subject)}"
        if eid in ev.index:
            row = ev.loc[eid]
            where = _s(row["title"])
            scope = "campaign total" if _s(row["event_level"]) == "campaign" else \
                f"incident, {_s(row['location'])} ({_date_span(row['date_start'], row['date_end'])})"
        else:
            where, scope = eid, "event"
        label = f"{what}: {where} ({scope}) - {len(g)} claims by {g['claimant_id'].nunique()} claimants"
        svg = _claims_figure(data, [(what, g)], f"fig{n}", label, width=4.6, ncols=1)
        parts.append(f'<figure class="chart panel" data-chart="claims"><figcaption><b>{_e(what)}</b> '
                     f'<span>{_e(where)} — {_e(scope)}</span><small>{_n(len(g), "figure")}, '
                     f'{_n(g["claimant_id"].nunique(), "claimant")}</small></figcaption>{svg}</figure>')
    if not parts and not lead:
        body = '<p class="empty">No claims with figures yet.</p>'
    else:
        body = ('<h3>Every figure, by event</h3><div class="grid">' + "".join(parts) + "</div>") if parts else ""
    more = (f'<p class="note">{_n(omitted, "further group")} of figures not drawn (only the {MAX_PANELS} with the '
            f"most figures are); every figure is in the table below.</p>") if omitted else ""
    key = ('<p class="key" aria-label="marker key"><span><i class="k dot"></i>exact</span>'
           '<span><i class="k ring"></i>about</span><span><i class="k up"></i>at least / more than</span>'
           '<span><i class="k down"></i>up to / nearly</span><span><i class="k bar"></i>range low–high</span>'
           '<span><i class="k step"></i>highest so far (label: that figure)</span></p>')
    return f"""<section id="figures"><h2>The numbers over time</h2>
<p class="lede">Every figure is plotted on the date it was stated, one colour per claimant: blues for
official (state) claimants, reds and oranges for the armed group, greys, greens and purples for others
such as news organisations. Each panel follows one kind of figure about one event, drawn when it has
{MIN_PANEL_CLAIMS} or more figures or figures from two claimants; every figure is in the table. Figures can
cover different windows (one day, two days, a whole operation): the table gives each one's scope.</p>
{key}{lead}{body}{more}</section>"""


def _timeline_section(data: _Data) -> str:
    inc = data.events[data.events["event_level"].astype("string") == "incident"]
    sizes = inc["campaign_id"].astype(object).where(inc["campaign_id"].notna(), None).value_counts(dropna=False)
    sizes = {k: int(v) for k, v in sizes.items()}
    ranked = sorted((cid for cid, _ in data.campaigns if sizes.get(cid)), key=lambda c: (-sizes[c], str(c)))
    drawn = set(ranked[:MAX_TIMELINES])
    parts = []
    for n, (cid, title) in enumerate(data.campaigns):
        if cid not in drawn:
            continue
        svg, count = _timeline(data, cid, f"tl{n}", f"Incidents by day: {title}")
        if svg is None:
            continue
        parts.append(f'<figure class="chart timeline" data-chart="timeline"><figcaption><b>{_e(title)}</b>'
                     f"<small>{_n(count, 'incident')}, by day of start</small></figcaption>{svg}</figure>")
    body = '<div class="grid wide">' + "".join(parts) + "</div>" if parts else '<p class="empty">No incidents yet.</p>'
    if len(ranked) > MAX_TIMELINES:
        body += (f'<p class="note">{_n(len(ranked) - MAX_TIMELINES, "smaller campaign")} not drawn (only the '
                 f"{MAX_TIMELINES} with the most incidents are); every incident is in the table below.</p>")
    return f"""<section id="timeline"><h2>Incidents by day</h2>
<p class="lede">Incidents of each campaign by the day they began, coloured by event type (ACLED's
categories); the shaded band is the campaign's own date range.</p>{body}</section>"""


def _map_section(data: _Data) -> str:
    # two drawings of the same map: CSS shows the narrow one on phones, so labels stay legible there
    svg, count = _map(data, "map", "Map of incident locations", width=7.2, fs=1.0)
    if svg is None:
        body = '<p class="empty">No located events yet.</p>'
    else:
        narrow, _ = _map(data, "mapn", "Map of incident locations", width=4.4, fs=0.95)
        body = (f'<figure class="chart map" data-chart="map"><figcaption><b>Incident locations</b><small>'
                f'{_n(count, "point")}</small></figcaption><div class="wide">{svg}</div><div class="narrow">{narrow}</div></figure>')
    return f"""<section id="map"><h2>Where</h2>
<p class="lede">Each point is an incident, coloured by event type and sized by the largest number of people
killed stated in any one claim about it; white points have no casualty figure and dashed outlines
mark approximate locations. Coordinates are from GeoNames.</p>{body}</section>"""


def _events_section(data: _Data) -> str:
    ev, cl = data.events, data.claims
    src = data.sources.drop_duplicates("source_id").set_index("source_id")
    # figures first (killed first), then the claims without figures; schema order within each
    codes = (cl["claim_type"].cat.codes if isinstance(cl["claim_type"].dtype, pd.CategoricalDtype)
             else cl["claim_type"].astype("category").cat.codes).astype("int64")
    cl = cl.assign(_f=cl["value_best"].isna().astype("int64"),
                   _k=(cl["claim_type"].astype("string") != "killed").astype("int64"), _t=codes)
    cl = cl.sort_values(["event_id", "_f", "_k", "_t", "subject", "claim_date", "claim_id"], kind="stable")
    by_event: dict = {}
    for c in cl.to_dict("records"):
        by_event.setdefault(c["event_id"], []).append(c)
    sources = {}
    for sid, s in src.iterrows():
        label = _e(_s(s["publisher"]) + (f" ({_s(s['outlet'])})" if _s(s["outlet"]) else ""))
        tip = " · ".join(x for x in (_s(s["title"]), _date(s["published_date"])) if x)
        sources[sid] = _link(s["url"], label, tip)
    ev = ev.assign(_cid=ev["campaign_id"].astype(object).where(ev["campaign_id"].notna(), None))
    ev = ev.assign(_c=(ev["event_id"] != ev["_cid"]).astype(int)).sort_values(["_c", "date_start", "event_id"],
                                                                              kind="stable")
    members: dict = {}
    for row in ev.to_dict("records"):
        members.setdefault(row["_cid"], []).append(row)
    cards = []
    for cid, ctitle in data.campaigns:
        cards.append(f'<h3 class="campaign" data-campaign="{_e(cid or "none")}">{_e(ctitle)}</h3>')
        for row in members.get(cid, []):
            cards.append(_event_card(row, by_event.get(row["event_id"]), sources, data, cid))
    options_type = "".join(f'<option value="{_e(t)}">{_e(t)}</option>' for t in data.type_colours
                           if (ev["event_type"].astype("string") == t).any())
    options_camp = "".join(f'<option value="{_e(cid or "none")}">{_e(t)}</option>' for cid, t in data.campaigns)
    return f"""<section id="events"><h2>Every event and its claims</h2>
<p class="lede">Claims about each event side by side. Open a quote to read the source's own words.</p>
<form class="filters" id="filters" hidden>
<label>Search <input type="search" id="q" placeholder="place, actor, word…"></label>
<label>Type <select id="ftype"><option value="">all</option>{options_type}</select></label>
<label>Campaign <select id="fcamp"><option value="">all</option>{options_camp}</select></label>
<button type="button" id="expand">Show all quotes</button> <output id="shown"></output>
</form>
<div id="event-list">{''.join(cards)}</div></section>"""


def _event_card(row: dict, claims, sources: dict, data: _Data, cid) -> str:
    eid = _s(row["event_id"])
    etype = _s(row["event_type"])
    place = ", ".join(x for x in (_s(row["location"]), _s(row["admin2"])) if x)
    dot = f'<i class="sw" style="background:{data.type_colours.get(etype, "#555")}"></i>'
    tags = _s(row["tags"]).replace("|", ", ")
    meta = [x for x in (_date_span(row["date_start"], row["date_end"]), place,
                        f"{etype} / {_s(row['sub_event_type'])}", f"verification: {_human(row['verification'])}") if x]
    search = " ".join([eid, _s(row["title"]), place, etype, tags, _s(row["description"])]).lower()
    rows = []
    group = None
    if claims is not None:
        for c in claims:
            subject = _s(c["subject"])
            what = _human(c["claim_type"]).capitalize() + (f" · {_human(subject)}" if subject != "unspecified" else "")
            if what != group:
                group = what
                rows.append(f'<tr class="grp"><th colspan="5" scope="rowgroup">{_e(what)}</th></tr>')
            aid = _s(c["claimant_id"])
            colour = data.colours.get(aid, "#555")
            s_id = _s(c["source_id"])
            source = sources.get(s_id) or _e(s_id)
            quote = f"<q>{_e(c['quote'])}</q>"
            scope = f'<small class="scope">{_e(c["scope_note"])}</small>' if _s(c["scope_note"]) else ""
            search += " " + " ".join([data.names.get(aid, aid), _s(c["quote"])]).lower()
            rows.append(
                f'<tr class="claim">'
                f'<td class="who"><i class="sw" style="background:{colour}"></i>{_e(data.names.get(aid, aid))}'
                f' <small>{_e(data.kinds.get(aid, ""))}</small></td>'
                f'<td class="fig">{_e(figure_text(c["value_low"], c["value_best"], c["value_high"], c["qualifier"]))}'
                f'{scope}</td>'
                f'<td class="when">{_e(_date(c["claim_date"]))}</td>'
                f'<td class="src">{source}</td>'
                f'<td class="quote"><details><summary>quote</summary>{quote}'
                f'<small class="cid">{_e(c["claim_id"])}</small></details></td></tr>')
    table = ('<table class="claims"><thead><tr><th scope="col">Claimant</th><th scope="col">Figure</th>'
             '<th scope="col">Claimed on</th><th scope="col">Source</th><th scope="col">Quote</th></tr></thead><tbody>'
             + "".join(rows) + "</tbody></table>") if rows else '<p class="empty">No claims.</p>'
    level = _s(row["event_level"])
    return (f'<article class="event {_e(level)}" id="{_e(eid)}" data-type="{_e(etype)}" '
            f'data-campaign="{_e(cid or "none")}" data-text="{_e(search)}">'
            f'<h4>{dot}{_e(row["title"])} <small>{_e(eid)}{" · campaign" if level == "campaign" else ""}</small></h4>'
            f'<p class="emeta">{" · ".join(_e(m) for m in meta)}{(" · tags: " + _e(tags)) if tags else ""}</p>'
            f'<p class="desc">{_e(row["description"])}</p>{table}</article>')


CSS = """
:root{--ink:#1d1d1f;--muted:#5f6368;--line:#e3e1dc;--bg:#fdfcf9;--card:#ffffff;--accent:#1f5fae}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
main,header,footer{max-width:1180px;margin:0 auto;padding:0 16px}
header{padding-top:20px}
.kicker{margin:0;color:var(--muted);font-size:13px;letter-spacing:.04em;text-transform:uppercase}
h1{font-size:clamp(21px,3.2vw,30px);line-height:1.2;margin:.2em 0 .3em}
h2{font-size:21px;margin:1.6em 0 .3em;padding-top:.6em;border-top:1px solid var(--line)}
h3.campaign{font-size:17px;margin:1.4em 0 .4em}
.meta{color:var(--muted);margin:.2em 0 .8em}
.stats{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0 12px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 12px;min-width:120px}
.stat b{font-size:20px}.stat small{display:block;color:var(--muted);font-size:12px}
details.method,details.cite{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 14px;margin:8px 0}
details summary{cursor:pointer;font-weight:600}
details.method p,details.cite p{max-width:75ch}
.lede{max-width:80ch;color:#333}
.key{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:13px;color:var(--muted)}
.key span{display:inline-flex;align-items:center;gap:5px}
.k{display:inline-block;width:11px;height:11px}
.k.dot{border-radius:50%;background:#555}.k.ring{border-radius:50%;border:2px solid #555}
.k.up{width:0;height:0;border-left:6px solid transparent;border-right:6px solid transparent;border-bottom:11px solid #555}
.k.down{width:0;height:0;border-left:6px solid transparent;border-right:6px solid transparent;border-top:11px solid #555}
.k.bar{width:4px;height:14px;background:#999}
.k.step{width:16px;height:9px;border-top:2px solid #888;border-left:2px solid #888;transform:translateY(3px)}
figure.lead{margin:10px 0 6px}
figure.lead .narrow,figure.map .narrow{display:none}
table.glance{border-collapse:collapse;margin:6px 0 18px;font-size:14px;background:var(--card);border:1px solid var(--line);border-radius:8px}
table.glance caption{text-align:left;font-weight:600;padding:4px 0;caption-side:top}
table.glance th,table.glance td{padding:6px 12px;text-align:left;vertical-align:top;border-bottom:1px solid #f0eee9}
table.glance thead th{font-size:12px;color:var(--muted);font-weight:600}
table.glance td b{font-size:17px;font-variant-numeric:tabular-nums}
table.glance small{display:block;color:var(--muted);font-size:12px;font-weight:400}
table.glance td.none{color:var(--muted);font-style:italic}
h3{font-size:17px;margin:1.2em 0 .5em}
.grid{display:grid;align-items:start;grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr));gap:14px}
.grid.wide{grid-template-columns:repeat(auto-fill,minmax(min(100%,540px),1fr))}
figure.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 10px 4px;min-width:0}
figure.chart svg{display:block;width:100%;height:auto}
figure.map{max-width:900px}
figcaption{font-size:14px;margin-bottom:4px}
figcaption span{color:#333}figcaption small{display:block;color:var(--muted);font-size:12px}
.note,.empty{color:var(--muted);font-style:italic}
.filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:end;position:sticky;top:0;z-index:2;background:var(--bg);padding:8px 0;border-bottom:1px solid var(--line)}
.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);max-width:100%;min-width:0}
.filters select{max-width:100%;width:100%}
.filters input,.filters select,.filters button{font:inherit;font-size:14px;padding:4px 8px;border:1px solid #c9c6bf;border-radius:6px;background:#fff;color:var(--ink)}
.filters input{min-width:200px}
.filters button{cursor:pointer}
output{font-size:13px;color:var(--muted)}
article.event{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:10px 0}
article.event.campaign{border-left:4px solid var(--accent)}
article.event h4{margin:0 0 2px;font-size:16px}
article.event h4 small{color:var(--muted);font-weight:400;font-size:12px;margin-left:4px}
.emeta{margin:0;color:var(--muted);font-size:13px}
.desc{margin:4px 0 8px;font-size:14px}
.sw{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px;vertical-align:baseline}
table.claims{border-collapse:collapse;width:100%;font-size:13.5px}
table.claims thead th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;border-bottom:1px solid var(--line);padding:4px 6px}
table.claims tr.grp th{text-align:left;font-weight:600;font-size:13px;padding:8px 6px 2px;border-bottom:1px solid var(--line)}
table.claims td{border-bottom:1px solid #f0eee9;padding:5px 6px;vertical-align:top}
table.claims td.fig{font-weight:700;font-variant-numeric:tabular-nums;min-width:7em}
table.claims td.fig small{display:block;font-weight:400;font-size:12px;max-width:22em}
table.claims td.when{white-space:nowrap}
table.claims td small{color:var(--muted)}
table.claims details summary{font-weight:400;color:var(--accent);white-space:nowrap}
table.claims td.quote{min-width:6em;max-width:24em}
table.claims q{display:block;font-style:italic;margin:4px 0;overflow-wrap:anywhere}
.scope{display:block;color:var(--muted);font-size:12px}
.cid{display:block;font-size:11px}
a{color:var(--accent);overflow-wrap:anywhere}
footer{color:var(--muted);font-size:13px;padding:24px 16px 40px}
@media (max-width:700px){
 body{font-size:14.5px}
 table.claims thead{display:none}
 table.claims,table.claims tbody{display:block;width:100%}
 table.claims tr.grp{display:block}
 table.claims tr.grp th{display:block;padding-top:10px}
 table.claims tr.claim{display:grid;grid-template-columns:1fr auto;gap:0 10px;padding:5px 0;border-bottom:1px solid #f0eee9}
 table.claims td{border:0;padding:0}
 table.claims td.who{grid-column:1}table.claims td.fig{grid-column:2;text-align:right}
 table.claims td.src{grid-column:1;grid-row:2;font-size:13px}table.claims td.when{grid-column:2;grid-row:2;text-align:right;color:var(--muted);font-size:13px}
 table.claims td.quote{grid-column:1/-1}
 figure.map .wide,figure.lead .wide{display:none}figure.map .narrow,figure.lead .narrow{display:block}
 table.glance{font-size:13px;width:100%}table.glance th,table.glance td{padding:5px 6px}
 figure.chart{padding:6px}
 .filters{position:static}
 .filters label{flex:1 1 100%}
 .filters input{min-width:0;width:100%}
}
@media print{.filters{display:none}}
"""

SCRIPT = """(function(){'use strict';
var f=document.getElementById('filters');if(!f)return;f.hidden=false;f.addEventListener('submit',function(e){e.preventDefault();});
var q=document.getElementById('q'),t=document.getElementById('ftype'),c=document.getElementById('fcamp'),
o=document.getElementById('shown'),b=document.getElementById('expand');
var cards=Array.prototype.slice.call(document.querySelectorAll('article.event'));
var heads=Array.prototype.slice.call(document.querySelectorAll('h3.campaign'));
function apply(){var s=q.value.trim().toLowerCase(),ty=t.value,ca=c.value,n=0;
cards.forEach(function(a){var ok=(!s||a.getAttribute('data-text').indexOf(s)>=0)&&(!ty||a.getAttribute('data-type')===ty)&&(!ca||a.getAttribute('data-campaign')===ca);a.hidden=!ok;if(ok)n++;});
heads.forEach(function(h){var id=h.getAttribute('data-campaign');h.hidden=!cards.some(function(a){return !a.hidden&&a.getAttribute('data-campaign')===id;});});
o.textContent=n+' of '+cards.length+' events';}
q.addEventListener('input',apply);t.addEventListener('change',apply);c.addEventListener('change',apply);
var open=false;b.addEventListener('click',function(){open=!open;Array.prototype.forEach.call(document.querySelectorAll('#event-list details'),function(d){d.open=open;});b.textContent=open?'Hide all quotes':'Show all quotes';});
apply();})();"""


def _page(data: _Data, descriptor: dict, when: dt.date) -> str:
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'; "
           "base-uri 'none'; form-action 'none'")
    title = _s(descriptor.get("title")) or "balochistan-events"
    version = _s(descriptor.get("version"))
    with _rc():
        body = "\n".join([_figures_section(data), _timeline_section(data), _map_section(data), _events_section(data)])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="balochistan-events report">
<title>{_e(title)} — report, version {_e(version)}</title>
<link rel="icon" href="data:,">
<style>{CSS}</style>
</head>
<body>
{_header(data, descriptor, when)}
<main>
{body}
</main>
<footer>Generated from the data package, version {_e(version)}, dated {_e(when.isoformat())}. Data licence:
CC-BY-4.0 unless the package says otherwise; quotes remain their publishers'. This page makes no network
requests: everything it shows is inside this file.</footer>
<script>{SCRIPT}</script>
</body>
</html>
"""
