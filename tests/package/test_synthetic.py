"""scripts/make_synthetic.py: a valid package of N events with the real schemas, deterministic by seed."""
from __future__ import annotations

import csv
import filecmp
import json
import subprocess
import sys

import pytest

from balochistan_events.reference import geonames as geonames
from balochistan_events.validation.engine import validate_package


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    from conftest import ROOT

    out = tmp_path_factory.mktemp("synth") / "pkg"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_synthetic.py"), "--events", "400", "--out", str(out),
                    "--seed", "7"], check=True, capture_output=True)
    return out


def rows(pkg, table):
    with open(pkg / "data" / f"{table}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_synthetic_package_is_valid(synth):
    report = validate_package(synth, max_errors=None)
    assert report.error_count == 0, [p.to_dict() for p in report.errors[:5]]
    assert report.warning_count == 0, [p.to_dict() for p in report.warnings[:5]]


def test_it_has_n_events_about_three_claims_each_and_the_real_schemas(synth, root):
    events, claims = rows(synth, "events"), rows(synth, "claims")
    assert len(events) == 400
    assert 2.5 <= len(claims) / len(events) <= 3.5
    for table in ("events", "actors", "sources", "claims"):
        assert filecmp.cmp(synth / "schemas" / f"{table}.json", root / "schemas" / f"{table}.json", shallow=False)
        schema = json.loads((root / "schemas" / f"{table}.json").read_text())
        with open(synth / "data" / f"{table}.csv", encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == [f["name"] for f in schema["fields"]]


def test_every_coded_value_comes_from_the_schema(synth, root):
    for table in ("events", "claims", "sources", "actors"):
        schema = json.loads((root / "schemas" / f"{table}.json").read_text())
        data = rows(synth, table)
        for f in schema["fields"]:
            enum = f.get("constraints", {}).get("enum")
            if enum:
                used = {r[f["name"]] for r in data} - {""}
                assert used <= set(map(str, enum)), (table, f["name"])
                if f.get("constraints", {}).get("required") and len(data) > 50:
                    assert len(used) > 1, (table, f["name"])  # the generator varies the codes


def test_coordinates_are_real_geonames_places_in_pakistan(synth):
    places = geonames.geonames_places()
    import numpy as np

    for r in rows(synth, "events")[:100]:
        k = int(places.lookup(np.array([int(r["geonames_id"])]))[0])
        assert k >= 0 and places.country_str([k]).tolist() == ["PK"]
        assert abs(places.lat[k] - float(r["latitude"])) < 1e-6 and abs(places.lon[k] - float(r["longitude"])) < 1e-6


def test_deterministic_for_a_seed(synth, tmp_path, root):
    again = tmp_path / "again"
    subprocess.run([sys.executable, str(root / "scripts" / "make_synthetic.py"), "--events", "400", "--out", str(again),
                    "--seed", "7"], check=True, capture_output=True)
    other = tmp_path / "other"
    subprocess.run([sys.executable, str(root / "scripts" / "make_synthetic.py"), "--events", "400", "--out", str(other),
                    "--seed", "8"], check=True, capture_output=True)
    for table in ("events", "actors", "sources", "claims"):
        assert (again / "data" / f"{table}.csv").read_bytes() == (synth / "data" / f"{table}.csv").read_bytes()
    assert (other / "data" / "events.csv").read_bytes() != (synth / "data" / "events.csv").read_bytes()


def test_bad_arguments_exit_2(tmp_path, root):
    p = subprocess.run([sys.executable, str(root / "scripts" / "make_synthetic.py"), "--events", "0", "--out",
                        str(tmp_path / "x")], capture_output=True)
    assert p.returncode == 2
