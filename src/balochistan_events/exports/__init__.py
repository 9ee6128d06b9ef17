"""Exports to peer formats: ACLED-shaped CSV, UCDP GED-shaped CSV, GeoJSON and HXL-tagged CSV.

    >>> from balochistan_events.exports import export_table
    >>> text = export_table("acled", ".")       # doctest: +SKIP

Every crosswalk (which of our fields fills which peer column, and how codes translate) is read from
the x-acled / x-ucdp / x-hxl properties in schemas/*.json; what each format cannot express is listed
in its module's LIMITATIONS and printed in the codebook. This module stays light (no pandas) so the
CLI starts fast; the exporters are imported when used."""
from __future__ import annotations

import importlib
import os

KINDS = ("acled", "ucdp", "geojson", "hxl")


def exporter(kind: str):
    """The module implementing one export (acled, ucdp, geojson, hxl)."""
    if kind not in KINDS:
        raise ValueError(f"unknown export {kind!r}; choose one of {', '.join(KINDS)}")
    return importlib.import_module(f"{__name__}.{kind}")


def export_table(kind: str, path: str | os.PathLike | None = None) -> str:
    """The package at `path` (directory, datapackage.json or release zip; default: see load()) as the
    text of one export. Deterministic: the same package gives the same text."""
    module = exporter(kind)
    return module.export(load_for_export(path))


def load_for_export(path=None):
    """load(path), plus `.resources` (name -> descriptor.Resource: the schemas with their x- crosswalk
    properties), which the exporters read their crosswalks from."""
    from balochistan_events.package.descriptor import read_package
    from balochistan_events.package.loading import default_path, load
    from balochistan_events.package.source import open_source

    path = path if path is not None else default_path()
    ds = load(path)
    source = open_source(path)
    try:
        ds.resources = read_package(source).resources
    finally:
        source.close()
    return ds
