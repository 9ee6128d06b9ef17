"""Where a package's bytes come from: a directory, a datapackage.json, or a release zip.

Every path inside a descriptor is untrusted (pull requests come from strangers, releases are
downloaded), so all reads go through `PackageSource.read` (and `read_optional`, `digest`), which refuse
remote URLs, absolute paths, `..`, symlinks leading out of the package and anything that is not a
regular file, and read zip members in memory, streamed and bounded by their compression ratio,
without extracting anything.
"""
from __future__ import annotations

import hashlib
import io
import os
import posixpath
import re
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from zlib import error as zlib_error

from balochistan_events.errors import PackageError

DESCRIPTOR = "datapackage.json"
# Bounds for archives. No absolute size cap (a legitimate release can be large): what is refused is
# *amplification*, a member or an archive expanding to more than MAX_RATIO times its compressed size
# (deflate bombs are ~1000:1; real CSV and Parquet compress 3-20:1). Members are inflated one at a
# time, streamed into one buffer of their declared size, and never past it.
MAX_MEMBER_BYTES = 2 * 1024**3     # Parquet decoding bound (loading.py); not a cap on zip members
MAX_RATIO = 200
RATIO_FREE_BYTES = 1024**2         # members up to 1 MiB may compress better than MAX_RATIO
MAX_MEMBERS = 10_000
CHUNK = 1 << 20
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

    def read(self, path: str, where: str = DESCRIPTOR, limit: int | None = None) -> bytes:  # pragma: no cover
        """The file's bytes; PackageError if it is missing, unsafe, or larger than `limit`."""
        raise NotImplementedError

    def read_optional(self, path: str, where: str = DESCRIPTOR) -> bytes | None:
        """The file's bytes, or None when nothing is there. Something there that is unsafe (a symlink
        out of the package, a FIFO, a directory) is an error, never silently skipped."""
        return self.read(path, where) if self.exists(path) else None

    def chunks(self, path: str, where: str = DESCRIPTOR) -> Iterator[bytes]:
        """The file's bytes in pieces (hashing a large file without holding it)."""
        yield self.read(path, where)

    def digest(self, path: str, algorithm: str, where: str = DESCRIPTOR) -> tuple[int, str]:
        """(size, hex digest) of the file, streamed."""
        h, n = hashlib.new(algorithm), 0
        for piece in self.chunks(path, where):
            h.update(piece)
            n += len(piece)
        return n, h.hexdigest()

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

    def read_optional(self, path: str, where: str = DESCRIPTOR) -> bytes | None:
        try:
            present = os.path.lexists(self.root / check_relative_path(path, where))
        except PackageError:
            present = True                   # let read() say why the path is refused
        return self.read(path, where) if present else None

    def _open(self, path: str, where: str, limit: int | None) -> tuple[int, int]:
        """(file descriptor, size) of a checked regular file, opened without blocking (a FIFO)."""
        full = self._resolve(path, where)
        try:
            fd = os.open(full, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            raise PackageError(f"file {path!r} named in {where} does not exist", file=path) from None
        except OSError as exc:
            raise PackageError(f"cannot read {path!r}: {exc.strerror}", file=path) from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise PackageError(f"{path!r} is not a regular file", file=path)
        if limit is not None and st.st_size > limit:
            os.close(fd)
            raise PackageError(f"{path!r} is {st.st_size} bytes; at most {limit} are read", file=path)
        return fd, st.st_size

    def read(self, path: str, where: str = DESCRIPTOR, limit: int | None = None) -> bytes:
        fd, _size = self._open(path, where, limit)
        try:
            with os.fdopen(fd, "rb") as fh:
                return fh.read()
        except OSError as exc:
            raise PackageError(f"cannot read {path!r}: {exc.strerror}", file=path) from None

    def chunks(self, path: str, where: str = DESCRIPTOR) -> Iterator[bytes]:
        fd, _size = self._open(path, where, None)
        with os.fdopen(fd, "rb") as fh:
            while piece := fh.read(CHUNK):
                yield piece


_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib_error)


class ZipSource(PackageSource):
    """A release zip, read member by member into memory. The package root is the folder holding
    datapackage.json (the zip's top level or a single top folder)."""

    def __init__(self, path: Path):
        self.label = str(path)
        try:
            self.zf = zipfile.ZipFile(path)
            archive_bytes = os.fstat(self.zf.fp.fileno()).st_size if self.zf.fp is not None else 0
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise PackageError(f"not a readable zip archive: {exc}", file=str(path)) from None
        infos = self.zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise PackageError(f"zip has {len(infos)} entries; at most {MAX_MEMBERS} allowed", file=str(path))
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if self._check_entry(info, str(path)):
                self.members[info.filename] = info
        total = sum(i.file_size for i in self.members.values())
        allowed = MAX_RATIO * max(archive_bytes, RATIO_FREE_BYTES)
        if total > allowed:
            raise PackageError(f"zip would expand to {total} bytes, more than {MAX_RATIO} times its own size "
                               f"({archive_bytes} bytes): possible zip bomb", file=str(path))
        roots = sorted(n[: -len(DESCRIPTOR)] for n in self.members if n == DESCRIPTOR or n.endswith("/" + DESCRIPTOR))
        if not roots:
            raise PackageError("zip holds no datapackage.json", file=str(path))
        self.prefix = min(roots, key=len)

    def _check_entry(self, info: zipfile.ZipInfo, where: str) -> bool:
        """Refuse a hostile entry from the zip's directory alone; True for a file to keep."""
        name = info.filename
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or "\\" in name:
            raise PackageError(f"zip entry {name!r} has an absolute or Windows path (zip-slip)", file=where)
        if ".." in name.split("/"):
            raise PackageError(f"zip entry {name!r} leaves the archive root (zip-slip)", file=where)
        mode = (info.external_attr >> 16) & 0xFFFF
        if stat.S_ISLNK(mode):
            raise PackageError(f"zip entry {name!r} is a symbolic link; links are refused", file=where)
        if info.is_dir():
            return False
        if name in self.members:
            raise PackageError(f"zip has two entries named {name!r}", file=where)
        if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_RATIO * info.compress_size:
            ratio = info.file_size // max(info.compress_size, 1)
            raise PackageError(f"zip entry {name!r} would expand to {info.file_size} bytes from {info.compress_size}: "
                               f"compression ratio {ratio}:1 (limit {MAX_RATIO}:1), possible zip bomb", file=where)
        return True

    def display(self, path: str) -> str:
        return f"{self.label}!{self.prefix}{path}"

    def exists(self, path: str) -> bool:
        try:
            return self.prefix + check_relative_path(path, DESCRIPTOR) in self.members
        except PackageError:
            return False

    def _member(self, path: str, where: str, limit: int | None) -> zipfile.ZipInfo:
        name = self.prefix + check_relative_path(path, where)
        info = self.members.get(name)
        if info is None:
            raise PackageError(f"file {path!r} named in {where} is not in the archive", file=self.display(path))
        if limit is not None and info.file_size > limit:
            raise PackageError(f"{name!r} is {info.file_size} bytes; at most {limit} are read", file=self.display(path))
        return info

    def chunks(self, path: str, where: str = DESCRIPTOR) -> Iterator[bytes]:
        """The member inflated piece by piece, never past its declared size (so never past the ratio)."""
        info = self._member(path, where, None)
        left = info.file_size
        try:
            with self.zf.open(info) as fh:
                while True:
                    piece = fh.read(min(CHUNK, left + 1))
                    if not piece:
                        break
                    left -= len(piece)
                    if left < 0:
                        raise PackageError(f"zip entry {info.filename!r} is larger than its header says",
                                           file=self.display(path))
                    yield piece
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method
        except _ZIP_ERRORS as exc:
            raise PackageError(f"cannot read {info.filename!r} from the archive: {exc}", file=self.display(path)) from None

    def read(self, path: str, where: str = DESCRIPTOR, limit: int | None = None) -> bytes:
        """The member's bytes, inflated as a stream into one buffer (BytesIO hands its buffer over
        without a copy: reading a member costs about its size once, not twice)."""
        info = self._member(path, where, limit)
        buf = io.BytesIO()
        for piece in self.chunks(path, where):
            buf.write(piece)
        if buf.tell() != info.file_size:
            raise PackageError(f"cannot read {info.filename!r} from the archive: it is shorter than its header says",
                               file=self.display(path))
        return buf.getvalue()

    def close(self) -> None:
        self.zf.close()


def open_source(path: str | os.PathLike | None) -> PackageSource:
    """A package directory (default: the current one), a datapackage.json, or a release .zip."""
    p = Path(path) if path not in (None, "") else Path(".")
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        raise PackageError(f"no such file or directory: {p}", file=str(p)) from None
    except OSError as exc:
        raise PackageError(f"cannot read {p}: {exc.strerror}", file=str(p)) from None
    if not stat.S_ISDIR(mode) and not stat.S_ISREG(mode):
        # a FIFO would block and /dev/zero never ends: refused before anything is opened
        raise PackageError(f"{p} is not a regular file or a directory", file=str(p))
    if stat.S_ISDIR(mode):
        if not (p / DESCRIPTOR).is_file():
            raise PackageError(f"no {DESCRIPTOR} in directory {p}", file=str(p))
        return DirectorySource(p)
    if p.suffix.lower() == ".zip" or zipfile.is_zipfile(p):
        return ZipSource(p)
    if p.name.endswith(".json"):
        return DirectorySource(p.parent, descriptor=p.name)
    raise PackageError(f"{p} is neither a package directory, a {DESCRIPTOR} nor a .zip", file=str(p))
