"""GeoJSON (RFC 7946): a FeatureCollection with one Point feature per event, in event_id order.

Geometry: [longitude, latitude] in WGS84 (RFC 7946 section 3.1.1: longitude first). Feature id: the
event_id. Properties: every events field as a JSON value (dates as YYYY-MM-DD, integers and numbers
as numbers, booleans, null for empty cells), plus actor1_name and actor2_name (actors.name) and the
number of claims and of distinct claimants about the event. One feature per line, so the file
diffs well and streams."""
from __future__ import annotations

import json
from typing import Any

from balochistan_events.exports.common import json_value, sorted_events, texts, values

SCOPE = ("All events, campaigns and incidents alike (event_level and parent_event_id are properties, so a "
         "map can filter either). A campaign's point is the place its geo_precision names (often the "
         "provincial capital), not the extent of the campaign.")

LIMITATIONS = [
    "One point per event: a campaign spanning many places is drawn at a single representative point.",
    "No figures: claims (who claimed how many killed) are not properties; join claims.csv on event_id, or "
    "use the ACLED or GED export for one number per event.",
    "Coordinates are those of the GeoNames place; geo_precision says how exact they are.",
]

def _json_column(series: Any, field: dict) -> list:
    """A typed column as JSON values (dates as YYYY-MM-DD text, missing as None)."""
    ftype = field.get("type", "string")
    if ftype == "date":
        return [t or None for t in texts(series, field)]
    cells = values(series)
    if ftype == "string":
        return [None if v is None else str(v) for v in cells]
    cast = {"integer": int, "year": int, "number": float, "boolean": bool}.get(ftype)
    if cast is not None:
        return [None if v is None else cast(v) for v in cells]
    return [json_value(v, field) for v in cells]


def features(ds: Any) -> list[dict]:
    ev = sorted_events(ds.events)
    fields = [f for f in ds.resources["events"].fields if f["name"] in ev]
    names = dict(zip(values(ds.actors["actor_id"]), values(ds.actors["name"]), strict=False))
    n_claims: dict = {}
    claimants: dict = {}
    for e, who in zip(values(ds.claims["event_id"]), values(ds.claims["claimant_id"]), strict=False):
        n_claims[e] = n_claims.get(e, 0) + 1
        claimants.setdefault(e, set()).add(who)
    columns = [(f["name"], _json_column(ev[f["name"]], f)) for f in fields]
    out = []
    for i in range(len(ev)):
        props = {name: col[i] for name, col in columns}
        lat, lon = props.get("latitude"), props.get("longitude")
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        e = props.get("event_id")
        props["actor1_name"] = names.get(props.get("actor1_id"))
        props["actor2_name"] = names.get(props.get("actor2_id"))
        props["claims"] = n_claims.get(e, 0)
        props["claimants"] = len(claimants.get(e, ()))
        out.append({"type": "Feature", "id": e, "geometry": geometry, "properties": props})
    return out


def export(ds: Any) -> str:
    dump = lambda obj: json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)  # noqa: E731
    body = ",\n".join(dump(f) for f in features(ds))
    name = ds.descriptor.get("name") or "balochistan-events"
    head = f'{{"type":"FeatureCollection","name":{dump(name)},"features":[\n'
    return head + body + ("\n" if body else "") + "]}\n"
