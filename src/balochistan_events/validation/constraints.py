"""Table Schema constraints as vectorised checks over typed Arrow arrays.

Each check returns a boolean mask of violating cells (nulls never violate, except `required`).
The validator calls these directly; `pandera_schema` wraps the same functions as pandera Checks,
so both give the same verdicts from one implementation. Each constraint reports one code of the
catalogue (validation/problems.py), whose hint goes with it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.package.fieldtypes import arrow_type
from balochistan_events.validation.kernels import first_rows, key_strings
from balochistan_events.validation.problems import Code

Field = dict[str, Any]
CheckFn = Callable[[pa.Array, Any, Field], np.ndarray]


def _false_filled(mask: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _bound(value: Any, field: Field) -> pa.Scalar:
    """A constraint bound in the field's own type (dates are written as strings in the schema)."""
    t = field.get("type", "string")
    if t == "date" and isinstance(value, str):
        return pa.scalar(dt.date.fromisoformat(value), pa.date32())
    if t == "datetime" and isinstance(value, str):
        return pa.scalar(dt.datetime.fromisoformat(value.replace("Z", "+00:00")), pa.timestamp("s", tz="UTC"))
    return pa.scalar(value, arrow_type(field))


def _anchored(pattern: str) -> str:
    # Table Schema patterns are implicitly anchored (XML Schema regex semantics)
    return f"^(?:{pattern})$"


def check_pattern(values: pa.Array, pattern: Any, field: Field) -> np.ndarray:
    return ~_false_filled(pc.match_substring_regex(values.cast(pa.string()), _anchored(pattern)))\
        & _false_filled(pc.is_valid(values))


def check_enum(values: pa.Array, allowed: Any, field: Field) -> np.ndarray:
    value_set = pa.array(allowed, type=arrow_type(field)) if field.get("type") in ("integer", "number", "string", None) \
        else pa.array([_bound(v, field).as_py() for v in allowed], type=arrow_type(field))
    return ~_false_filled(pc.is_in(values, value_set=value_set)) & _false_filled(pc.is_valid(values))


def check_minimum(values: pa.Array, bound: Any, field: Field) -> np.ndarray:
    return _false_filled(pc.less(values, _bound(bound, field)))


def check_maximum(values: pa.Array, bound: Any, field: Field) -> np.ndarray:
    return _false_filled(pc.greater(values, _bound(bound, field)))


def check_exclusive_minimum(values: pa.Array, bound: Any, field: Field) -> np.ndarray:
    return _false_filled(pc.less_equal(values, _bound(bound, field)))


def check_exclusive_maximum(values: pa.Array, bound: Any, field: Field) -> np.ndarray:
    return _false_filled(pc.greater_equal(values, _bound(bound, field)))


def check_min_length(values: pa.Array, bound: Any, field: Field) -> np.ndarray:
    return _false_filled(pc.less(pc.utf8_length(values.cast(pa.string())), bound))


def check_max_length(values: pa.Array, bound: Any, field: Field) -> np.ndarray:
    return _false_filled(pc.greater(pc.utf8_length(values.cast(pa.string())), bound))


def category_values(field: Field) -> list[Any]:
    """The codes of a v2 `categories` property: a list of values or of {value, label} objects."""
    cats = field.get("categories") or []
    return [c["value"] if isinstance(c, dict) else c for c in cats]


def check_categories(values: pa.Array, categories: Any, field: Field) -> np.ndarray:
    """Table Schema v2 `categories`: a value outside the listed codes is an error (as enum)."""
    return check_enum(values, category_values({"categories": categories}), field)


def _short_list(items: Sequence[Any], limit: int = 8) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f", … ({len(items)} in all)" if len(items) > limit else "")


class Constraint(NamedTuple):
    """A value constraint: the code it reports, its check, and its message given (value, bound)."""
    code: Code
    check: CheckFn
    message: Callable[[Any, Any], str]

    @property
    def hint(self) -> str:
        return self.code.hint


# name in the schema -> the constraint
CONSTRAINTS: dict[str, Constraint] = {
    "pattern": Constraint(Code.PATTERN, check_pattern, lambda v, b: f"{v!r} does not match the pattern {b}"),
    "enum": Constraint(Code.ENUM, check_enum, lambda v, b: f"{v!r} is not one of: {_short_list(b)}"),
    "minimum": Constraint(Code.MINIMUM, check_minimum, lambda v, b: f"{v} is less than the minimum {b}"),
    "maximum": Constraint(Code.MAXIMUM, check_maximum, lambda v, b: f"{v} is greater than the maximum {b}"),
    "exclusiveMinimum": Constraint(Code.EXCLUSIVE_MINIMUM, check_exclusive_minimum,
                                   lambda v, b: f"{v} is not greater than {b}"),
    "exclusiveMaximum": Constraint(Code.EXCLUSIVE_MAXIMUM, check_exclusive_maximum,
                                   lambda v, b: f"{v} is not less than {b}"),
    "minLength": Constraint(Code.MIN_LENGTH, check_min_length,
                            lambda v, b: f"text is {len(str(v))} characters, shorter than {b}"),
    "maxLength": Constraint(Code.MAX_LENGTH, check_max_length,
                            lambda v, b: f"text is {len(str(v))} characters, longer than {b}"),
}

# Field properties outside `constraints` that constrain values (Table Schema v2).
FIELD_CONSTRAINTS: dict[str, Constraint] = {
    "categories": Constraint(Code.CATEGORIES, check_categories,
                             lambda v, b: f"{v!r} is not one of the categories: "
                                          f"{_short_list(category_values({'categories': b}))}"),
}


def field_constraints(field: Field) -> Iterator[tuple[str, Any, Constraint]]:
    """(schema key, bound, constraint) for every value constraint of a field.
    `categories` is checked only where `enum` does not already say the same thing."""
    cons = field.get("constraints", {})
    for key, spec in CONSTRAINTS.items():
        if key in cons:
            yield key, cons[key], spec
    cats = field.get("categories")
    if cats:
        codes = category_values(field)
        if "enum" not in cons or set(map(str, cons["enum"])) != set(map(str, codes)):
            yield "categories", cats, FIELD_CONSTRAINTS["categories"]


def duplicated(columns: list[pa.Array]) -> np.ndarray:
    """Rows whose (non-null) key repeats an earlier row's key. Rows with any null key part are
    exempt, as Table Schema's uniqueKeys prescribe."""
    first = first_occurrence(columns)
    return (first >= 0) & (first != np.arange(len(first)))


def first_occurrence(columns: list[pa.Array]) -> np.ndarray:
    """Index of the first row carrying each row's key (-1 where a key part is null)."""
    return first_rows(key_strings(columns))
