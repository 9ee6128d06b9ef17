"""Reading and checking datapackage.json and the Table Schemas it points to."""
from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from balochistan_events.errors import PackageError
from balochistan_events.package.source import MAX_JSON_BYTES, PackageSource, check_relative_path

FIELD_TYPES = {"string", "integer", "number", "boolean", "date", "datetime", "time", "year", "yearmonth", "any",
               "object", "array", "duration", "geopoint", "geojson", "list"}
TABLES = ("events", "actors", "sources", "claims")
# The frictionless reference implementation accepts a few more; we refuse anything that is not a
# local CSV because validation must never fetch or execute anything.
_RESOURCE_FORMATS = {"csv", None}


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; a reviewer reads the first. Refuse both.
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    # json reads 1e400 as infinity, which a built release would then write as Infinity (not JSON)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range (it would be read as infinity)")
    return value


INT64 = (-(2**63), 2**63 - 1)
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _check_bounds(cons: dict[str, Any], ftype: str, name: str, where: str) -> None:
    """Numeric bounds an integer (int64) or number (double) column can be compared with."""
    for key in _BOUNDS:
        if key not in cons or ftype not in ("integer", "number", "year"):
            continue
        v = cons[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise PackageError(f"field {name!r}: {key!r} must be a number, got {str(v)[:40]!r}", file=where, field=name)
        lo, hi = INT64 if ftype != "number" else (-1.7976931348623157e308, 1.7976931348623157e308)
        if not lo <= v <= hi:
            kind = "a 64-bit integer" if ftype != "number" else "a double"
            raise PackageError(f"field {name!r}: {key} {str(v)[:40]} is out of range for {kind} column",
                               file=where, field=name)
    for key in ("minLength", "maxLength"):
        if isinstance(cons.get(key), int) and cons[key] > INT64[1]:
            raise PackageError(f"field {name!r}: {key} {str(cons[key])[:40]} is out of range", file=where, field=name)


def parse_json(data: bytes, where: str) -> Any:
    """The JSON value in `data` (any JSON type: callers check the shape they need)."""
    if len(data) > MAX_JSON_BYTES:
        raise PackageError(f"JSON file is {len(data)} bytes; at most {MAX_JSON_BYTES} are read", file=where)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PackageError(f"not valid UTF-8 at byte {exc.start} (save the file as UTF-8)", file=where, line=line) from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants,
                          parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise PackageError(f"malformed JSON: {exc.msg} (column {exc.colno})", file=where, line=exc.lineno) from None
    except _DuplicateKey as exc:
        raise PackageError(f"key {exc.args[0]!r} appears twice in one object; JSON readers disagree on which "
                           "one counts, so duplicates are refused", file=where, field=exc.args[0]) from None
    except ValueError as exc:       # NaN / Infinity
        raise PackageError(f"malformed JSON: {exc}", file=where) from None
    except RecursionError:
        raise PackageError("malformed JSON: nested too deeply", file=where) from None


@dataclass
class Resource:
    name: str
    path: str
    schema: dict[str, Any]
    schema_path: str | None
    descriptor: dict[str, Any]

    @property
    def fields(self) -> list[dict[str, Any]]:
        return self.schema["fields"]

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.schema["fields"]]

    def field(self, name: str) -> dict[str, Any]:
        for f in self.schema["fields"]:
            if f["name"] == name:
                return f
        raise KeyError(name)


@dataclass
class Package:
    source: PackageSource
    descriptor: dict[str, Any]
    resources: dict[str, Resource] = field(default_factory=dict)

    @property
    def version(self) -> str | None:
        return self.descriptor.get("version")


def check_schema(schema: object, where: str) -> dict[str, Any]:
    """Structural check of a Table Schema: enough that later steps can trust its shape."""
    if not isinstance(schema, dict):
        raise PackageError("a Table Schema must be a JSON object", file=where)
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        raise PackageError("'fields' must be a non-empty list", file=where, field="fields")
    seen: set[str] = set()
    for i, f in enumerate(fields):
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not f["name"]:
            raise PackageError(f"fields[{i}] needs a string 'name'", file=where, field=f"fields[{i}]")
        name = f["name"]
        if name in seen:
            raise PackageError(f"field {name!r} is defined twice", file=where, field=name)
        seen.add(name)
        ftype = f.get("type", "string")
        if ftype not in FIELD_TYPES:
            raise PackageError(f"field {name!r} has unknown type {ftype!r}", file=where, field=name)
        cons = f.get("constraints", {})
        if not isinstance(cons, dict):
            raise PackageError(f"field {name!r}: 'constraints' must be an object", file=where, field=name)
        if "enum" in cons and not isinstance(cons["enum"], list):
            raise PackageError(f"field {name!r}: 'enum' must be a list", file=where, field=name)
        if "pattern" in cons:
            _check_pattern(cons["pattern"], name, where)
        _check_bounds(cons, ftype, name, where)
        for key in ("minLength", "maxLength"):
            if key in cons and (not isinstance(cons[key], int) or isinstance(cons[key], bool) or cons[key] < 0):
                raise PackageError(f"field {name!r}: {key!r} must be a non-negative integer, got {cons[key]!r}",
                                   file=where, field=name)
        for key in ("required", "unique"):
            if key in cons and not isinstance(cons[key], bool):
                raise PackageError(f"field {name!r}: {key!r} must be true or false, got {cons[key]!r}", file=where, field=name)
    names = seen
    pk = schema.get("primaryKey", [])
    pk = [pk] if isinstance(pk, str) else pk
    if not isinstance(pk, list) or any(k not in names for k in pk):
        raise PackageError(f"primaryKey {pk!r} names fields the schema does not have", file=where, field="primaryKey")
    schema["primaryKey"] = pk
    uks = schema.get("uniqueKeys", [])
    if not isinstance(uks, list) or any(not isinstance(k, list) or any(n not in names for n in k) for k in uks):
        raise PackageError("uniqueKeys must be a list of lists of field names", file=where, field="uniqueKeys")
    fks = schema.get("foreignKeys", [])
    if not isinstance(fks, list):
        raise PackageError("foreignKeys must be a list", file=where, field="foreignKeys")
    for fk in fks:
        ok = isinstance(fk, dict) and isinstance(fk.get("reference"), dict)
        if ok:
            fk_fields = fk.get("fields")
            fk_fields = [fk_fields] if isinstance(fk_fields, str) else fk_fields
            ref_fields = fk["reference"].get("fields")
            ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields
            ok = isinstance(fk_fields, list) and isinstance(ref_fields, list) and len(fk_fields) == len(ref_fields) \
                and all(n in names for n in fk_fields)
            if ok:
                fk["fields"], fk["reference"]["fields"] = fk_fields, ref_fields
        if not ok:
            raise PackageError(f"malformed foreign key {json.dumps(fk)[:120]}", file=where, field="foreignKeys")
    missing = schema.get("missingValues", [""])
    if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
        raise PackageError("missingValues must be a list of strings", file=where, field="missingValues")
    return schema


def _check_pattern(pattern: object, name: str, where: str) -> None:
    """Patterns run in Arrow's RE2 engine (linear time: no catastrophic backtracking); refuse the
    ones it cannot compile here, so load() and validate fail the same way, naming the field."""
    if not isinstance(pattern, str):
        raise PackageError(f"field {name!r}: 'pattern' must be a string", file=where, field=name)
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array([""], pa.string()), f"^(?:{pattern})$")
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        raise PackageError(f"field {name!r}: pattern {pattern!r} is not a valid regular expression: {exc}",
                           file=where, field=name) from None


def _check_name(name: object, i: int, where: str) -> str:
    if not isinstance(name, str) or not name:
        raise PackageError(f"resources[{i}] needs a string 'name'", file=where, field=f"resources[{i}].name")
    if not name.isprintable() or len(name) > 200:
        raise PackageError(f"resources[{i}]: name {name[:60]!r} has control characters or is too long; "
                           "use lowercase letters, digits, '-', '_' and '.'", file=where, field=f"resources[{i}].name")
    return name


def _check_csv_options(res: dict[str, Any], name: str, where: str) -> None:
    """Data files are UTF-8, comma-separated, double-quoted (DESIGN.md). A descriptor that declares
    anything else would be read wrongly, so it is refused rather than ignored."""
    encoding = res.get("encoding", "utf-8")
    if not isinstance(encoding, str) or encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise PackageError(f"resource {name!r}: encoding {encoding!r} is not supported; data files are UTF-8",
                           file=where, field=f"{name}.encoding")
    dialect = res.get("dialect", {})
    if isinstance(dialect, str):
        raise PackageError(f"resource {name!r}: a dialect given by path is not supported", file=where, field=f"{name}.dialect")
    if not isinstance(dialect, dict):
        raise PackageError(f"resource {name!r}: 'dialect' must be an object", file=where, field=f"{name}.dialect")
    defaults = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True, "headerRows": [1],
                "skipInitialSpace": False, "commentChar": None, "escapeChar": None, "nullSequence": None,
                "skipBlankRows": False}
    for key, value in dialect.items():
        if key in ("$schema", "lineTerminator", "caseSensitiveHeader", "title", "description", "name"):
            continue
        if key not in defaults or value != defaults[key]:
            raise PackageError(f"resource {name!r}: dialect {key}={value!r} is not supported; data files are "
                               "comma-separated with a header row", file=where, field=f"{name}.dialect.{key}")


def read_package(source: PackageSource) -> Package:
    """Parse the descriptor, check it, and load every resource's schema (inline or by path)."""
    where = source.descriptor
    desc = parse_json(source.read(where, where, limit=MAX_JSON_BYTES), where)
    if not isinstance(desc, dict):
        raise PackageError("the descriptor must be a JSON object", file=where)
    resources = desc.get("resources")
    if not isinstance(resources, list) or not resources:
        raise PackageError("'resources' must be a non-empty list", file=where, field="resources")
    pkg = Package(source=source, descriptor=desc)
    for i, res in enumerate(resources):
        if not isinstance(res, dict):
            raise PackageError(f"resources[{i}] must be an object", file=where, field=f"resources[{i}]")
        name = _check_name(res.get("name"), i, where)
        if name in pkg.resources:
            raise PackageError(f"resource {name!r} is listed twice", file=where, field=f"resources[{i}].name")
        path: Any = res.get("path")    # untrusted: check_relative_path refuses what is not a string
        if isinstance(path, list):
            raise PackageError(f"resource {name!r}: multipart paths are not supported", file=where, field=f"{name}.path")
        if "data" in res and path is None:
            raise PackageError(f"resource {name!r}: inline data is not supported; use a CSV file",
                               file=where, field=f"{name}.data")
        path = check_relative_path(path, where, field=f"{name}.path")
        if res.get("format") not in _RESOURCE_FORMATS and not path.endswith(".csv"):
            raise PackageError(f"resource {name!r}: only CSV resources are supported (format {res.get('format')!r})",
                               file=where, field=f"{name}.format")
        _check_csv_options(res, name, where)
        schema = res.get("schema")
        schema_path = None
        if isinstance(schema, str):
            schema_path = check_relative_path(schema, where, field=f"{name}.schema")
            schema = parse_json(source.read(schema_path, where, limit=MAX_JSON_BYTES), schema_path)
        elif schema is None:
            raise PackageError(f"resource {name!r} has no schema", file=where, field=f"{name}.schema")
        elif not isinstance(schema, dict):
            raise PackageError(f"resource {name!r}: 'schema' must be a path or an object, got {type(schema).__name__}",
                               file=where, field=f"{name}.schema")
        schema = check_schema(schema, schema_path or f"{where} ({name}.schema)")
        pkg.resources[name] = Resource(name=name, path=path, schema=schema, schema_path=schema_path, descriptor=res)
    for res in pkg.resources.values():
        for fk in res.schema.get("foreignKeys", []):
            target = fk["reference"].get("resource") or res.name
            if target not in pkg.resources:
                raise PackageError(f"foreign key of {res.name!r} points to unknown resource {target!r}",
                                   file=res.schema_path or where, field="foreignKeys")
    return pkg


@contextmanager
def open_package(path: str | os.PathLike[str] | None) -> Iterator[Package]:
    """The package at `path` (directory, datapackage.json or zip), read and checked; its source is closed
    on leaving the block. Every command that reads a package opens it this way."""
    from balochistan_events.package.source import open_source

    source = open_source(path)
    try:
        yield read_package(source)
    finally:
        source.close()
