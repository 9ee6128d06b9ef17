"""The R loader shipped in a release carries the sha256 of the releases before it (a zip cannot hold
its own hash), so that read_balochistan_events(version = ...) can check a download. Writing only
versions older than the one built keeps the build reproducible from its tag: the registry a later
checkout holds adds newer versions, never changes older ones."""
from __future__ import annotations

import re

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
