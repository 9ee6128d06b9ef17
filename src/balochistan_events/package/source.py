"""Where a package's bytes come from: a directory, a datapackage.json, or a release zip.

Every path inside a descriptor is untrusted (pull requests come from strangers, releases are
downloaded), so all reads go through `PackageSource.read`, which refuses remote URLs, absolute
paths, `..` and symlinks leading out of the package, and reads zip members in memory, bounded in
size and compression ratio, without extracting anything.
"""
from __future__ import annotations

import os
import posixpath
import re
import stat
import zipfile
from pathlib import Path
from zlib import error as zlib_error

from balochistan_events.errors import PackageError

DESCRIPTOR = "datapackage.json"
# Bounds for archives: a release of this dataset is a few MB; 2 GiB total leaves room for the
# synthetic 1M-event packages while stopping zip bombs before they fill memory.
MAX_MEMBER_BYTES = 2 * 1024**3
MAX_TOTAL_BYTES = 4 * 1024**3
MAX_RATIO = 200
MAX_MEMBERS = 10_000
MAX_JSON_BYTES = 16 * 1024**2  # descriptors and schemas are a few KB; refuse before parsing
_REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def check_relative_path(path: str, where: str, field: str | None = None) -> str:
    """Normalise a descriptor path; refuse anything that could leave the package or hit the network."""
    if not isinstance(path, str) or not path:
        raise PackageError(f"path must be a non-empty string, got {str(path)[:60]!r}", file=where, field=field)
    if _REMOTE.match(path):
        raise PackageError(f"remote path {path!r} refused: validation never touches the network", file=where, field=field)
    if "\x00" in path or "\\" in path:
        raise PackageError(f"path {path!r} contains a NUL byte or a backslash", file=where, field=field)
    if not path.isprintable():
        raise PackageError(f"path {path!r} contains control characters", file=where, field=field)
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise PackageError(f"absolute path {path!r} refused: paths must be relative to the package", file=where, field=field)
    norm = posixpath.normpath(path)
    if norm == ".." or norm.startswith("../") or "/../" in f"/{norm}/":
        raise PackageError(f"path {path!r} leaves the package directory", file=where, field=field)
    if norm == ".":
        raise PackageError(f"path {path!r} names the package directory, not a file", file=where, field=field)
    return norm


class PackageSource:
    """Read-only access to the files of one package."""

    label: str
    descriptor: str = DESCRIPTOR

    def read(self, path: str, where: str = DESCRIPTOR, limit: int = MAX_MEMBER_BYTES) -> bytes:  # pragma: no cover
        """The file's bytes; PackageError if it is missing, unsafe, or larger than `limit`."""
        raise NotImplementedError

    def exists(self, path: str) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def display(self, path: str) -> str:
        return path

    def close(self) -> None:
        pass


class DirectorySource(PackageSource):
    def __init__(self, root: Path, descriptor: str = DESCRIPTOR):
        self.root = root
        self.descriptor = descriptor
        self.real_root = Path(os.path.realpath(root))
        self.label = str(root)

    def display(self, path: str) -> str:
        return os.path.normpath(os.path.join(self.label, path))

    def _resolve(self, path: str, where: str) -> Path:
        rel = check_relative_path(path, where)
        full = self.root / rel
        real = Path(os.path.realpath(full))
        if real != self.real_root and self.real_root not in real.parents:
            raise PackageError(f"path {path!r} resolves outside the package (symlink?)", file=where)
        return full

    def exists(self, path: str) -> bool:
        try:
            return self._resolve(path, DESCRIPTOR).is_file()
        except PackageError:
            return False

    def read(self, path: str, where: str = DESCRIPTOR, limit: int = MAX_MEMBER_BYTES) -> bytes:
        full = self._resolve(path, where)
        try:
            st = full.stat()
        except FileNotFoundError:
            raise PackageError(f"file {path!r} named in {where} does not exist", file=path) from None
        except OSError as exc:
            raise PackageError(f"cannot read {path!r}: {exc.strerror}", file=path) from None
        if not stat.S_ISREG(st.st_mode):
            raise PackageError(f"{path!r} is not a regular file", file=path)
        if st.st_size > limit:
            raise PackageError(f"{path!r} is {st.st_size} bytes; at most {limit} are read", file=path)
        try:
            return full.read_bytes()
        except OSError as exc:
            raise PackageError(f"cannot read {path!r}: {exc.strerror}", file=path) from None


class ZipSource(PackageSource):
    """A release zip, read member by member into memory. The package root is the folder holding
    datapackage.json (the zip's top level or a single top folder)."""

    def __init__(self, path: Path):
        self.label = str(path)
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise PackageError(f"not a readable zip archive: {exc}", file=str(path)) from None
        infos = self.zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise PackageError(f"zip has {len(infos)} entries; at most {MAX_MEMBERS} allowed", file=str(path))
        self.members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = info.filename
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or "\\" in name:
                raise PackageError(f"zip entry {name!r} has an absolute or Windows path (zip-slip)", file=str(path))
            parts = name.split("/")
            if ".." in parts:
                raise PackageError(f"zip entry {name!r} leaves the archive root (zip-slip)", file=str(path))
            mode = (info.external_attr >> 16) & 0xFFFF
            if stat.S_ISLNK(mode):
                raise PackageError(f"zip entry {name!r} is a symbolic link; links are refused", file=str(path))
            if info.is_dir():
                continue
            if name in self.members:
                raise PackageError(f"zip has two entries named {name!r}", file=str(path))
            if info.file_size > MAX_MEMBER_BYTES:
                raise PackageError(f"zip entry {name!r} would expand to {info.file_size} bytes (limit {MAX_MEMBER_BYTES})", file=str(path))
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1024**2:
                raise PackageError(f"zip entry {name!r} has compression ratio {info.file_size // info.compress_size}:1 (limit {MAX_RATIO}:1): possible zip bomb", file=str(path))
            total += info.file_size
            self.members[name] = info
        if total > MAX_TOTAL_BYTES:
            raise PackageError(f"zip would expand to {total} bytes (limit {MAX_TOTAL_BYTES})", file=str(path))
        roots = sorted(n[: -len(DESCRIPTOR)] for n in self.members if n == DESCRIPTOR or n.endswith("/" + DESCRIPTOR))
        if not roots:
            raise PackageError("zip holds no datapackage.json", file=str(path))
        self.prefix = min(roots, key=len)

    def display(self, path: str) -> str:
        return f"{self.label}!{self.prefix}{path}"

    def exists(self, path: str) -> bool:
        try:
            return self.prefix + check_relative_path(path, DESCRIPTOR) in self.members
        except PackageError:
            return False

    def read(self, path: str, where: str = DESCRIPTOR, limit: int = MAX_MEMBER_BYTES) -> bytes:
        name = self.prefix + check_relative_path(path, where)
        info = self.members.get(name)
        if info is None:
            raise PackageError(f"file {path!r} named in {where} is not in the archive", file=self.display(path))
        if info.file_size > limit:
            raise PackageError(f"{name!r} is {info.file_size} bytes; at most {limit} are read", file=self.display(path))
        try:
            with self.zf.open(info) as fh:
                data = fh.read(info.file_size + 1)
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
                zlib_error) as exc:
            raise PackageError(f"cannot read {name!r} from the archive: {exc}", file=self.display(path)) from None
        if len(data) > info.file_size:
            raise PackageError(f"zip entry {name!r} is larger than its header says", file=self.display(path))
        return data

    def close(self) -> None:
        self.zf.close()


def open_source(path: str | os.PathLike | None) -> PackageSource:
    """A package directory (default: the current one), a datapackage.json, or a release .zip."""
    p = Path(path) if path not in (None, "") else Path(".")
    if not p.exists():
        raise PackageError(f"no such file or directory: {p}", file=str(p))
    if p.is_dir():
        if not (p / DESCRIPTOR).is_file():
            raise PackageError(f"no {DESCRIPTOR} in directory {p}", file=str(p))
        return DirectorySource(p)
    if p.suffix.lower() == ".zip" or zipfile.is_zipfile(p):
        return ZipSource(p)
    if p.name.endswith(".json"):
        return DirectorySource(p.parent, descriptor=p.name)
    raise PackageError(f"{p} is neither a package directory, a {DESCRIPTOR} nor a .zip", file=str(p))
