"""The report: one self-contained, offline HTML page that shows the claims as pictures and tables.

    >>> html = render_report()                          # doctest: +SKIP
    >>> write_report("report.html", date="2026-02-10")  # doctest: +SKIP

Sections: a header (version, date, counts, licence, how to cite, method note); the view across
campaigns (compare.py); the whole period and each campaign's incidents by day (timeline.py); the
figures over time (charts.py); the map (map.py); claimant totals; and the per-event detail with
filters and search (events.py, capped at scale). data.py prepares the tables once; page.py renders
the Jinja2 templates in templates/ with static/report.css and static/report.js inlined.

Charts are inline SVG written by svg.py: no JavaScript is needed to see them, nothing is fetched,
every chart has a table alternative, and the output is byte-identical for the same data and date."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from balochistan_events.render.report.wording import figure_text

__all__ = ["figure_text", "render_report", "write_report"]


def render_report(path: Any = None, date: Any = None, *, dataset: Any = None) -> str:
    """The report as one HTML string. path: package directory, datapackage.json or release zip
    (default: as load()). date: the date printed in the header (YYYY-MM-DD string or date; default:
    SOURCE_DATE_EPOCH, else the descriptor's `created` date, else today). dataset: the package already
    loaded (e.g. from validation, validation.gate), instead of reading `path`."""
    from balochistan_events.package.loading import load
    from balochistan_events.render.report.charts import figures_context
    from balochistan_events.render.report.compare import comparison
    from balochistan_events.render.report.data import prepare, report_date
    from balochistan_events.render.report.events import events_context
    from balochistan_events.render.report.map import map_context
    from balochistan_events.render.report.page import render_page
    from balochistan_events.render.report.timeline import timelines

    ds = dataset if dataset is not None else load(path)
    when = report_date(date, ds.descriptor)
    data = prepare(ds)
    compare = comparison(data)
    sections = {"compare": compare, "timelines": timelines(data), "figures": figures_context(data),
                "map": map_context(data), "events": events_context(data, [c["id"] for c in compare["campaigns"]]),
                "has_translation": data.has_translation}
    return render_page(data, when, sections)


def write_report(out: Any = "report.html", path: Any = None, date: Any = None, *, dataset: Any = None) -> Path:
    """Render and write the report atomically; returns the path written."""
    from balochistan_events.package.atomic import write_text

    text = render_report(path, date, dataset=dataset)
    write_text(out, text)
    return Path(out)
