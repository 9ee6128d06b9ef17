"""balochistan-events: an attributed-claims conflict dataset and the tools that validate and release it.

    >>> import balochistan_events as be
    >>> tables = be.load()                # events, actors, sources, claims as typed DataFrames
    >>> report = be.validate_package(".")
"""
from __future__ import annotations

__all__ = ["load", "validate_package", "pandera_schemas", "PackageError", "__version__"]

from typing import TYPE_CHECKING, Any

from balochistan_events.errors import PackageError

if TYPE_CHECKING:  # the names __getattr__ provides, for type checkers (the package ships py.typed)
    from balochistan_events.package.loading import load
    from balochistan_events.validation.engine import validate_package
    from balochistan_events.validation.pandera_bridge import pandera_schemas


def _installed_version() -> str:
    """The installed distribution's version (pyproject.toml); 0+unknown when run from a bare source tree."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("balochistan-events")
    except PackageNotFoundError:
        return "0+unknown"


def __getattr__(name: str) -> Any:
    # Imports stay lazy so that `balochistan-events --help` and the CLI start quickly (importlib.metadata,
    # which __version__ needs, costs as much as the rest of the start-up).
    if name == "__version__":
        return _installed_version()
    if name == "load":
        from balochistan_events.package.loading import load
        return load
    if name == "validate_package":
        from balochistan_events.validation.engine import validate_package
        return validate_package
    if name == "pandera_schemas":
        from balochistan_events.validation.pandera_bridge import pandera_schemas
        return pandera_schemas
    raise AttributeError(name)
