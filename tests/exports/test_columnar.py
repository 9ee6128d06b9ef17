"""The exports' column-wise helpers (issue 16) against the per-row Python they replaced: the csv module,
json.dumps, and sets and dicts built event by event."""
from __future__ import annotations

import json
import random

import pandas as pd
import pytest

from balochistan_events.exports.common import (
    EventLists,
    _distinct_lists,
    csv_columns_text,
    csv_text,
    joined_per_event,
    lookup,
)
from balochistan_events.exports.geojson import _dump

TRICKY = ["plain", "", None, "a,b", 'say "hi"', "line\nbreak", "cr\rhere", " padded ", "ünïcödé", "‮bidi", "x" * 300,
          '"', ",", "tab\there", "1.5", "0"]


def test_csv_columns_text_writes_what_the_csv_module_writes():
    rng = random.Random(3)
    header = ["id", "text", "more", "number"]
    columns = [[f"E{i}" for i in range(500)],
               [rng.choice(TRICKY) for _ in range(500)],
               [rng.choice(TRICKY) for _ in range(500)],
               [rng.choice([1, 2.5, None, "7"]) for _ in range(500)]]
    rows = list(zip(*columns, strict=True))
    expected = csv_text(header, rows, extra_rows=[["#tag", "#tag+x", "", ""]])
    got = csv_columns_text(header, columns, extra_rows=[["#tag", "#tag+x", "", ""]])
    # the csv module leaves a lone CR unquoted with LF line ends; we quote it (RFC 4180): the only difference
    assert got.replace('"cr\rhere"', "cr\rhere") == expected
    assert '"cr\rhere"' in got


@pytest.mark.parametrize("columns", [[[]], [["only"]], [[None], [None]]])
def test_csv_columns_text_corner_cases_fall_back_to_the_csv_module(columns):
    header = [f"c{i}" for i in range(len(columns))]
    assert csv_columns_text(header, columns) == csv_text(header, zip(*columns, strict=True))


def _reference(events, items):
    out = {}
    for e, v in zip(events, items, strict=True):
        if e is not None and v is not None:
            out.setdefault(e, set()).add(v)
    return {e: sorted(v) for e, v in out.items()}


def distinct_per_event(events, items):
    keys, lists = _distinct_lists(events, items)
    return dict(zip(keys.to_pylist(), lists.to_pylist(), strict=True))


def test_distinct_lists_sort_and_dedupe_as_python_does():
    rng = random.Random(5)
    words = ["b", "a", "B", "ä", "a b", "", "z", "é", "Z", "10", "9"]
    events = [rng.choice(["E2", "E1", "E10", None, "É"]) for _ in range(2000)]
    items = [rng.choice([*words, None]) for _ in range(2000)]
    assert distinct_per_event(events, items) == _reference(events, items)
    assert distinct_per_event(pd.Series(events, dtype="string"), pd.Series(items, dtype="category")) == \
        _reference(events, items)
    assert distinct_per_event([], []) == {}


def test_joined_per_event_follows_the_wanted_order_and_leaves_gaps_empty():
    events = ["E1", "E2", "E1", "E1", "E3"]
    items = ["y", "x", "x", "y", None]
    assert joined_per_event(events, items, ["E3", "E1", "E9", "E2"], "; ") == ["", "x; y", "", "x"]


def test_event_lists_counts_and_joins_per_item_values():
    events = ["E1", "E1", "E2", "E1", "E2"]
    sources = ["S2", "S1", "S2", "S2", "S3"]
    lists = EventLists(events, sources, ["E2", "E1", "E4"])
    assert lists.counts() == ["2", "2", "0"]
    assert lists.joined("; ") == ["S2; S3", "S1; S2", ""]
    publisher = lookup(pd.Series(lists.items.to_pylist()), pd.Series(["S1", "S2", "S3"]), ["P1", "  ", None])
    assert lists.joined("; ", publisher) == ["", "P1", ""]        # blank and missing items are left out


@pytest.mark.parametrize("value", ["text", "quote \" and \\ slash", "ünï\u2028", "", None, True, False, 0, -7,
                                   2 ** 70, 1.5, 33.4341, 1e-07, 1e22, -0.0])
def test_geojson_dump_is_json_dumps(value):
    assert _dump(value) == json.dumps(value, ensure_ascii=False, allow_nan=False)


def test_geojson_dump_refuses_nan_like_json_dumps():
    with pytest.raises(ValueError):
        _dump(float("nan"))
