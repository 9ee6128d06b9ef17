"""The reconciled view, derived at build time and never stored in data/: for each event x claim_type x
subject, how many claims and claimants, the range of figures across partisan and across independent
claimants, and the latest official and latest armed-group figure.

A claimant's side comes from its actor_type: state forces and authorities are 'official', rebel groups
and militias 'armed_group' (both partisan); media, intergovernmental bodies, foreign governments,
civilians and unknown actors are 'independent'."""
from __future__ import annotations

from collections.abc import Mapping

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


def claims_summary(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per event x claim_type x subject that has at least one figure; sorted by key."""
    claims, actors = tables["claims"], tables["actors"]
    keys = ["event_id", "claim_type", "subject"]
    c = claims.loc[claims["value_best"].notna(), keys + ["claim_id", "claimant_id", "claim_date",
                                                         "value_low", "value_best", "value_high"]].copy()
    for k in keys:
        c[k] = c[k].astype("string")
    c["side"] = c["claimant_id"].map(claimant_sides(actors)).fillna("independent")
    # a range's ends: the lowest stated lower bound (or figure) and the highest upper bound (or figure)
    c["lo"] = c["value_low"].fillna(c["value_best"])
    c["hi"] = c["value_high"].fillna(c["value_best"])

    out = c.groupby(keys, sort=True).agg(claims=("claim_id", "size"), claimants=("claimant_id", "nunique"))
    for name, part in (("partisan", c[c["side"] != "independent"]), ("independent", c[c["side"] == "independent"])):
        ranges = part.groupby(keys).agg(**{f"{name}_low": ("lo", "min"), f"{name}_high": ("hi", "max")})
        out = out.join(ranges)
    for side in ("official", "armed_group"):
        latest = (c[c["side"] == side].sort_values(["claim_date", "claim_id"])
                  .groupby(keys).tail(1).set_index(keys)
                  [["value_best", "claimant_id", "claim_date", "claim_id"]])
        latest.columns = [f"latest_{side}_{col}" for col in ("value", "claimant_id", "date", "claim_id")]
        out = out.join(latest)
    out = out.reset_index().reindex(columns=SUMMARY_COLUMNS)
    for col in ("claims", "claimants", "partisan_low", "partisan_high", "independent_low", "independent_high",
                "latest_official_value", "latest_armed_group_value"):
        out[col] = out[col].astype("Int64")
    for col in ("event_id", "claim_type", "subject", "latest_official_claimant_id", "latest_official_claim_id",
                "latest_armed_group_claimant_id", "latest_armed_group_claim_id"):
        out[col] = out[col].astype("string")
    for col in ("latest_official_date", "latest_armed_group_date"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[s]")
    return out.reset_index(drop=True)
