"""One writer at a time: an advisory lock (fcntl.flock) per package, and where per-run state lives.

Every command that writes the package or its dist/ folder (add-*, release, build, export/codebook/report
--out into the package) holds `package_lock(package_dir, command)` while it reads what it will change
and writes it, so two contributors' `add-claim`s cannot hand out the same ID or lose a row, and two
`release`s cannot both cut the same version. A second writer waits up to `LOCK_WAIT` seconds (the
environment variable BALOCHISTAN_EVENTS_LOCK_WAIT overrides it), then stops with exit 2 naming the
holder (its pid and command).

The lock file, and the release journal (atomic.Transaction), live in the *state directory* of the
package: inside the git directory (`.git/balochistan-events/`) when the package is in a git checkout —
a place no pull request can put a file — else in the user's state directory
(`$XDG_STATE_HOME/balochistan-events/`, default ~/.local/state), keyed by the package's real path.
Nothing in the package tree is ever trusted as state.

The lock is advisory: it orders this tool's own writers, not an editor or `git pull` running at the
same moment. The kernel drops it when the holder exits, however it exits (even SIGKILL), so a crash
never leaves a stale lock behind.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from balochistan_events.errors import PackageError

try:
    import fcntl
except ImportError:                 # Windows: no flock; writers are not ordered there (docs/security.md)
    fcntl = None  # type: ignore[assignment]

LOCK_WAIT = 30.0            # seconds a second writer waits before giving up
_POLL = 0.05
STATE_SUBDIR = "balochistan-events"
_held: dict[str, int] = {}   # real state dir -> depth (re-entrant inside one process)


def _git_dirs(pkg_dir: Path) -> tuple[Path, Path] | None:
    """(the git directory, the top of the work tree) of the checkout holding pkg_dir, or None."""
    from balochistan_events.package.gitsource import git

    try:
        proc = git(pkg_dir, "rev-parse", "--absolute-git-dir", "--show-toplevel", check=False)
    except PackageError:
        return None
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    if proc.returncode != 0 or len(lines) != 2:
        return None
    return Path(lines[0]), Path(lines[1])


def state_dir(pkg_dir: str | os.PathLike, create: bool = True) -> Path:
    """Where the lock and the release journal of the package in `pkg_dir` live (see module doc)."""
    real = os.path.realpath(pkg_dir)
    dirs = _git_dirs(Path(real))
    if dirs is not None:
        rel = os.path.relpath(real, os.path.realpath(dirs[1]))
        base = dirs[0] / STATE_SUBDIR
        key = "package" if rel == "." else "package-" + hashlib.sha256(rel.encode()).hexdigest()[:16]
    else:
        root = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
        base = Path(root) / STATE_SUBDIR
        key = "package-" + hashlib.sha256(real.encode()).hexdigest()[:16]
    path = base / key
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise PackageError(f"cannot create the lock directory {path}: {exc.strerror}", file=str(path)) from None
    return path


def lock_wait() -> float:
    text = os.environ.get("BALOCHISTAN_EVENTS_LOCK_WAIT", "").strip()
    if not text:
        return LOCK_WAIT
    try:
        value = float(text)
    except ValueError:
        raise PackageError(f"BALOCHISTAN_EVENTS_LOCK_WAIT={text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise PackageError(f"BALOCHISTAN_EVENTS_LOCK_WAIT={text!r} must be a finite number of seconds >= 0")
    return value


class LockBusy(PackageError):
    """Another writer holds the package lock (exit 2)."""


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8", "replace") or "{}")
        pid, command = int(info.get("pid")), str(info.get("command", "?"))
    except (OSError, ValueError, TypeError, AttributeError):
        return "another balochistan-events process"
    from balochistan_events.errors import safe_text

    return f"pid {pid} ({safe_text(command, 120)})"


def _describe(command: str | None) -> str:
    if command:
        return command
    return " ".join(["balochistan-events", *sys.argv[1:3]])


@contextmanager
def package_lock(pkg_dir: str | os.PathLike, command: str | None = None,
                 wait: float | None = None) -> Iterator[Path]:
    """Hold the package's write lock; yields the state directory. Re-entrant within one process."""
    state = state_dir(pkg_dir)
    key = str(state)
    if _held.get(key):
        _held[key] += 1
        try:
            yield state
        finally:
            _held[key] -= 1
        return
    if fcntl is None:
        yield state
        return
    path = state / "lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        deadline = time.monotonic() + (lock_wait() if wait is None else wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise LockBusy(f"the package is being written by {_holder(fd)}; wait for it to finish and "
                                   f"run the command again (lock: {path})", file=str(pkg_dir)) from None
                time.sleep(_POLL)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps({"pid": os.getpid(), "command": _describe(command)}).encode("utf-8"))
        _held[key] = 1
        try:
            yield state
        finally:
            _held.pop(key, None)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)          # closing the descriptor releases the flock
