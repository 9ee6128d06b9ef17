"""ISO 3166-1 country codes and ISO 3166-2 subdivision codes from pycountry, cached.

pycountry parses its JSON databases on first use (about 0.1 s, a fifth of validating the shipped
package); we keep just the codes in a small JSON file next to the GeoNames cache, one per pycountry
version, written atomically. If it cannot be written, pycountry is used directly."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypedDict


class IsoCodes(TypedDict):
    countries: set[str]             # ISO 3166-1 alpha-2
    subdivisions: dict[str, str]    # ISO 3166-2 code -> alpha-2 country


_CODES: IsoCodes | None = None


def _cache_file() -> Path:
    from balochistan_events.reference.geonames import versioned_cache_file

    return versioned_cache_file("pycountry", "iso3166-pycountry-{version}-v1.json")


def _from_pycountry() -> dict[str, Any]:
    """The cache file's JSON shape: countries as a sorted list, subdivisions as an object."""
    import pycountry

    return {"countries": sorted(c.alpha_2 for c in pycountry.countries),
            "subdivisions": {s.code: s.country_code for s in pycountry.subdivisions}}


def codes() -> IsoCodes:
    """{'countries': [alpha-2 codes], 'subdivisions': {ISO 3166-2 code: alpha-2 country}}."""
    global _CODES
    if _CODES is not None:
        return _CODES
    path = _cache_file()
    data: Any = None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not {"countries", "subdivisions"} <= set(data):
            data = None
    except (OSError, ValueError):
        data = None
    if data is None:
        data = _from_pycountry()
        try:
            from balochistan_events.package.atomic import write_text

            write_text(path, json.dumps(data))
        except OSError:
            pass
    _CODES = {"countries": set(data["countries"]), "subdivisions": dict(data["subdivisions"])}
    return _CODES


def is_country(code: str) -> bool:
    return code in codes()["countries"]


def subdivision_country(code: str) -> str | None:
    """The alpha-2 country of an ISO 3166-2 subdivision code, None if it is not one."""
    return codes()["subdivisions"].get(code)
