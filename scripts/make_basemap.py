#!/usr/bin/env python3
"""Regenerate src/balochistan_events/reference/basemap.json: the offline basemap of the report's map.

Input: countries-10m.json from the npm package world-atlas 2.0.2 (TopoJSON built from Natural Earth's
1:10m Admin 0 countries; Natural Earth is public domain, world-atlas is ISC-licensed). Get it with
`npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz` and run

    python3 scripts/make_basemap.py package/countries-10m.json

Only the countries that reach into the window around Pakistan are kept, each ring clipped to that
window, simplified (Douglas-Peucker) and rounded to 0.001 degree, so the file stays small (60 KB). It
is data, read by reference/basemap.py. Standard library only; the output is deterministic."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Point = tuple[float, float]
Window = tuple[float, float, float, float]
Country = tuple[str, str, list[list[Point]]]   # name, ISO 3166-1 numeric, rings

WINDOW = (56.0, 20.0, 82.0, 40.0)  # lon_min, lat_min, lon_max, lat_max: all of Pakistan plus margin
TOLERANCE = 0.01                    # degrees; ~1 km, below one pixel on the report's map
ATTRIBUTION = "Country outlines: Natural Earth (public domain), via world-atlas 2.0.2"
OUT = Path(__file__).resolve().parents[1] / "src" / "balochistan_events" / "reference" / "basemap.json"


def decode_arcs(topo: dict[str, Any]) -> list[list[Point]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs: list[list[Point]] = []
    for arc in topo["arcs"]:
        x = y = 0
        pts: list[Point] = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring_points(ring: list[int], arcs: list[list[Point]]) -> list[Point]:
    pts: list[Point] = []
    for i in ring:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a if not pts else a[1:])
    return pts


def clip(ring: Sequence[Point], window: Window) -> list[Point]:
    """Sutherland-Hodgman clipping of a polygon ring to a rectangle."""
    x0, y0, x1, y1 = window
    edges: list[tuple[Callable[[Point], bool], Callable[[Point, Point], Point]]]
    edges = [(lambda p: p[0] >= x0, lambda p, q: _at_x(p, q, x0)),
             (lambda p: p[0] <= x1, lambda p, q: _at_x(p, q, x1)),
             (lambda p: p[1] >= y0, lambda p, q: _at_y(p, q, y0)),
             (lambda p: p[1] <= y1, lambda p, q: _at_y(p, q, y1))]
    out = list(ring)
    for inside, cross in edges:
        pts: list[Point] = out
        out = []
        if not pts:
            break
        prev = pts[-1]
        for cur in pts:
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
            prev = cur
    return out


def _at_x(p: Point, q: Point, x: float) -> Point:
    t = (x - p[0]) / (q[0] - p[0])
    return (x, p[1] + t * (q[1] - p[1]))


def _at_y(p: Point, q: Point, y: float) -> Point:
    t = (y - p[1]) / (q[1] - p[1])
    return (p[0] + t * (q[0] - p[0]), y)


def simplify(pts: list[Point], tol: float) -> list[Point]:
    if len(pts) < 4:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = pts[a], pts[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        best, idx = -1.0, -1
        for i in range(a + 1, b):
            px, py = pts[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if d > best:
                best, idx = d, i
        if idx >= 0 and best > tol:
            keep[idx] = True
            stack += [(a, idx), (idx, b)]
    return [p for p, k in zip(pts, keep, strict=False) if k]


def countries_in_window(topo: dict[str, Any]) -> list[Country]:
    """Each country's outer rings, clipped to WINDOW, simplified and rounded; sorted by name."""
    arcs = decode_arcs(topo)
    countries: list[Country] = []
    for geom in topo["objects"]["countries"]["geometries"]:
        polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]] if geom["type"] == "Polygon" else []
        rings = []
        for poly in polys:
            outer = clip(ring_points(poly[0], arcs), WINDOW)  # holes are dropped: none matter here
            if len(outer) < 3:
                continue
            outer = simplify(outer + [outer[0]], TOLERANCE)
            ring: list[Point] = []
            for x, y in outer:
                p = (round(x, 3), round(y, 3))
                if not ring or ring[-1] != p:
                    ring.append(p)
            if len(ring) >= 4:
                rings.append(ring)
        if rings:
            countries.append((geom["properties"]["name"], geom.get("id") or "", rings))
    countries.sort()
    return countries


def render_json(countries: Sequence[Country]) -> str:
    """basemap.json: the window, attribution and outlines, one ring per line. Values are written as
    `{:g}` of the rounded coordinates (74.544, 56), the same text on every run."""
    head = {
        "description": f"Country outlines around Pakistan, clipped to the window {list(WINDOW)} (lon_min, lat_min, "
                       f"lon_max, lat_max; degrees) and simplified to {TOLERANCE} degree. Generated by "
                       "scripts/make_basemap.py from world-atlas 2.0.2 countries-10m.json (ISC licence), built from "
                       "Natural Earth 1:10m Admin 0 countries (public domain). Do not edit by hand.",
        "window": list(WINDOW),
        "attribution": ATTRIBUTION,
    }
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "countries": [')
    for c, (name, iso, rings) in enumerate(countries):
        lines.append(f"    [{json.dumps(name, ensure_ascii=False)}, {json.dumps(iso)}, [")
        for r, ring in enumerate(rings):
            flat = ", ".join(f"{v:g}" for p in ring for v in p)
            lines.append(f"      [{flat}]" + ("," if r < len(rings) - 1 else ""))
        lines.append("    ]]" + ("," if c < len(countries) - 1 else ""))
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit(__doc__)
    countries = countries_in_window(json.loads(Path(argv[1]).read_text()))
    OUT.write_text(render_json(countries), encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(countries)} countries)")


if __name__ == "__main__":
    main(sys.argv)
