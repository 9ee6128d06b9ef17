"""csvread's one-pass byte scan (issue 16) against plain Python over the same bytes: every count and
finding must be the same whatever the slice size, including pairs that straddle two slices."""
from __future__ import annotations

import random

import pytest

from balochistan_events.package import csvread

ALPHABET = b'ab,"\n\r\t \x00\x01\x1b\x7f\xc2\x85\xe2\x80\xae'


def reference(data: bytes) -> csvread._ByteScan:
    def plain(b: int) -> bool:
        return b not in b',\n\r"'

    glued = any(data[k] == 0x22 and plain(data[k - 1]) and plain(data[k + 1]) for k in range(1, len(data) - 1))
    controls = any((b < 0x20 and b not in (9, 10, 13)) or b == 0x7F for b in data)
    return csvread._ByteScan(data.count(b"\n"), data.count(b"\r"), b"\n\n" in data, glued, controls)


@pytest.mark.parametrize("step", [1, 2, 3, 7, 64, 1 << 20])
def test_scan_matches_plain_python_for_any_slice_size(step, monkeypatch):
    monkeypatch.setattr(csvread, "SCAN_STEP", step)
    rng = random.Random(step)
    for _ in range(300):
        data = bytes(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        assert csvread._scan(data) == reference(data), data


@pytest.mark.parametrize("data, finding", [
    (b'a,b\n"x"y,1\n', "glued_quote"),          # text after a closing quote
    (b'a,b\nx"y,1\n', "glued_quote"),            # a quote inside an unquoted cell
    (b"a,b\n\n1,2\n", "blank_line"),
    (b"a,b\n1,\x1b[2J\n", "controls"),
    (b"a,b\n1,\x7f\n", "controls"),
])
def test_each_finding_at_every_slice_boundary(data, finding, monkeypatch):
    for step in range(1, len(data) + 1):
        monkeypatch.setattr(csvread, "SCAN_STEP", step)
        assert getattr(csvread._scan(data), finding), (step, data)
        clean = csvread._scan(b'a,b\n"x",1\n1,2\n')
        assert not (clean.glued_quote or clean.blank_line or clean.controls)


def test_the_reader_still_sends_irregular_files_to_the_careful_path(monkeypatch):
    """A glued quote across a 2-byte slice boundary reaches the careful reader, which names its line."""
    monkeypatch.setattr(csvread, "SCAN_STEP", 2)
    raw = csvread.read_csv_bytes(b'a,b\n1,2\n"x"y,3\n', "t", "t.csv")
    assert [(p.line, p.rule) for p in raw.problems if p.severity == "error"] == [(3, "csv_syntax")]
