"""The page: the sections' contexts rendered through the Jinja2 templates in templates/, with the
stylesheet and the script from static/ inlined (one self-contained file). A Content-Security-Policy
allows only this script (by its hash) and no request of any kind, so even a missed escape could
neither run code nor fetch anything; Jinja2's autoescape escapes every data string."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
from functools import lru_cache
from importlib import resources
from typing import Any

from balochistan_events.render.report.data import ReportData
from balochistan_events.render.report.wording import plural, safe_url, text


@lru_cache(maxsize=1)
def environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("balochistan_events.render.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["plural"] = plural
    return env


def static(name: str) -> str:
    return resources.files("balochistan_events.render.report").joinpath("static", name).read_text(encoding="utf-8")


def _licence(descriptor: dict) -> tuple[str, list[dict[str, str]]]:
    lic = [x for x in descriptor.get("licenses") or [] if isinstance(x, dict)]
    names = ", ".join(text(x.get("name") or x.get("title")) for x in lic) or "see LICENSE-DATA.md"
    links = [{"label": text(x.get("title") or x.get("name")), "url": safe_url(x.get("path"))} for x in lic]
    return names, links


def header_context(data: ReportData, when: dt.date) -> dict[str, Any]:
    d = data.descriptor
    ev, cl = data.events, data.claims
    n_camp, n_inc = int((ev["event_level"] == "campaign").sum()), int((ev["event_level"] == "incident").sum())
    version = text(d.get("version")) or "unversioned"
    title = text(d.get("title")) or text(d.get("name")) or "balochistan-events"
    lic_names, lic_links = _licence(d)
    authors = "; ".join(text(c.get("title")) for c in d.get("contributors") or [] if isinstance(c, dict)) \
        or "balochistan-events maintainers"
    homepage = text(d.get("homepage"))
    cite = (f"{authors} ({when.year}). {text(d.get('name')) or 'balochistan-events'}: {title}. "
            f"Version {version} [data set]. " + (f"{homepage}. " if homepage else "") + f"Licence: {lic_names}.")
    stats = [("events", len(ev), f"{plural(n_camp, 'campaign')}, {plural(n_inc, 'incident')}"),
             ("claims", len(cl), f"{int(cl['value_best'].notna().sum()):,} with a figure"),
             ("sources", len(data.sources), "documents read"),
             ("claimants", int(cl["claimant_id"].nunique()), "actors making claims")]
    return {"title": title, "version": version, "date": when.isoformat(), "licence_names": lic_names,
            "licence_links": [x for x in lic_links if x["label"]], "citation": cite,
            "stats": [{"key": k, "value": f"{v:,}", "sub": s} for k, v, s in stats]}


def claimant_totals(data: ReportData) -> list[dict[str, Any]]:
    """Claims and figures per claimant, the biggest first (an aggregate that holds at any size)."""
    cl = data.claims
    g = cl.groupby("claimant_id", observed=True).agg(claims=("claim_id", "size"), figures=("value_best", "count"),
                                                    events=("event_id", "nunique"))
    g = g.sort_values(["claims", "figures"], ascending=False, kind="stable").head(25)
    return [{"who": data.names.get(str(a), str(a)), "kind": data.kinds.get(str(a), ""),
             "colour": data.colours.get(str(a), "#555"),
             "claims": f"{int(r['claims']):,}", "figures": f"{int(r['figures']):,}", "events": f"{int(r['events']):,}"}
            for a, r in g.iterrows()]


def render_page(data: ReportData, when: dt.date, sections: dict[str, Any]) -> str:
    script = static("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'; "
           "base-uri 'none'; form-action 'none'")
    template = environment().get_template("page.html.j2")
    from markupsafe import Markup

    return template.render(csp=Markup(csp),   # our own text, with quotes the attribute must keep
                           css=static("report.css"), script=script, head=header_context(data, when),
                           totals=claimant_totals(data), **sections)
