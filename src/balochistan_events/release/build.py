"""build: the release layout, zipped, without changing the version.

    balochistan-events-X.Y.Z.zip        a Frictionless zip: the package at the archive's root
      datapackage.json        created from the build date; every resource with bytes and sha256 hash;
                              an x-release manifest hashing every other file, and the descriptor's
                              own hash (see verify.py)
      README.md               what each file is, how to load, verify and cite it (zipreadme.py)
      data/<table>.csv        the source CSVs, byte for byte
      data/<table>.parquet    one per table, from the Table Schema types (parquet.py)
      data/claims_summary.*   the derived reconciled view (summary.claims_summary), CSV + Parquet
      schemas/*.json          the Table Schemas, plus the derived table's schema
      CHANGELOG.md, codebook.md, report.html, the R loader, CITATION.cff, LICENSE-DATA.md
    balochistan-events-X.Y.Z.zip.sha256   (sha256sum format)

Releases up to 1.0.0 held the same files under one top-level folder balochistan-events-X.Y.Z/;
every reader (ZipSource, verify, diff, the R loader) accepts both layouts.

Deterministic: same files + same date -> byte-identical zip (fixed entry order, times = the build date,
permissions 0644, compression, JSON layout). The date is --date, else SOURCE_DATE_EPOCH, else the last commit's.
"""
from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from balochistan_events.errors import PackageError, with_path_replaced
from balochistan_events.package.dates import output_date
from balochistan_events.package.descriptor import Resource, check_schema, parse_json, read_package
from balochistan_events.package.source import DESCRIPTOR, DirectorySource, check_relative_path, open_source
from balochistan_events.release.derived import DERIVED_NAME, DERIVED_PATH, DERIVED_SCHEMA_PATH, derived_summary, summary_schema

if TYPE_CHECKING:
    from balochistan_events.validation.results import Report

ARTIFACT = "balochistan-events"
CHANGELOG = "CHANGELOG.md"
# Shipped beside the data when the package has them: how to load it in R, how to cite it, its licence.
COMPANION_FILES = ("R/read_balochistan_events.R", "CITATION.cff", "LICENSE-DATA.md")
HASH_PLACEHOLDER = "0" * 64
# Members sit at the zip's root (a Frictionless zip); 1.0.0 used f"{ARTIFACT}-{version}/".
ZIP_PREFIX = ""
# Chosen by measurement (docs/benchmarks.md, "Compression"): on 148 MB of synthetic CSV, deflate level 1
# takes 1.8 s of CPU against 12 s at level 9 for a third more bytes; on the shipped release, 0.48 MB against 0.38.
ZIP_LEVEL = 1
STORED_SUFFIXES = (".parquet",)     # already zstd-compressed: deflate saves 3% for its whole CPU cost
FILE_MODE = 0o100644


class BuildInvalid(Exception):
    """The package does not validate; a release is never built from invalid data (exit 1)."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(f"the package is invalid: {report.error_count} error(s); run balochistan-events validate")


@dataclass
class BuiltZip:
    name: str                 # balochistan-events-X.Y.Z.zip
    data: bytes
    sha256: str
    version: str
    created: str
    members: list[str] = field(default_factory=list)

    @property
    def sha256_line(self) -> str:
        return f"{self.sha256}  {self.name}\n"


@dataclass
class BuildResult:
    zip_path: Path
    sha256_path: Path
    sha256: str
    version: str
    created: str
    members: list[str]


# --- the date --------------------------------------------------------------------------------------

def resolve_date(date: str | dt.date | dt.datetime | None, path: str | os.PathLike = ".") -> dt.datetime:
    """The build time: --date (midnight UTC), else SOURCE_DATE_EPOCH, else the last commit's time."""
    when = output_date(date, None)
    if when is not None:
        return when
    from balochistan_events.package.gitsource import last_commit_time

    stamp = last_commit_time(path)
    if stamp is None:
        raise PackageError("no build date: pass --date YYYY-MM-DD or set SOURCE_DATE_EPOCH "
                           "(the package is not in a git repository with commits)")
    return dt.datetime.fromtimestamp(stamp, tz=dt.timezone.utc)


def iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _zip_time(when: dt.datetime) -> tuple:
    if when.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    if when.year > 2107:
        return (2107, 12, 31, 23, 59, 58)
    return (when.year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)


# --- helpers ---------------------------------------------------------------------------------------

def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dump_json(obj: object) -> bytes:
    """The one JSON layout of built files: 2-space indent, keys in insertion order, UTF-8, final newline."""
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def parquet_path(csv_path: str) -> str:
    return csv_path[: -len(".csv")] + ".parquet" if csv_path.endswith(".csv") else csv_path + ".parquet"


def artifact_name(version: str) -> str:
    return f"{ARTIFACT}-{version}.zip"


def _stage(path: str | os.PathLike, staging: Path, overrides: dict[str, bytes]) -> None:
    """Copy what a release needs (descriptor, resources, their schemas, CHANGELOG) into `staging`,
    reading through the package source (no ../, no symlinks out), with `overrides` replacing files."""
    source = open_source(path)
    try:
        if not isinstance(source, DirectorySource):
            raise PackageError("build and release work on a package directory, not a zip", file=str(path))
        desc_bytes = overrides.get(DESCRIPTOR) or source.read(source.descriptor, source.descriptor)
        desc = parse_json(desc_bytes, DESCRIPTOR)
        if not isinstance(desc, dict) or not isinstance(desc.get("resources"), list):
            raise PackageError("'resources' must be a non-empty list", file=DESCRIPTOR)
        wanted = []
        for res in desc["resources"]:
            if isinstance(res, dict):
                for key in ("path", "schema"):
                    if isinstance(res.get(key), str):
                        wanted.append(check_relative_path(res[key], DESCRIPTOR))
        _write(staging / DESCRIPTOR, desc_bytes)
        for rel in wanted:
            _write(staging / rel, overrides.get(rel) or source.read(rel))
        # optional files: absent is fine; present but unsafe (a symlink out, a FIFO) is an error
        for rel in (CHANGELOG, *COMPANION_FILES):
            data = overrides[rel] if rel in overrides else source.read_optional(rel)
            if data is not None:
                _write(staging / rel, data)
    finally:
        source.close()


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def render_documents(staging: Path, when: dt.datetime, columns: dict[str, dict[str, Any]] | None = None) -> dict[str, bytes]:
    """codebook.md, report.html and the xlsx workbook rendered from the staged package (tests replace this where the
    documents are not what they test: rendering the report is the slowest step of a build). `columns`: the
    tables' typed columns as validation parsed them (table -> field -> Arrow array), so the report and the
    workbook do not read and parse the CSV files again."""
    from balochistan_events.exports.xlsx import release_workbook
    from balochistan_events.package.loading import dataset_from_columns
    from balochistan_events.render.codebook import render_codebook
    from balochistan_events.render.report import render_report

    pkg = read_package(DirectorySource(staging))
    ds = dataset_from_columns(pkg, columns, str(staging)) if columns is not None else None
    return {"codebook.md": render_codebook(str(staging)).encode("utf-8"),
            "report.html": render_report(str(staging), date=when.date().isoformat(), dataset=ds).encode("utf-8"),
            **release_workbook(staging, when, pkg.version, summary_schema, dataset=ds)}


# --- the build -------------------------------------------------------------------------------------

def build_zip(path: str | os.PathLike = ".", date: str | dt.date | None = None, overrides: dict[str, bytes] | None = None,
              validate: bool = True) -> BuiltZip:
    """Build the release zip in memory. `overrides` replace files of the package (release passes the
    new datapackage.json and CHANGELOG.md this way, so nothing on disk changes before the build worked)."""
    when = resolve_date(date, path)
    created = iso(when)
    with tempfile.TemporaryDirectory(prefix="be-build-") as tmp:
        staging = Path(tmp) / "pkg"
        try:
            return _build_staged(path, staging, when, created, overrides or {}, validate)
        except (PackageError, OSError) as exc:      # name the user's package, not the staging copy
            raise with_path_replaced(exc, str(staging), os.path.normpath(str(path))) from None


def _build_staged(path: str | os.PathLike, staging: Path, when: dt.datetime, created: str,
                  overrides: dict[str, bytes], validate: bool) -> BuiltZip:
    from balochistan_events.package.parquet import parquet_bytes, schema_table, typed_table

    _stage(path, staging, overrides)
    source = DirectorySource(staging)
    source.label = os.path.normpath(str(path))        # messages name the user's package
    pkg = read_package(source)
    columns: dict[str, dict[str, Any]] | None = None
    lines: dict[str, Any] = {}
    if validate:
        from balochistan_events.validation.engine import validate_tables
        from balochistan_events.validation.gate import typed_columns

        report, tables = validate_tables(pkg)
        if not report.valid:
            raise BuildInvalid(report)
        # what validation parsed is what the Parquet files and the documents are made from: one read
        columns, lines = typed_columns(tables), {name: t.lines for name, t in tables.items()}
        del tables
    version = pkg.version
    from balochistan_events.package.gitsource import parse_version

    if version is None or parse_version(version) is None:
        raise PackageError(f"version {version!r} is not X.Y.Z", file=DESCRIPTOR, field="version")
    name = pkg.descriptor.get("name") or ARTIFACT
    files: dict[str, bytes] = {}
    manifest: dict[str, bytes] = {}
    # Renderers see the package as a user's checkout would (the four source tables, new version).
    documents = render_documents(staging, when, columns)
    typed = {}          # the typed claims and actors, reused for the derived summary
    for res in pkg.resources.values():
        csv_bytes = source.read(res.path)
        files[res.path] = csv_bytes
        table = (schema_table(res, columns.pop(res.name), lines.pop(res.name), res.path) if columns is not None
                 else typed_table(res, csv_bytes, res.path))
        manifest[parquet_path(res.path)] = parquet_bytes(table, res, version, name)
        if res.name in ("claims", "actors"):
            typed[res.name] = table
        if res.schema_path:
            manifest[res.schema_path] = source.read(res.schema_path)
    derived_res = None
    if DERIVED_NAME not in pkg.resources and {"claims", "actors", "events"} <= set(pkg.resources):
        schema, summary_csv = derived_summary(staging, pkg, typed)
        typed.clear()
        derived_res = Resource(DERIVED_NAME, DERIVED_PATH, check_schema(copy.deepcopy(schema), DERIVED_SCHEMA_PATH),
                               DERIVED_SCHEMA_PATH, {})
        files[DERIVED_PATH] = summary_csv
        manifest[parquet_path(DERIVED_PATH)] = parquet_bytes(typed_table(derived_res, summary_csv, DERIVED_PATH),
                                                             derived_res, version, name)
        manifest[DERIVED_SCHEMA_PATH] = dump_json(schema)
    for rel in (CHANGELOG, *COMPANION_FILES):
        if source.exists(rel):
            manifest[rel] = source.read(rel)
    from balochistan_events.release.rloader import stamp_registry
    from balochistan_events.release.zipreadme import README, render_readme

    stamp_registry(manifest, version)       # the R loader learns the hashes of the releases before this one
    manifest.update(documents)
    listed = [DESCRIPTOR, README, *files, *manifest]
    manifest[README] = render_readme(pkg.descriptor, listed, version, created)
    descriptor = built_descriptor(pkg.descriptor, files, manifest, created, derived_res)
    members = {DESCRIPTOR: descriptor, **files, **manifest}
    order = [DESCRIPTOR] + sorted(n for n in members if n != DESCRIPTOR)
    zname = artifact_name(version)
    data = write_zip({n: members[n] for n in order}, ZIP_PREFIX, when)
    return BuiltZip(zname, data, sha256_hex(data), version, created, order)


def built_descriptor(desc: dict, files: dict[str, bytes], manifest: dict[str, bytes], created: str,
                     derived: Resource | None) -> bytes:
    """The release datapackage.json: created, bytes and sha256 hash per resource, the derived resource,
    the x-release manifest and the descriptor's own hash."""
    out = {}
    for key, value in desc.items():
        if key in ("created", "x-release"):
            continue
        out[key] = copy.deepcopy(value)
        if key == "version":
            out["created"] = created
    out.setdefault("created", created)
    resources = []
    for res in out.get("resources", []):
        res = {k: v for k, v in res.items() if k not in ("bytes", "hash")}
        data = files[check_relative_path(res["path"], DESCRIPTOR)]
        res["bytes"] = len(data)
        res["hash"] = "sha256:" + sha256_hex(data)
        resources.append(res)
    if derived is not None:
        data = files[derived.path]
        resources.append({
            "name": derived.name, "type": "table", "path": derived.path, "scheme": "file", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": "Claims summary (derived)",
            "description": ("Derived at build time from claims and actors: per event, claim type and subject, the "
                            "number of claims and claimants, the range of figures across partisan and across "
                            "independent claimants, and the latest official and armed-group figure."),
            "x-derived": True,
            "schema": derived.schema_path,
            "bytes": len(data), "hash": "sha256:" + sha256_hex(data),
        })
    out["resources"] = resources
    out["x-release"] = {
        "description": ("Integrity manifest written by balochistan-events build: bytes and sha256 of every file "
                        "of the release that is not a resource; descriptor_sha256 is the sha256 of this file "
                        "with that value replaced by 64 zeros. Check with: balochistan-events verify."),
        "files": [{"path": p, "bytes": len(b), "hash": "sha256:" + sha256_hex(b)} for p, b in sorted(manifest.items())],
        "descriptor_sha256": HASH_PLACEHOLDER,
    }
    body = dump_json(out)
    marker = f'"descriptor_sha256": "{HASH_PLACEHOLDER}"'.encode()
    assert body.count(marker) == 1
    digest = sha256_hex(body)
    return body.replace(marker, f'"descriptor_sha256": "{digest}"'.encode())


def write_zip(members: dict[str, bytes], prefix: str, when: dt.datetime) -> bytes:
    """A zip with fixed entry order, times, permissions and compression: same input, same bytes.
    Text is deflated at ZIP_LEVEL; Parquet (zstd inside) is stored."""
    buf = io.BytesIO()
    stamp = _zip_time(when)
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as zf:
        for name, data in members.items():
            method = zipfile.ZIP_STORED if name.endswith(STORED_SUFFIXES) else zipfile.ZIP_DEFLATED
            info = zipfile.ZipInfo(prefix + name, date_time=stamp)
            info.compress_type = method
            info.create_system = 3            # unix, so the permission bits below are honoured
            info.external_attr = FILE_MODE << 16
            zf.writestr(info, data, compress_type=method, compresslevel=ZIP_LEVEL)
    return buf.getvalue()


def build_release(path: str | os.PathLike = ".", out_dir: str | os.PathLike = "dist", date: str | dt.date | None = None, *,
                  validate: bool = True) -> BuildResult:
    """Build dist/balochistan-events-X.Y.Z.zip (+ .sha256) from the package at `path`; the version is the
    one in datapackage.json. Existing files of the same name are replaced atomically."""
    from balochistan_events.package.atomic import write_bytes
    from balochistan_events.package.lock import package_lock
    from balochistan_events.package.outputs import check_output

    out = check_output(out_dir, [path])
    pkg_dir = Path(path).parent if Path(path).is_file() else Path(path)
    # the lock orders this build after a running add-* or release (a missing folder: open_source says so)
    with package_lock(pkg_dir, "balochistan-events build") if pkg_dir.is_dir() else contextlib.nullcontext():
        built = build_zip(path, date, validate=validate)
        zip_path = out / built.name
        sha_path = out / (built.name + ".sha256")
        write_bytes(zip_path, built.data)
        write_bytes(sha_path, built.sha256_line.encode("ascii"))
    return BuildResult(zip_path, sha_path, built.sha256, built.version, built.created, built.members)


def extract(zip_path: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Extract a release zip (safely: through ZipSource's checks) and return the package directory."""
    from balochistan_events.package.source import ZipSource

    src = ZipSource(Path(zip_path))
    try:
        dest = Path(dest)
        for name in src.members:
            rel = name[len(src.prefix):]
            if not name.startswith(src.prefix):
                continue
            _write(dest / rel, src.read(rel))
        return dest
    finally:
        src.close()


