"""A package as it was at a git ref (tag, branch, commit), read with git plumbing: nothing is checked
out and the working tree is never touched. Also the small git queries releases need: the repository
root, the latest v* release tag, the last commit's date, uncommitted package files."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from balochistan_events.errors import PackageError
from balochistan_events.package.source import DESCRIPTOR, MAX_MEMBER_BYTES, PackageSource, check_relative_path

SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
GIT_TIMEOUT = 120


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    m = SEMVER.match(text or "")
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def git(repo: str | os.PathLike, *args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")  # read-only: take no index lock
    try:
        proc = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, env=env,
                              timeout=GIT_TIMEOUT)
    except FileNotFoundError:
        raise PackageError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise PackageError(f"git {' '.join(args)} timed out") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PackageError(f"git {' '.join(args[:3])} failed: {msg[-1] if msg else proc.returncode}")
    return proc


def repo_root(path: str | os.PathLike) -> Path | None:
    """The top of the git work tree holding `path`, or None outside git."""
    p = Path(path)
    p = p if p.is_dir() else p.parent
    try:
        proc = git(p, "rev-parse", "--show-toplevel", check=False)
    except PackageError:
        return None
    if proc.returncode != 0:
        return None
    return Path(proc.stdout.decode().strip())


def package_prefix(repo: Path, package_dir: str | os.PathLike) -> str:
    """The package directory relative to the repository root, as a git path prefix ('' or 'sub/')."""
    rel = os.path.relpath(os.path.realpath(package_dir), os.path.realpath(repo))
    if rel == ".":
        return ""
    if rel.startswith(".."):
        raise PackageError(f"{package_dir} is not inside the git repository {repo}")
    return rel.replace(os.sep, "/") + "/"


def resolve_commit(repo: Path, ref: str) -> str | None:
    if not ref or ref.startswith("-"):
        return None
    proc = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def release_tags(repo: Path) -> list[tuple[tuple[int, int, int], str]]:
    """(version, tag) for every tag named vX.Y.Z, highest version last."""
    proc = git(repo, "tag", "--list", "v*")
    tags = []
    for tag in proc.stdout.decode("utf-8", "replace").split():
        v = parse_version(tag[1:])
        if v is not None:
            tags.append((v, tag))
    return sorted(tags)


def latest_release_tag(repo: Path) -> tuple[tuple[int, int, int], str] | None:
    tags = release_tags(repo)
    return tags[-1] if tags else None


def version_spec(text: str) -> tuple[int, int, int] | None:
    """'1.0.0' or 'v1.0.0' -> (1, 0, 0); None for anything else (a branch, a commit, a path)."""
    return parse_version(text[1:] if text[:1] in ("v", "V") else text)


def _descriptor_version(repo: Path, commit: str, path: str) -> tuple[int, int, int] | None:
    import json

    proc = git(repo, "show", f"{commit}:{path}", check=False)
    if proc.returncode != 0:
        return None
    try:
        desc = json.loads(proc.stdout.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return parse_version(desc.get("version")) if isinstance(desc, dict) else None


def version_commits(repo: Path, prefix: str = "") -> list[tuple[tuple[int, int, int], str]]:
    """(version, commit) for each version datapackage.json has carried in the history of HEAD: the
    oldest commit whose descriptor says that version, oldest first. What a clone without tags uses."""
    path = prefix + DESCRIPTOR
    proc = git(repo, "log", "--reverse", "--format=%H", "HEAD", "--", path, check=False)
    if proc.returncode != 0:
        return []
    seen: dict[tuple[int, int, int], str] = {}
    for commit in proc.stdout.decode().split():
        v = _descriptor_version(repo, commit, path)
        if v is not None and v not in seen:
            seen[v] = commit
    return list(seen.items())


def resolve_version(repo: Path, text: str, prefix: str = "") -> tuple[str, str] | None:
    """A released version ('1.0.0' or 'v1.0.0') -> (ref, label): the tag vX.Y.Z when it exists, else
    the commit whose datapackage.json first carried that version. None when `text` is not a version
    or no commit carries it."""
    v = version_spec(text)
    if v is None:
        return None
    tag = "v" + ".".join(map(str, v))
    if tag_exists(repo, tag):
        return tag, tag
    for version, commit in version_commits(repo, prefix):
        if version == v:
            return commit, f"{tag} (commit {commit[:12]}; no tag)"
    return None


def latest_release(repo: Path, prefix: str = "") -> tuple[tuple[int, int, int], str, str] | None:
    """(version, 'vX.Y.Z', git ref) of the last release: the highest v* tag; in a clone without tags,
    the highest version that datapackage.json has carried and CHANGELOG.md (at HEAD) has an entry
    for (`release` writes both in the same commit), at the commit that first carried it."""
    last = latest_release_tag(repo)
    if last is not None:
        return last[0], last[1], last[1]
    proc = git(repo, "show", f"HEAD:{prefix}CHANGELOG.md", check=False)
    changelog = proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else ""
    released = set()
    for m in re.finditer(r"(?m)^## \[v?([0-9]+\.[0-9]+\.[0-9]+)\]", changelog):
        v = parse_version(m.group(1))
        if v is not None:
            released.add(v)
    found = [(v, commit) for v, commit in version_commits(repo, prefix) if v in released]
    if not found:
        return None
    v, commit = max(found)
    return v, "v" + ".".join(map(str, v)), commit


def tag_exists(repo: Path, tag: str) -> bool:
    return git(repo, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}", check=False).returncode == 0


def last_commit_time(path: str | os.PathLike) -> int | None:
    """Unix time of the last commit (committer date) of the repository holding `path`."""
    root = repo_root(path)
    if root is None:
        return None
    proc = git(root, "log", "-1", "--format=%ct", check=False)
    text = proc.stdout.decode().strip()
    return int(text) if proc.returncode == 0 and text.isdigit() else None


def uncommitted(repo: Path, paths: list[str]) -> list[str]:
    """Paths (relative to the repo) under `paths` with uncommitted or untracked changes."""
    proc = git(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
    out = []
    for entry in proc.stdout.decode("utf-8", "replace").split("\0"):
        if len(entry) > 3:
            out.append(entry[3:])
    return out


class GitSource(PackageSource):
    """Read-only access to a package's files at one commit."""

    def __init__(self, repo: Path, ref: str, prefix: str = ""):
        commit = resolve_commit(repo, ref)
        if commit is None:
            raise PackageError(f"{ref!r} is not a git ref in {repo}")
        self.repo, self.ref, self.commit, self.prefix = repo, ref, commit, prefix
        self.label = ref
        proc = git(repo, "ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix or ".")
        self.entries: dict[str, tuple[str, str]] = {}
        for entry in proc.stdout.decode("utf-8", "replace").split("\0"):
            if not entry:
                continue
            meta, _, name = entry.partition("\t")
            mode, kind, sha = meta.split()
            if kind == "blob" and name.startswith(prefix):
                self.entries[name[len(prefix):]] = (mode, sha)
        if DESCRIPTOR not in self.entries:
            raise PackageError(f"no {DESCRIPTOR} at {ref}" + (f" in {prefix}" if prefix else ""), file=ref)

    def display(self, path: str) -> str:
        return f"{self.ref}:{self.prefix}{path}"

    def exists(self, path: str) -> bool:
        try:
            return check_relative_path(path, DESCRIPTOR) in self.entries
        except PackageError:
            return False

    def read(self, path: str, where: str = DESCRIPTOR, limit: int | None = MAX_MEMBER_BYTES) -> bytes:
        rel = check_relative_path(path, where)
        entry = self.entries.get(rel)
        if entry is None:
            raise PackageError(f"file {path!r} named in {where} does not exist at {self.ref}", file=self.display(rel))
        mode, sha = entry
        if mode == "120000":
            raise PackageError(f"{path!r} is a symbolic link at {self.ref}; links are refused", file=self.display(rel))
        size = git(self.repo, "cat-file", "-s", sha).stdout.decode().strip()
        if limit is not None and size.isdigit() and int(size) > limit:
            raise PackageError(f"{path!r} is {size} bytes at {self.ref}; at most {limit} are read", file=self.display(rel))
        return git(self.repo, "cat-file", "blob", sha).stdout


def open_ref(ref: str, cwd: str | os.PathLike = ".") -> GitSource | None:
    """The package at `ref` in the repository holding `cwd` (package directory = cwd), or None when
    `ref` is not a git ref there. A version ('1.0.0', 'v1.0.0') is its tag or, in a clone without
    tags, the commit whose datapackage.json first carried it."""
    root = repo_root(cwd)
    if root is None:
        return None
    prefix = package_prefix(root, cwd)
    if version_spec(ref) is not None:
        found = resolve_version(root, ref, prefix)
        if found is not None:
            source = GitSource(root, found[0], prefix)
            source.label = found[1]
            return source
    if resolve_commit(root, ref) is None:
        return None
    return GitSource(root, ref, prefix)


def export_ref(ref: str, dest: Path, cwd: str | os.PathLike = ".") -> tuple[Path, str | None]:
    """Write the package at `ref` (a version, tag, branch or commit; versions resolve as in open_ref) into
    `dest`, with the files a release ships; (package directory, its datapackage.json's `created`)."""
    import io
    import json
    import tarfile

    source = open_ref(ref, cwd)
    if source is None:
        what = "version" if version_spec(ref) is not None else "git ref"
        raise PackageError(f"{what} {ref!r}: not found in the repository at {cwd} (no such tag, commit or version)")
    archive = git(source.repo, "archive", "--format=tar", source.commit, "--", source.prefix or ".").stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith(source.prefix):
                rel = check_relative_path(member.name[len(source.prefix):], DESCRIPTOR)
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                extracted = tar.extractfile(member)
                target.write_bytes(extracted.read() if extracted is not None else b"")
    try:
        created = json.loads((dest / DESCRIPTOR).read_text(encoding="utf-8")).get("created")
    except (OSError, ValueError, AttributeError):
        created = None
    return dest, created if isinstance(created, str) else None
