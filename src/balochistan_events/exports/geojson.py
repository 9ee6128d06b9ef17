"""GeoJSON (RFC 7946): a FeatureCollection with one Point feature per event, in event_id order.

Geometry: [longitude, latitude] in WGS84 (RFC 7946 section 3.1.1: longitude first). Feature id: the
event_id. Properties: every events field as a JSON value (dates as YYYY-MM-DD, integers and numbers
as numbers, booleans, null for empty cells), plus actor1_name and actor2_name (actors.name) and the
number of claims and of distinct claimants about the event. One feature per line, so the file
diffs well and streams."""
from __future__ import annotations

import json
import math
from json.encoder import encode_basestring
from typing import Any

from balochistan_events.exports.common import arrow_text, json_value, sorted_events, texts, values

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


def _json_texts(cells: list) -> list[str]:
    """Each JSON value as json.dumps writes it here (no ASCII escaping, no NaN); a repeated value (codes,
    places, dates) is encoded once. A column holds one type (and None), so 1, 1.0 and True never meet."""
    encoded = {v: _dump(v) for v in set(cells)}
    return list(map(encoded.__getitem__, cells))


def _dump(value: object) -> str:
    """json.dumps(value, ensure_ascii=False, allow_nan=False) for the scalars a feature holds."""
    if isinstance(value, str):
        return encode_basestring(value)      # the json module's own C string escaper
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _claim_counts(ds: Any, ids: list[str]) -> tuple[list[int], list[int]]:
    """Claims and distinct claimants (a missing claimant counted as one) about each event of `ids`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    claims = pa.table({"e": arrow_text(ds.claims["event_id"]), "c": arrow_text(ds.claims["claimant_id"])})
    counts = claims.group_by("e", use_threads=False).aggregate(
        [([], "count_all"), ("c", "count_distinct", pc.CountOptions(mode="all"))])
    at = pc.index_in(pa.array(ids, pa.string()), value_set=counts["e"])
    n, who = (pc.fill_null(counts[col].take(at), 0).to_pylist() for col in ("count_all", "c_count_distinct"))
    return n, who


def features(ds: Any) -> list[dict]:
    """The features as dicts (the export itself writes the same JSON column by column: see export)."""
    return [json.loads(line) for line in _feature_lines(ds)]


def _feature_lines(ds: Any) -> list[str]:
    return _feature_lines_arrow(ds).to_pylist()


def _feature_lines_arrow(ds: Any) -> Any:
    """One compact JSON text per feature, built column by column: each property's values encoded once per
    column, then the pieces joined per row (the same text json.dumps gives for the feature's dict)."""
    ev = sorted_events(ds.events)
    fields = [f for f in ds.resources["events"].fields if f["name"] in ev]
    names = dict(zip(values(ds.actors["actor_id"]), values(ds.actors["name"]), strict=False))
    props = {f["name"]: _json_column(ev[f["name"]], f) for f in fields}
    ids = props.get("event_id") or [None] * len(ev)
    lat, lon = props.get("latitude", [None] * len(ev)), props.get("longitude", [None] * len(ev))
    props["actor1_name"] = [names.get(a) for a in props.get("actor1_id", [None] * len(ev))]
    props["actor2_name"] = [names.get(a) for a in props.get("actor2_id", [None] * len(ev))]
    props["claims"], props["claimants"] = _claim_counts(ds, [str(e) for e in ids])
    geometry = ['{"type":"Point","coordinates":[' + _dump(x) + "," + _dump(y) + "]}"
                if x is not None and y is not None else "null" for x, y in zip(lon, lat, strict=True)]
    pieces: list[list[str] | str] = ['{"type":"Feature","id":', _json_texts(ids), ',"geometry":', geometry,
                                     ',"properties":{']
    for k, (name, cells) in enumerate(props.items()):
        pieces += [("," if k else "") + encode_basestring(name) + ":", _json_texts(cells)]
    pieces.append("}}")
    return _joined_rows(pieces, len(ev))


def _joined_rows(pieces: list[list[str] | str], n: int) -> Any:
    """Row i: the concatenation of each piece (a constant, or a column's i-th text), by an Arrow kernel."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    columns = [pa.array(p, text) if isinstance(p, list) else pa.scalar(p, text) for p in pieces]
    if not n:
        return pa.array([], text)
    return pc.binary_join_element_wise(*columns, pa.scalar("", text))


def export(ds: Any) -> str:
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = _feature_lines_arrow(ds)
    whole = pa.LargeListArray.from_arrays(pa.array([0, len(rows)], pa.int64()), rows)
    body = pc.binary_join(whole, pa.scalar(",\n", pa.large_string()))[0].as_py()
    name = ds.descriptor.get("name") or "balochistan-events"
    head = f'{{"type":"FeatureCollection","name":{_dump(name)},"features":[\n'
    return head + body + ("\n" if body else "") + "]}\n"
