"""The reconciled view, derived at build time and never stored in data/: for each event x claim_type x
subject, how many claims and claimants, the range of figures across partisan and across independent
claimants, and the latest official and latest armed-group figure.

A claimant's side comes from its actor_type: state forces and authorities are 'official', rebel groups
and militias 'armed_group' (both partisan); media, intergovernmental bodies, foreign governments,
civilians and unknown actors are 'independent'."""
from __future__ import annotations

import pandas as pd

SIDES = {
    "state_forces": "official", "state_authority": "official",
    "rebel_group": "armed_group", "political_militia": "armed_group",
}
SUMMARY_COLUMNS = [
    "event_id", "claim_type", "subject", "claims", "claimants",
    "partisan_low", "partisan_high", "independent_low", "independent_high",
    "latest_official_value", "latest_official_claimant_id", "latest_official_date", "latest_official_claim_id",
    "latest_armed_group_value", "latest_armed_group_claimant_id", "latest_armed_group_date", "latest_armed_group_claim_id",
]


def claimant_sides(actors: pd.DataFrame) -> pd.Series:
    actors = actors.drop_duplicates("actor_id")
    return actors.set_index("actor_id")["actor_type"].astype("string").map(SIDES).fillna("independent")


def claims_summary(tables) -> pd.DataFrame:
    """One row per event x claim_type x subject that has at least one figure; sorted by key."""
    claims, actors = tables["claims"], tables["actors"]
    c = claims[claims["value_best"].notna()].copy()
    c["claim_type"] = c["claim_type"].astype("string")
    c["subject"] = c["subject"].astype("string")
    c["side"] = c["claimant_id"].map(claimant_sides(actors)).fillna("independent")
    # a range's ends: the lowest stated lower bound (or figure) and the highest upper bound (or figure)
    c["lo"] = c["value_low"].fillna(c["value_best"])
    c["hi"] = c["value_high"].fillna(c["value_best"])
    keys = ["event_id", "claim_type", "subject"]
    rows = []
    for key, g in c.groupby(keys, sort=True):
        partisan = g[g["side"] != "independent"]
        independent = g[g["side"] == "independent"]
        row = dict(zip(keys, key))
        row.update(claims=len(g), claimants=g["claimant_id"].nunique(),
                   partisan_low=partisan["lo"].min() if len(partisan) else pd.NA,
                   partisan_high=partisan["hi"].max() if len(partisan) else pd.NA,
                   independent_low=independent["lo"].min() if len(independent) else pd.NA,
                   independent_high=independent["hi"].max() if len(independent) else pd.NA)
        for side in ("official", "armed_group"):
            s = g[g["side"] == side].sort_values(["claim_date", "claim_id"])
            last = s.iloc[-1] if len(s) else None
            row[f"latest_{side}_value"] = last["value_best"] if last is not None else pd.NA
            row[f"latest_{side}_claimant_id"] = last["claimant_id"] if last is not None else pd.NA
            row[f"latest_{side}_date"] = last["claim_date"] if last is not None else pd.NaT
            row[f"latest_{side}_claim_id"] = last["claim_id"] if last is not None else pd.NA
        rows.append(row)
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    for col in ("claims", "claimants", "partisan_low", "partisan_high", "independent_low", "independent_high",
                "latest_official_value", "latest_armed_group_value"):
        out[col] = out[col].astype("Int64")
    for col in ("event_id", "claim_type", "subject", "latest_official_claimant_id", "latest_official_claim_id",
                "latest_armed_group_claimant_id", "latest_armed_group_claim_id"):
        out[col] = out[col].astype("string")
    for col in ("latest_official_date", "latest_armed_group_date"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[s]")
    return out.reset_index(drop=True)
