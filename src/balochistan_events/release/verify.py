"""verify: is a downloaded release exactly what was published?

Checks, naming every file that does not match:
- the zip against its .sha256 file, when one sits next to it (sha256sum format);
- every resource's bytes and hash recorded in datapackage.json;
- every other file listed in the descriptor's x-release manifest (Parquet, schemas, codebook, report,
  changelog), and that no unlisted file was slipped in (into the zip, or the extracted folder);
- that each Parquet file holds exactly its CSV's rows, values and Arrow types (a Parquet file changed
  and re-hashed would otherwise give load() different numbers than validate checked);
- datapackage.json itself: its x-release.descriptor_sha256 is the sha256 of the file with that value
  replaced by 64 zeros, so a change anywhere in the descriptor shows;
then validates the release like `validate` does. Exit 1 on any mismatch or validation error."""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from balochistan_events.errors import PackageError, safe_text
from balochistan_events.package.descriptor import Resource, parse_json
from balochistan_events.package.source import DESCRIPTOR, MAX_MEMBERS, DirectorySource, PackageSource, ZipSource, open_source

if TYPE_CHECKING:
    from balochistan_events.validation.results import Report

_SELF_HASH = re.compile(rb'"descriptor_sha256"\s*:\s*"([^"]*)"')
HASH_ALGORITHMS = {"md5", "sha1", "sha256", "sha512"}


@dataclass
class Mismatch:
    file: str
    message: str

    def to_dict(self) -> dict:
        return {"file": self.file, "message": self.message}


@dataclass
class VerifyResult:
    target: str
    version: str | None = None
    checked: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    report: Report | None = None          # validate's Report, when the release could be validated

    @property
    def ok(self) -> bool:
        return not self.mismatches and (self.report is None or self.report.valid)

    def add(self, file: str, message: str) -> None:
        self.mismatches.append(Mismatch(safe_text(file, 300), safe_text(message, 400)))


def _digest(data: bytes, algorithm: str) -> str:
    return hashlib.new(algorithm, data).hexdigest()


def _split_hash(value: object) -> tuple[str, str] | None:
    """'sha256:abc' -> ('sha256', 'abc'); a bare value is md5 (Data Package default); None if malformed."""
    if not isinstance(value, str) or not value:
        return None
    algorithm, sep, hexdigest = value.partition(":")
    if not sep:
        algorithm, hexdigest = "md5", value
    algorithm = algorithm.lower()
    if algorithm not in HASH_ALGORITHMS or not re.fullmatch(r"[0-9a-fA-F]+", hexdigest):
        return None
    return algorithm, hexdigest.lower()


def check_sidecar(zip_path: Path, result: VerifyResult) -> None:
    """Compare the zip with <zip>.sha256 (sha256sum format) when it exists."""
    sidecar = zip_path.with_name(zip_path.name + ".sha256")
    if not sidecar.is_file() or sidecar.stat().st_size > 1 << 20:
        return
    result.checked.append(sidecar.name)
    try:
        text = sidecar.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        result.add(sidecar.name, f"cannot read: {exc}")
        return
    entries = []
    for line in text.splitlines():
        m = re.fullmatch(r"\s*([0-9a-fA-F]{64})\s+\*?(.+?)\s*", line)
        if m:
            entries.append((m[1].lower(), m[2]))
    expected = [h for h, name in entries if Path(name).name == zip_path.name] or \
               ([entries[0][0]] if len(entries) == 1 else [])
    if not expected:
        result.add(sidecar.name, f"no sha256 line for {zip_path.name}")
        return
    h = hashlib.sha256()
    with open(zip_path, "rb") as fh:
        while piece := fh.read(1 << 20):
            h.update(piece)
    actual = h.hexdigest()
    if actual != expected[0]:
        result.add(zip_path.name, f"sha256 is {actual}, {sidecar.name} says {expected[0]}")


def _check_file(source: PackageSource, path: object, expected_bytes: object, expected_hash: object, result: VerifyResult,
                label: str) -> None:
    if not isinstance(path, str):
        result.add(DESCRIPTOR, f"{label}: path {path!r} is not a string")
        return
    shown = path
    parsed = _split_hash(expected_hash)
    try:
        size, got = source.digest(path, parsed[0] if parsed else "sha256")     # streamed, never held whole
    except PackageError as exc:
        result.add(shown, f"missing or unreadable: {exc.args[0] if exc.args else exc}")
        return
    result.checked.append(path)
    if expected_hash is None or expected_bytes is None:
        result.add(shown, f"{label} records no {'hash' if expected_hash is None else 'bytes'}: not a built release?")
    if expected_hash is not None and parsed is None:
        result.add(shown, f"{label}: hash {str(expected_hash)[:80]!r} is not algorithm:hex")
    if isinstance(expected_bytes, int) and not isinstance(expected_bytes, bool) and size != expected_bytes:
        result.add(shown, f"is {size} bytes, datapackage.json says {expected_bytes}")
    elif expected_bytes is not None and not (isinstance(expected_bytes, int) and not isinstance(expected_bytes, bool)):
        result.add(shown, f"{label}: bytes {expected_bytes!r} is not a whole number")
    if parsed is not None:
        algorithm, want = parsed
        if got != want:
            result.add(shown, f"{algorithm} is {got}, datapackage.json says {want}")


def check_descriptor_hash(raw: bytes, result: VerifyResult) -> None:
    hits = list(_SELF_HASH.finditer(raw))
    if len(hits) != 1:
        result.add(DESCRIPTOR, "has no x-release.descriptor_sha256 (or more than one): the descriptor cannot be "
                               "checked; not a release built by balochistan-events, or the file was edited")
        return
    m = hits[0]
    recorded = m.group(1).decode("ascii", "replace")
    blanked = raw[: m.start(1)] + b"0" * 64 + raw[m.end(1):]
    actual = _digest(blanked, "sha256")
    if actual != recorded:
        result.add(DESCRIPTOR, f"sha256 (with descriptor_sha256 zeroed) is {actual}, the file says {recorded[:64]}")


def _unlisted(source: PackageSource, hashed: set[object]) -> list[str]:
    """Files of the release that datapackage.json does not list (walked without following links)."""
    if isinstance(source, ZipSource):
        names = [n[len(source.prefix):] if n.startswith(source.prefix) else n for n in source.members]
    elif isinstance(source, DirectorySource):
        names = []
        for top, dirs, files in os.walk(source.root):
            dirs.sort()
            rel_top = os.path.relpath(top, source.root)
            for f in [*files, *(d for d in dirs if os.path.islink(os.path.join(top, d)))]:
                names.append(f if rel_top == "." else f"{rel_top}/{f}".replace(os.sep, "/"))
                if len(names) > MAX_MEMBERS:
                    return sorted(n for n in names if n not in hashed)
    else:
        return []
    return sorted(n for n in names if n not in hashed)


def check_parquet(source: PackageSource, result: VerifyResult, typed: dict[str, dict[str, Any]] | None = None) -> None:
    """Each table's Parquet file must hold exactly its CSV's rows, values and types. `typed`: the tables'
    columns as validation parsed them from the CSVs (table -> field -> array), when it did; else each CSV
    is read here."""
    from balochistan_events.package.descriptor import read_package
    from balochistan_events.release.build import parquet_path

    try:
        pkg = read_package(source)
    except PackageError as exc:
        result.add(DESCRIPTOR, f"cannot be read: {exc}")
        return
    for res in pkg.resources.values():
        pq_path = parquet_path(res.path)
        if not source.exists(pq_path):
            continue
        try:
            problem = _parquet_difference(source, res, pq_path, (typed or {}).get(res.name))
        except PackageError as exc:
            problem = exc.args[0] if exc.args else str(exc)
        if problem:
            result.add(pq_path, f"does not hold what {res.path} holds: {problem}")


def _parquet_difference(source: PackageSource, res: Resource, pq_path: str,
                        columns: dict[str, Any] | None = None) -> str | None:
    """Why the Parquet file differs from the CSV (rows, a column's type or values), or None."""
    import numpy as np
    import pyarrow as pa

    from balochistan_events.package.loading import _read_parquet
    from balochistan_events.package.parquet import schema_table, sort_by_key, typed_table

    got = _read_parquet(source.read(pq_path), res, pq_path)     # the Table Schema's columns and types
    if columns is not None and all(f["name"] in columns for f in res.fields):
        rows = len(next(iter(columns.values()))) if columns else 0
        table = schema_table(res, columns, np.arange(2, rows + 2), res.path)
    else:
        table = typed_table(res, source.read(res.path), res.path)
    want = sort_by_key(table, res)
    rows = len(next(iter(got.values()))) if got else 0
    if rows != want.num_rows:
        return f"{rows} rows, the CSV has {want.num_rows}"
    # load() keeps coded columns dictionary-encoded; the comparison is of values, so decode them first
    plain = pa.table({name: col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col
                      for name, col in got.items()})
    # build writes rows in key order: usually the file equals the sorted CSV as it is, and one sort is enough
    if all(plain.column(n).equals(want.column(n)) for n in want.column_names):   # types and values
        return None
    got_sorted = sort_by_key(plain, res)
    for name in want.column_names:
        a, b = got_sorted.column(name), want.column(name)
        if not a.type.equals(b.type):
            return f"column {name!r} is {a.type}, the CSV's type is {b.type}"
        if not a.equals(b):
            diff = next(i for i, (x, y) in enumerate(zip(a.to_pylist(), b.to_pylist(), strict=True)) if x != y)
            return f"column {name!r} differs (sorted row {diff + 1}: {safe_text(a[diff].as_py(), 60)!r} vs " \
                   f"{safe_text(b[diff].as_py(), 60)!r})"
    return None


def verify_release(path: str | os.PathLike, *, validate: bool = True) -> VerifyResult:
    """Verify a release zip, an extracted release directory or its datapackage.json."""
    p = Path(path)
    result = VerifyResult(str(path))
    if p.is_file() and (p.suffix.lower() == ".zip"):
        check_sidecar(p, result)
    try:
        source = open_source(p)
    except PackageError as exc:
        if result.mismatches:               # a corrupt zip that its .sha256 already disowns: a mismatch
            result.add(p.name, f"cannot be read: {exc.args[0] if exc.args else exc}")
            return result
        raise                               # not a release at all: cannot run (exit 2)
    try:
        try:
            raw = source.read(source.descriptor, source.descriptor)
        except PackageError as exc:
            result.add(DESCRIPTOR, str(exc))
            return result
        result.checked.append(DESCRIPTOR)
        check_descriptor_hash(raw, result)
        try:
            desc = parse_json(raw, DESCRIPTOR)
        except PackageError as exc:
            result.add(DESCRIPTOR, f"not readable: {exc}")
            return result
        if not isinstance(desc, dict):
            result.add(DESCRIPTOR, "is not a JSON object")
            return result
        result.version = desc.get("version") if isinstance(desc.get("version"), str) else None
        hashed: set[object] = {DESCRIPTOR}
        schemas: set[object] = set()
        resources = desc["resources"] if isinstance(desc.get("resources"), list) else []
        if not resources:
            result.add(DESCRIPTOR, "lists no resources")
        for i, res in enumerate(resources):
            if not isinstance(res, dict):
                result.add(DESCRIPTOR, f"resources[{i}] is not an object")
                continue
            label = f"resource {res.get('name', i)}"
            _check_file(source, res.get("path"), res.get("bytes"), res.get("hash"), result, label)
            hashed.add(res.get("path"))
            if isinstance(res.get("schema"), str):
                schemas.add(res["schema"])
        manifest = desc.get("x-release")
        files = manifest.get("files") if isinstance(manifest, dict) else None
        if not isinstance(files, list):
            result.add(DESCRIPTOR, "has no x-release.files manifest: Parquet, schemas and documents cannot be checked")
            files = []
        for entry in files:
            if not isinstance(entry, dict):
                result.add(DESCRIPTOR, "x-release.files holds a non-object entry")
                continue
            _check_file(source, entry.get("path"), entry.get("bytes"), entry.get("hash"), result, "file")
            hashed.add(entry.get("path"))
        for schema in sorted(str(s) for s in schemas - hashed):
            result.add(schema, "schema file has no recorded hash in x-release.files")
        for rel in _unlisted(source, hashed):
            where = "zip" if isinstance(source, ZipSource) else "release folder"
            result.add(rel, f"is in the {where} but has no recorded hash in datapackage.json")
        if not result.mismatches and not validate:
            check_parquet(source, result)
    finally:
        source.close()
    if validate:
        _validate_and_check_parquet(p, result, parquet=not result.mismatches)
    return result


def _validate_and_check_parquet(path: Path, result: VerifyResult, parquet: bool) -> None:
    """Validate the release, then compare its Parquet files with the columns validation parsed from the
    CSVs (one read of each CSV for both checks)."""
    from balochistan_events.package.descriptor import open_package
    from balochistan_events.validation.engine import validate_tables
    from balochistan_events.validation.gate import typed_columns

    try:
        with open_package(path) as package:
            result.report, tables = validate_tables(package)
            if parquet:
                check_parquet(package.source, result, typed_columns(tables) if result.report.valid else None)
    except PackageError as exc:
        result.add(DESCRIPTOR, f"cannot be validated: {exc}")


def format_text(result: VerifyResult) -> str:
    lines = [f"{m.file}: {m.message}" for m in result.mismatches]
    report = result.report
    if report is not None and not report.valid:
        from balochistan_events.validation.output import format_problem

        lines += [format_problem(p) for p in report.errors[:20]]
        if report.error_count > 20:
            lines.append(f"… {report.error_count - 20} more validation error(s): run balochistan-events validate")
    version = f" {result.version}" if result.version else ""
    if result.ok:
        lines.append(f"verified{version}: {len(set(result.checked))} file(s) match their recorded sha256, "
                     f"and the package is valid")
    else:
        bad = sorted({m.file for m in result.mismatches})
        what = []
        if bad:
            what.append(f"{len(bad)} file(s) do not match: {', '.join(bad)}")
        if report is not None and not report.valid:
            what.append(f"{report.error_count} validation error(s)")
        lines.append(f"NOT VERIFIED{version}: " + "; ".join(what))
    return "\n".join(lines)
