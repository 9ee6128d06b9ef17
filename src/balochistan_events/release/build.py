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
import shutil
import tempfile
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

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
Member = bytes | Path          # a zip member's content: in memory, or a file streamed from disk


class BuildInvalid(Exception):
    """The package does not validate; a release is never built from invalid data (exit 1)."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(f"the package is invalid: {report.error_count} error(s); run balochistan-events validate")


@dataclass
class BuiltZip:
    name: str                 # balochistan-events-X.Y.Z.zip
    data: bytes               # the zip; empty when build_zip streamed it into a file (`sink`)
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
              validate: bool = True, sink: Path | None = None) -> BuiltZip:
    """Build the release zip, in memory or, given `sink`, streamed into that file (the data files are then
    copied from the staging folder piece by piece, never held whole). `overrides` replace files of the
    package (release passes the new datapackage.json and CHANGELOG.md this way, so nothing on disk
    changes before the build worked)."""
    when = resolve_date(date, path)
    created = iso(when)
    with tempfile.TemporaryDirectory(prefix="be-build-") as tmp:
        staging = Path(tmp) / "pkg"
        try:
            return _build_staged(path, staging, when, created, overrides or {}, validate, sink)
        except (PackageError, OSError) as exc:      # name the user's package, not the staging copy
            raise with_path_replaced(exc, str(staging), os.path.normpath(str(path))) from None


def _build_staged(path: str | os.PathLike, staging: Path, when: dt.datetime, created: str,
                  overrides: dict[str, bytes], validate: bool, sink: Path | None = None) -> BuiltZip:
    _stage(path, staging, overrides)
    source = DirectorySource(staging)
    source.label = os.path.normpath(str(path))        # messages name the user's package
    pkg = read_package(source)
    columns, lines = _validated_columns(pkg) if validate else (None, {})
    version = pkg.version
    from balochistan_events.package.gitsource import parse_version

    if version is None or parse_version(version) is None:
        raise PackageError(f"version {version!r} is not X.Y.Z", file=DESCRIPTOR, field="version")
    # Two workers beside the main thread, one deflating the data files for the zip, one writing the Parquet
    # files one after the other: both release the GIL, so they overlap the documents and the derived
    # summary (pandas, on this thread).
    with ThreadPoolExecutor(1) as zipper, ThreadPoolExecutor(1) as pool:
        # the CSVs go into the zip from the staging folder (checked when staged), read as they are written
        data_files = {res.path: staging / res.path for res in pkg.resources.values()}
        deflated = {rel: zipper.submit(deflate_file, member) for rel, member in data_files.items()}
        files: dict[str, Member] = dict(data_files)
        # Renderers see the package as a user's checkout would (the four source tables, new version).
        documents = render_documents(staging, when, columns)
        pending, derived_res, summary_csv = _tables(pkg, source, staging, columns, lines, pool)
        if derived_res is not None:
            files[DERIVED_PATH] = summary_csv
        manifest = {rel: job.result() for rel, job in pending.items()}
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
        ready = {rel: job.result() for rel, job in deflated.items()}
    zname = artifact_name(version)
    if sink is None:
        data = write_zip({n: members[n] for n in order}, ZIP_PREFIX, when, deflated=ready)
        return BuiltZip(zname, data, sha256_hex(data), version, created, order)
    with open(sink, "wb") as out:
        write_zip({n: members[n] for n in order}, ZIP_PREFIX, when, out, deflated=ready)
    return BuiltZip(zname, b"", member_digest(sink)[1], version, created, order)


def _validated_columns(pkg: Any) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The tables' typed columns and file lines as validation parsed them; BuildInvalid unless valid.
    What validation parsed is what the Parquet files and the documents are made from: one read."""
    from balochistan_events.validation.engine import validate_tables
    from balochistan_events.validation.gate import typed_columns

    report, tables = validate_tables(pkg)
    if not report.valid:
        raise BuildInvalid(report)
    return typed_columns(tables), {name: t.lines for name, t in tables.items()}


def _tables(pkg: Any, source: DirectorySource, staging: Path, columns: dict[str, dict[str, Any]] | None,
            lines: dict[str, Any], pool: ThreadPoolExecutor) -> tuple[dict[str, Any], Resource | None, bytes]:
    """Jobs making each table's Parquet file (and the schemas' bytes), and the derived claims summary:
    (member path -> job or bytes wrapped as a finished job, the derived resource, its CSV)."""
    from balochistan_events.package.parquet import parquet_bytes, schema_table, typed_table

    version, name = pkg.version, pkg.descriptor.get("name") or ARTIFACT
    pending: dict[str, Any] = {}
    tables = {}
    for res in pkg.resources.values():
        tables[res.name] = (schema_table(res, columns.pop(res.name), lines.pop(res.name), res.path)
                            if columns is not None else typed_table(res, source.read(res.path), res.path))
        # written while the summary is computed: a row group at a time, so no sorted copy of a table
        pending[parquet_path(res.path)] = pool.submit(parquet_bytes, tables[res.name], res, version, name)
        if res.schema_path:
            pending[res.schema_path] = _done(source.read(res.schema_path))
    derived = DERIVED_NAME not in pkg.resources and {"claims", "actors", "events"} <= set(tables)
    schema, summary_csv = derived_summary(staging, pkg, tables) if derived else ({}, b"")
    tables.clear()
    from balochistan_events.package.memory import return_freed_memory

    return_freed_memory()
    if not derived:
        return pending, None, b""
    derived_res = Resource(DERIVED_NAME, DERIVED_PATH, check_schema(copy.deepcopy(schema), DERIVED_SCHEMA_PATH),
                           DERIVED_SCHEMA_PATH, {})
    pending[parquet_path(DERIVED_PATH)] = pool.submit(
        lambda: parquet_bytes(typed_table(derived_res, summary_csv, DERIVED_PATH), derived_res, version, name))
    pending[DERIVED_SCHEMA_PATH] = _done(dump_json(schema))
    return pending, derived_res, summary_csv


def _done(value: bytes) -> Future[bytes]:
    job: Future[bytes] = Future()
    job.set_result(value)
    return job


def deflate_file(path: Path) -> bytes:
    """The raw deflate stream zipfile writes for this file at ZIP_LEVEL (read in 1 MiB pieces; deflate's
    output does not depend on how its input is cut). zlib releases the GIL while it works."""
    import zlib

    engine = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
    pieces = []
    with open(path, "rb") as fh:
        for piece in iter(lambda: fh.read(1 << 20), b""):
            pieces.append(engine.compress(piece))
    pieces.append(engine.flush())
    return b"".join(pieces)


def built_descriptor(desc: dict, files: dict[str, Member], manifest: dict[str, bytes], created: str,
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
        res["bytes"], digest = member_digest(files[check_relative_path(res["path"], DESCRIPTOR)])
        res["hash"] = "sha256:" + digest
        resources.append(res)
    if derived is not None:
        size, digest = member_digest(files[derived.path])
        resources.append({
            "name": derived.name, "type": "table", "path": derived.path, "scheme": "file", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": "Claims summary (derived)",
            "description": ("Derived at build time from claims and actors: per event, claim type and subject, the "
                            "number of claims and claimants, the range of figures across partisan and across "
                            "independent claimants, and the latest official and armed-group figure."),
            "x-derived": True,
            "schema": derived.schema_path,
            "bytes": size, "hash": "sha256:" + digest,
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


def write_zip(members: dict[str, Member], prefix: str, when: dt.datetime, sink: BinaryIO | None = None,
              deflated: dict[str, bytes] | None = None) -> bytes:
    """A zip with fixed entry order, times, permissions and compression: same input, same bytes, whether
    written to memory (returned) or into `sink` (a seekable file; b"" is returned). Text is deflated at
    ZIP_LEVEL; Parquet (zstd inside) is stored. A member is bytes, or a file (Path) streamed from disk;
    `deflated` holds deflate streams made beforehand (deflate_file) for some file members."""
    buf: BinaryIO = sink if sink is not None else io.BytesIO()
    stamp = _zip_time(when)
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as zf:
        for name, data in members.items():
            method = zipfile.ZIP_STORED if name.endswith(STORED_SUFFIXES) else zipfile.ZIP_DEFLATED
            info = zipfile.ZipInfo(prefix + name, date_time=stamp)
            info.compress_type = method
            info.create_system = 3            # unix, so the permission bits below are honoured
            info.external_attr = FILE_MODE << 16
            if isinstance(data, Path):
                _write_file_member(zf, info, data, (deflated or {}).get(name) if method == zipfile.ZIP_DEFLATED else None)
            else:
                zf.writestr(info, data, compress_type=method, compresslevel=ZIP_LEVEL)
    return buf.getvalue() if isinstance(buf, io.BytesIO) else b""


def _write_file_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, deflated: bytes | None = None) -> None:
    """What writestr(info, path.read_bytes()) writes, in 1 MiB pieces: deflate's output does not depend on
    how its input is cut (tests/release compares both), and the size set first makes the same zip64 choice.
    With `deflated` (the stream deflate_file made for this file), zipfile's compressor is replaced by one
    that hands over that stream: zipfile still reads the file for its CRC and size. The attribute is
    private; if a Python version lacks it, the file is simply compressed here."""
    info.file_size = path.stat().st_size
    if hasattr(info, "compress_level"):         # Python 3.13+
        info.compress_level = ZIP_LEVEL
    else:                                       # what writestr sets before 3.13
        info._compresslevel = ZIP_LEVEL  # type: ignore[attr-defined]
    with open(path, "rb") as src, zf.open(info, "w") as dest:
        if deflated is not None and getattr(dest, "_compressor", None) is not None:
            dest._compressor = _Deflated(deflated)  # type: ignore[attr-defined]
        shutil.copyfileobj(src, dest, 1 << 20)


class _Deflated:
    """Stands in for zipfile's compressor when the member's deflate stream was made beforehand."""

    def __init__(self, stream: bytes) -> None:
        self.stream = stream

    def compress(self, data: bytes) -> bytes:
        return b""

    def flush(self) -> bytes:
        return self.stream


def member_digest(member: Member) -> tuple[int, str]:
    """(size, sha256 hex) of a member held in memory or on disk (read in 1 MiB pieces)."""
    if not isinstance(member, Path):
        return len(member), sha256_hex(member)
    h = hashlib.sha256()
    size = 0
    with open(member, "rb") as fh:
        for piece in iter(lambda: fh.read(1 << 20), b""):
            h.update(piece)
            size += len(piece)
    return size, h.hexdigest()


def build_release(path: str | os.PathLike = ".", out_dir: str | os.PathLike = "dist", date: str | dt.date | None = None, *,
                  validate: bool = True) -> BuildResult:
    """Build dist/balochistan-events-X.Y.Z.zip (+ .sha256) from the package at `path`; the version is the
    one in datapackage.json. Existing files of the same name are replaced atomically."""
    from balochistan_events.package.atomic import atomic_path, write_bytes
    from balochistan_events.package.lock import package_lock
    from balochistan_events.package.outputs import check_output

    out = check_output(out_dir, [path])
    pkg_dir = Path(path).parent if Path(path).is_file() else Path(path)
    # the lock orders this build after a running add-* or release (a missing folder: open_source says so)
    lock = package_lock(pkg_dir, "balochistan-events build") if pkg_dir.is_dir() else contextlib.nullcontext()
    new_dir = not out.exists()
    try:
        # streamed into a file beside the output, then moved into place: the zip is never held in memory
        with lock, _scratch_dir(out) as tmp:
            sink = tmp / "release.zip"
            built = build_zip(path, date, validate=validate, sink=sink)
            zip_path = out / built.name
            sha_path = out / (built.name + ".sha256")
            with atomic_path(zip_path) as target:
                os.replace(sink, target)
            write_bytes(sha_path, built.sha256_line.encode("ascii"))
    except BaseException:
        if new_dir:                     # a failed build leaves no empty output folder behind
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    return BuildResult(zip_path, sha_path, built.sha256, built.version, built.created, built.members)


@contextlib.contextmanager
def _scratch_dir(out: Path) -> Any:
    """A temporary folder inside `out` (created if needed), so the finished zip is moved, not copied."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".be-zip-", dir=out) as tmp:
        yield Path(tmp)


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


