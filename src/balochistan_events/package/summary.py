"""The reconciled view, derived at build time and never stored in data/: for each event x claim_type x
subject, how many claims and claimants, the range of figures across partisan and across independent
claimants, and the latest official and latest armed-group figure.

A claimant's side comes from its actor_type: state forces and authorities are 'official', rebel groups
and militias 'armed_group' (both partisan); media, intergovernmental bodies, foreign governments,
civilians and unknown actors are 'independent'."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
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
    """One row per event x claim_type x subject that has at least one figure; sorted by key.

    The claims with a figure are sorted once by (key, claim_date, claim_id), so each group is a run of
    rows and its latest claim is the run's last of that side: every column is then a numpy reduction
    over the runs (no pandas groupby or join, which cost ten times as much at 300k claims)."""
    claims, actors = tables["claims"], tables["actors"]
    c = claims.loc[claims["value_best"].notna(), [*KEYS, "claim_id", "claimant_id", "claim_date",
                                                  "value_low", "value_best", "value_high"]]
    c = c.loc[c[KEYS].notna().all(axis=1)]                      # as groupby: no group for a missing key
    # integer codes in sorted order stand for the texts (sorting Python strings is the slow part)
    codes = {k: _sorted_codes(c[k]) for k in [*KEYS, "claim_id"]}
    date = c["claim_date"].to_numpy(dtype="datetime64[s]").view(np.int64)
    date = np.where(date == np.iinfo(np.int64).min, np.iinfo(np.int64).max, date)     # NaT last, as sort_values
    # np.lexsort: last key first
    order = np.lexsort((codes["claim_id"], date, codes["subject"], codes["claim_type"], codes["event_id"]))
    c = c.iloc[order].reset_index(drop=True)
    n = len(c)
    changed = np.zeros(n, dtype=bool)
    if n:
        changed[0] = True
        for k in KEYS:
            v = codes[k][order]
            changed[1:] |= v[1:] != v[:-1]
    starts = np.flatnonzero(changed)
    group = np.cumsum(changed) - 1
    side = c["claimant_id"].map(claimant_sides(actors)).fillna("independent").to_numpy(dtype=object)
    best = c["value_best"].to_numpy(dtype="float64")
    lo = c["value_low"].fillna(c["value_best"]).to_numpy(dtype="float64")
    hi = c["value_high"].fillna(c["value_best"]).to_numpy(dtype="float64")
    out = pd.DataFrame({k: c[k].astype("string").take(starts).reset_index(drop=True) for k in KEYS})
    out["claims"] = np.diff(np.r_[starts, n])
    out["claimants"] = _distinct_per_group(c["claimant_id"], group, len(starts))
    for name, mask in (("partisan", side != "independent"), ("independent", side == "independent")):
        out[f"{name}_low"] = _reduce(np.minimum, np.where(mask, lo, np.inf), starts)
        out[f"{name}_high"] = _reduce(np.maximum, np.where(mask, hi, -np.inf), starts)
    groups = pd.RangeIndex(len(starts))
    for name in ("official", "armed_group"):
        last = _reduce(np.maximum, np.where(side == name, np.arange(n, dtype="float64"), -np.inf), starts)
        has = ~np.isnan(last)
        at, where = last[has].astype(np.int64), np.flatnonzero(has)
        out[f"latest_{name}_value"] = pd.Series(best[at], index=where).reindex(groups)
        for col, target in (("claimant_id", "claimant_id"), ("date", "claim_date"), ("claim_id", "claim_id")):
            out[f"latest_{name}_{col}"] = c[target].take(at).set_axis(where).reindex(groups)
    return _typed(out.reindex(columns=SUMMARY_COLUMNS))


KEYS = ["event_id", "claim_type", "subject"]


def _sorted_codes(values: pd.Series) -> np.ndarray:
    """Each value's rank among the distinct values in code point order (missing: after all of them)."""
    codes, uniques = pd.factorize(values.astype("string"), sort=True, use_na_sentinel=True)
    return np.where(codes < 0, len(uniques), codes)


def _reduce(op: np.ufunc, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """op over each run of `values` beginning at `starts`; a run of only ±inf (no row of that kind) is NaN."""
    if not len(starts):
        return np.zeros(0)
    out = op.reduceat(values, starts)
    out[np.isinf(out)] = np.nan
    return out


def _distinct_per_group(values: pd.Series, group: np.ndarray, groups: int) -> np.ndarray:
    """How many distinct non-missing values each group holds (as pandas' nunique)."""
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    ok = codes >= 0
    pairs = np.unique(group[ok].astype(np.int64) * (codes.max(initial=0) + 1) + codes[ok])
    return np.bincount(pairs // (codes.max(initial=0) + 1), minlength=groups)


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    for col in ("claims", "claimants", "partisan_low", "partisan_high", "independent_low", "independent_high",
                "latest_official_value", "latest_armed_group_value"):
        out[col] = pd.array(out[col].to_numpy(dtype="float64"), dtype="Float64").astype("Int64")
    for col in ("event_id", "claim_type", "subject", "latest_official_claimant_id", "latest_official_claim_id",
                "latest_armed_group_claimant_id", "latest_armed_group_claim_id"):
        out[col] = out[col].astype("string")
    for col in ("latest_official_date", "latest_armed_group_date"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[s]")
    return out.reset_index(drop=True)
