"""Issue 12 acceptance: the shipped data covers every campaign from more than one side, and every quote
read in another language carries our English rendering."""
from __future__ import annotations

import pandas as pd
import pytest

import balochistan_events as be
from balochistan_events.package.summary import claimant_sides


@pytest.fixture(scope="module")
def ds():
    from conftest import ROOT
    return be.load(ROOT)


def _claims_with_sides(ds) -> pd.DataFrame:
    claims = ds.claims.copy()
    claims["side"] = claims["claimant_id"].astype("string").map(claimant_sides(ds.actors)).fillna("independent")
    return claims


def test_every_non_english_quote_has_a_translation(ds):
    language = ds.sources.set_index("source_id")["language"].astype("string")
    claims = ds.claims
    foreign = claims[claims["source_id"].astype("string").map(language) != "en"]
    assert len(foreign) > 0, "the data has Urdu and Hindi quotes; this test must see them"
    missing = foreign[foreign["quote_translation"].isna()]
    assert missing.empty, list(missing["claim_id"])


def test_english_quotes_carry_no_translation(ds):
    language = ds.sources.set_index("source_id")["language"].astype("string")
    claims = ds.claims
    english = claims[claims["source_id"].astype("string").map(language) == "en"]
    assert english["quote_translation"].isna().all()


def test_every_campaign_has_claims_from_at_least_two_sides(ds):
    events = ds.events
    root = events["parent_event_id"].astype("string").fillna(events["event_id"].astype("string"))
    root_of = dict(zip(events["event_id"].astype("string"), root, strict=True))
    claims = _claims_with_sides(ds)
    claims["campaign"] = claims["event_id"].astype("string").map(root_of)
    campaigns = events.loc[events["event_level"] == "campaign", "event_id"].astype("string")
    assert len(campaigns) >= 8
    for campaign in campaigns:
        sides = set(claims.loc[claims["campaign"] == campaign, "side"])
        assert len(sides) >= 2, (campaign, sides)


def test_armed_group_campaigns_carry_both_partisan_sides(ds):
    """A campaign an armed group fought (actor1 a rebel group) has the state's and the group's figures."""
    events = ds.events
    actor_type = ds.actors.set_index("actor_id")["actor_type"].astype("string")
    campaigns = events[(events["event_level"] == "campaign")
                       & (events["actor1_id"].astype("string").map(actor_type) == "rebel_group")]
    root = events["parent_event_id"].astype("string").fillna(events["event_id"].astype("string"))
    claims = _claims_with_sides(ds)
    claims["campaign"] = claims["event_id"].astype("string").map(
        dict(zip(events["event_id"].astype("string"), root, strict=True)))
    for campaign in campaigns["event_id"].astype("string"):
        sides = set(claims.loc[claims["campaign"] == campaign, "side"])
        assert {"official", "armed_group"} <= sides, (campaign, sides)


def test_the_dataset_meets_the_size_floors(ds):
    claims = ds.claims
    assert len(ds.events) >= 70
    assert len(claims) >= 600
    assert claims["value_best"].notna().sum() >= 400
    assert claims["claimant_id"].nunique() >= 40
    assert len(ds.sources) >= 90


def test_the_descriptor_temporal_coverage_is_the_events_date_range(ds):
    import json

    from conftest import ROOT

    temporal = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["temporal"]
    assert temporal["start"] == str(ds.events["date_start"].min().date())
    assert temporal["end"] == str(ds.events["date_end"].max().date())
