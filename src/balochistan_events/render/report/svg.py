"""A small SVG writer for the report's charts: hand-written markup instead of a plotting library keeps
the page light (text stays text: selectable, read by screen readers, a few bytes a label), fast to
render at any data size, and byte-stable (coordinates rounded to 0.1, no ids but the chart's own).

Every string that reaches the markup goes through esc(); numbers are formatted here."""
from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable

FONT = "system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"


def esc(s: str) -> str:
    return html.escape(s, quote=True)


def num(v: float) -> str:
    """A coordinate with one decimal at most: '12', '12.5', '-3.1'."""
    r = round(float(v), 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


class Canvas:
    """Elements appended in drawing order; str() gives the <svg>."""

    def __init__(self, width: float, height: float, uid: str, label: str):
        self.width, self.height, self.uid, self.label = width, height, uid, label
        self.parts: list[str] = []

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1.0,
             extra: str = "") -> None:
        self.add(f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" stroke="{stroke}" '
                 f'stroke-width="{num(width)}"{extra}/>')

    def rect(self, x: float, y: float, w: float, h: float, fill: str, extra: str = "", tip: str = "") -> None:
        head = (f'<rect x="{num(x)}" y="{num(y)}" width="{num(max(w, 0))}" height="{num(max(h, 0))}" '
                f'fill="{fill}"{extra}')
        self.add(f"{head}><title>{esc(tip)}</title></rect>" if tip else f"{head}/>")

    def path(self, points: Iterable[tuple[float, float]], stroke: str = "none", fill: str = "none",
             width: float = 1.0, close: bool = False, extra: str = "") -> None:
        pts = list(points)
        if not pts:
            return
        d = "M" + "L".join(f"{num(x)} {num(y)}" for x, y in pts) + ("Z" if close else "")
        self.add(f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{num(width)}"{extra}/>')

    def text(self, x: float, y: float, s: str, size: float = 11, anchor: str = "start", fill: str = "#333",
             extra: str = "") -> None:
        self.add(f'<text x="{num(x)}" y="{num(y)}" font-size="{num(size)}" text-anchor="{anchor}" '
                 f'fill="{fill}"{extra}>{esc(s)}</text>')

    def marker(self, x: float, y: float, shape: str, colour: str, filled: bool, size: float = 4.2,
               tip: str = "") -> None:
        """dot, ring, up or down triangle, with a tooltip."""
        fill = colour if filled else "#fff"
        t = f"<title>{esc(tip)}</title>" if tip else ""
        if shape in ("up", "down"):
            s = size * 1.25
            dy = -1 if shape == "up" else 1
            pts = ((x, y + dy * s), (x - s, y - dy * s * 0.7), (x + s, y - dy * s * 0.7))
            d = "M" + "L".join(f"{num(a)} {num(b)}" for a, b in pts) + "Z"
            self.add(f'<path d="{d}" fill="{fill}" stroke="{colour}" stroke-width="1.3">{t}</path>')
        else:
            self.add(f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(size)}" fill="{fill}" stroke="{colour}" '
                     f'stroke-width="1.3">{t}</circle>')

    def __str__(self) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(self.width)} {num(self.height)}" '
                f'role="img" aria-label="{esc(self.label)}" font-family="{esc(FONT)}" '
                f'data-uid="{esc(self.uid)}">' + "".join(self.parts) + "</svg>")


def nice_ticks(hi: float, n: int = 5) -> list[float]:
    """Ticks from 0 to at least hi at a round step (1, 2, 2.5 or 5 x 10^k; whole numbers)."""
    if hi <= 0:
        return [0.0, 1.0]
    raw = hi / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    step = max(1.0, step)
    top = math.ceil(hi / step) * step
    return [i * step for i in range(int(round(top / step)) + 1)]


def tick_label(v: float) -> str:
    return f"{v / 1000:g}k" if v >= 10_000 else f"{v:,.0f}"


def date_ticks(d0: float, d1: float, max_ticks: int = 7) -> list[tuple[float, str]]:
    """(day number, label) ticks between day numbers d0 and d1: days, months or years."""
    span = max(d1 - d0, 1.0)
    epoch = dt.date(1970, 1, 1)
    first, last = epoch + dt.timedelta(days=math.ceil(d0)), epoch + dt.timedelta(days=math.floor(d1))
    out: list[tuple[float, str]] = []
    if span <= 45:
        step = max(1, math.ceil(span / max_ticks))
        d = first
        while d <= last:
            out.append(((d - epoch).days, f"{d.day} {d:%b}"))
            d += dt.timedelta(days=step)
        return out
    months = [(y, m) for y in range(first.year, last.year + 1) for m in range(1, 13)
              if (first.year, first.month) <= (y, m) <= (last.year, last.month)]
    if len(months) / max_ticks <= 6:
        step = next(s for s in (1, 2, 3, 6) if len(months) / s <= max_ticks)
        for y, m in months:
            d = dt.date(y, m, 1)
            if (m - 1) % step == 0 and d >= first:
                out.append(((d - epoch).days, f"{d:%b}" + (f" {y}" if m == 1 or not out else "")))
        return out
    years = list(range(first.year + (first > dt.date(first.year, 1, 1)), last.year + 1))
    step = max(1, math.ceil(len(years) / max_ticks))
    return [((dt.date(y, 1, 1) - epoch).days, str(y)) for y in years[::step]]
