"""pandera schemas generated from schemas/*.json, for analysts who want to check their own frames.

pandera's from_frictionless_schema is pinned to frictionless 4 and fails with 5.x, so the mapping is
ours. The checks wrap the same vectorised functions the validator uses (constraints.py), so a frame
passes here exactly when its cells would pass `balochistan-events validate`'s constraint checks.

    >>> import balochistan_events as be
    >>> schemas = be.pandera_schemas()                 # doctest: +SKIP
    >>> schemas["claims"].validate(my_claims, lazy=True)   # doctest: +SKIP
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from balochistan_events.package.descriptor import Resource
from balochistan_events.package.fieldtypes import arrow_type, is_coded
from balochistan_events.validation.constraints import CheckFn, Field, field_constraints
from balochistan_events.validation.problems import Code


def _as_arrow(series: Any, field: Field) -> pa.Array:
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    arr = pa.array(series, from_pandas=True)
    target = arrow_type(field)
    if pa.types.is_timestamp(arr.type) and pa.types.is_date32(target):
        return arr.cast(pa.timestamp("s")).cast(pa.date32())
    if not arr.type.equals(target) and not pa.types.is_null(arr.type):
        return arr.cast(target)
    return arr.cast(target) if pa.types.is_null(arr.type) else arr


def _dtype(field: Field) -> Any:
    import pandas as pd

    t = field.get("type", "string")
    if is_coded(field):
        return pd.CategoricalDtype(field["constraints"]["enum"])
    return {"integer": pd.Int64Dtype(), "year": pd.Int64Dtype(), "number": pd.Float64Dtype(),
            "boolean": pd.BooleanDtype(), "date": "datetime64[s]"}.get(t, pd.StringDtype())


def _duplicate_rows(columns: list[str]) -> Callable[[Any], Any]:
    """A frame-level check: rows whose (complete) key repeats an earlier row's (uniqueKeys, composite
    primary keys) — the validator's own definition (constraints.duplicated), first occurrence kept."""
    def fn(frame: Any) -> Any:
        import pandas as pd

        from balochistan_events.validation.constraints import duplicated

        arrays = [pa.array(frame[c].astype(object) if isinstance(frame[c].dtype, pd.CategoricalDtype) else frame[c],
                           from_pandas=True) for c in columns]
        return pd.Series(~duplicated(arrays), index=frame.index)
    return fn


def pandera_schema(resource: Resource, *, coerce: bool = False) -> Any:
    """One pandera DataFrameSchema for a Table Schema: a column per field (dtype as load() gives it,
    nullable unless required, unique), a check per constraint (pattern, enum, categories, bounds,
    lengths: the validator's own functions), and frame-level checks for the primary key and every
    uniqueKeys entry. Use lazy=True to collect every failure."""
    import pandera.pandas as pa_

    columns = {}
    for field in resource.fields:
        cons = field.get("constraints", {})
        checks = []
        for key, bound, spec in field_constraints(field):
            checks.append(pa_.Check(_column_check(spec.check, bound, field), name=spec.code.value,
                                    error=f"{field['name']}: {key} {str(bound)[:120]}"))
        if cons.get("required") and field.get("type", "string") == "string":
            checks.append(pa_.Check(_not_blank, name=Code.REQUIRED.value, error=f"{field['name']}: required"))
        columns[field["name"]] = pa_.Column(_dtype(field), checks=checks, nullable=not cons.get("required", False),
                                            unique=bool(cons.get("unique")), report_duplicates="exclude_first",
                                            required=True, coerce=coerce,
                                            description=field.get("description"), title=field.get("title"))
    frame_checks = []
    pk = resource.schema.get("primaryKey") or []
    keys = ([pk] if pk and not (len(pk) == 1 and resource.field(pk[0]).get("constraints", {}).get("unique")) else []) \
        + [k for k in resource.schema.get("uniqueKeys", []) if k]
    for columns_of_key in keys:
        name = Code.PRIMARY_KEY.value if columns_of_key == pk else Code.UNIQUE_KEYS.value
        frame_checks.append(pa_.Check(_duplicate_rows(list(columns_of_key)), name=name,
                                      error=f"{name}: {'+'.join(columns_of_key)}"))
    return pa_.DataFrameSchema(columns, checks=frame_checks, name=resource.name, strict=True, ordered=True)


def _column_check(check: CheckFn, bound: Any, field: Field) -> Callable[[Any], Any]:
    """A pandera column check running one of the validator's constraint functions."""
    def fn(series: Any) -> Any:
        import pandas as pd
        ok = ~np.asarray(check(_as_arrow(series, field), bound, field), dtype=bool)
        return pd.Series(ok, index=series.index)
    return fn


def _not_blank(series: Any) -> Any:
    """A required text cell of only whitespace is empty, as `validate` says."""
    return series.isna() | (series.astype(object).str.strip() != "")


def pandera_schemas(path: str | os.PathLike[str] | None = None, *, coerce: bool = False) -> dict[str, Any]:
    """pandera DataFrameSchemas for every table of a package (default: this checkout's schemas)."""
    from balochistan_events.package.descriptor import open_package
    from balochistan_events.package.loading import default_path

    with open_package(path if path is not None else default_path()) as package:
        pass
    return {name: pandera_schema(res, coerce=coerce) for name, res in package.resources.items()}
