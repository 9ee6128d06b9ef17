"""Exports to peer formats: ACLED-shaped CSV, UCDP GED-shaped CSV, GeoJSON, HXL-tagged CSV, and an Excel
workbook for spreadsheet users.

    >>> from balochistan_events.exports import export_table
    >>> text = export_table("acled", ".")       # doctest: +SKIP

Every crosswalk (which of our fields fills which peer column, and how codes translate) is read from
the x-acled / x-ucdp / x-hxl properties in schemas/*.json; what each format cannot express is listed
in its module's LIMITATIONS and printed in the codebook. This module stays light (no pandas) so the
CLI starts fast; the exporters are imported when used."""
from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

TEXT_KINDS = ("acled", "ucdp", "geojson", "hxl")
BINARY_KINDS = ("xlsx",)
KINDS = TEXT_KINDS + BINARY_KINDS


def exporter(kind: str) -> ModuleType:
    """The module implementing one export (acled, ucdp, geojson, hxl, xlsx)."""
    if kind not in KINDS:
        raise ValueError(f"unknown export {kind!r}; choose one of {', '.join(KINDS)}")
    return importlib.import_module(f"{__name__}.{kind}")


def export_table(kind: str, path: str | os.PathLike | None = None) -> str:
    """The package at `path` (directory, datapackage.json or release zip; default: see load()) as the
    text of one export. Deterministic: the same package gives the same text."""
    if kind in BINARY_KINDS:
        raise ValueError(f"{kind} is a binary format: use export_result()")
    text, _ = export_result(kind, path)
    return str(text)


def export_result(kind: str, path: str | os.PathLike | None = None, *,
                  dataset: Any = None) -> tuple[str | bytes, list[str]]:
    """One export of the package at `path` (text, or bytes for xlsx) and the notices to show the user on
    standard error (e.g. how many events the GED export left out, and why). `dataset`: the package
    already loaded with `.resources` (validation.gate.validated_dataset), instead of reading `path`."""
    module = exporter(kind)
    ds = dataset if dataset is not None else load_for_export(path)
    if hasattr(module, "export_with_notices"):
        out, notices = module.export_with_notices(ds)
        return out, list(notices)
    return module.export(ds), []


def load_for_export(path: str | os.PathLike | None = None) -> Any:
    """load(path): the tables plus `.resources` (name -> descriptor.Resource: the schemas with their x-
    crosswalk properties), which the exporters read their crosswalks from."""
    from balochistan_events.package.loading import load

    return load(path)
