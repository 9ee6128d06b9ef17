"""How the report words cells, figures and dates (plain text; the templates escape it)."""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from balochistan_events.text import plural as _plural

QUALIFIER_WORDS = {"at_least": "at least", "more_than": "more than", "approximately": "about",
                   "up_to": "up to", "nearly": "nearly"}
QUALIFIER_SHORT = {"at_least": "≥", "more_than": ">", "approximately": "~", "up_to": "≤", "nearly": "~"}
SAFE_URL = re.compile(r"https?://[^\s\"'<>`\\]+", re.ASCII)


def text(value: Any) -> str:
    """A cell as text ('' for missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def human(code: Any) -> str:
    return text(code).replace("_", " ")


def as_int(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def figure_text(low: Any, best: Any, high: Any, qualifier: Any) -> str:
    """A claim's figure in words: '37', 'at least 37', '20–30', 'about 25 (20–30)'."""
    lo, b, hi, q = as_int(low), as_int(best), as_int(high), text(qualifier)
    if b is None:
        return "—"
    if lo is not None and hi is not None and lo < hi:
        rng = f"{lo}–{hi}"
        if q == "approximately" or b not in (lo, hi):
            return f"{QUALIFIER_WORDS.get(q, '')} {b} ({rng})".strip()
        return rng
    return f"{QUALIFIER_WORDS.get(q, '')} {b}".strip()


def short_figure(low: Any, best: Any, high: Any, qualifier: Any) -> str:
    lo, b, hi, q = as_int(low), as_int(best), as_int(high), text(qualifier)
    if lo is not None and hi is not None and lo < hi:
        return f"{lo}–{hi}"
    return f"{QUALIFIER_SHORT.get(q, '')}{b}"


def plural(count: int, noun: str) -> str:
    return _plural(count, noun, grouped=True)


def iso(d: Any) -> str:
    return "" if d is None or pd.isna(d) else pd.Timestamp(d).strftime("%Y-%m-%d")


def nice_date(d: Any) -> str:
    if d is None or pd.isna(d):
        return ""
    t = pd.Timestamp(d)
    return f"{t.day} {t:%b %Y}"   # no %-d: not portable


def date_span(start: Any, end: Any) -> str:
    a, b = iso(start), iso(end)
    return a if not b or a == b else f"{a} – {b}"


def short_title(title: str) -> str:
    """'Herof 2: coordinated attacks …' -> 'Herof 2' (the part before a colon, when it says enough)."""
    head = title.split(":", 1)[0].strip()
    return head if len(head) >= 3 else title


def clip(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


def safe_url(url: Any) -> str:
    """The URL when it is a plain http(s) address, else '' (data is untrusted: no javascript: links)."""
    u = text(url)
    return u if SAFE_URL.fullmatch(u) else ""


def ratio_text(num: float | None, den: float | None) -> str:
    """'6.3×' (num ÷ den), '' when either side is missing or the denominator is 0."""
    if num is None or den is None or den == 0:
        return ""
    r = num / den
    return f"{r:.0f}×" if r >= 10 else f"{r:.1f}×" if r >= 0.1 else f"{r:.2f}×"
