"""Vectorised array helpers shared by the engine, the constraint checks and the domain rules: masks,
lookups, key codes, first occurrences, cell edges, loops of parent links. Arrow compute kernels and
numpy over whole columns; nothing here knows about the package's tables or rules."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ArrayLike: TypeAlias = Any   # a pyarrow Array or ChunkedArray (pyarrow has no type stubs)


def true_mask(arr: ArrayLike | np.ndarray) -> np.ndarray:
    """A boolean Arrow array (nulls count as false) as a numpy bool array."""
    if isinstance(arr, np.ndarray):
        return arr.astype(bool, copy=False)
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def valid(arr: ArrayLike) -> np.ndarray:
    """Where the array is not null, as a numpy bool array."""
    return true_mask(pc.is_valid(arr))


def lookup(keys: pa.Array, ref_keys: pa.Array, ref_values: pa.Array) -> pa.Array:
    """ref_values at the (first) row where ref_keys equals each key; null where there is none."""
    return ref_values.take(pc.index_in(keys, value_set=ref_keys, skip_nulls=True))


def row_of(keys: pa.Array, ref_keys: pa.Array) -> np.ndarray:
    """Row index in ref_keys of each key, -1 where absent (or null)."""
    return np.asarray(pc.fill_null(pc.index_in(keys, value_set=ref_keys, skip_nulls=True), -1)
                      .to_numpy(zero_copy_only=False),
                      dtype=np.int64)


def scalar(arr: ArrayLike | np.ndarray, i: int | np.integer) -> Any:
    """One cell as a Python value (for messages)."""
    v = arr[int(i)]
    return v.as_py() if hasattr(v, "as_py") else v


def bad_values(values: pa.Array, is_bad: Callable[[str], bool]) -> np.ndarray:
    """Evaluate a Python predicate once per distinct value, then broadcast it (vectorised)."""
    distinct = pc.unique(values.drop_null())
    bad = [v for v in distinct.to_pylist() if is_bad(v)]
    if not bad:
        return np.zeros(len(values), dtype=bool)
    return true_mask(pc.is_in(values, value_set=pa.array(bad, values.type)))


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


# --- keys ------------------------------------------------------------------------------------------

def key_strings(columns: list[ArrayLike], null_as: str | None = None) -> pa.Array:
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


def key_codes(columns: list[ArrayLike]) -> np.ndarray:
    """A dense integer code per row for a (composite) key, numbered in order of first appearance;
    -1 where any part is empty. Each column is hashed once (dictionary_encode); parts are combined
    arithmetically and re-encoded, so no joined strings are built."""
    acc: np.ndarray | None = None
    missing: np.ndarray | None = None
    for c in columns:
        if isinstance(c, pa.ChunkedArray):
            c = c.combine_chunks()
        enc = pc.dictionary_encode(c)
        miss = ~valid(enc.indices)
        # 0 stands for an empty part, so rows with empty parts never share a code with complete keys
        idx = np.asarray(pc.fill_null(pc.add(enc.indices.cast(pa.int64()), 1), 0).to_numpy(zero_copy_only=False),
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
    if acc is None or missing is None:
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


def has_duplicates(cols: list[ArrayLike]) -> bool:
    """Does any complete key repeat? One hashing pass in Arrow (unique / group_by), the fast answer
    for the usual case of no duplicates. A composite key is first tried without its bulkiest column (a
    claim's quote): if the other columns never repeat together, the whole key cannot repeat either,
    and the long texts are never hashed."""
    if len(cols) > 2:
        bulk = [c.nbytes if pa.types.is_string(c.type) or pa.types.is_large_string(c.type) else 0 for c in cols]
        widest = int(np.argmax(bulk))
        if bulk[widest] and not _has_duplicates([c for k, c in enumerate(cols) if k != widest]):
            return False
    return _has_duplicates(cols)


def _has_duplicates(cols: list[ArrayLike]) -> bool:
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
    h: np.ndarray | None = None
    for c in cols:
        if isinstance(c, pa.ChunkedArray):
            c = c.combine_chunks()
        idx = pc.dictionary_encode(c).indices
        code = np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False)).astype(np.uint64) + np.uint64(1)
        h = code if h is None else h * np.uint64(0x9E3779B97F4A7C15) + code
    if h is None:
        return False
    if complete is not None:
        h = h[true_mask(complete)]
    return bool(pc.count_distinct(pa.array(h)).as_py() < len(h))


def first_rows(keys: ArrayLike | list[ArrayLike]) -> np.ndarray:
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


def repeats(keys: ArrayLike | list[ArrayLike]) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each row's key, mask of the rows that repeat an earlier row's complete key)."""
    first = first_rows(keys)
    return first, (first >= 0) & (first != np.arange(len(first)))


# --- cell edges ------------------------------------------------------------------------------------

def edge_bytes(raw: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
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


# Bytes a whitespace character can start with (ASCII spaces; lead bytes of U+0085, U+00A0,
# U+1680, U+2000-U+205F, U+3000) or end with (ASCII spaces; any UTF-8 continuation byte).
WS_FIRST = np.zeros(256, dtype=bool)
WS_FIRST[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xC2, 0xE1, 0xE2, 0xE3]] = True
WS_LAST = np.zeros(256, dtype=bool)
WS_LAST[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20]] = True
WS_LAST[0x80:0xC0] = True
# Whitespace in RE2 syntax (\s alone is ASCII only).
WS_CLASS = r"[\s\x0b\x{85}\p{Z}]"


def matching(raw: pa.Array, candidates: np.ndarray, pattern: str) -> np.ndarray:
    """A mask over `raw`: the candidate rows (a bool mask, usually a few) whose text matches the RE2
    `pattern`; the regex runs on the candidates only."""
    rows = np.flatnonzero(candidates)
    mask = np.zeros(len(raw), dtype=bool)
    if len(rows):
        hit = true_mask(pc.match_substring_regex(raw.take(pa.array(rows)), pattern))
        mask[rows[hit]] = True
    return mask
