"""Exports to ACLED, UCDP GED, GeoJSON and HXL: each checked against its peer's shape, on the synthetic
sample package (known answers) and on the real package (expectations derived from its data)."""
from __future__ import annotations

import csv
import io
import json
import math
import re

import pytest
from click.testing import CliRunner

import balochistan_events as be
from balochistan_events.cli import cli
from balochistan_events.errors import PackageError
from balochistan_events.exports import TEXT_KINDS, export_result, export_table, exporter, load_for_export
from balochistan_events.exports.common import PERSON_GROUPS, PERSON_TOTALS, crosswalk
from sample_package import EXPECTED_ACLED_FATALITIES, EXPECTED_LEAF_EVENTS, shared_sample, shared_sample_release

# The peers' own layouts, written out independently of the exporters so a change there is caught.
ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp"
]
GED_COLUMNS = [
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id", "conflict_new_id",
    "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a",
    "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates", "where_description",
    "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob"
]
ACLED_EVENT_TYPES = {"Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
                     "Strategic developments"}
# ACLED's current text labels for the inter codes (ACLED's vocabulary, written out here independently).
ACLED_INTER_LABELS = {1: "State forces", 2: "Rebel group", 3: "Political militia", 4: "Identity militia", 5: "Rioters",
                      6: "Protesters", 7: "Civilians", 8: "External/Other forces"}
ACLED_SCALES = {"Local", "Subnational", "Regional", "National", "International", "New media", "Other"}
HXL_HASHTAG = re.compile(r"^#[a-z][a-z0-9_]*(\s*\+[a-z][a-z0-9_]*)*$")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return shared_sample(tmp_path_factory)


@pytest.fixture(scope="module", params=["sample", "real"])
def package(request, sample):
    """Both the synthetic sample and the real package (whatever its current rows)."""
    from conftest import ROOT

    return sample if request.param == "sample" else ROOT


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _dicts(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _leaf_ids(ds) -> list[str]:
    parents = set(ds.events["parent_event_id"].dropna())
    return sorted(e for e in ds.events["event_id"] if e not in parents)


def test_sample_package_is_valid(sample):
    report = be.validate_package(sample)
    assert report.valid, [p.message for p in report.problems]
    assert not report.warnings


# --- crosswalks in the schemas ---------------------------------------------------------------------

def test_every_crosswalk_names_a_real_peer_column_and_real_codes(root):
    ds = load_for_export(root)
    peers = {"acled": set(ACLED_COLUMNS), "ucdp": set(GED_COLUMNS)}
    seen = {"acled": 0, "ucdp": 0, "hxl": 0}
    for res in ds.resources.values():
        for f in res.fields:
            for peer in seen:
                m = crosswalk(f, peer, res.name)
                if m is None:
                    continue
                seen[peer] += 1
                if peer in peers:
                    assert m.column in peers[peer], f"{res.name}.{f['name']}: x-{peer} {m.column!r} is not a {peer} column"
                else:
                    assert HXL_HASHTAG.match(m.column), f"{res.name}.{f['name']}: bad hashtag {m.column!r}"
                enum = f.get("constraints", {}).get("enum")
                if m.values and enum:
                    assert set(m.values) <= {str(v) for v in enum}, f"{res.name}.{f['name']}: x-{peer} codes"
    assert all(seen.values())


def test_subject_groups_used_by_the_fatality_rules_exist_in_the_schema(root):
    ds = load_for_export(root)
    codes = set(ds.resources["claims"].field("subject")["constraints"]["enum"])
    assert set(PERSON_GROUPS) | set(PERSON_TOTALS) <= codes


def test_a_malformed_crosswalk_is_a_clear_error():
    with pytest.raises(PackageError, match="x-acled"):
        crosswalk({"name": "x", "x-acled": ["not", "valid"]}, "acled")


# --- ACLED ---------------------------------------------------------------------------------------

def test_acled_columns_are_acleds_in_acleds_order(package):
    rows = _csv(export_table("acled", package))
    assert rows[0] == ACLED_COLUMNS
    assert all(len(r) == len(ACLED_COLUMNS) for r in rows)


def test_acled_rows_are_the_leaf_events_with_acled_codes(package):
    ds = load_for_export(package)
    rows = _dicts(export_table("acled", package))
    assert [r["event_id_cnty"] for r in rows] == _leaf_ids(ds)
    inter = dict(zip(ds.actors["actor_id"], ds.actors["acled_inter"], strict=False))
    events = ds.events.set_index("event_id")
    for r in rows:
        ev = events.loc[r["event_id_cnty"]]
        assert r["event_type"] in ACLED_EVENT_TYPES
        assert r["event_date"] == ev["date_start"].strftime("%Y-%m-%d") and r["year"] == r["event_date"][:4]
        assert r["time_precision"] in {"1", "2", "3"} and r["geo_precision"] in {"1", "2", "3"}
        assert r["civilian_targeting"] == ("Civilian targeting" if ev["civilian_targeting"] else "")
        i1, i2 = inter.get(ev["actor1_id"]), inter.get(ev["actor2_id"]) if not _na(ev["actor2_id"]) else None
        assert r["inter1"] == ("" if _na(i1) else ACLED_INTER_LABELS[int(i1)])
        assert r["inter2"] == ("" if _na(i2) else ACLED_INTER_LABELS[int(i2)])
        assert r["interaction"] == _acled_interaction(i1, i2, not _na(ev["actor2_id"]))
        assert all(part in ACLED_SCALES for part in r["source_scale"].split("-")), r["source_scale"]
        assert float(r["latitude"]) == pytest.approx(ev["latitude"]) and float(r["longitude"]) == pytest.approx(ev["longitude"])
        assert "conservative-v1" in r["notes"] and r["notes"].startswith(ev["description"])
        assert int(r["fatalities"]) >= 0 and r["timestamp"].isdigit()


def _acled_interaction(i1, i2, has_actor2: bool) -> str:
    """ACLED's interaction label, as its API writes them ("State forces-Rebel group", "Rebel group only";
    Civilians always second, e.g. "External/Other forces-Civilians")."""
    if _na(i1) or (has_actor2 and _na(i2)):
        return ""
    if not has_actor2:
        return f"{ACLED_INTER_LABELS[int(i1)]} only"
    pair = sorted((int(i1), int(i2)), key=lambda c: (c == 7, c))
    return "-".join(ACLED_INTER_LABELS[c] for c in pair)


def test_acled_interaction_labels_match_acleds_list():
    from balochistan_events.exports.acled import interaction

    labels = {str(k): v for k, v in ACLED_INTER_LABELS.items()}
    assert interaction(1, 2, labels) == interaction(2, 1, labels) == "State forces-Rebel group"
    assert interaction(2, 7, labels) == "Rebel group-Civilians"
    assert interaction(8, 7, labels) == interaction(7, 8, labels) == "External/Other forces-Civilians"
    assert interaction(7, 7, labels) == "Civilians-Civilians"
    assert interaction(2, None, labels) == "Rebel group only" and interaction(None, None, labels) == ""


def test_acled_actor_names_are_recorded_once_in_the_actors_schema(root):
    ds = load_for_export(root)
    prop = ds.resources["actors"].field("actor_id")["x-acled"]
    assert prop["field"] == "actor1" and "Military Forces of" in prop["rule"]
    rows = _dicts(export_table("acled", root))
    named = dict(zip(ds.actors["actor_id"], ds.actors["name"], strict=False))
    events = ds.events.set_index("event_id")
    for r in rows:
        a1 = events.loc[r["event_id_cnty"], "actor1_id"]
        assert r["actor1"] == prop["values"].get(a1, named[a1])
    used = set(ds.events["actor1_id"].dropna()) | set(ds.events["actor2_id"].dropna())
    assert used <= set(prop["values"]), used - set(prop["values"])      # every party has its ACLED name


def _na(v) -> bool:
    import pandas as pd

    return v is None or bool(pd.isna(v))


def _conservative(ds, event_id) -> int:
    """The documented rule, re-implemented plainly: lowest figure per group, summed; raised to the
    lowest whole-event total."""
    c = ds.claims
    c = c[(c["event_id"] == event_id) & (c["claim_type"] == "killed") & c["value_best"].notna()]
    lowest = {s: int(g["value_best"].min()) for s, g in c.groupby(c["subject"].astype(str))}
    groups = sum(v for s, v in lowest.items() if s in PERSON_GROUPS)
    totals = [v for s, v in lowest.items() if s in PERSON_TOTALS]
    return max(groups, min(totals)) if totals else groups


def test_acled_fatalities_follow_the_documented_rule(package):
    ds = load_for_export(package)
    rows = _dicts(export_table("acled", package))
    for r in rows:
        assert int(r["fatalities"]) == _conservative(ds, r["event_id_cnty"]), r["event_id_cnty"]


def test_acled_known_answers_on_the_sample(sample):
    rows = {r["event_id_cnty"]: r for r in _dicts(export_table("acled", sample))}
    assert sorted(rows) == sorted(EXPECTED_LEAF_EVENTS)
    assert {e: int(r["fatalities"]) for e, r in rows.items()} == EXPECTED_ACLED_FATALITIES
    clash = rows["EV-2026-0002"]
    assert (clash["actor1"], clash["inter1"], clash["actor2"], clash["inter2"], clash["interaction"]) == \
        ("BLA: Baloch Liberation Army", "Rebel group", "Military Forces of Pakistan", "State forces",
         "State forces-Rebel group")
    assert clash["iso"] == "586" and clash["country"] == "Pakistan" and clash["region"] == "South Asia"
    assert clash["tags"] == "suicide_attack; vbied" and clash["disorder_type"] == "Political violence"
    assert clash["source"] == "Baloch Liberation Army; Inter-Services Public Relations; Test News Agency"
    assert "security_forces 10" in clash["notes"] and "militants 37" in clash["notes"]
    attack = rows["EV-2026-0003"]
    assert attack["civilian_targeting"] == "Civilian targeting" and attack["interaction"] == "Rebel group-Civilians"
    assert attack["actor2"] == "Civilians (Pakistan)"        # not in the mapping: keeps its own name
    assert attack["geo_precision"] == "2" and rows["EV-2024-0001"]["time_precision"] == "2"


def test_acled_source_scale_comes_from_the_source_types(sample):
    ds = load_for_export(sample)
    scale = ds.resources["sources"].field("source_type")["x-acled"]["values"]
    types = dict(zip(ds.sources["source_id"], ds.sources["source_type"].astype(str), strict=False))
    rows = {r["event_id_cnty"]: r for r in _dicts(export_table("acled", sample))}
    for e, r in rows.items():
        cited = ds.claims.loc[ds.claims["event_id"] == e, "source_id"]
        assert set(r["source_scale"].split("-")) == {scale[types[s]] for s in cited}


# --- UCDP GED ------------------------------------------------------------------------------------

def test_ged_columns_are_geds(package):
    rows = _csv(export_table("ucdp", package))
    assert rows[0] == GED_COLUMNS
    assert all(len(r) == len(GED_COLUMNS) for r in rows)


def test_ged_rows_are_consistent(package):
    ds = load_for_export(package)
    rows = _dicts(export_table("ucdp", package))
    cited = ds.claims.groupby("event_id")["source_id"].nunique().to_dict()
    for r in rows:
        deaths = [int(r[k]) for k in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")]
        assert min(deaths) >= 0 and sum(deaths) == int(r["best"])
        assert int(r["best"]) >= 1 and int(r["low"]) <= int(r["best"]) <= int(r["high"])   # GED's inclusion rule
        assert r["where_prec"] in {"1", "2", "3", "4", "5", "6", "7"} and r["date_prec"] in {"1", "2", "3", "4", "5"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\d 00:00:00\.000", r["date_start"]), r["date_start"]   # GED's date form
        assert r["date_start"] <= r["date_end"] and r["year"] == r["date_start"][:4]
        assert int(r["number_of_sources"]) == cited.get(r["id"], 0)
        for col in ("source_article", "source_office", "source_date", "source_headline", "source_original"):
            assert all(item.strip() for item in r[col].split("; ")) or not r[col], (r["id"], col, r[col])
        lat, lon = float(r["latitude"]), float(r["longitude"])
        assert r["geom_wkt"] == f"POINT ({r['longitude']} {r['latitude']})"
        row, col = math.floor((lat + 90) * 2), math.floor((lon + 180) * 2)
        assert int(r["priogrid_gid"]) == row * 720 + col + 1
        assert r["type_of_violence"] in {"1", "2", "3"}
        if r["type_of_violence"] == "1":
            assert r["side_a"].startswith("Government of ") and r["gwnoa"]


def test_ged_leaves_out_events_without_deaths_and_says_so(package):
    ds = load_for_export(package)
    kept = [r["id"] for r in _dicts(export_table("ucdp", package))]
    leaves = _leaf_ids(ds)
    assert kept == [e for e in leaves if e in set(kept)]
    dropped = [e for e in leaves if e not in set(kept)]
    killed = ds.claims[(ds.claims["claim_type"] == "killed") & ds.claims["value_best"].notna()
                       & (ds.claims["value_best"] > 0)]
    assert not set(dropped) & set(killed["event_id"])            # only events with no death claimed are left out
    _, notices = export_result("ucdp", package)
    if dropped:
        assert notices == [f"ucdp: left out {len(dropped)} of {len(leaves)} event(s) with no death claimed "
                           "(best = 0): GED only records events with at least one death (best >= 1)"]
    res = CliRunner().invoke(cli, ["export", str(package), "--to", "ucdp"])
    assert res.exit_code == 0 and res.stdout == export_table("ucdp", package)
    assert (f"left out {len(dropped)} of" in res.stderr) == bool(dropped)


def test_ged_known_answers_on_the_sample(sample):
    rows = {r["id"]: r for r in _dicts(export_table("ucdp", sample))}
    clash = rows["EV-2026-0002"]
    # state-based: the government is side_a even though the rebels are our actor1
    assert (clash["type_of_violence"], clash["side_a"], clash["side_b"]) == ("1", "Government of Pakistan", "BLA")
    assert clash["dyad_name"] == "Government of Pakistan - BLA" and clash["date_start"] == "2026-01-31 00:00:00.000"
    assert (clash["deaths_a"], clash["deaths_b"], clash["deaths_civilians"], clash["deaths_unknown"]) == ("10", "37", "0", "0")
    assert (clash["low"], clash["best"], clash["high"]) == ("47", "47", "121")
    assert clash["gwnoa"] == "770" and clash["gwnob"] == "" and clash["country_id"] == "770"
    assert clash["priogrid_gid"] == "172574"       # PRIO-GRID cell of Mastung (29.8 N, 66.8 E)
    attack = rows["EV-2026-0003"]
    # one-sided; the independent claimant's figure (5) is best, the official 7 is within the range
    assert (attack["type_of_violence"], attack["deaths_civilians"], attack["best"], attack["high"]) == ("3", "5", "5", "7")
    assert attack["source_date"] == "2026-02-01; 2026-02-02"


# --- GeoJSON -------------------------------------------------------------------------------------

def test_geojson_is_an_rfc7946_feature_collection(package):
    ds = load_for_export(package)
    doc = json.loads(export_table("geojson", package))
    assert doc["type"] == "FeatureCollection" and isinstance(doc["features"], list)
    assert "crs" not in doc                    # RFC 7946 removed crs: coordinates are WGS84
    assert len(doc["features"]) == len(ds.events)
    events = ds.events.set_index("event_id")
    ids = []
    for f in doc["features"]:
        assert f["type"] == "Feature" and set(f) >= {"type", "geometry", "properties"}
        assert isinstance(f["id"], str) and isinstance(f["properties"], dict)
        g = f["geometry"]
        assert g["type"] == "Point" and len(g["coordinates"]) == 2
        lon, lat = g["coordinates"]
        assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lon, lat))
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        ev = events.loc[f["id"]]
        assert (lon, lat) == pytest.approx((ev["longitude"], ev["latitude"]))   # longitude first
        assert f["properties"]["event_id"] == f["id"]
        assert set(ds.resources["events"].field_names) <= set(f["properties"])
        ids.append(f["id"])
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_geojson_properties_are_typed_json(sample):
    doc = json.loads(export_table("geojson", sample))
    props = {f["id"]: f["properties"] for f in doc["features"]}
    p = props["EV-2026-0003"]
    assert p["civilian_targeting"] is True and p["geonames_id"] == 1163054 and p["date_start"] == "2026-02-01"
    assert p["actor2_name"] == "Civilians (Pakistan)" and p["claims"] == 3 and p["claimants"] == 2
    assert props["EV-2026-0001"]["parent_event_id"] is None


# --- HXL -----------------------------------------------------------------------------------------

def test_hxl_has_the_hashtag_row_under_the_header(package):
    ds = load_for_export(package)
    rows = _csv(export_table("hxl", package))
    fields = ds.resources["events"].fields
    assert rows[0] == [f["name"] for f in fields]
    assert rows[1] == [f.get("x-hxl", "") for f in fields]
    assert all(HXL_HASHTAG.match(t) for t in rows[1] if t)
    assert rows[1][0].startswith("#")
    assert len(rows) == 2 + len(ds.events)
    assert [r[0] for r in rows[2:]] == sorted(ds.events["event_id"])


def test_hxl_cells_are_the_package_text(sample):
    rows = _csv(export_table("hxl", sample))
    with open(sample / "data" / "events.csv", encoding="utf-8") as fh:
        original = {r["event_id"]: r for r in csv.DictReader(fh)}
    for r in rows[2:]:
        assert dict(zip(rows[0], r, strict=False)) == original[r[0]]


# --- behaviour common to all exports ---------------------------------------------------------------

@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_exports_are_deterministic_and_declare_their_limits(kind, sample):
    assert export_table(kind, sample) == export_table(kind, sample)
    module = exporter(kind)
    assert module.SCOPE and module.LIMITATIONS


@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_cli_export_stdout_and_out_file(kind, sample, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["export", str(sample), "--to", kind])
    assert res.exit_code == 0, res.output
    assert res.output == export_table(kind, sample)
    out = tmp_path / "sub" / f"export.{kind}"
    res = runner.invoke(cli, ["export", str(sample), "--to", kind, "--out", str(out)])
    assert res.exit_code == 0 and res.output == ""
    assert out.read_text(encoding="utf-8") == export_table(kind, sample)
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]   # no temporary file left behind


def test_cli_export_refuses_an_invalid_package(sample, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(sample, bad)
    path = bad / "data" / "claims.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",killed,security_forces,10,10,10,",
                                                             ",killed,security_forces,10,12,10,"), encoding="utf-8")
    out = tmp_path / "x.csv"
    res = CliRunner().invoke(cli, ["export", str(bad), "--to", "acled", "--out", str(out)])
    assert res.exit_code == 1
    assert "not a valid package" in res.output and not out.exists()


def test_cli_export_bad_arguments_exit_2(sample, tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["export", str(sample)]).exit_code == 2                  # --to missing
    assert runner.invoke(cli, ["export", str(sample), "--to", "gtd"]).exit_code == 2
    res = runner.invoke(cli, ["export", str(tmp_path / "nowhere"), "--to", "acled"])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_a_checkout_and_its_release_export_the_same_bytes(sample, tmp_path_factory):
    zip_path = shared_sample_release(tmp_path_factory)
    for kind in TEXT_KINDS:
        if kind == "acled":
            continue            # timestamp is the package's `created`, which a build sets to the build date
        assert export_table(kind, zip_path) == export_table(kind, sample), kind
    strip = lambda text: [r[:-1] for r in _csv(text)]  # noqa: E731 - all but timestamp
    assert strip(export_table("acled", zip_path)) == strip(export_table("acled", sample))
