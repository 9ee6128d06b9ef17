"""fieldtypes: typed frames back to CSV text, column-wise, with the bytes csv.writer would write."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from balochistan_events.package.fieldtypes import frame_csv_bytes, frame_to_csv

FIELDS = [{"name": "id", "type": "string"}, {"name": "n", "type": "integer"}, {"name": "day", "type": "date"}]


def _slow(df: pd.DataFrame, fields: list[dict]) -> bytes:
    """The reference: csv.writer over the lexical form of each cell."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([f["name"] for f in fields])
    for row in df.itertuples(index=False):
        cells = []
        for f, v in zip(fields, row, strict=True):
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                cells.append("")
            elif f["type"] == "date":
                cells.append(pd.Timestamp(v).strftime("%Y-%m-%d"))
            elif f["type"] == "number":
                cells.append(repr(float(v)))
            else:
                cells.append(str(v))
        w.writerow(cells)
    return buf.getvalue().encode("utf-8")


def _frame(ids: list) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({
        "id": pd.array(ids, dtype="string"),
        "n": pd.array([(i * 37) - 5 if i % 3 else None for i in range(n)], dtype="Int64"),
        "day": pd.to_datetime([f"2026-0{1 + i % 9}-1{i % 10}" if i % 4 else None for i in range(n)]).astype("datetime64[s]"),
    })


def test_the_fast_path_writes_what_csv_writer_writes():
    df = _frame(["EV-1", None, "", "ünïcødé", "a b", "x"] * 5)
    fast = frame_csv_bytes(df, FIELDS)
    assert fast is not None
    assert fast == _slow(df, FIELDS) == frame_to_csv(df, FIELDS)
    assert frame_csv_bytes(df.iloc[:0], FIELDS) == b"id,n,day\n"


@pytest.mark.parametrize("cell", ['has,comma', 'has "quote"', "two\nlines", "carriage\rreturn"])
def test_cells_that_need_quoting_take_the_csv_writer_path(cell):
    df = _frame(["plain", cell, "plain"])
    assert frame_csv_bytes(df, FIELDS) is None
    assert frame_to_csv(df, FIELDS) == _slow(df, FIELDS)


def test_numbers_and_early_years_take_the_csv_writer_path():
    fields = [{"name": "id", "type": "string"}, {"name": "x", "type": "number"}]
    df = pd.DataFrame({"id": pd.array(["a", "b"], dtype="string"), "x": pd.array([0.1, None], dtype="Float64")})
    assert frame_csv_bytes(df, fields) is None
    assert frame_to_csv(df, fields) == _slow(df, fields)
    early = pd.DataFrame({"id": pd.array(["a"], dtype="string"), "n": pd.array([1], dtype="Int64"),
                          "day": pd.to_datetime(["0999-01-02"], format="%Y-%m-%d").astype("datetime64[s]")})
    assert frame_csv_bytes(early, FIELDS) is None
