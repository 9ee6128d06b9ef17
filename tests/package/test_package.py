"""Issue 2 acceptance: the shipped data package is valid, interoperable and fully attributed."""
from __future__ import annotations

import json

import pandas as pd
import pytest

import balochistan_events as be
from balochistan_events.package.descriptor import TABLES


@pytest.fixture(scope="module")
def ds(request):
    from conftest import ROOT
    return be.load(ROOT)


def test_frictionless_reference_implementation_accepts_the_package(root):
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(root / "datapackage.json"))
    problems = [e.message for task in report.tasks for e in task.errors] + [e.message for e in report.errors]
    assert report.valid, problems[:5]


def test_descriptor_metadata(root):
    desc = json.loads((root / "datapackage.json").read_text())
    assert desc["name"] == "balochistan-events"
    assert desc["$schema"].endswith("/2.0/datapackage.json")
    assert [r["name"] for r in desc["resources"]] == list(TABLES)
    assert any(lic["name"] == "CC-BY-4.0" for lic in desc["licenses"])
    for res in desc["resources"]:
        assert res["path"] == f"data/{res['name']}.csv"
        assert res["schema"] == f"schemas/{res['name']}.json"


def test_every_field_is_documented_with_description_and_example(root):
    for table in TABLES:
        schema = json.loads((root / "schemas" / f"{table}.json").read_text())
        for field in schema["fields"]:
            assert field.get("description"), (table, field["name"])
            assert "example" in field, (table, field["name"])
            if "enum" in field.get("constraints", {}):
                labelled = [c["value"] for c in field.get("categories", [])]
                assert labelled == field["constraints"]["enum"], (table, field["name"])


def test_load_returns_four_typed_tables_with_the_files_row_counts(ds, root):
    assert set(ds) == set(TABLES)
    for table in TABLES:
        with open(root / "data" / f"{table}.csv", encoding="utf-8") as fh:
            rows = sum(1 for _ in fh) - 1
        assert len(ds[table]) == rows, table
    ev, cl = ds.events, ds.claims
    assert str(ev["date_start"].dtype).startswith("datetime64")
    assert str(cl["claim_date"].dtype).startswith("datetime64")
    assert isinstance(ev["event_type"].dtype, pd.CategoricalDtype)
    assert isinstance(cl["claim_type"].dtype, pd.CategoricalDtype)
    assert str(cl["value_best"].dtype) == "Int64"
    assert str(ev["geonames_id"].dtype) == "Int64"
    assert str(ev["civilian_targeting"].dtype) == "boolean"


def test_the_package_is_valid_by_our_own_validator(root):
    report = be.validate_package(root)
    assert report.error_count == 0, [p.to_dict() for p in report.errors[:5]]


def test_size_floor_from_the_issue(ds):
    figures = ds.claims[ds.claims["value_best"].notna()]
    assert len(ds.events) >= 20
    assert len(ds.claims) >= 60
    assert len(figures) >= 40
    assert figures["claimant_id"].nunique() >= 5
    assert len(ds.sources) >= 20


def test_every_event_has_a_claim(ds):
    missing = set(ds.events["event_id"]) - set(ds.claims["event_id"])
    assert not missing


def test_every_claim_is_attributed_and_quoted(ds):
    cl = ds.claims
    assert cl["quote"].notna().all() and (cl["quote"].str.strip().str.len() > 0).all()
    assert (cl["quote"].str.len() <= 200).all()
    assert cl["claimant_id"].notna().all() and cl["source_id"].notna().all()
    assert cl["claimant_id"].isin(ds.actors["actor_id"]).all()
    assert cl["source_id"].isin(ds.sources["source_id"]).all()


def test_every_source_is_cited(ds):
    assert set(ds.sources["source_id"]) <= set(ds.claims["source_id"])


def test_figures_are_ordered_low_best_high(ds):
    cl = ds.claims
    for a, b in (("value_low", "value_best"), ("value_best", "value_high"), ("value_low", "value_high")):
        both = cl[a].notna() & cl[b].notna()
        assert (cl.loc[both, a] <= cl.loc[both, b]).all(), (a, b)


def test_coordinates_are_the_geonames_places(ds):
    import numpy as np

    from balochistan_events.reference.geonames import geonames_places

    places = geonames_places()
    rows = places.lookup(np.asarray(ds.events["geonames_id"], dtype=np.int64))
    for row, place in zip(ds.events.itertuples(), rows, strict=True):
        assert place >= 0, row.event_id
        assert abs(float(places.lat[place]) - row.latitude) < 1e-6, row.event_id
        assert abs(float(places.lon[place]) - row.longitude) < 1e-6, row.event_id


def test_partisan_terms_only_inside_quotes(ds):
    partisan = ["martyr", "terrorist", "fidayeen", "eliminated", "miscreant", "freedom fighter"]
    own_words = pd.concat([ds.events["title"], ds.events["description"], ds.events["notes"].fillna(""),
                           ds.claims["scope_note"].fillna(""), ds.claims["notes"].fillna(""),
                           ds.actors["description"]]).str.lower()
    for term in partisan:
        hits = own_words[own_words.str.contains(term, regex=False)]
        # a term may appear when it is itself quoted (e.g. notes discussing a quote's wording)
        unquoted = [h for h in hits if f"\"{term}" not in h and f"'{term}" not in h]
        assert not unquoted, (term, unquoted[:2])
