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
