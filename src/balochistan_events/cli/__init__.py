"""The command-line interface: a thin click layer over the library.

`app` holds the group, exit codes and error handling; each command family registers itself on that
group from its own module (`validating`, `releasing`, `contributing`, `rendering`); `options` holds
the options they share."""
from __future__ import annotations

import sys

try:
    from balochistan_events.cli import contributing, releasing, rendering, validating  # noqa: F401  (registers commands)
    from balochistan_events.cli.app import EXIT_INTERRUPTED, cli
except KeyboardInterrupt:           # Ctrl-C while the CLI starts: nothing has been read or written
    sys.stderr.write("error: interrupted (Ctrl-C)\n")
    raise SystemExit(130) from None

__all__ = ["cli", "main"]

# commands that read whole tables (the others never import pyarrow)
HEAVY_COMMANDS = {"validate", "build", "release", "export", "report", "diff", "verify", "download"}


def main() -> None:
    try:
        if sys.argv[1:2] in (["validate"], ["verify"]):     # neither uses pandas
            from balochistan_events.validation.engine import skip_pandas_import
            skip_pandas_import()
        if sys.argv[1:2] and sys.argv[1] in HEAVY_COMMANDS and "--help" not in sys.argv:
            # jemalloc on the 1M-event package: 15-20% less wall time than mimalloc here (fewer page
            # faults); returning freed pages at once cuts peak memory by a quarter (package/memory.py)
            from balochistan_events.package.memory import use_lean_pool
            use_lean_pool()
        cli(prog_name="balochistan-events")
    except KeyboardInterrupt:       # between click's handlers (e.g. while an error is printed)
        sys.stderr.write("error: interrupted (Ctrl-C)\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
