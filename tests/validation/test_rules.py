"""Domain rules one by one: each runs on its own (validate_package(rules={name})) and finds its
mutation of the corpus alone; plus the vectorised helpers the rules are built from."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from balochistan_events.reference import geonames as geonames
from balochistan_events.validation.engine import validate_package
from balochistan_events.validation.kernels import cycles, edge_bytes, first_rows, key_strings, lookup
from balochistan_events.validation.problems import Code, Group, codes
from balochistan_events.validation.rules import RULES
from validate_corpus import MUTATIONS

DOMAIN = sorted(name for name in MUTATIONS if any(name == r or name.startswith(r + "_") for r in RULES))


def test_every_rule_has_a_name_table_description_and_severity():
    for name, r in RULES.items():
        assert r.name == name and set(r.table.split(", ")) <= {"events", "actors", "sources", "claims", "*"}
        assert r.description and r.severity in {"error", "warning"}


def test_every_rule_code_of_the_catalogue_has_its_rule_in_catalogue_order():
    assert list(RULES) == [c.value for c in codes(Group.RULE)]
    assert all(r.code is Code(name) for name, r in RULES.items())


def test_each_rule_alone_passes_the_real_package(package_copy):
    for name in RULES:
        report = validate_package(package_copy, rules={name})
        assert not [p for p in report.problems if p.rule == name and p.severity == "error"], name


@pytest.mark.parametrize("name", DOMAIN)
def test_each_rule_alone_finds_its_mutation(name, package_copy):
    expect = MUTATIONS[name](package_copy)
    report = validate_package(package_copy, rules={expect.rule}, max_errors=None)
    hits = [p for p in report.problems if p.rule == expect.rule]
    assert any((p.table, p.line, p.field) == (expect.table, expect.line, expect.field) for p in hits), hits[:5]
    assert {p.rule for p in report.problems} <= {expect.rule} | _schema_rules()


def _schema_rules():
    return {c.value for c in codes(Group.CONSTRAINT) + codes(Group.KEY)} | {Code.ENCODING.value}


def test_cycles_flags_rows_on_loops_only():
    ids = pa.array(["a", "b", "c", "d", "e", "f", "g"])
    parents = pa.array([None, "a", "d", "c", "e", "c", "x"])  # c<->d loop, e self-loop, f leads into the loop
    assert cycles(ids, parents).tolist() == [False, False, True, True, True, False, False]
    assert cycles(pa.array([], pa.string()), pa.array([], pa.string())).tolist() == []


def test_composite_duplicates_with_and_without_the_bulky_column():
    """has_duplicates first drops the widest text column; the answer must not change."""
    import random

    from balochistan_events.validation.kernels import has_duplicates

    rng = random.Random(2)
    for _ in range(200):
        n = rng.randint(0, 12)
        a = pa.array([rng.choice(["x", "y", None]) for _ in range(n)], pa.string())
        b = pa.array([rng.choice([1, 2]) for _ in range(n)], pa.int64())
        quote = pa.array([rng.choice(["a long quote " * 5, "another long quote " * 5, None]) for _ in range(n)])
        rows = [(x, y, q) for x, y, q in zip(a.to_pylist(), b.to_pylist(), quote.to_pylist(), strict=True)
                if None not in (x, y, q)]
        assert has_duplicates([a, b, quote]) == (len(set(rows)) < len(rows)), rows


def test_first_rows_and_key_strings_treat_empty_parts_as_no_key():
    a = pa.array(["x", "x", None, "x", "y"])
    b = pa.array([1, 1, 1, 2, None])
    keys = key_strings([a, b])
    assert keys.to_pylist()[2] is None and keys.to_pylist()[4] is None
    assert first_rows(keys).tolist() == [0, 0, -1, 3, -1]
    assert first_rows(pa.array(["p", "q"])).tolist() == [0, 1]


def test_lookup_by_key():
    out = lookup(pa.array(["b", None, "z"]), pa.array(["a", "b"]), pa.array([10, 20]))
    assert out.to_pylist() == [20, None, None]


def test_edge_bytes_reads_first_and_last_bytes_of_sliced_arrays():
    arr = pa.array(["skip", "", " ab", "=x ", "é", None]).slice(1)
    first, last = edge_bytes(arr)
    assert first.tolist() == [0, ord(" "), ord("="), 0xC3, 0]
    assert last.tolist() == [0, ord("b"), ord(" "), 0xA9, 0]


def test_nearest_place_country():
    cc, km = geonames.nearest_place_country(np.array([30.18414, 31.61332, np.nan]), np.array([67.00141, 65.71013, 1.0]))
    assert cc.tolist() == ["PK", "AF", ""] and km[0] < 5 and km[1] < 5


def test_geonames_cache_is_built_once_written_atomically_and_rebuilt_when_damaged(tmp_path, monkeypatch):
    monkeypatch.setenv("BALOCHISTAN_EVENTS_CACHE", str(tmp_path))
    monkeypatch.setattr(geonames, "_PLACES", None)
    places = geonames.geonames_places()
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz" and not files[0].name.startswith(".")
    quetta = places.lookup(np.array([1167528]))[0]
    assert quetta >= 0 and places.name(int(quetta)) == "Quetta" and places.admin1_key([quetta]).tolist() == ["PK.02"]
    files[0].write_bytes(b"damaged")
    monkeypatch.setattr(geonames, "_PLACES", None)
    again = geonames.geonames_places()
    assert len(again) == len(places) and files[0].stat().st_size > 1000
    monkeypatch.setattr(geonames, "_PLACES", None)


def test_iso_codes_cache_matches_pycountry_and_survives_damage(tmp_path, monkeypatch):
    import pycountry

    from balochistan_events.reference import isocodes as isocodes

    monkeypatch.setenv("BALOCHISTAN_EVENTS_CACHE", str(tmp_path))
    monkeypatch.setattr(isocodes, "_CODES", None)
    assert isocodes.is_country("PK") and not isocodes.is_country("XX")
    assert isocodes.subdivision_country("PK-BA") == "PK" and isocodes.subdivision_country("PK-ZZ") is None
    assert len(isocodes.codes()["subdivisions"]) == len(pycountry.subdivisions)
    cache = next(tmp_path.glob("iso3166-*.json"))
    cache.write_text("{broken", encoding="utf-8")
    monkeypatch.setattr(isocodes, "_CODES", None)
    assert isocodes.is_country("AF")
    monkeypatch.setattr(isocodes, "_CODES", None)


def test_whitespace_around_a_number_or_date_is_a_type_error(package_copy):
    from validate_corpus import Csv

    cl = Csv(package_copy, "claims")
    cl.set(0, "claim_date", " " + cl.get(0, "claim_date"))
    cl.set(0, "credibility", cl.get(0, "credibility") + " ")
    cl.save()
    report = validate_package(package_copy)
    found = {(p.line, p.field, p.rule) for p in report.errors}
    assert {(2, "claim_date", "type"), (2, "credibility", "type")} <= found
