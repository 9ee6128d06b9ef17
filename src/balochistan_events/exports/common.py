"""Shared pieces of the exports: reading crosswalks from the schemas, formatting cells, choosing the
events a peer format can hold, and per-event claim figures."""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from balochistan_events.errors import PackageError

# Person groups in claims.subject that do not overlap: their figures may be added up.
PERSON_GROUPS = ("security_forces", "militants", "civilians", "officials")
# Subjects that count everyone (or people of unknown kind): alternative totals, never added to groups.
PERSON_TOTALS = ("all_persons", "unspecified")


# --- crosswalks (x-acled, x-ucdp, x-hxl) --------------------------------------------------------

@dataclass(frozen=True)
class Mapping:
    """One of our fields mapped to a peer column, optionally with a code translation."""

    table: str
    field: dict
    column: str
    values: dict | None

    @property
    def name(self) -> str:
        return self.field["name"]


def crosswalk(field: dict, peer: str, table: str = "") -> Mapping | None:
    """A field's x-<peer> property: a column name string, or {"field": column, "values": {code: peer code}}."""
    prop = field.get(f"x-{peer}")
    if prop is None:
        return None
    if isinstance(prop, str) and prop:
        return Mapping(table, field, prop, None)
    if isinstance(prop, dict) and isinstance(prop.get("field"), str):
        values = prop.get("values")
        if values is not None and not isinstance(values, dict):
            raise PackageError(f"x-{peer}.values of {field['name']!r} must be an object", field=field["name"])
        return Mapping(table, field, prop["field"], values)
    raise PackageError(f"x-{peer} of {field['name']!r} must be a column name or {{\"field\": …, \"values\": …}}",
                       field=field["name"])


def mappings(resource: Any, peer: str) -> dict[str, Mapping]:
    """Peer column -> the first of the table's fields that maps to it (schema order)."""
    out: dict[str, Mapping] = {}
    for f in resource.fields:
        m = crosswalk(f, peer, resource.name)
        if m is not None and m.column not in out:
            out[m.column] = m
    return out


def field_for(resource: Any, peer: str, column: str) -> str | None:
    m = mappings(resource, peer).get(column)
    return m.name if m else None


def lexical(value: object, field: dict | None = None) -> str:
    """A typed cell back in its Table Schema text form ('' for missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    ftype = (field or {}).get("type", "string")
    if isinstance(value, (bool, np.bool_)):
        trues = (field or {}).get("trueValues") or ["true"]
        falses = (field or {}).get("falseValues") or ["false"]
        return trues[0] if value else falses[0]
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ftype == "date" else ts.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def values(series: pd.Series) -> list:
    """A column as a plain list, missing cells as None (fast for pandas' extension arrays)."""
    return series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]


def texts(series: pd.Series, field: dict | None = None) -> list[str]:
    """A typed column back in its Table Schema text form, '' for missing; vectorised where it matters."""
    ftype = (field or {}).get("type", "string")
    if ftype == "date" and pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.dt.strftime("%Y-%m-%d").fillna("").tolist()
    cells = values(series)
    if ftype == "string":
        return ["" if v is None else str(v) for v in cells]
    return [lexical(v, field) for v in cells]


def translate(series: pd.Series, mapping: Mapping) -> list:
    """Apply a crosswalk to a column: code translation when the mapping has values, else the cell text.
    A code the crosswalk does not list becomes '' (unknown to the peer)."""
    cells = texts(series, mapping.field)
    if mapping.values is None:
        return cells
    return ["" if c == "" else mapping.values.get(c, "") for c in cells]


def json_value(value: object, field: dict | None = None) -> object:
    """A typed cell as a JSON value: numbers stay numbers, dates become YYYY-MM-DD, missing is null."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return lexical(value, field)
    return str(value)


# --- which events ----------------------------------------------------------------------------------

def sorted_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events in event_id order, so that a checkout and its release (whose Parquet files are sorted by
    primary key) export the same bytes."""
    return events.sort_values("event_id", kind="mergesort").reset_index(drop=True)


def mapped_columns(ds: Any, peer: str, columns: list[str]) -> tuple[pd.DataFrame, dict[str, Mapping], dict[str, list]]:
    """The exported events, the schema's crosswalk to `peer`, and the peer's columns pre-filled from
    every field that maps onto one (empty where nothing maps): the start every tabular export shares."""
    ev = leaf_events(ds.events)
    m = mappings(ds.resources["events"], peer)
    cols: dict[str, list] = {c: [""] * len(ev) for c in columns}
    for column, mapping in m.items():
        if column in cols:
            cols[column] = translate(ev[mapping.name], mapping)
    return ev, m, cols


def leaf_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events that are nobody's parent: every incident, and campaigns recorded without incidents,
    in event_id order. Exporting only these puts each episode in one row and counts no figure twice."""
    parents = set(events["parent_event_id"].dropna())
    return sorted_events(events[~events["event_id"].isin(parents)])


# --- claim figures per event --------------------------------------------------------------------

def figures(ds: Any, claim_type: str = "killed") -> pd.DataFrame:
    """Claims of one type that carry a figure, with the claimant's side (official / armed_group /
    independent, as in summary.py) and each claim's range ends (low or best, high or best)."""
    from balochistan_events.package.summary import claimant_sides

    c = ds.claims
    c = c[(c["claim_type"].astype("string") == claim_type) & c["value_best"].notna()].copy()
    c["subject"] = c["subject"].astype("string")
    c["side"] = c["claimant_id"].map(claimant_sides(ds.actors)).fillna("independent")
    c["lo"] = c["value_low"].fillna(c["value_best"])
    c["hi"] = c["value_high"].fillna(c["value_best"])
    return c


def per_subject(fig: pd.DataFrame) -> pd.DataFrame:
    """One row per event x subject: n claims, lowest figure, lowest and highest range ends, and the
    lowest figure among independent claimants (NA when none)."""
    keys = ["event_id", "subject"]
    if fig.empty:
        return pd.DataFrame(columns=keys + ["claims", "min_best", "low", "high", "indep_best"])
    g = fig.groupby(keys, sort=True, observed=True)
    out = pd.DataFrame({
        "claims": g.size(),
        "min_best": g["value_best"].min(),
        "low": g["lo"].min(),
        "high": g["hi"].max(),
    })
    indep = fig[fig["side"] == "independent"].groupby(keys, sort=True, observed=True)["value_best"].min()
    out["indep_best"] = indep.reindex(out.index)
    return out.reset_index()


def sources_per_event(ds: Any) -> dict[str, list[str]]:
    """event_id -> the distinct source_ids its claims cite, sorted."""
    out: dict[str, set] = {}
    for e, s in zip(values(ds.claims["event_id"]), values(ds.claims["source_id"]), strict=False):
        if e is not None and s is not None:
            out.setdefault(e, set()).add(s)
    return {e: sorted(s) for e, s in out.items()}


def per_event_subject(ps: pd.DataFrame) -> dict[str, dict[str, tuple]]:
    """per_subject() as event_id -> {subject: (claims, min_best, low, high, indep_best)} of plain ints
    (indep_best None when no independent claimant gave a figure)."""
    out: dict[str, dict[str, tuple]] = {}
    if ps.empty:
        return out
    cols = [values(ps[c]) for c in ("event_id", "subject", "claims", "min_best", "low", "high", "indep_best")]
    for e, s, n, mb, lo, hi, ib in zip(*cols, strict=False):
        out.setdefault(e, {})[s] = (int(n), int(mb), int(lo), int(hi), None if ib is None else int(ib))
    return out


# --- output --------------------------------------------------------------------------------------

def csv_text(header: list[str], rows: Iterable[Iterable[object]], extra_rows: Sequence[list[str]] = ()) -> str:
    """RFC 4180 CSV with LF line ends, minimal quoting, UTF-8 text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for extra in extra_rows:
        w.writerow(extra)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def actor_names(ds: Any, peer: str, column: str) -> dict[str, str]:
    """actor_id -> the peer's name for the actor: the actors field that maps to `column` (x-<peer>), with
    its `values` translation keyed by that field (actor_id -> peer name); actors it does not list keep
    actors.name. The naming rule is written beside the values in the schema (`rule`)."""
    res = ds.resources["actors"]
    m = mappings(res, peer).get(column)
    if m is None:
        raise PackageError(f"schemas: no actors field has x-{peer} {column!r}", file=res.schema_path)
    a = ds.actors.drop_duplicates("actor_id")
    ids = values(a["actor_id"])
    own = dict(zip(ids, texts(a["name"]), strict=False))
    keys = dict(zip(ids, texts(a[m.name], m.field), strict=False))
    table = m.values or {}
    if m.values is None:
        return keys
    return {i: str(table.get(keys[i]) or own[i]) for i in ids}


def actor_lookup(ds: Any, peer: str, column: str) -> dict[str, object]:
    """actor_id -> the actors field that maps to `column` for `peer` (e.g. ACLED actor1 -> name)."""
    res = ds.resources["actors"]
    name = field_for(res, peer, column)
    if name is None:
        raise PackageError(f"schemas: no actors field has x-{peer} {column!r}", file=res.schema_path)
    a = ds.actors.drop_duplicates("actor_id")
    return dict(zip(values(a["actor_id"]), values(a[name]), strict=False))
