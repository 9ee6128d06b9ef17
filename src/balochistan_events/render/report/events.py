"""The per-event detail: every listed event with every claim about it, its source and quote (and the
quote's English rendering where the data has quote_translation). Capped at MAX_EVENT_DETAIL events
so the page stays light at any size: the campaigns in the comparison first (their claims are the
comparison's link targets), then the newest events; the page says how many are listed and where the
rest are (the package's CSV files)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from balochistan_events.render.report.data import SIDE_ORDER, SIDE_WORDS, ReportData
from balochistan_events.render.report.wording import date_span, figure_text, human, iso, safe_url, text

MAX_EVENT_DETAIL = 500


def listed_events(data: ReportData, first: list[str]) -> pd.DataFrame:
    """The events that get their detail: `first` (campaigns of the comparison), then the newest."""
    ev = data.events
    if len(ev) <= MAX_EVENT_DETAIL:
        return ev
    is_first = ev["event_id"].isin(first).to_numpy()
    rest = np.flatnonzero(~is_first)
    ids = ev["event_id"].to_numpy(dtype=object)[rest]
    newest = rest[np.lexsort((ids, ev["date_start"].to_numpy()[rest]))[::-1]]    # newest first, then id
    keep = np.zeros(len(ev), dtype=bool)
    keep[is_first] = True
    keep[newest[: max(0, MAX_EVENT_DETAIL - int(is_first.sum()))]] = True
    return ev[keep]


def _sources(data: ReportData, used: pd.Series) -> dict[str, dict[str, str]]:
    out = {}
    src = data.sources.drop_duplicates("source_id")
    src = src[src["source_id"].isin(used)]
    for row in src.itertuples(index=False):
        label = text(row.publisher) + (f" ({text(row.outlet)})" if text(row.outlet) else "")
        tip = " · ".join(x for x in (text(row.title), iso(row.published_date)) if x)
        out[text(row.source_id)] = {"label": label, "url": safe_url(row.url), "tip": tip,
                                    "lang": text(getattr(row, "language", ""))}
    return out


def _claim(data: ReportData, c: dict[Any, Any], sources: dict[str, dict[str, str]]) -> dict[str, Any]:
    aid = text(c["claimant_id"])
    sid = text(c["source_id"])
    src = sources.get(sid, {"label": sid, "url": "", "tip": "", "lang": ""})
    lang = src["lang"]
    return {"id": text(c["claim_id"]), "side": text(c["side"]), "type": text(c["claim_type"]),
            "who": data.names.get(aid, aid), "colour": data.colours.get(aid, "#555"), "kind": data.kinds.get(aid, ""),
            "figure": figure_text(c["value_low"], c["value_best"], c["value_high"], c["qualifier"]),
            "scope": text(c["scope_note"]), "date": iso(c["claim_date"]), "source": src,
            "quote": text(c["quote"]), "translation": text(c.get("quote_translation")),
            "lang": lang if lang and not lang.lower().startswith("en") else ""}


def _claims_by_event(data: ReportData, ids: pd.Series) -> dict[str, list[dict[Any, Any]]]:
    cl = data.claims[data.claims["event_id"].isin(ids)]
    cl = cl.join(data.claim_text.loc[cl.index])
    ctype = cl["claim_type"]
    codes = (ctype.cat.codes if isinstance(ctype.dtype, pd.CategoricalDtype) else ctype.astype("category").cat.codes)
    cl = cl.assign(_f=cl["value_best"].isna().astype("int64"), _k=(ctype != "killed").astype("int64"),
                   _t=codes.astype("int64"))
    cl = cl.sort_values(["event_id", "_f", "_k", "_t", "subject", "claim_date", "claim_id"], kind="stable")
    sources = _sources(data, cl["source_id"])
    out: dict[str, list[dict[Any, Any]]] = {}
    for c in cl.to_dict("records"):
        out.setdefault(str(c["event_id"]), []).append(c | {"_ctx": _claim(data, c, sources)})
    return out


def _groups(claims: list[dict[Any, Any]]) -> list[dict[str, Any]]:
    """Claims grouped under 'Killed · militants'-style headings, in their sorted order."""
    groups: list[dict[str, Any]] = []
    for c in claims:
        subject = text(c["subject"])
        what = human(c["claim_type"]).capitalize() + (f" · {human(subject)}" if subject and subject != "unspecified" else "")
        if not groups or groups[-1]["what"] != what:
            groups.append({"what": what, "rows": []})
        groups[-1]["rows"].append(c["_ctx"])
    return groups


def _event(data: ReportData, row: dict[Any, Any], claims: list[dict[Any, Any]]) -> dict[str, Any]:
    place = ", ".join(x for x in (text(row["location"]), text(row["admin2"])) if x)
    etype = text(row["event_type"])
    return {"id": text(row["event_id"]), "level": text(row["event_level"]), "title": text(row["title"]),
            "dates": date_span(row["date_start"], row["date_end"]), "start": iso(row["date_start"]),
            "end": iso(row["date_end"]) or iso(row["date_start"]), "place": place, "type": etype,
            "sub": text(row["sub_event_type"]), "verification": human(row["verification"]),
            "tags": text(row["tags"]).replace("|", ", "), "description": text(row["description"]),
            "colour": data.type_colours.get(etype, "#555"), "campaign": text(row["campaign_id"]) or "none",
            "sides": " ".join(sorted({c["_ctx"]["side"] for c in claims})),
            "types": " ".join(sorted({c["_ctx"]["type"] for c in claims})), "groups": _groups(claims)}


def events_context(data: ReportData, first: list[str]) -> dict[str, Any]:
    listed = listed_events(data, first)
    listed = listed.join(data.event_text.loc[listed.index])
    by_event = _claims_by_event(data, listed["event_id"])
    ordered = listed.assign(_c=(listed["event_id"] != listed["campaign_id"]).astype(int))
    ordered = ordered.sort_values(["_c", "date_start", "event_id"], kind="stable")
    members: dict[str | None, list[dict[str, Any]]] = {}
    for row in ordered.to_dict("records"):
        cid = None if pd.isna(row["campaign_id"]) else str(row["campaign_id"])
        members.setdefault(cid, []).append(_event(data, row, by_event.get(str(row["event_id"]), [])))
    sections = [{"id": cid or "none", "title": title, "events": members[cid]} for cid, title in data.campaigns
                if cid in members]
    listed_claims = sum(len(v) for v in by_event.values())
    types = sorted({c["_ctx"]["type"] for v in by_event.values() for c in v})
    return {"sections": sections, "listed": len(listed), "total": len(data.events), "listed_claims": listed_claims,
            "total_claims": len(data.claims), "capped": len(listed) < len(data.events), "max": MAX_EVENT_DETAIL,
            "filter_campaigns": [{"id": s["id"], "title": s["title"]} for s in sections],
            "filter_sides": [{"id": s, "label": SIDE_WORDS[s]} for s in SIDE_ORDER],
            "filter_types": [{"id": t, "label": human(t)} for t in types],
            "first_day": iso(listed["date_start"].min()) if len(listed) else "",
            "last_day": iso(listed["date_end"].fillna(listed["date_start"]).max()) if len(listed) else ""}
