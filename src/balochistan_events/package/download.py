"""Published releases: where they are, which sha256 each must have, and a verified local copy.

    fetch_release("1.0.0")  ->  <user cache>/releases/1.0.0/<sha256>/balochistan-events-1.0.0.zip

- URL: BALOCHISTAN_EVENTS_RELEASE_URL with {version} replaced, else the GitHub release asset of the
  repository named in the installed package's [project.urls] (Repository).
- Expected sha256: the registry shipped in the package (registry.json; `release` adds each new
  version), else, for a version newer than every registered one, the published .sha256 beside the zip.
- Cache: the user cache directory (platformdirs), one folder per version and hash; the hash is checked
  again on every use, and a cached release needs no network.
The download itself is pooch's (it also deletes a download whose hash does not match)."""
from __future__ import annotations

import json
import os
import re
import tempfile
from importlib import resources
from pathlib import Path

from balochistan_events.errors import PackageError

ENV_URL = "BALOCHISTAN_EVENTS_RELEASE_URL"
ENV_CACHE = "BALOCHISTAN_EVENTS_CACHE_DIR"
REGISTRY = "registry.json"
DEFAULT_REPOSITORY = "https://github.com/balochistan-events/balochistan-events"
_VERSION = re.compile(r"^v?((0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*))$")
_SHA256_LINE = re.compile(r"^\s*([0-9a-fA-F]{64})\s+\*?(\S.*?)\s*$")


def zip_name(version: str) -> str:
    return f"balochistan-events-{version}.zip"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def normalise_version(text: str) -> str:
    """'1.0.0' or 'v1.0.0' -> '1.0.0'; PackageError for anything else."""
    m = _VERSION.match(str(text).strip())
    if not m:
        raise PackageError(f"version {str(text)[-300:]!r} is not X.Y.Z (for example 1.0.0)")
    return m.group(1)


def registry() -> dict[str, str]:
    """{version: sha256} of every release this package knows, oldest first."""
    raw = resources.files("balochistan_events").joinpath(REGISTRY).read_text(encoding="utf-8")
    data = json.loads(raw)
    releases = data.get("releases", {}) if isinstance(data, dict) else {}
    return {v: entry["sha256"] for v, entry in sorted(releases.items(), key=lambda kv: _key(kv[0]))}


def repository_url() -> str:
    """The Repository URL from the installed package's metadata ([project.urls] in pyproject.toml)."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata("balochistan-events").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("repository", "source") and url.strip().startswith("https://github.com/"):
            return url.strip().rstrip("/")
    return DEFAULT_REPOSITORY


def url_template() -> str:
    template = os.environ.get(ENV_URL, "").strip()
    if template:
        if "{version}" not in template:
            raise PackageError(f"{ENV_URL}={template[:200]!r} has no {{version}} placeholder")
        return template
    return repository_url() + "/releases/download/v{version}/balochistan-events-{version}.zip"


def release_url(version: str) -> str:
    return url_template().replace("{version}", version)


def cache_root() -> Path:
    override = os.environ.get(ENV_CACHE, "").strip()
    if override:
        return Path(override)
    import platformdirs

    return platformdirs.user_cache_path("balochistan-events") / "releases"


def _known_text(known: dict[str, str]) -> str:
    return ", ".join(known) if known else "none"


def _cached_sidecar(version: str) -> str | None:
    """The sha256 of a version fetched earlier through its published .sha256 (kept in the cache)."""
    folder = cache_root() / version
    if not folder.is_dir():
        return None
    for sidecar in sorted(folder.glob(f"*/{zip_name(version)}.sha256")):
        digest = parse_sha256(sidecar.read_text(encoding="utf-8", errors="replace"), zip_name(version))
        if digest and sidecar.parent.name == digest and (sidecar.parent / zip_name(version)).is_file():
            return digest
    return None


def parse_sha256(text: str, name: str) -> str | None:
    """The sha256 for `name` in a sha256sum-format text (or its only line)."""
    lines = [m for m in (_SHA256_LINE.match(line) for line in text.splitlines()) if m]
    for m in lines:
        if Path(m.group(2)).name == name:
            return m.group(1).lower()
    return lines[0].group(1).lower() if len(lines) == 1 else None


def _network_error(exc: BaseException, url: str, version: str) -> PackageError:
    reason = "no network, or the server cannot be reached" if not isinstance(exc, OSError) or \
        exc.__class__.__module__.startswith("requests") else str(exc)[:200]
    return PackageError(f"cannot download release {version} ({reason}: {type(exc).__name__}) from {url}; "
                        f"a release downloaded once works offline; {ENV_URL} sets a mirror")


def _published_sha256(version: str, url: str, known: dict[str, str]) -> str:
    """The sha256 in the .sha256 file published beside the zip; unknown version when there is none."""
    import pooch
    import requests

    with tempfile.TemporaryDirectory(prefix="be-sha256-") as tmp:
        try:
            path = pooch.retrieve(url + ".sha256", known_hash=None, fname="release.sha256", path=tmp)
        except requests.exceptions.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (403, 404, 410):
                raise PackageError(f"unknown version {version}: no release at {url} (HTTP {status}); "
                                   f"known versions: {_known_text(known)}") from None
            raise _network_error(exc, url, version) from None
        except (requests.exceptions.RequestException, OSError) as exc:
            raise _network_error(exc, url, version) from None
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    digest = parse_sha256(text, zip_name(version))
    if digest is None:
        raise PackageError(f"{url}.sha256 holds no sha256 line for {zip_name(version)}")
    return digest


def expected_sha256(version: str) -> tuple[str, str]:
    """(sha256, where it came from) for a release, or PackageError listing the known versions."""
    known = registry()
    if version in known:
        return known[version], "the registry shipped in this package"
    if known and _key(version) <= max(_key(v) for v in known):
        raise PackageError(f"unknown version {version}: known versions are {_known_text(known)}")
    cached = _cached_sidecar(version)
    if cached:
        return cached, "its published .sha256 (cached)"
    return _published_sha256(version, release_url(version), known), "its published .sha256"


def fetch_release(version: str) -> Path:
    """The verified release zip of `version` in the user cache (downloaded when not cached yet)."""
    import pooch
    import requests

    pooch.get_logger().setLevel("WARNING")
    version = normalise_version(version)
    digest, origin = expected_sha256(version)
    folder = cache_root() / version / digest
    url = release_url(version)
    try:
        # pooch checks the hash of a cached file first, downloads only when it is absent or differs,
        # and deletes a download whose hash does not match
        path = Path(pooch.retrieve(url, known_hash=f"sha256:{digest}", fname=zip_name(version), path=folder))
    except ValueError as exc:
        got = re.search(r"but got ([0-9a-fA-F]{64})", str(exc))
        received = got.group(1).lower() if got else "unknown"
        raise PackageError(f"sha256 mismatch for {url}: expected {digest} ({origin}), received {received}; "
                           f"the download was deleted") from None
    except (requests.exceptions.RequestException, OSError) as exc:
        raise _network_error(exc, url, version) from None
    sidecar = path.with_name(path.name + ".sha256")
    if not sidecar.is_file():
        sidecar.write_text(f"{digest}  {path.name}\n", encoding="ascii")
    return path


def copy_release(path: Path, dest_dir: str | os.PathLike) -> Path:
    """Copy a verified zip and its .sha256 into dest_dir (atomically); the copied zip's path."""
    from balochistan_events.package.atomic import write_bytes

    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / path.name
    if target.resolve() != path.resolve():
        write_bytes(target, path.read_bytes())
        write_bytes(target.with_name(target.name + ".sha256"), path.with_name(path.name + ".sha256").read_bytes())
    return target



REGISTRY_IN_CHECKOUT = "src/balochistan_events/" + REGISTRY


def registry_with(raw: bytes, version: str, sha256: str, day: str) -> bytes:
    """registry.json's text with `version` added (what `release` writes beside the new zip); the
    existing entries and their order are kept, versions stay sorted."""
    data = json.loads(raw.decode("utf-8"))
    releases = dict(data.get("releases", {}))
    if version in releases and releases[version].get("sha256") != sha256:
        raise PackageError(f"{REGISTRY_IN_CHECKOUT} already records {version} with another sha256", file=REGISTRY_IN_CHECKOUT)
    releases[version] = {"sha256": sha256, "date": day}
    data["releases"] = dict(sorted(releases.items(), key=lambda kv: _key(kv[0])))
    lines = [f'    {json.dumps(v)}: {json.dumps(e)}' for v, e in data["releases"].items()]
    head = {k: v for k, v in data.items() if k != "releases"}
    body = "".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n" for k, v in head.items())
    return ("{\n" + body + '  "releases": {\n' + ",\n".join(lines) + "\n  }\n}\n").encode("utf-8")
