"""The derived claims summary that every release ships: its Table Schema and its CSV.

The schema is assembled from the claims schema (types, codes and constraints are never repeated here);
only the titles and descriptions, which say how each column is derived, are written in this module."""
from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from balochistan_events.errors import PackageError
from balochistan_events.package.descriptor import Package, Resource, check_schema

DERIVED_NAME = "claims_summary"
DERIVED_PATH = "data/claims_summary.csv"
DERIVED_SCHEMA_PATH = "schemas/claims_summary.json"

Field = dict[str, Any]
PARTISAN_SIDES = ("official", "armed_group")


def _side_text() -> tuple[str, str]:
    from balochistan_events.package.summary import SIDES

    official = sorted(k for k, v in SIDES.items() if v == "official")
    armed = sorted(k for k, v in SIDES.items() if v == "armed_group")
    return ", ".join(official), ", ".join(armed)


def _from_claims(claims: Resource, name: str, title: str, description: str, required: bool = False) -> Field:
    """Type, format, codes and value constraints of a claims field; our own title and description.
    Crosswalk and rule properties (x-acled, x-hxl, ...) are not copied: they describe claims, not this."""
    src = claims.field(name)
    f: Field = {"name": name, "type": src.get("type", "string"), "title": title, "description": description}
    if "format" in src:
        f["format"] = src["format"]
    cons = {k: copy.deepcopy(v) for k, v in src.get("constraints", {}).items() if k not in ("required", "unique")}
    if required:
        cons = {"required": True, **cons}
    if cons:
        f["constraints"] = cons
    if "categories" in src:
        f["categories"] = copy.deepcopy(src["categories"])
    return f


def _count(name: str, what: str) -> Field:
    return {"name": name, "type": "integer", "title": what.capitalize(),
            "description": f"Number of {what} with a figure for this event, claim type and subject.",
            "constraints": {"required": True, "minimum": 1}}


def _key_and_range_specs(claims: Resource, official: str, armed: str) -> dict[str, Callable[[], Field]]:
    """The key columns, the counts, and the ranges across partisan and independent claimants."""
    partisan = f"partisan claimants (actor types {official}, {armed})"
    independent = "independent claimants (every other actor type: media, intergovernmental bodies, and so on)"

    def key(name: str, title: str, what: str) -> Callable[[], Field]:
        return lambda: _from_claims(claims, name, title, what, required=True)

    def bound(title: str, low: bool, who: str) -> Callable[[], Field]:
        which = "Lowest lower bound (value_low" if low else "Highest upper bound (value_high"
        return lambda: _from_claims(claims, "value_best", title, f"{which}, else value_best) among {who}; empty when none.")

    return {
        "event_id": key("event_id", "Event", "The event the figures are about (events.event_id)."),
        "claim_type": key("claim_type", "Claim type", "What the figures count (claims.claim_type)."),
        "subject": key("subject", "Subject", "Who or what the figures count (claims.subject)."),
        "claims": lambda: _count("claims", "claims"),
        "claimants": lambda: _count("claimants", "distinct claimants"),
        "partisan_low": bound("Lowest partisan figure", True, partisan),
        "partisan_high": bound("Highest partisan figure", False, partisan),
        "independent_low": bound("Lowest independent figure", True, independent),
        "independent_high": bound("Highest independent figure", False, independent),
    }


def _latest_specs(claims: Resource, side: str, types: str) -> dict[str, Callable[[], Field]]:
    """The four columns describing the latest claim of one partisan side."""
    label = side.replace("_", "-")
    who = f"the latest {label} claim (claimant actor type {types}; latest by claim_date, then claim_id)"
    cols = {"value": ("value_best", f"Latest {label} figure", f"value_best of {who}; empty when there is none."),
            "claimant_id": ("claimant_id", f"Latest {label} claimant", f"Who made {who} (actors.actor_id)."),
            "date": ("claim_date", f"Latest {label} claim date", f"claim_date of {who}."),
            "claim_id": ("claim_id", f"Latest {label} claim", f"claim_id of {who} (claims.claim_id).")}
    def spec(src: str, title: str, text: str) -> Callable[[], Field]:
        return lambda: _from_claims(claims, src, title, text)

    return {f"latest_{side}_{suffix}": spec(*args) for suffix, args in cols.items()}


def _foreign_keys(columns: list[str]) -> list[dict[str, Any]]:
    fks: list[dict[str, Any]] = [{"fields": ["event_id"], "reference": {"resource": "events", "fields": ["event_id"]}}]
    for side in PARTISAN_SIDES:
        for suffix, (target, ref) in {"claimant_id": ("actors", "actor_id"), "claim_id": ("claims", "claim_id")}.items():
            name = f"latest_{side}_{suffix}"
            if name in columns:
                fks.append({"fields": [name], "reference": {"resource": target, "fields": [ref]}})
    return fks


def summary_schema(pkg: Package, columns: list[str]) -> dict[str, Any]:
    """A Table Schema for the derived claims summary, one field per column of the summary frame."""
    claims = pkg.resources["claims"]
    official, armed = _side_text()
    spec = _key_and_range_specs(claims, official, armed)
    for side, types in zip(PARTISAN_SIDES, (official, armed), strict=True):
        spec.update(_latest_specs(claims, side, types))
    fields = []
    for name in columns:
        if name not in spec:
            raise PackageError(f"summary column {name!r} has no schema in release.derived; add one")
        fields.append({**spec[name](), "name": name})
    # fields first, as in the hand-written schemas
    return {
        "$schema": claims.schema.get("$schema", "https://datapackage.org/profiles/2.0/tableschema.json"),
        "title": "Claims summary (derived)",
        "description": ("The reconciled view, derived at build time from claims and actors and never edited by "
                        "hand: one row per event, claim type and subject that has at least one figure. Claims "
                        "are not merged or averaged; this table only shows their number and range."),
        "fields": fields,
        "fieldsMatch": "exact",
        "missingValues": [""],
        "primaryKey": ["event_id", "claim_type", "subject"],
        "foreignKeys": _foreign_keys(columns),
    }


def derived_summary(staging: Path, pkg: Package, typed: dict[str, Any] | None = None) -> tuple[dict[str, Any], bytes]:
    """(Table Schema, CSV bytes) of the claims summary: from `typed` (name -> Arrow table from typed_table)
    when the build has them, else read from the staged package."""
    from balochistan_events.package.fieldtypes import frame_to_csv, to_pandas
    from balochistan_events.package.loading import load
    from balochistan_events.package.summary import claims_summary

    if typed and {"claims", "actors"} <= set(typed):
        ds: Any = {name: to_pandas(dict(zip(typed[name].column_names, typed[name].columns, strict=True)),
                                   pkg.resources[name]) for name in ("claims", "actors")}
    else:
        ds = load(staging, prefer_parquet=False)
    df = claims_summary(ds)
    schema = summary_schema(pkg, list(df.columns))
    check_schema(copy.deepcopy(schema), DERIVED_SCHEMA_PATH)
    df = df.sort_values(schema["primaryKey"], kind="mergesort").reset_index(drop=True)
    return schema, frame_to_csv(df, schema["fields"])
