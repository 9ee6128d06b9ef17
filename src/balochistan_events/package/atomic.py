"""Atomic file writes.

One file: a temporary file in the same directory, fsync, then rename over the target (and fsync the
directory). A reader, or a crash, sees the old file or the new one, never half of one.

Several files (a release replaces datapackage.json and CHANGELOG.md and adds a zip and its .sha256):
`Transaction` with a journal. Renames of several files cannot be one atomic step, so the journal
records, before anything visible changes, which targets are replaced, where their temporary and
backup copies are (backups are hard links: the old bytes stay on disk for free). If the process dies
at any point (even SIGKILL, where no cleanup code runs), `recover(dir)` — which the next release
calls first — puts every target back byte for byte and removes the temporaries. The transaction is
done when `close()` deletes the journal.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(target: str | os.PathLike, mode: int | None = None) -> Generator[Path, None, None]:
    """Yield a temporary path next to `target`; on success it replaces `target`, on error it is
    removed. mode: the new file's permissions (default: the old file's, else 0o644)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = target.stat().st_mode & 0o777
        except OSError:
            mode = 0o644
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _naming(exc, target, None) from None
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _naming(exc, target, tmp) from None
        raise
    _fsync_dir(target.parent)


def _naming(exc: OSError, target: Path, tmp: str | None) -> OSError:
    """The error naming the file the user asked for (a full disk while writing a temporary file must
    say which output could not be written, not name a temporary or nothing at all)."""
    if exc.filename not in (None, tmp, str(target.parent)) and str(exc.filename) != str(target):
        return exc
    out = OSError(exc.errno, exc.strerror or str(exc), str(target))
    return out


def write_bytes(target: str | os.PathLike, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: str | os.PathLike, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


# --- several files: all or nothing, across crashes -------------------------------------------------

JOURNAL = "transaction.json"                             # in the package's state directory (lock.py)
STRAY_JOURNAL = ".balochistan-events-transaction.json"   # where 1.x kept it, in the tree: never trusted
_TOKEN = re.compile(r"^[0-9a-f]{8}$")
_STATES = ("staging", "renaming", "renamed")


class TransactionError(OSError):
    """A rollback could not restore every file (the journal is kept, so recover() can retry), or a
    journal is not one this tool wrote."""


def journal_path(root: str | os.PathLike) -> Path:
    """The journal of the package in `root`: inside .git/ (or the user's state directory), never in
    the package tree, so no pull request or copied package can supply one."""
    from balochistan_events.package.lock import state_dir

    return state_dir(root) / JOURNAL


def stray_journal(root: str | os.PathLike) -> Path | None:
    """A journal file inside the package tree (committed, or left by an old version): reported, ignored."""
    p = Path(root) / STRAY_JOURNAL
    return p if os.path.lexists(p) else None


def _inside(root: Path, rel: object, what: str) -> Path:
    """root/rel after checking that rel is a plain relative path that stays inside root."""
    from balochistan_events.errors import PackageError
    from balochistan_events.package.source import check_relative_path

    if not isinstance(rel, str):
        raise TransactionError(f"journal refused: {what} {str(rel)[:60]!r} is not a path")
    try:
        norm = check_relative_path(rel, JOURNAL, what)
    except PackageError as exc:
        raise TransactionError(f"journal refused: {exc}") from None
    full = root / norm
    real_parent = os.path.realpath(full.parent)
    real_root = os.path.realpath(root)
    if real_parent != real_root and not real_parent.startswith(real_root + os.sep):
        raise TransactionError(f"journal refused: {what} {rel!r} resolves outside the package")
    return full


def _names(target: Path, token: str) -> tuple[Path, Path]:
    """The temporary (new) and backup (old) files of a target: derived, never read from the journal."""
    return target.parent / f".{target.name}.{token}.new", target.parent / f".{target.name}.{token}.old"


class Transaction:
    """stage() new contents, commit() renames them into place, close() makes it final; until then
    rollback() (or, after a crash, recover()) restores every target byte for byte.

    root: the package directory; every target must be inside it, and the journal names them relative
    to it. The caller holds the package lock (lock.package_lock), so one run owns the journal.
    replace: the rename function (a seam for tests that make a rename fail)."""

    def __init__(self, root: str | os.PathLike, replace: Callable[[str, str], None] = os.replace) -> None:
        self.root = Path(root).absolute()
        self.journal = journal_path(self.root)
        self.replace = replace
        self.token = secrets.token_hex(4)
        self.entries: list[dict[str, Any]] = []
        self.created_dirs: list[str] = []
        self.state = "staging"
        if self.journal.exists():
            raise TransactionError(f"{self.journal} exists: an earlier transaction was interrupted; "
                                   "run recover() first")

    def _rel(self, path: Path) -> str:
        rel = os.path.relpath(path.absolute(), self.root)
        if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
            raise TransactionError(f"{path} is outside the package {self.root}: a release writes only inside it")
        return rel.replace(os.sep, "/")

    # the journal: written (atomically) before each change that recovery must know about
    def _save(self) -> None:
        write_text(self.journal, json.dumps({"version": 1, "root": str(self.root), "pid": os.getpid(),
                                             "token": self.token, "state": self.state, "entries": self.entries,
                                             "created_dirs": self.created_dirs}, indent=1))

    def _mkdirs(self, d: Path) -> None:
        missing = []
        while not d.exists():
            missing.append(d)
            d = d.parent
        for m in reversed(missing):
            self.created_dirs.append(self._rel(m))
            self._save()
            m.mkdir()

    def stage(self, target: str | os.PathLike, data: bytes) -> None:
        if self.state != "staging":
            raise TransactionError("stage() after commit()")
        target = Path(target).absolute()
        rel = self._rel(target)
        self._mkdirs(target.parent)
        _inside(self.root, rel, "target")
        existed = target.exists() or target.is_symlink()
        mode = (target.stat().st_mode & 0o777) if target.exists() else 0o644
        self.entries.append({"target": rel, "existed": existed, "done": False})
        self._save()                      # recovery now knows about the temporary file
        tmp, _ = _names(target, self.token)
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
        except OSError as exc:
            raise _naming(exc, target, str(tmp)) from None

    def commit(self) -> None:
        """Rename every staged file over its target; on any failure, undo them all."""
        try:
            for e in self.entries:
                if e["existed"]:
                    target = self.root / e["target"]
                    _backup(target, _names(target, self.token)[1])
            self.state = "renaming"
            self._save()
            for e in self.entries:
                target = self.root / e["target"]
                self.replace(str(_names(target, self.token)[0]), str(target))
                e["done"] = True
            for d in {str((self.root / e["target"]).parent) for e in self.entries}:
                _fsync_dir(Path(d))
            self.state = "renamed"
            self._save()
        except BaseException:
            self.rollback()
            raise

    def _journal(self) -> dict[str, Any]:
        return {"token": self.token, "state": self.state, "entries": self.entries, "created_dirs": self.created_dirs}

    def rollback(self) -> None:
        """Restore every target as it was (idempotent; allowed until close())."""
        if self.state == "closed":
            raise TransactionError("rollback() after close()")
        _undo(self.root, self._journal())
        self.journal.unlink(missing_ok=True)
        self.state = "closed"

    def close(self) -> None:
        """The commit point: the new files stay; the journal and the backups go."""
        if self.state != "renamed":
            raise TransactionError(f"close() in state {self.state}")
        self.journal.unlink()
        _fsync_dir(self.journal.parent)
        self.state = "closed"
        for e in self.entries:
            _names(self.root / e["target"], self.token)[1].unlink(missing_ok=True)


def _backup(target: Path, backup: Path) -> None:
    """A second name for the old file: a hard link (instant), else a copy."""
    backup.unlink(missing_ok=True)
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError:
        shutil.copy2(target, backup, follow_symlinks=False)
        with open(backup, "rb") as fh:
            os.fsync(fh.fileno())


def _undo(root: Path, journal: dict[str, Any]) -> None:
    errors = []
    renaming = journal["state"] in ("renaming", "renamed")
    for e in reversed(journal["entries"]):
        target = root / e["target"]
        tmp, backup = _names(target, journal["token"])
        try:
            if e["existed"]:
                if backup.exists() or backup.is_symlink():
                    os.replace(backup, target)          # the old file, under its name again
                    backup.unlink(missing_ok=True)     # (a no-op rename of two links leaves both)
            elif renaming and (target.exists() or target.is_symlink()) and (e.get("done") or not tmp.exists()):
                # a new file: ours only if the rename happened (recorded, or the temporary is gone)
                target.unlink()
            tmp.unlink(missing_ok=True)
        except OSError as exc:
            errors.append(f"{e['target']}: {exc.strerror or exc}")
    for d in reversed(journal.get("created_dirs", [])):
        with contextlib.suppress(OSError):
            (root / d).rmdir()
    if errors:
        raise TransactionError("could not restore: " + "; ".join(errors))


def _checked_journal(root: Path, path: Path) -> dict[str, Any]:
    """The journal at `path`, after checking that it is one this tool wrote for this package: known
    state, an 8-hex token, and only relative paths that stay inside the package."""
    try:
        if path.is_symlink() or not path.is_file():
            raise ValueError("not a regular file")
        if path.stat().st_size > 1 << 20:
            raise ValueError("larger than 1 MiB")
        journal = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse)
        if not isinstance(journal, dict) or journal.get("version") != 1:
            raise ValueError("not a version-1 journal object")
        if not isinstance(journal.get("token"), str) or not _TOKEN.match(journal["token"]):
            raise ValueError("bad token")
        if journal.get("state") not in _STATES:
            raise ValueError(f"unknown state {str(journal.get('state'))[:40]!r}")
        entries, dirs = journal.get("entries"), journal.get("created_dirs", [])
        if not isinstance(entries, list) or not isinstance(dirs, list):
            raise ValueError("entries and created_dirs must be lists")
        for e in entries:
            if not isinstance(e, dict) or not isinstance(e.get("existed"), bool) or \
                    not isinstance(e.get("done", False), bool):
                raise ValueError("malformed entry")
            _inside(root, e.get("target"), "target")
        for d in dirs:
            _inside(root, d, "created directory")
    except (OSError, ValueError, TypeError, RecursionError) as exc:
        raise TransactionError(f"{path}: not a valid transaction journal ({exc}); nothing was restored. Restore "
                               "the files by hand from the .old copies next to them, then delete it") from None
    return journal


def _refuse(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def recover(journal_dir: str | os.PathLike) -> list[str]:
    """Undo a transaction a crash interrupted in the package at `journal_dir`. Returns the targets put
    back (empty when there was nothing to do). Holds the package lock, so a live transaction (whose
    process holds it) is never mistaken for an interrupted one."""
    from balochistan_events.package.lock import package_lock

    root = Path(journal_dir).absolute()
    with package_lock(root, "recover an interrupted release"):
        path = journal_path(root)
        if not os.path.lexists(path):
            return []
        journal = _checked_journal(root, path)
        _undo(root, journal)
        path.unlink()
        _fsync_dir(path.parent)
    return [e["target"] for e in journal["entries"]]
