"""README.md inside a release zip: what each file is, how to load it, verify it, cite it; rendered from
the template zip_readme.md beside this module ($-placeholders, string.Template)."""
from __future__ import annotations

import posixpath
from importlib import resources
from string import Template

README = "README.md"
TEMPLATE = "zip_readme.md"


def _describe(path: str, tables: dict[str, str]) -> str:
    """What one member of the zip is, from its path and the resources' titles."""
    stem, ext = posixpath.splitext(posixpath.basename(path))
    fixed = {
        "datapackage.json": "the Frictionless Data Package descriptor: metadata, and per table its file, columns' "
                            "schema, size and sha256 hash; `x-release` hashes every other file",
        README: "this file",
        "CHANGELOG.md": "what changed in each version",
        "CITATION.cff": "how to cite this release (Citation File Format)",
        "LICENSE-DATA.md": "the data licence (CC-BY-4.0)",
        "codebook.md": "every table, column, code, rule and crosswalk, explained",
        "report.html": "an overview with charts and a map, to open in a browser",
        "R/read_balochistan_events.R": "an R function reading the package with typed columns (jsonlite, readr)",
    }
    if path in fixed:
        return fixed[path]
    title = tables.get(stem, stem)
    if path.startswith("data/") and ext == ".csv":
        return f"{title}: the table as CSV (UTF-8, header row, empty cell = missing)"
    if path.startswith("data/") and ext == ".parquet":
        return f"{title}: the same rows as typed Parquet"
    if path.startswith("schemas/") and ext == ".json":
        return f"the Table Schema of {stem}: types, constraints, codes and meaning of each column"
    if ext == ".xlsx":
        return "every table as a sheet of one spreadsheet"
    return "part of the release"


def render_readme(descriptor: dict, members: list[str], version: str, created: str) -> bytes:
    """The README.md for a release holding `members` (paths relative to the zip root, README included)."""
    listed_resources = descriptor.get("resources")
    resources_: list = listed_resources if isinstance(listed_resources, list) else []
    tables: dict[str, str] = {}
    for res in resources_:
        if isinstance(res, dict) and isinstance(res.get("name"), str):
            tables[res["name"]] = str(res.get("title") or res["name"])
    rows = [f"| `{m}` | {_describe(m, tables)} |" for m in sorted(set(members))]
    text = resources.files("balochistan_events.release").joinpath(TEMPLATE).read_text(encoding="utf-8")
    listed = ", ".join(f"**{name}**" for name in tables) or "see datapackage.json"
    out = Template(text).substitute(version=version, created=created[:10], year=created[:4],
                                    files_table="\n".join(rows), tables=listed)
    return out.encode("utf-8")
