"""Next free identifiers, never reusing a retired one.

An ID is *retired* once it has been in data/<table>.csv in any commit of the repository (any branch
or tag, so every released v* version is covered, and so are IDs that were merged and later removed
before a release). `next-id` reads every stored version of the table file from git history
(`git log --all --raw` for the blob of each version, then `git cat-file --batch`) plus the file as it
is in the working tree, and returns one more than the highest serial number it has seen.
Outside a git repository only the working-tree file is known; in a shallow clone only the commits
present: both cases are reported as a note so the contributor can fetch the full history first.

How IDs look is read from the table's schema, not from constants here: the primary key's pattern,
e.g. ``CL-[0-9]{6,8}`` (a serial: CL-000001) or ``EV-[0-9]{4}-[0-9]{4,7}`` (a year and a serial
within that year: EV-2026-0001). A key whose pattern is not of that shape (actors, sources: slugs
such as ``bla`` or ``ap-2026-01-31-wtop``) has no "next" value; `suggest_slug` proposes a free slug
from a name instead.
"""
from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from balochistan_events.errors import PackageError
from balochistan_events.package.descriptor import Package, Resource, read_package
from balochistan_events.package.gitsource import git
from balochistan_events.package.source import DirectorySource, open_source

# where a command finds the package: a directory, or None for the current directory
PackagePath = str | os.PathLike[str] | None

# PREFIX-[0-9]{n,m}  or  PREFIX-[0-9]{4}-[0-9]{n,m}  (the four digits being a year)
_SERIAL_PATTERN = re.compile(
    r"^(?P<prefix>[A-Za-z]+-)(?P<year>\[0-9\]\{4\}-)?\[0-9\]\{(?P<min>\d+)(?:,(?P<max>\d+))?\}$")


@dataclass(frozen=True)
class IdScheme:
    """How the IDs of one table are formed, as read from its primary key's pattern."""

    table: str
    field: str
    prefix: str
    yearly: bool
    min_digits: int
    max_digits: int

    @property
    def regex(self) -> re.Pattern[str]:
        year = r"(?P<year>[0-9]{4})-" if self.yearly else ""
        return re.compile(rf"^{re.escape(self.prefix)}{year}(?P<serial>[0-9]{{{self.min_digits},{self.max_digits}}})$")

    def format(self, serial: int, year: int | None = None) -> str:
        digits = str(serial).zfill(self.min_digits)
        if len(digits) > self.max_digits:
            raise PackageError(f"{self.table}: serial {serial} does not fit the pattern's {self.max_digits} digits")
        return f"{self.prefix}{year:04d}-{digits}" if self.yearly else f"{self.prefix}{digits}"

    @property
    def example(self) -> str:
        return self.format(1, 2026) if self.yearly else self.format(1)


def key_field(res: Resource) -> str:
    pk = res.schema.get("primaryKey") or []
    if len(pk) != 1:
        raise PackageError(f"{res.name}: next-id needs a single-field primary key, the schema has {pk!r}",
                           file=res.schema_path)
    return pk[0]


def id_scheme(res: Resource) -> IdScheme | None:
    """The serial-number scheme of a table, or None when its IDs are free-form slugs."""
    name = key_field(res)
    pattern = res.field(name).get("constraints", {}).get("pattern", "")
    m = _SERIAL_PATTERN.match(pattern)
    if not m:
        return None
    lo = int(m["min"])
    hi = int(m["max"]) if m["max"] else lo
    return IdScheme(res.name, name, m["prefix"], bool(m["year"]), lo, hi)


# --- reading the IDs in use ---------------------------------------------------------------------

def ids_in_csv(data: bytes, column: str) -> list[str]:
    """Values of one column of a CSV file; tolerant of a broken file (it may be mid-edit)."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return []
    if column not in header:
        return []
    i = header.index(column)
    out: list[str] = []
    try:
        for row in reader:
            if len(row) > i and row[i].strip():
                out.append(row[i].strip())
    except csv.Error:
        pass
    return out


@dataclass
class History:
    """IDs found in earlier versions of a table file, and how complete that search was."""

    ids: set[str] = field(default_factory=set)
    versions: int = 0          # distinct stored versions of the file that were read
    status: str = "git"        # git | shallow | no-git | no-git-binary

    @property
    def note(self) -> str | None:
        if self.status == "no-git":
            return "not a git repository: only IDs in the current file are known; run next-id in your clone"
        if self.status == "no-git-binary":
            return "git is not installed: only IDs in the current file are known"
        if self.status == "shallow":
            return "shallow clone: IDs retired in older commits may be missed (git fetch --unshallow)"
        return None


def git_history(root: Path, relpath: str, column: str) -> History:
    """Every value of `column` in every committed version of `relpath` (all branches and tags)."""
    try:
        inside = git(root, "rev-parse", "--is-inside-work-tree", check=False)
    except PackageError:    # git not installed, or it hung
        return History(status="no-git-binary")
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        return History(status="no-git")
    hist = History()
    if git(root, "rev-parse", "--is-shallow-repository", check=False).stdout.strip() == b"true":
        hist.status = "shallow"
    log = git(root, "log", "--all", "--format=", "--raw", "--no-abbrev", "--no-renames", "--", relpath, check=False)
    if log.returncode != 0:  # e.g. a repository without any commit yet
        return hist
    blobs: list[str] = []
    for line in log.stdout.decode("utf-8", "replace").splitlines():
        if not line.startswith(":"):
            continue
        meta = line.split("\t", 1)[0].split()
        for sha in meta[2:4]:
            if set(sha) != {"0"} and sha not in blobs:
                blobs.append(sha)
    if not blobs:
        return hist
    batch = git(root, "cat-file", "--batch", input=("\n".join(blobs) + "\n").encode(), check=False)
    out, pos = batch.stdout, 0
    while pos < len(out):
        nl = out.index(b"\n", pos)
        head = out[pos:nl].split()
        pos = nl + 1
        if len(head) < 3 or head[1] != b"blob":
            continue
        size = int(head[2])
        hist.ids.update(ids_in_csv(out[pos:pos + size], column))
        hist.versions += 1
        pos += size + 1
    return hist


@dataclass
class KnownIds:
    scheme: IdScheme | None
    field: str
    current: list[str]
    history: History
    file: str

    @property
    def all(self) -> set[str]:
        return set(self.current) | self.history.ids

    @property
    def retired(self) -> set[str]:
        return self.history.ids - set(self.current)


def _directory_package(path: PackagePath) -> tuple[Package, Path]:
    source = open_source(path if path is not None else ".")
    if not isinstance(source, DirectorySource):
        source.close()
        raise PackageError("this command works on a package directory (your clone), not on a release zip",
                           file=str(path))
    return read_package(source), Path(source.root)


def _resource(pkg: Package, table: str) -> Resource:
    if table not in pkg.resources:
        raise PackageError(f"no table {table!r}; the package has {', '.join(pkg.resources)}")
    return pkg.resources[table]


def known_ids(pkg: Package, root: Path, table: str, history: bool = True) -> KnownIds:
    res = _resource(pkg, table)
    name = key_field(res)
    current = ids_in_csv(pkg.source.read(res.path), name) if pkg.source.exists(res.path) else []
    hist = git_history(root, res.path, name) if history else History(status="no-git")
    return KnownIds(id_scheme(res), name, current, hist, res.path)


# --- next-id ------------------------------------------------------------------------------------

@dataclass
class NextId:
    id: str
    table: str
    highest: str | None        # highest ID seen (current or retired) in the same series
    current: int               # IDs in the current file
    retired: int               # IDs seen only in git history
    versions: int              # stored versions of the file read from git
    note: str | None

    def describe(self) -> str:
        seen = f"highest used {self.highest}" if self.highest else "no ID used yet"
        text = (f"{seen}; checked {self.current} ID(s) in the current file and {self.versions} "
                f"earlier version(s) from git ({self.retired} retired ID(s))")
        return text


def next_serial(scheme: IdScheme, ids: Iterable[str], year: int | None = None) -> tuple[int, str | None]:
    """One more than the highest serial among `ids` in the scheme (in `year`'s series if yearly),
    and the ID that holds it."""
    best = 0
    best_id: str | None = None
    rx = scheme.regex
    for value in ids:
        m = rx.match(value)
        if not m or (scheme.yearly and int(m["year"]) != year):
            continue
        serial = int(m["serial"])
        if serial > best:
            best, best_id = serial, value
    return best + 1, best_id


def next_id(table: str, path: PackagePath = None, year: int | None = None, history: bool = True) -> NextId:
    """The next free ID of `table` (for yearly schemes: within `year`), skipping retired IDs."""
    pkg, root = _directory_package(path)
    try:
        known = known_ids(pkg, root, table, history=history)
        scheme = known.scheme
        if scheme is None:
            raise PackageError(slug_explanation(table, known.field, _resource(pkg, table)))
        if scheme.yearly:
            if year is None:
                raise PackageError(f"{table} IDs include the year the event started ({scheme.example}): "
                                   f"pass --year YYYY, e.g. next-id {table} --year 2026")
            if not 1000 <= year <= 9999:
                raise PackageError(f"--year must have four digits, got {year}")
        serial, highest = next_serial(scheme, known.all, year)
        return NextId(scheme.format(serial, year if scheme.yearly else None), table, highest,
                      len(known.current), len(known.retired), known.history.versions, known.history.note)
    finally:
        pkg.source.close()


# --- slugs --------------------------------------------------------------------------------------

def slug_explanation(table: str, field_name: str, res: Resource) -> str:
    example = res.field(field_name).get("example", "")
    return (f"{table} IDs ({field_name}) are slugs chosen by hand, not serial numbers (e.g. {example!r}): "
            f"lowercase letters, digits and hyphens. Run `next-id {table} --name \"...\"` for a free suggestion")


def slugify(text: str, max_length: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def suggest_slug(table: str, name: str, path: PackagePath = None, history: bool = True) -> tuple[str, KnownIds]:
    """A slug for `name` that is neither used nor retired in `table` (adds -2, -3, … if needed)."""
    pkg, root = _directory_package(path)
    try:
        res = _resource(pkg, table)
        known = known_ids(pkg, root, table, history=history)
        limit = res.field(known.field).get("constraints", {}).get("maxLength", 60)
        base = slugify(name, max_length=limit - 4)
        if not base:
            raise PackageError(f"cannot make a slug from {name!r}: use letters or digits")
        taken = known.all
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        return slug, known
    finally:
        pkg.source.close()
