#!/usr/bin/env python3
"""Write a valid synthetic balochistan-events package of N events (about 3 claims each).

    python scripts/make_synthetic.py --events 100000 --out /tmp/synth-100k [--seed 1]

For benchmarks and scale tests only: the rows are made up, the schemas are the real ones.

Every column's generator is derived from its Table Schema field: enums / categories give the codes,
patterns give strings (a small generator over Python's regex parse tree), minimum / maximum /
minLength / maxLength bound numbers, dates and text, `required` decides whether cells may be empty,
primary keys and `unique` fields get a serial number placed inside the pattern, foreign keys sample
the referenced table's keys, x-vocabulary gives tags, x-belongs-to pairs sub-types with their type,
x-without-figures decides which claims carry numbers, x-geonames-admin1 maps GeoNames places to
province codes. The only hand-written parts are the relations that the domain rules demand
(dates within campaigns, coordinates of real GeoNames places in Pakistan, figures shaped as their
qualifier says), so that the result passes `balochistan-events validate` with 0 errors.
Deterministic for a given --seed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

try:  # Python 3.11+
    import re._constants as sre_c  # type: ignore[import-not-found]
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

INCIDENTS_PER_CAMPAIGN = 10
CAMPAIGNS_PER_DAY = 8          # campaigns starting on one day
PLACE_BLOCKS = 24              # campaigns overlapping in time use disjoint blocks of places
WORDS = ["armed", "men", "attacked", "a", "checkpoint", "on", "the", "highway", "near", "the", "town", "while",
         "security", "forces", "responded", "and", "the", "road", "was", "closed", "for", "several", "hours",
         "according", "to", "local", "officials", "and", "residents", "who", "reported", "gunfire", "in", "the",
         "market", "area", "during", "the", "night"]
FIRST_DAY = dt.date(2000, 1, 1)


# --- strings from Table Schema patterns ---------------------------------------------------------

_CATEGORY_CHARS = {
    sre_c.CATEGORY_DIGIT: "0123456789",
    sre_c.CATEGORY_WORD: "abcdefghijklmnopqrstuvwxyz0123456789_",
    sre_c.CATEGORY_NOT_SPACE: "abcdefghijklmnopqrstuvwxyz0123456789-._~/",
    sre_c.CATEGORY_SPACE: " ",
}


def _charset(items) -> str:
    chars = []
    for op, arg in items:
        if op == sre_c.LITERAL:
            chars.append(chr(arg))
        elif op == sre_c.RANGE:
            chars.extend(chr(c) for c in range(arg[0], arg[1] + 1))
        elif op == sre_c.CATEGORY:
            chars.extend(_CATEGORY_CHARS.get(arg, "a"))
        elif op == sre_c.NEGATE:
            raise ValueError("negated character classes are not supported")
    return "".join(dict.fromkeys(chars))


class PatternGen:
    """Random strings matching a (Table Schema, implicitly anchored) regular expression, optionally
    with a serial number written into its widest digit-accepting repeat so values are unique."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        self.tree = sre_parse.parse(pattern)
        self.slot = self._find_slot(self.tree)

    def _find_slot(self, tree):
        best = None
        for op, arg in tree:
            if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
                lo, hi, sub = arg
                if len(sub) == 1 and sub[0][0] == sre_c.IN and set("0123456789") <= set(_charset(sub[0][1])):
                    cap = 12 if hi == sre_c.MAXREPEAT else hi
                    if best is None or cap >= best[1]:
                        best = (id(sub), cap, lo)
        return best

    def sample(self, rng: np.random.Generator, serial: int | None = None) -> str:
        out: list[str] = []
        self._emit(self.tree, rng, out, serial)
        return "".join(out)

    def _emit(self, tree, rng, out, serial):
        for op, arg in tree:
            if op == sre_c.LITERAL:
                out.append(chr(arg))
            elif op == sre_c.IN:
                cs = _charset(arg)
                out.append(cs[rng.integers(len(cs))])
            elif op == sre_c.ANY:
                out.append("a")
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
                lo, hi, sub = arg
                if serial is not None and self.slot is not None and id(sub) == self.slot[0]:
                    width = max(lo, len(str(serial)))
                    out.append(str(serial).zfill(width))
                    continue
                hi = lo + 3 if hi == sre_c.MAXREPEAT else hi
                for _ in range(int(rng.integers(lo, max(lo, hi) + 1)) if hi > lo else lo):
                    self._emit(sub, rng, out, None)
            elif op == sre_c.SUBPATTERN:
                self._emit(arg[-1], rng, out, serial)
            elif op == sre_c.BRANCH:
                options = arg[1]
                self._emit(options[rng.integers(len(options))], rng, out, serial)
            elif op in (sre_c.AT,):
                continue
            else:
                raise ValueError(f"pattern {self.pattern!r}: unsupported regex construct {op}")


# --- generic column generators from a field ------------------------------------------------------

def _text(rng, n_pool: int, lo: int, hi: int, label: str) -> list[str]:
    """A pool of plain sentences within [lo, hi] characters; never starting with = + - @."""
    pool = []
    for k in range(n_pool):
        words = [label.capitalize(), str(k)] + [WORDS[i] for i in rng.integers(len(WORDS), size=int(rng.integers(2, 14)))]
        s = " ".join(words)
        target = int(rng.integers(max(lo, 1), max(lo, min(hi, 120)) + 1))
        while len(s) < target:
            s += " " + WORDS[int(rng.integers(len(WORDS)))]
        pool.append(s[:hi].rstrip() if len(s) > hi else s)
    return [p if len(p) >= lo else (p + " x" * lo)[:max(lo, 1)] for p in pool]


def column(field: dict, n: int, rng: np.random.Generator, *, empty_share: float = 0.2,
           unique: bool = False) -> pd.Series:
    """Values for one column, derived from the field's type and constraints only."""
    t = field.get("type", "string")
    cons = field.get("constraints", {})
    required = cons.get("required", False)
    unique = unique or cons.get("unique", False)
    if "enum" in cons or "categories" in field:
        codes = cons.get("enum") or [c["value"] if isinstance(c, dict) else c for c in field["categories"]]
        values = pd.Series(np.asarray(codes, dtype=object)[rng.integers(len(codes), size=n)])
    elif t == "string":
        if "pattern" in cons:
            gen = PatternGen(cons["pattern"])
            if unique:
                values = pd.Series([gen.sample(rng, serial=i + 1) for i in range(n)], dtype=object)
            else:
                pool = np.array([gen.sample(rng) for _ in range(min(n, 500) or 1)], dtype=object)
                values = pd.Series(pool[rng.integers(len(pool), size=n)])
        else:
            lo, hi = cons.get("minLength", 0), cons.get("maxLength", 200)
            if unique:
                values = pd.Series([f"{field['name']} {i + 1}" for i in range(n)], dtype=object)
            else:
                pool = np.array(_text(rng, min(n, 2000) or 1, lo, hi, field.get("title", field["name"])), dtype=object)
                values = pd.Series(pool[rng.integers(len(pool), size=n)])
    elif t in ("integer", "year"):
        lo = int(cons.get("minimum", 0))
        hi = int(cons.get("maximum", lo + 1000))
        values = pd.Series(rng.integers(lo, hi + 1, size=n), dtype="Int64")
    elif t == "number":
        lo, hi = float(cons.get("minimum", 0.0)), float(cons.get("maximum", 1000.0))
        values = pd.Series(np.round(rng.uniform(lo, hi, size=n), 5), dtype="Float64")
    elif t == "boolean":
        trues, falses = field.get("trueValues", ["true"]), field.get("falseValues", ["false"])
        values = pd.Series(np.where(rng.random(n) < 0.3, trues[0], falses[0]), dtype=object)
    elif t == "date":
        lo = dt.date.fromisoformat(cons.get("minimum", "2000-01-01"))
        hi = dt.date.fromisoformat(cons.get("maximum", "2030-12-31"))
        days = rng.integers(0, (hi - lo).days + 1, size=n)
        values = pd.Series(pd.to_datetime(lo) + pd.to_timedelta(days, unit="D"))
    else:
        raise ValueError(f"no generator for field type {t!r} ({field['name']})")
    if not required and not unique and empty_share:
        values = values.astype(object).where(rng.random(n) >= empty_share, None)
    return values


def table_frame(schema: dict, n: int, rng: np.random.Generator) -> pd.DataFrame:
    keys = [schema.get("primaryKey", [])] + schema.get("uniqueKeys", [])
    single = {k[0] for k in keys if len(k) == 1}
    return pd.DataFrame({f["name"]: column(f, n, rng, unique=f["name"] in single) for f in schema["fields"]})


def _field(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)


def _fk_targets(schema: dict) -> dict[str, tuple[str | None, str]]:
    out = {}
    for fk in schema.get("foreignKeys", []):
        for mine, theirs in zip(fk["fields"], fk["reference"]["fields"], strict=False):
            out[mine] = (fk["reference"].get("resource"), theirs)
    return out


# --- the package -----------------------------------------------------------------------------------

def pakistan_places(events_schema: dict):
    """Real GeoNames places in Pakistan (unique names), with their ISO 3166-2 province code."""
    from balochistan_events.reference.geonames import geonames_places

    places = geonames_places()
    mapping = _field(events_schema, "admin1_code").get("x-geonames-admin1", {})
    rows = np.flatnonzero(places.country == b"PK")
    keys = places.admin1_key(rows)
    seen, out = set(), []
    for r, key in zip(rows, keys, strict=False):
        name = places.name(int(r))
        if key in mapping and name not in seen and name[:1] not in "=+-@" and name == name.strip():
            seen.add(name)
            out.append((int(places.ids[r]), name, float(places.lat[r]), float(places.lon[r]), mapping[key]))
    return out


def make_package(n_events: int, out: Path, seed: int = 0) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    schemas = {p.stem: json.loads(p.read_text()) for p in (ROOT / "schemas").glob("*.json")}
    # one generator, drawn from in this order: the same seed gives the same package
    actors = _actors(schemas["actors"], n_events, rng)
    sources = _sources(schemas["sources"], n_events, rng)
    events, start = _events(schemas["events"], actors, n_events, rng)
    claims = _claims(schemas["claims"], events, start, actors, sources, rng)
    return _write(Path(out), schemas, {"events": events, "actors": actors, "sources": sources, "claims": claims},
                  f"Synthetic data ({n_events} events, seed {seed}) with the real schemas: not real events")


def _actors(ac_s: dict, n_events: int, rng: np.random.Generator) -> pd.DataFrame:
    """A few dozen actors, parents only among earlier rows (no cycles)."""
    import pycountry

    n_actors = max(12, min(400, n_events // 500))
    actors = table_frame(ac_s, n_actors, rng)
    parent = actors["parent_actor_id"].astype(object)
    for i in range(n_actors):
        parent.iloc[i] = actors["actor_id"].iloc[int(rng.integers(i))] if i and rng.random() < 0.3 else None
    actors["parent_actor_id"] = parent
    codes = [c.alpha_2 for c in pycountry.countries][:40]
    actors["country_code"] = np.where(rng.random(n_actors) < 0.7, "PK",
                                      np.asarray(codes)[rng.integers(len(codes), size=n_actors)])
    return actors


def _sources(so_s: dict, n_events: int, rng: np.random.Generator) -> pd.DataFrame:
    """Sources with unique URLs (uniqueKeys), published no later than accessed."""
    n_sources = max(10, n_events // 20)
    sources = table_frame(so_s, n_sources, rng)
    sources["url"] = [f"https://news{i % 97}.example.org/{i + 1}" for i in range(n_sources)]
    pub = pd.to_datetime(sources["published_date"])
    acc = pd.to_datetime(sources["accessed_date"])
    sources["accessed_date"] = np.maximum(acc.fillna(pd.Timestamp("2030-01-01")), pub.fillna(pd.Timestamp("2000-01-01")))
    return sources


def _events(ev_s: dict, actors: pd.DataFrame, n_events: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Campaigns of INCIDENTS_PER_CAMPAIGN incidents, and each event's start date."""
    import pycountry

    places = pakistan_places(ev_s)
    block = len(places) // PLACE_BLOCKS
    if block < INCIDENTS_PER_CAMPAIGN:
        raise SystemExit("not enough GeoNames places in Pakistan for the synthetic layout")
    per = INCIDENTS_PER_CAMPAIGN + 1
    events = table_frame(ev_s, n_events, rng)
    idx = np.arange(n_events)
    camp = idx // per
    pos = idx % per
    is_campaign = pos == 0
    events["event_level"] = np.where(is_campaign, "campaign", "incident")
    ids = events["event_id"].to_numpy()
    events["parent_event_id"] = np.where(is_campaign, None, ids[camp * per])
    c_start = np.datetime64(FIRST_DAY) + (camp // CAMPAIGNS_PER_DAY).astype("timedelta64[D]")
    c_len = (camp % 3).astype("timedelta64[D]")
    inc_off = np.where(is_campaign, 0, rng.integers(0, 3, size=n_events) % ((camp % 3) + 1)).astype("timedelta64[D]")
    start = c_start + inc_off
    events["date_start"] = pd.to_datetime(start)
    events["date_end"] = pd.to_datetime(np.where(is_campaign, c_start + c_len, start))
    # sub-type from the schema's x-belongs-to, event_type follows
    belongs = _field(ev_s, "sub_event_type")["x-belongs-to"]["values"]
    subs = np.asarray(list(belongs), dtype=object)
    sub = subs[rng.integers(len(subs), size=n_events)]
    events["sub_event_type"] = sub
    events["event_type"] = [belongs[s] for s in sub]
    # places: disjoint blocks for campaigns that may overlap in time, distinct within a campaign
    place_idx = (camp % PLACE_BLOCKS) * block + np.where(is_campaign, 0, pos - 1)
    gid, pname, plat, plon, padm = (np.asarray(col, dtype=object) for col in zip(*places, strict=False))
    events["geonames_id"] = pd.array(gid[place_idx].astype(np.int64), dtype="Int64")
    events["latitude"] = plat[place_idx].astype(float)
    events["longitude"] = plon[place_idx].astype(float)
    events["admin1_code"] = padm[place_idx]
    events["location"] = pname[place_idx]
    events["admin2"] = np.where(rng.random(n_events) < 0.5, pname[place_idx], None)
    events["country_code"] = "PK"
    names = {s.code: s.name for s in pycountry.subdivisions.get(country_code="PK")}
    events["admin1"] = [names.get(a, a) for a in events["admin1_code"]]
    fk = _fk_targets(ev_s)
    for col, (res, key) in fk.items():
        if res == "actors":
            pool = actors[key].to_numpy()
            vals = pool[rng.integers(len(pool), size=n_events)]
            events[col] = vals if _field(ev_s, col).get("constraints", {}).get("required") else \
                np.where(rng.random(n_events) < 0.8, vals, None)
    vocab = np.asarray(list(_field(ev_s, "tags")["x-vocabulary"]), dtype=object)
    t1, t2 = vocab[rng.integers(len(vocab), size=n_events)], vocab[rng.integers(len(vocab), size=n_events)]
    tags = np.where(t1 == t2, t1, t1 + "|" + t2)
    events["tags"] = np.where(rng.random(n_events) < 0.5, tags, None)
    return events, start


def _claims(cl_s: dict, events: pd.DataFrame, start: np.ndarray, actors: pd.DataFrame, sources: pd.DataFrame,
            rng: np.random.Generator) -> pd.DataFrame:
    """About 3 claims per event, the first one 'occurred' (every event has provenance)."""
    n_events = len(events)
    idx = np.arange(n_events)
    ids = events["event_id"].to_numpy()
    k = rng.integers(2, 5, size=n_events)
    ev_of = np.repeat(idx, k)
    nth = np.arange(len(ev_of)) - np.repeat(np.cumsum(k) - k, k)
    n_claims = len(ev_of)
    claims = table_frame(cl_s, n_claims, rng)
    claims["event_id"] = ids[ev_of]
    src = sources["source_id"].to_numpy()
    pick = rng.integers(len(src), size=n_claims)
    pick[: min(len(src), n_claims)] = np.arange(min(len(src), n_claims))  # every source is cited
    claims["source_id"] = src[pick]
    act = actors["actor_id"].to_numpy()
    claims["claimant_id"] = act[rng.integers(len(act), size=n_claims)]
    ev_start = pd.to_datetime(start)[ev_of]
    claims["claim_date"] = ev_start + pd.to_timedelta(rng.integers(0, 4, size=n_claims), unit="D")
    ctf = _field(cl_s, "claim_type")
    without = ctf.get("x-without-figures", [])
    counted = [c for c in ctf["constraints"]["enum"] if c not in without]
    subjects = _field(cl_s, "subject")["constraints"]["enum"]
    # distinct (type, subject) within an event keeps the claims' uniqueKeys unique
    ctype = np.where(nth == 0, without[0], np.asarray(counted, dtype=object)[(nth - 1 + ev_of) % len(counted)])
    claims["claim_type"] = ctype
    claims["subject"] = np.asarray(subjects, dtype=object)[(nth + ev_of) % len(subjects)]
    has_fig = nth > 0
    qual = _field(cl_s, "qualifier")["constraints"]["enum"]
    q = np.asarray(qual, dtype=object)[rng.integers(len(qual), size=n_claims)]
    best = rng.integers(0, 60, size=n_claims)
    low = np.where(np.isin(q, ["exact", "at_least", "more_than"]), best,
                   np.where(q == "approximately", np.maximum(best - 5, 0), -1))
    high = np.where(np.isin(q, ["exact", "up_to", "nearly"]), best, np.where(q == "approximately", best + 5, -1))

    def nullable(a: np.ndarray, keep: np.ndarray) -> pd.Series:
        ok = keep & (a >= 0)
        return pd.Series(pd.array(np.where(ok, a, 0), dtype="Int64")).where(ok, pd.NA)

    claims["value_best"] = nullable(best, has_fig)
    claims["value_low"] = nullable(low, has_fig)
    claims["value_high"] = nullable(high, has_fig)
    claims["qualifier"] = np.where(has_fig, q, None)
    if "quote_translation" in claims and "language" in sources:
        # the quote_translated rule: a quote from a non-English source carries its English rendering
        foreign = claims["source_id"].map(sources.set_index("source_id")["language"]).ne("en").to_numpy()
        missing = claims["quote_translation"].isna().to_numpy() | (claims["quote_translation"] == "").to_numpy()
        claims.loc[foreign & missing, "quote_translation"] = "English rendering of the quote"
    return claims


def _write(out: Path, schemas: dict[str, dict], tables: dict[str, pd.DataFrame], title: str) -> dict[str, int]:
    """The package directory: the real schemas, a descriptor named -synthetic, one CSV per table."""
    if out.exists():
        shutil.rmtree(out)
    (out / "data").mkdir(parents=True)
    shutil.copytree(ROOT / "schemas", out / "schemas")
    desc = json.loads((ROOT / "datapackage.json").read_text())
    desc["name"] = desc.get("name", "package") + "-synthetic"
    desc["title"] = title
    (out / "datapackage.json").write_text(json.dumps(desc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    counts = {}
    for name in ("events", "actors", "sources", "claims"):
        schema = schemas[name]
        frame = tables[name][[f["name"] for f in schema["fields"]]]
        for f in schema["fields"]:
            if f.get("type") == "date":
                frame[f["name"]] = pd.to_datetime(frame[f["name"]]).dt.strftime("%Y-%m-%d")
        frame.to_csv(out / "data" / f"{name}.csv", index=False, lineterminator="\n")
        counts[name] = len(frame)
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, required=True, help="number of events (campaigns and incidents)")
    ap.add_argument("--out", type=Path, required=True, help="output package directory (replaced)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.events < 1:
        ap.error("--events must be at least 1")
    counts = make_package(args.events, args.out, args.seed)
    print(" ".join(f"{k}={v}" for k, v in counts.items()), f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
