"""Each export and each metadata file checked by its own ecosystem's tool, never a mock: libhxl's validator
on the HXL export, GDAL (through pyogrio) reading the GeoJSON back, the official Data Package v2 JSON
profiles (vendored in profiles/ with their licence, profiles/LICENSE.md) on the descriptor and every Table
Schema, and cffconvert on CITATION.cff."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from balochistan_events.exports import export_table, load_for_export
from sample_package import shared_sample

PROFILES = Path(__file__).parent / "profiles"
# The v2 Table Schema profile types fieldsMatch as an array, while the v2 specification (and every
# implementation) defines it as a string such as "exact"; an upstream bug in the profile, so that one
# finding is ignored and every other one fails the test.
UPSTREAM_PROFILE_BUGS = {("fieldsMatch",)}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return shared_sample(tmp_path_factory)


@pytest.fixture(scope="module", params=["sample", "real"])
def package(request, sample):
    from conftest import ROOT

    return sample if request.param == "sample" else ROOT


# --- HXL: libhxl's validator -----------------------------------------------------------------------

def test_hxl_export_passes_libhxl_validation(package, tmp_path):
    import hxl  # libhxl, in the test extra: a missing tool fails, never skips
    path = tmp_path / "events-hxl.csv"
    path.write_text(export_table("hxl", package), encoding="utf-8")
    report = hxl.validate(hxl.data(str(path), hxl.InputOptions(allow_local=True)))
    assert report["stats"]["total"] == 0 and report["is_valid"], report["issues"]
    # and libhxl reads our hashtags back as the schema's x-hxl tags, one row per event
    source = hxl.data(str(path), hxl.InputOptions(allow_local=True))
    fields = load_for_export(package).resources["events"].fields
    assert [c.display_tag for c in source.columns] == [f.get("x-hxl", "") for f in fields]
    assert len(list(source)) == len(load_for_export(package).events)


def test_libhxl_rejects_a_non_date_under_a_date_hashtag(tmp_path):
    """The validator really runs: the old #date+precision tag over 'day' is an error."""
    import hxl  # libhxl, in the test extra: a missing tool fails, never skips
    path = tmp_path / "bad.csv"
    path.write_text("event_id,date_precision\n#event+id,#date+precision\nEV-2026-0001,day\n", encoding="utf-8")
    report = hxl.validate(hxl.data(str(path), hxl.InputOptions(allow_local=True)))
    assert not report["is_valid"] and report["stats"]["error"] == 1


# --- GeoJSON: GDAL reads it back --------------------------------------------------------------------

def _wkb_point(wkb: bytes) -> tuple[float, float]:
    order = "<" if wkb[0] == 1 else ">"
    (gtype,) = struct.unpack(order + "I", wkb[1:5])
    assert gtype == 1, f"not a 2D point (WKB type {gtype})"
    return struct.unpack(order + "dd", wkb[5:21])


def test_geojson_is_read_back_by_gdal(package, tmp_path):
    import pyogrio  # GDAL through pyogrio, in the test extra
    from pyogrio.raw import read

    path = tmp_path / "events.geojson"
    path.write_text(export_table("geojson", package), encoding="utf-8")
    ds = load_for_export(package)
    info = pyogrio.read_info(path)
    assert info["driver"] == "GeoJSON" and info["geometry_type"] == "Point"
    assert info["features"] == len(ds.events) and info["crs"] == "EPSG:4326"
    meta, _, geometry, columns = read(path)
    names = list(meta["fields"])
    assert set(ds.resources["events"].field_names) <= set(names)
    by_id = dict(zip(columns[names.index("event_id")], geometry, strict=False))
    events = ds.events.set_index("event_id")
    for event_id, wkb in by_id.items():
        lon, lat = _wkb_point(bytes(wkb))
        assert (lon, lat) == pytest.approx((events.loc[event_id, "longitude"], events.loc[event_id, "latitude"]))
    types = dict(zip(names, meta["ogr_types"], strict=False))
    assert types["date_start"] == "OFTDate" and types["latitude"] == "OFTReal" and types["geonames_id"] == "OFTInteger"


# --- Data Package v2 profiles --------------------------------------------------------------------------

def _profile_errors(profile: str, instance: dict) -> list[tuple[tuple, str]]:
    import jsonschema

    schema = json.loads((PROFILES / profile).read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = [(tuple(e.absolute_path), e.message) for e in validator.iter_errors(instance)]
    return [(p, m) for p, m in errors if p[:1] not in UPSTREAM_PROFILE_BUGS]


def test_descriptor_validates_against_the_data_package_v2_profile(root):
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    assert _profile_errors("datapackage.json", descriptor) == []


@pytest.mark.parametrize("table", ["events", "actors", "sources", "claims"])
def test_every_schema_validates_against_the_table_schema_v2_profile(root, table):
    schema = json.loads((root / "schemas" / f"{table}.json").read_text(encoding="utf-8"))
    assert _profile_errors("tableschema.json", schema) == []


def test_the_profile_check_catches_a_non_string_example(root):
    schema = json.loads((root / "schemas" / "claims.json").read_text(encoding="utf-8"))
    schema["fields"][0]["example"] = 37
    assert [p for p, _ in _profile_errors("tableschema.json", schema)] == [("fields", 0)]


def test_release_descriptor_validates_against_the_profile(tmp_path_factory):
    import zipfile

    from sample_package import shared_sample_release

    with zipfile.ZipFile(shared_sample_release(tmp_path_factory)) as z:
        name = next(n for n in z.namelist() if n.endswith("datapackage.json"))
        descriptor = json.loads(z.read(name))
        schemas = {n: json.loads(z.read(n)) for n in z.namelist() if "/schemas/" in f"/{n}" and n.endswith(".json")}
    assert _profile_errors("datapackage.json", descriptor) == []
    assert any(n.endswith("claims_summary.json") for n in schemas)       # the derived table's schema too
    for n, schema in schemas.items():
        assert _profile_errors("tableschema.json", schema) == [], n


def test_descriptor_declares_coverage_contributors_and_a_unique_id(root):
    import uuid

    ds = load_for_export(root)
    d = ds.descriptor
    uuid.UUID(d["id"])                                       # a globally unique id, not the name again
    assert all(c.get("title") and c.get("roles") for c in d["contributors"])
    start, end = d["temporal"]["start"], d["temporal"]["end"]
    assert start <= ds.events["date_start"].min().strftime("%Y-%m-%d")
    assert end >= ds.events["date_end"].fillna(ds.events["date_start"]).max().strftime("%Y-%m-%d")
    west, south, east, north = d["spatial"]["bbox"]
    assert d["spatial"]["type"] == "Polygon" and d["spatial"]["coordinates"][0][0] == [west, south]
    assert ds.events["longitude"].between(west, east).all() and ds.events["latitude"].between(south, north).all()


# --- CITATION.cff: cffconvert ------------------------------------------------------------------------

def test_citation_passes_cffconvert_validation(root):
    # cffconvert 2.0 pins jsonschema < 4, which frictionless (test extra) cannot share: install it apart with
    # `pip install --no-deps cffconvert pykwalify ruamel.yaml` (it runs fine on jsonschema 4).
    from cffconvert.cli.cli import cli as cffconvert
    from click.testing import CliRunner

    runner = CliRunner()
    res = runner.invoke(cffconvert, ["--validate", "-i", str(root / "CITATION.cff")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cffconvert, ["-f", "bibtex", "-i", str(root / "CITATION.cff")])
    assert res.exit_code == 0 and "url = {https://github.com/" in res.output
    text = (root / "CITATION.cff").read_text(encoding="utf-8")
    assert "repository-code:" in text and "\nurl:" in text and "identifiers:" in text


def test_cffconvert_rejects_a_bad_repository_code(tmp_path, root):
    from cffconvert.cli.cli import cli as cffconvert
    from click.testing import CliRunner

    bad = tmp_path / "CITATION.cff"
    text = (root / "CITATION.cff").read_text(encoding="utf-8")
    bad.write_text(text.replace('repository-code: "https://', 'repository-code: "not a url '), encoding="utf-8")
    assert CliRunner().invoke(cffconvert, ["--validate", "-i", str(bad)]).exit_code != 0

