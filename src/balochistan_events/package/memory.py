"""Arrow's memory pool for the command-line process.

Arrow allocates every column through a pool. Its default (mimalloc) and jemalloc both keep freed pages
for a while before giving them back, so a process that parses a table, frees the text and builds the
next one holds the old pages too: on the 100k-event package `validate` peaked at 645 MB resident with
only 230 MB of live Arrow data. jemalloc with its decay time set to 0 returns freed pages at once:
the same run peaks at about 480 MB, at no measurable cost in time (docs/benchmarks.md)."""
from __future__ import annotations

import contextlib
import os


def use_lean_pool() -> None:
    """jemalloc, returning freed memory immediately, unless the user chose a pool
    (ARROW_DEFAULT_MEMORY_POOL) or this pyarrow build has no jemalloc."""
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return
    import pyarrow as pa

    with contextlib.suppress(NotImplementedError, AttributeError, pa.ArrowException):
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
        pa.set_memory_pool(pool)


def return_freed_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim). pandas and numpy free their
    temporaries into the heap, which keeps them: after the build's claims summary, 60-90 MB at 100k
    events that the Parquet writers would otherwise add to. A no-op where there is no glibc."""
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
