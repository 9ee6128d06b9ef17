"""Where commands may write: the output-path check every `--out` goes through.

An output path is refused when
- it lies inside a package's `data/` or `schemas/` folder, or is its descriptor (an `export --out
  data/claims.csv` would overwrite the data it was made from; only add-* and release write there, each
  through its own checked route);
- it goes through a symbolic link below a package directory (the command's, or the current one) — a committed
  `dist` symlink would otherwise send a build anywhere the maintainer can write. The path must lead
  where the user pointed, not where a link in the checkout points;
- (release) it is not inside the package, when `inside` is given: a release's journal names only
  paths inside the package.
A path outside every package is taken as the user wrote it (links the user made there are theirs).
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from balochistan_events.errors import PackageError
from balochistan_events.package.source import DESCRIPTOR

PROTECTED = ("data", "schemas")


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def package_roots(*paths: str | os.PathLike | None) -> list[Path]:
    """The package directories among `paths` (a directory, or a descriptor's folder) and the current
    directory when it holds a package: the folders whose data an output must never overwrite."""
    roots: list[Path] = []
    for p in [*paths, "."]:
        if p is None or p == "":
            p = "."
        path = Path(p)
        if path.is_file() and path.name.endswith(".json"):
            path = path.parent
        if path.is_dir() and (path / DESCRIPTOR).is_file() and path.absolute() not in roots:
            roots.append(path.absolute())
    return roots


def _no_links(target: Path, anchor: Path, shown: str) -> None:
    cur = anchor
    for part in target.relative_to(anchor).parts:
        cur = cur / part
        if cur.is_symlink():
            raise PackageError(f"{shown} goes through the symbolic link {cur} (-> {os.readlink(cur)}): outputs are "
                               "written where you point, never through a link in the checkout", file=shown)


def check_output(out: str | os.PathLike, packages: Iterable[str | os.PathLike | None] = (), *,
                 inside: str | os.PathLike | None = None, what: str = "--out") -> Path:
    """`out` as a Path, after the checks in the module doc; PackageError (exit 2) otherwise."""
    shown = str(out)
    target = Path(os.path.abspath(out))
    roots = package_roots(*packages)
    for anchor in roots:
        if _under(str(target), str(anchor)):
            _no_links(target, anchor, shown)
    real = os.path.realpath(target)
    for root in roots:
        real_root = os.path.realpath(root)
        for name in PROTECTED:
            if _under(real, os.path.join(real_root, name)):
                raise PackageError(f"{what} {shown} is inside the package's {name}/ folder: refused, it would "
                                   "overwrite the package's own files", file=shown)
        if real == os.path.join(real_root, DESCRIPTOR):
            raise PackageError(f"{what} {shown} is the package's {DESCRIPTOR}: refused", file=shown)
    if inside is not None and not _under(real, os.path.realpath(inside)):
        raise PackageError(f"{what} {shown} is outside the package directory {inside}: a release writes only "
                           "inside its package (the default is dist/)", file=shown)
    return Path(out)


def lock_root(out: str | os.PathLike, packages: Iterable[str | os.PathLike | None] = ()) -> Path | None:
    """The package directory an output lands in (so the writer takes its lock), or None."""
    real = os.path.realpath(os.path.abspath(out))
    for root in package_roots(*packages):
        if _under(real, os.path.realpath(root)):
            return root
    return None
