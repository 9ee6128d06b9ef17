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

import json
import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

JOURNAL = ".balochistan-events-transaction.json"


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
def atomic_path(target: str | os.PathLike, mode: int | None = None):
    """Yield a temporary path next to `target`; on success it replaces `target`, on error it is
    removed. mode: the new file's permissions (default: the old file's, else 0o644)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = target.stat().st_mode & 0o777
        except OSError:
            mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(target.parent)


def write_bytes(target: str | os.PathLike, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: str | os.PathLike, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


# --- several files: all or nothing, across crashes -------------------------------------------------

class TransactionError(OSError):
    """A rollback could not restore every file (the journal is kept, so recover() can retry)."""


class Transaction:
    """stage() new contents, commit() renames them into place, close() makes it final; until then
    rollback() (or, after a crash, recover()) restores every target byte for byte.

    journal_dir: where the journal lives (the package directory); replace: the rename function (a
    seam for tests that make a rename fail)."""

    def __init__(self, journal_dir: str | os.PathLike, replace=os.replace):
        self.journal = Path(journal_dir).absolute() / JOURNAL
        self.replace = replace
        self.token = secrets.token_hex(4)
        self.entries: list[dict] = []
        self.created_dirs: list[str] = []
        self.state = "staging"
        if self.journal.exists():
            raise TransactionError(f"{self.journal} exists: an earlier transaction was interrupted; "
                                   "run recover() first")

    # the journal: written (atomically) before each change that recovery must know about
    def _save(self) -> None:
        write_text(self.journal, json.dumps({"state": self.state, "entries": self.entries,
                                             "created_dirs": self.created_dirs}, indent=1))

    def _mkdirs(self, d: Path) -> None:
        missing = []
        while not d.exists():
            missing.append(d)
            d = d.parent
        for m in reversed(missing):
            self.created_dirs.append(str(m))
            self._save()
            m.mkdir()

    def stage(self, target: str | os.PathLike, data: bytes) -> None:
        if self.state != "staging":
            raise TransactionError("stage() after commit()")
        target = Path(target).absolute()
        self._mkdirs(target.parent)
        existed = target.exists() or target.is_symlink()
        mode = (target.stat().st_mode & 0o777) if target.exists() else 0o644
        entry = {"target": str(target), "existed": existed, "done": False,
                 "tmp": str(target.parent / f".{target.name}.{self.token}.new"),
                 "backup": str(target.parent / f".{target.name}.{self.token}.old")}
        self.entries.append(entry)
        self._save()                      # recovery now knows about the temporary file
        tmp = Path(entry["tmp"])
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)

    def commit(self) -> None:
        """Rename every staged file over its target; on any failure, undo them all."""
        try:
            for e in self.entries:
                if e["existed"]:
                    _backup(Path(e["target"]), Path(e["backup"]))
            self.state = "renaming"
            self._save()
            for e in self.entries:
                self.replace(e["tmp"], e["target"])
                e["done"] = True
            for d in {str(Path(e["target"]).parent) for e in self.entries}:
                _fsync_dir(Path(d))
            self.state = "renamed"
            self._save()
        except BaseException:
            self.rollback()
            raise

    def rollback(self) -> None:
        """Restore every target as it was (idempotent; allowed until close())."""
        if self.state == "closed":
            raise TransactionError("rollback() after close()")
        _undo({"state": self.state, "entries": self.entries, "created_dirs": self.created_dirs})
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
            Path(e["backup"]).unlink(missing_ok=True)


def _backup(target: Path, backup: Path) -> None:
    """A second name for the old file: a hard link (instant), else a copy."""
    backup.unlink(missing_ok=True)
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError:
        shutil.copy2(target, backup, follow_symlinks=False)
        with open(backup, "rb") as fh:
            os.fsync(fh.fileno())


def _undo(journal: dict) -> None:
    errors = []
    renaming = journal["state"] in ("renaming", "renamed")
    for e in reversed(journal["entries"]):
        target, tmp, backup = Path(e["target"]), Path(e["tmp"]), Path(e["backup"])
        try:
            if e["existed"]:
                if backup.exists() or backup.is_symlink():
                    os.replace(backup, target)          # the old file, under its name again
                    backup.unlink(missing_ok=True)     # (a no-op rename of two links leaves both)
            elif renaming and (target.exists() or target.is_symlink()):
                # a new file: ours only if the rename happened (recorded, or the temporary is gone)
                if e.get("done") or not tmp.exists():
                    target.unlink()
            tmp.unlink(missing_ok=True)
        except OSError as exc:
            errors.append(f"{target}: {exc}")
    for d in reversed(journal.get("created_dirs", [])):
        try:
            Path(d).rmdir()
        except OSError:
            pass
    if errors:
        raise TransactionError("could not restore: " + "; ".join(errors))


def recover(journal_dir: str | os.PathLike) -> list[str]:
    """Undo a transaction a crash interrupted in journal_dir. Returns the targets put back (empty
    when there was nothing to do)."""
    path = Path(journal_dir).absolute() / JOURNAL
    if not path.exists():
        return []
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
        entries = journal["entries"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TransactionError(f"{path}: unreadable transaction journal ({exc}); restore the files by hand "
                               "from the .old copies next to them, then delete it") from None
    _undo(journal)
    path.unlink()
    _fsync_dir(path.parent)
    return [e["target"] for e in entries]
