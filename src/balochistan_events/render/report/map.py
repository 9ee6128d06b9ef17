"""The map: incident locations over an offline basemap (reference/basemap.py). Up to MAX_MAP_POINTS
incidents are drawn one by one (coloured by event type, sized by the largest 'killed' figure claimed
about them); beyond that, the map shows density (incidents per grid cell, a sequential palette that
stays readable with colour blindness) so its size and cost do not grow with the data.

Plate carrée scaled by cos(latitude): at Balochistan's latitudes shapes look right."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from balochistan_events.render.report.data import ReportData
from balochistan_events.render.report.svg import Canvas, esc, num
from balochistan_events.render.report.wording import plural, text

MAX_MAP_POINTS = 1500
MAX_MAP_LABELS = 40
CELL_DEG = 0.25
DENSITY = ["#FDE725", "#7AD151", "#22A884", "#2A788E", "#414487", "#440154"]   # viridis, light to dark


@dataclass
class View:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float
    coslat: float

    @property
    def scale(self) -> float:
        return self.width / ((self.x1 - self.x0) * self.coslat)

    @property
    def height(self) -> float:
        return (self.y1 - self.y0) * self.scale

    def px(self, lon: Any, lat: Any) -> tuple[Any, Any]:
        return (lon - self.x0) * self.coslat * self.scale, (self.y1 - lat) * self.scale


def extent(lon: np.ndarray, lat: np.ndarray, width: float) -> View:
    """The points plus a margin, at least 4 degrees across, between 4:5 and 3:2, inside the basemap."""
    from balochistan_events.reference.basemap import WINDOW

    cx, cy = (lon.min() + lon.max()) / 2, (lat.min() + lat.max()) / 2
    half_w = max((lon.max() - lon.min()) / 2 + 0.9, 2.0)
    half_h = max((lat.max() - lat.min()) / 2 + 0.7, 1.6)
    coslat = math.cos(math.radians(cy))
    if half_w * coslat / half_h > 1.5:
        half_h = half_w * coslat / 1.5
    if half_w * coslat / half_h < 0.8:
        half_w = half_h * 0.8 / coslat
    return View(max(cx - half_w, WINDOW[0]), max(cy - half_h, WINDOW[1]), min(cx + half_w, WINDOW[2]),
                min(cy + half_h, WINDOW[3]), width, coslat)


def clip_ring(xs: Any, ys: Any, box: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: a polygon ring clipped to the rectangle box = (x0, y0, x1, y1)."""
    pts = list(zip(xs, ys, strict=False))
    for axis, bound, above in ((0, box[0], True), (0, box[2], False), (1, box[1], True), (1, box[3], False)):
        if not pts:
            break
        out, prev = [], pts[-1]
        for cur in pts:
            cin = cur[axis] >= bound if above else cur[axis] <= bound
            pin = prev[axis] >= bound if above else prev[axis] <= bound
            if cin != pin:
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                out.append((bound, prev[1] + t * (cur[1] - prev[1])) if axis == 0
                           else (prev[0] + t * (cur[0] - prev[0]), bound))
            if cin:
                out.append(cur)
            prev = cur
        pts = out
    return pts


def _area(ring: list[tuple[float, float]]) -> float:
    if len(ring) < 3:
        return 0.0
    xs, ys = np.array([p[0] for p in ring]), np.array([p[1] for p in ring])
    return float(abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))) / 2)


def _inside(px: np.ndarray, py: np.ndarray, ring: list[tuple[float, float]]) -> np.ndarray:
    """Even-odd rule, vectorised over the points."""
    xs, ys = np.array([p[0] for p in ring]), np.array([p[1] for p in ring])
    xj, yj = np.roll(xs, 1), np.roll(ys, 1)
    inside = np.zeros(len(px), dtype=bool)
    for a, b, c, d in zip(xs, ys, xj, yj, strict=True):
        cross = ((b > py) != (d > py)) & (px < (c - a) * (py - b) / np.where(d == b, 1e-12, d - b) + a)
        inside ^= cross
    return inside


def _label_point(ring: list[tuple[float, float]], v: View) -> tuple[float, float]:
    """A point well inside a clipped ring: the interior grid point farthest from its edges (coarse)."""
    xs, ys = np.array([p[0] for p in ring]), np.array([p[1] for p in ring])
    gx, gy = np.meshgrid(np.linspace(xs.min(), xs.max(), 18), np.linspace(ys.min(), ys.max(), 18))
    cx, cy = gx.ravel(), gy.ravel()
    ok = _inside(cx, cy, ring)
    if not ok.any():
        return float(xs.mean()), float(ys.mean())
    cx, cy = cx[ok], cy[ok]
    dist = np.sqrt((cx[:, None] - xs[None, :]) ** 2 + (cy[:, None] - ys[None, :]) ** 2).min(1)
    margin = np.minimum.reduce([cx - v.x0, v.x1 - cx, cy - v.y0, v.y1 - cy])
    best = int(np.argmax(np.minimum(dist, margin * 3)))
    return float(cx[best]), float(cy[best])


def basemap(cv: Canvas, v: View, fs: float) -> None:
    from balochistan_events.reference.basemap import COUNTRIES

    cv.rect(0, 0, v.width, v.height, "#dfe9f1")
    box = (v.x0 - 0.5, v.y0 - 0.5, v.x1 + 0.5, v.y1 + 0.5)
    view = (v.x0, v.y0, v.x1, v.y1)
    names = []
    for name, _iso, rings in COUNTRIES:
        clipped = [clip_ring(r[0::2], r[1::2], box) for r in rings]
        fill = "#fbfaf6" if name == "Pakistan" else "#eeebe2"
        for ring in clipped:
            if len(ring) >= 3:
                cv.path([v.px(x, y) for x, y in ring], stroke="#8f8a7e", fill=fill, width=0.7, close=True)
        best = max((clip_ring(r[0::2], r[1::2], view) for r in rings), key=_area, default=[])
        if len(best) >= 3 and _area(best) > 0.06 * (v.x1 - v.x0) * (v.y1 - v.y0):
            names.append((name, _label_point(best, v)))
    for name, (lx, ly) in names:
        x, y = v.px(lx, ly)
        cv.text(x, y, name.upper(), 10.5 * fs, "middle", "#8a857a", ' letter-spacing="1"')


def _place_labels(cv: Canvas, v: View, places: list[tuple[str, float, float, float]], fs: float,
                  limit: int, obstacles: list[tuple[float, float, float, float]]) -> None:
    """Name the places in order (most important first), each where it overlaps nothing placed."""
    size = 11 * fs
    for name, x, y, r in places[:limit]:
        w, h = 0.56 * size * len(name), size
        for dx, dy, anchor in ((r + 3, h * 0.35, "start"), (-r - 3, h * 0.35, "end"), (0, -r - 3, "middle"),
                               (0, r + h, "middle")):
            left = x + dx - (w if anchor == "end" else w / 2 if anchor == "middle" else 0)
            box = (left, y + dy - h * 0.85, left + w, y + dy + h * 0.2)
            if box[0] < 2 or box[2] > v.width - 2 or box[1] < 2 or box[3] > v.height - 2:
                continue
            if any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in obstacles):
                continue
            obstacles.append(box)
            cv.text(x + dx, y + dy, name, size, anchor, "#222",
                    ' paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round"')
            break


def _scale_bar(cv: Canvas, v: View, fs: float) -> None:
    km_per_px = 111.32 / v.scale
    target = v.width / 5 * km_per_px
    km = next((k for k in (10, 20, 25, 50, 100, 200, 250, 500, 1000) if k >= target * 0.8), 1000)
    w = km / km_per_px
    x, y = 12.0, v.height - 14
    cv.rect(x - 4, y - 14 * fs, w + 8, 20 * fs, "#fff", ' fill-opacity="0.75"')
    cv.line(x, y, x + w, y, "#222", 2.2)
    cv.text(x + w / 2, y - 4, f"{km} km", 10 * fs, "middle", "#222")


def _points(cv: Canvas, data: ReportData, pts: pd.DataFrame, v: View, fs: float) -> list[tuple[str, float, float, float]]:
    tolls = pts["toll"].to_numpy(dtype="float64")
    tmax = max(float(np.nanmax(tolls)) if np.isfinite(tolls).any() else 1.0, 1.0)
    radius = np.where(np.isnan(tolls), 3.2, np.sqrt(8 + 300 * np.nan_to_num(tolls) / tmax)) * fs
    order = np.argsort(-np.nan_to_num(tolls, nan=-1), kind="stable")
    x, y = v.px(pts["longitude"].to_numpy(dtype="float64"), pts["latitude"].to_numpy(dtype="float64"))
    types = pts["event_type"].astype("string").fillna("").to_numpy()
    precise = pts["geo_precision"].isin(["exact", "near"]).to_numpy()
    for i in order:
        colour = data.type_colours.get(types[i], "#555")
        has = not np.isnan(tolls[i])
        dash = "" if precise[i] else ' stroke-dasharray="2 1.5"'
        tip = f"{text(pts['title'].iloc[i])}" + (f": up to {int(tolls[i])} killed (largest claim)" if has else "")
        cv.add(f'<circle cx="{num(x[i])}" cy="{num(y[i])}" r="{num(radius[i])}" fill="{colour if has else "#fff"}" '
               f'fill-opacity="{"0.8" if has else "1"}" stroke="{"#fff" if has else colour}" stroke-width="1.2"{dash}>'
               f"<title>{esc(tip)}</title></circle>")
    places: dict[str, tuple[str, float, float, float]] = {}
    for i in order:
        key = text(pts["location"].iloc[i]) or text(pts["admin2"].iloc[i])
        if key and key not in places:
            places[key] = (key, float(x[i]), float(y[i]), float(radius[i]))
    return list(places.values())


def density_classes(counts: np.ndarray) -> list[int]:
    """Upper bounds of the colour classes: 1, then steps growing to the largest count."""
    top = int(counts.max())
    bounds = sorted({1, *(int(math.ceil(top ** (k / 5))) for k in range(1, 6))})
    return bounds[: len(DENSITY)]


Place = tuple[str, float, float, float]     # name, x, y, radius of its mark


def _density(cv: Canvas, pts: pd.DataFrame, v: View, fs: float) -> tuple[list[Place], list[dict[str, str]]]:
    lon, lat = pts["longitude"].to_numpy(dtype="float64"), pts["latitude"].to_numpy(dtype="float64")
    gx, gy = np.floor(lon / CELL_DEG).astype(np.int64), np.floor(lat / CELL_DEG).astype(np.int64)
    cells = pd.DataFrame({"gx": gx, "gy": gy}).value_counts().sort_index()
    counts = cells.to_numpy()
    bounds = density_classes(counts)
    cls = np.searchsorted(np.array(bounds), counts)
    for (cx, cy), n, k in zip(cells.index, counts, cls, strict=True):
        x0, y1 = v.px(cx * CELL_DEG, (cy + 1) * CELL_DEG)
        x1, y0 = v.px((cx + 1) * CELL_DEG, cy * CELL_DEG)
        cv.rect(x0, y1, x1 - x0, y0 - y1, DENSITY[min(k, len(DENSITY) - 1)], ' fill-opacity="0.85"',
                tip=f"{int(n)} incidents")
    legend, lo = [], 1
    for b, colour in zip(bounds, DENSITY, strict=False):
        legend.append({"label": f"{lo:,}" if b == lo else f"{lo:,}–{b:,}", "colour": colour})
        lo = b + 1
    by_place = pts.groupby(pts["location"].astype("string").fillna(""), sort=False).agg(
        n=("event_id", "size"), lon=("longitude", "first"), lat=("latitude", "first"))
    by_place = by_place[by_place.index != ""].sort_values("n", ascending=False, kind="stable")
    places = []
    for name, row in by_place.head(MAX_MAP_LABELS * 2).iterrows():
        x, y = v.px(float(row["lon"]), float(row["lat"]))
        places.append((str(name), float(x), float(y), 3.0))
    return places, legend


def map_svg(data: ReportData, pts: pd.DataFrame, width: float, fs: float, uid: str,
            density: bool) -> tuple[str, list[dict[str, str]]]:
    from balochistan_events.reference.basemap import ATTRIBUTION

    lon, lat = pts["longitude"].to_numpy(dtype="float64"), pts["latitude"].to_numpy(dtype="float64")
    v = extent(lon, lat, width)
    label = f"Map of {plural(len(pts), 'incident')}" + (" as density per grid cell" if density else "")
    cv = Canvas(v.width, v.height, uid, label)
    basemap(cv, v, fs)
    legend: list[dict[str, str]] = []
    if density:
        places, legend = _density(cv, pts, v, fs)
        obstacles: list[tuple[float, float, float, float]] = []
    else:
        places = _points(cv, data, pts, v, fs)
        obstacles = [(x - r * 0.8, y - r * 0.8, x + r * 0.8, y + r * 0.8) for _, x, y, r in places]
    _place_labels(cv, v, places, fs, MAX_MAP_LABELS if width > 500 else MAX_MAP_LABELS // 2, obstacles)
    _scale_bar(cv, v, fs)
    cv.text(v.width - 4, v.height - 4, ATTRIBUTION + "; de facto borders", 9.5 * fs, "end", "#555",
            ' paint-order="stroke" stroke="#fff" stroke-width="2.5"')
    return str(cv), legend


def map_context(data: ReportData) -> dict[str, Any] | None:
    ev = data.events[data.events["latitude"].notna() & data.events["longitude"].notna()]
    pts = ev[ev["event_level"] == "incident"]
    if pts.empty:
        pts = ev
    if pts.empty:
        return None
    density = len(pts) > MAX_MAP_POINTS
    wide, legend = map_svg(data, pts, 720.0, 1.0, "map", density)
    narrow, _ = map_svg(data, pts, 380.0, 0.8, "mapn", density)
    places = pts.groupby(pts["location"].astype("string").fillna("(no place name)"), sort=True).agg(
        n=("event_id", "size"), toll=("toll", "max"))
    places = places.sort_values("n", ascending=False, kind="stable").head(30)
    rows = [{"place": str(p), "n": int(r["n"]), "toll": "" if pd.isna(r["toll"]) else str(int(r["toll"]))}
            for p, r in places.iterrows()]
    types = [t for t in data.type_colours if (pts["event_type"] == t).any()]
    tolls = pts["toll"].to_numpy(dtype="float64")
    biggest = int(np.nanmax(tolls)) if np.isfinite(tolls).any() else 0
    return {"wide": wide, "narrow": narrow, "density": density, "points": len(pts), "density_legend": legend,
            "type_legend": [{"label": t, "colour": data.type_colours[t]} for t in types], "rows": rows,
            "places": int(pts["location"].nunique()), "max_points": MAX_MAP_POINTS, "cell": CELL_DEG,
            "biggest": biggest}
