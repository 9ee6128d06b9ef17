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
    # np.lexsort: last key first. The frame itself is never reordered: numpy arrays are, and the few
    # cells each group shows are taken from the frame by position (order[...]).
    order = np.lexsort((codes["claim_id"], date, codes["subject"], codes["claim_type"], codes["event_id"]))
    n = len(c)
    changed = np.zeros(n, dtype=bool)
    if n:
        changed[0] = True
        for k in KEYS:
            v = codes[k][order]
            changed[1:] |= v[1:] != v[:-1]
    starts = np.flatnonzero(changed)
    group = np.cumsum(changed) - 1
    side = _sides_of(c["claimant_id"], actors)[order]
    best = c["value_best"].to_numpy(dtype="float64")
    lo = c["value_low"].fillna(c["value_best"]).to_numpy(dtype="float64")[order]
    hi = c["value_high"].fillna(c["value_best"]).to_numpy(dtype="float64")[order]
    first = order[starts]
    out = pd.DataFrame({k: pd.Series(c[k].array.take(first)).astype("string") for k in KEYS})
    out["claims"] = np.diff(np.r_[starts, n])
    claimant, _ = pd.factorize(c["claimant_id"], use_na_sentinel=True)
    out["claimants"] = _distinct_per_group(claimant[order], group, len(starts))
    for name, mask in (("partisan", side != "independent"), ("independent", side == "independent")):
        out[f"{name}_low"] = _reduce(np.minimum, np.where(mask, lo, np.inf), starts)
        out[f"{name}_high"] = _reduce(np.maximum, np.where(mask, hi, -np.inf), starts)
    for name in ("official", "armed_group"):
        last = _reduce(np.maximum, np.where(side == name, np.arange(n, dtype="float64"), -np.inf), starts)
        has = ~np.isnan(last)
        pick = np.full(len(starts), -1, dtype=np.int64)         # -1: the group has no claim of that side
        pick[has] = order[last[has].astype(np.int64)]
        out[f"latest_{name}_value"] = np.where(has, best[pick], np.nan)
        for col, target in (("claimant_id", "claimant_id"), ("date", "claim_date"), ("claim_id", "claim_id")):
            out[f"latest_{name}_{col}"] = pd.Series(c[target].array.take(pick, allow_fill=True))
    return _typed(out.reindex(columns=SUMMARY_COLUMNS))


KEYS = ["event_id", "claim_type", "subject"]


def _sorted_codes(values: pd.Series) -> np.ndarray:
    """Each value's rank among the distinct values in code point order (missing: after all of them). A
    categorical (claim_type, subject) is ranked through its few categories, never cell by cell."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories.astype("string").to_numpy(dtype=object)
        rank = np.empty(len(cats) + 1, dtype=np.int64)
        rank[np.argsort(cats, kind="stable")] = np.arange(len(cats))
        rank[-1] = len(cats)                                # code -1 (missing) -> after all of them
        return rank[values.cat.codes.to_numpy()]
    codes, uniques = pd.factorize(values.astype("string"), sort=True, use_na_sentinel=True)
    return np.where(codes < 0, len(uniques), codes)


def _sides_of(claimant_ids: pd.Series, actors: pd.DataFrame) -> np.ndarray:
    """Each claim's claimant side (official, armed_group, independent) as an object array, looked up once
    per distinct claimant."""
    codes, uniques = pd.factorize(claimant_ids, use_na_sentinel=True)
    sides = claimant_sides(actors).to_dict()
    per_code = np.array([sides.get(u, "independent") for u in uniques] + ["independent"], dtype=object)
    return per_code[codes]              # code -1 (missing claimant) takes the last entry


def _reduce(op: np.ufunc, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """op over each run of `values` beginning at `starts`; a run of only ±inf (no row of that kind) is NaN."""
    if not len(starts):
        return np.zeros(0)
    out = op.reduceat(values, starts)
    out[np.isinf(out)] = np.nan
    return out


def _distinct_per_group(codes: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """How many distinct values (factorized codes, -1 for missing, not counted: as pandas' nunique) each
    group holds."""
    ok = codes >= 0
    width = codes.max(initial=0) + 1
    pairs = np.sort(group[ok].astype(np.int64) * width + codes[ok])          # a sort beats a hash here
    distinct = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
    return np.bincount(distinct // width, minlength=groups)


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
