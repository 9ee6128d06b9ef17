"""The R loader shipped in a release carries the sha256 of the releases before it (a zip cannot hold
its own hash), so that read_balochistan_events(version = ...) can check a download. Writing only
versions older than the one built keeps the build reproducible from its tag: the registry a later
checkout holds adds newer versions, never changes older ones."""
from __future__ import annotations

import re
from pathlib import Path

R_LOADER = "R/read_balochistan_events.R"
_LINE = re.compile(rb"(?m)^\.be_registry <- c\(.*\)$")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def registry_line(known: dict[str, str], version: str) -> bytes:
    older = [(v, h) for v, h in known.items() if _key(v) < _key(version)]
    return (".be_registry <- c(" + ", ".join(f'"{v}" = "{h}"' for v, h in older) + ")").encode("ascii")


def stamp_registry(files: dict[str, bytes], version: str) -> None:
    """Rewrite the R loader's `.be_registry <- c(...)` line in `files` (when both are there) in place."""
    text = files.get(R_LOADER)
    if text is None or len(_LINE.findall(text)) != 1:
        return
    from balochistan_events.package.download import registry

    line = registry_line(registry(), version)
    files[R_LOADER] = _LINE.sub(lambda _m: line, text)


def registry_updates(pkg_dir: Path, version: str, sha256: str, day: str) -> dict[str, bytes]:
    """What `release` rewrites, in the same transaction as the zip, when the package directory is this
    tool's checkout: src/balochistan_events/registry.json gains the new version, and the repository's R
    loader learns it too (a build rewrites that line anyway, so rebuilding from the tag is unchanged).
    {path relative to pkg_dir: new bytes}; empty for a package without the tool's sources."""
    from balochistan_events.package.download import REGISTRY_IN_CHECKOUT, registry_with

    registry_path = pkg_dir / REGISTRY_IN_CHECKOUT
    if not registry_path.is_file():
        return {}
    new_registry = registry_with(registry_path.read_bytes(), version, sha256, day)
    out = {REGISTRY_IN_CHECKOUT: new_registry}
    loader = pkg_dir / R_LOADER
    if loader.is_file() and len(_LINE.findall(loader.read_bytes())) == 1:
        import json

        known = {v: e["sha256"] for v, e in json.loads(new_registry)["releases"].items()}
        line = registry_line(known, "999999.0.0")
        out[R_LOADER] = _LINE.sub(lambda _m: line, loader.read_bytes())
    return out
