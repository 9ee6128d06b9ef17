"""The README's worked example must say what data/ says: every table row names a real claim with the
claimant, date, qualifier, figure and quote as recorded."""
from __future__ import annotations

import re

import balochistan_events as be


def _example_rows(readme: str):
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and re.fullmatch(r"CL-\d{6}", cells[0]):
            yield cells


def test_worked_example_matches_the_claims(root):
    readme = (root / "README.md").read_text(encoding="utf-8")
    rows = list(_example_rows(readme))
    assert len(rows) >= 6
    claims = be.load(root).claims.set_index("claim_id")
    for claim_id, _label, claimant_id, date, qualifier, best, _read_in, quote in rows:
        c = claims.loc[claim_id]
        assert c["claimant_id"] == claimant_id, claim_id
        assert str(c["claim_date"].date()) == date, claim_id
        assert c["qualifier"] == qualifier, claim_id
        assert int(c["value_best"]) == int(best), claim_id
        assert c["quote"] == quote.strip('"'), claim_id


def test_readme_counts_match_the_tables(root):
    readme = (root / "README.md").read_text(encoding="utf-8")
    ds = be.load(root)
    for table in ("events", "sources", "claims", "actors"):
        m = re.search(rf"^\| `{table}` \| (\d+)", readme, flags=re.M)
        assert m, table
        assert int(m.group(1)) == len(ds[table]), table
    with_figures = int(ds.claims["value_best"].notna().sum())
    assert f"({with_figures} with figures)" in readme


def _scope_rows(readme: str, heading: str):
    section = readme.split(heading, 1)[1].split("\n\n", 2)[1]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and re.fullmatch(r"EV-\d{4}-\d{4,7}", cells[0]):
            yield cells


def test_scope_tables_match_the_data(root):
    """Each campaign's and standalone incident's counts in 'What is in scope' are what data/ holds."""
    readme = (root / "README.md").read_text(encoding="utf-8")
    ds = be.load(root)
    events, claims = ds.events, ds.claims
    top = events["parent_event_id"].astype("string").fillna(events["event_id"].astype("string"))
    claims = claims.assign(top=claims["event_id"].astype("string").map(
        dict(zip(events["event_id"].astype("string"), top, strict=True))))
    campaigns = list(_scope_rows(readme, "**Campaigns**"))
    standalone = list(_scope_rows(readme, "**Standalone incidents**"))
    is_campaign = events["event_level"] == "campaign"
    assert {c[0] for c in campaigns} == set(events.loc[is_campaign, "event_id"].astype("string"))
    assert {c[0] for c in standalone} == set(
        events.loc[~is_campaign & events["parent_event_id"].isna(), "event_id"].astype("string"))
    for event_id, _title, _dates, incidents, n_claims, with_figures, sources in campaigns:
        mine = claims[claims["top"] == event_id]
        assert int(incidents) == int((events["parent_event_id"] == event_id).sum()), event_id
        assert (int(n_claims), int(with_figures), int(sources)) == (
            len(mine), int(mine["value_best"].notna().sum()), mine["source_id"].nunique()), event_id
    for event_id, _title, _date, n_claims, with_figures, sources in standalone:
        mine = claims[claims["top"] == event_id]
        assert (int(n_claims), int(with_figures), int(sources)) == (
            len(mine), int(mine["value_best"].notna().sum()), mine["source_id"].nunique()), event_id
