"""Command-line interface: parses arguments, calls the library, formats output. No logic lives here.

Exit codes: 0 valid / done; 1 the data is invalid (or a diff/verify mismatch); 2 the command could
not run (bad arguments, unreadable or malformed input)."""
from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any

import click

from balochistan_events.errors import PackageError, Problem

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

EXIT_OK, EXIT_INVALID, EXIT_CANNOT_RUN = 0, 1, 2
EXIT_INTERRUPTED = 130          # 128 + SIGINT, as shells report a Ctrl-C


class Fail(click.ClickException):
    """A clean 'cannot run' error: message on stderr, exit 2, no traceback."""

    exit_code = EXIT_CANNOT_RUN

    def show(self, file: IO[Any] | None = None) -> None:
        from balochistan_events.errors import safe_text

        # one line, whatever the exception carried (paths and values come from untrusted input)
        click.echo(f"error: {safe_text(self.format_message(), 2000)}", err=True)


ProgressFn = Callable[[str, int], None]
"""progress(step, nbytes): called by validate_package as each file is read."""


class _ProgressBar:
    """A rich spinner on stderr, started only once `min_bytes` have been read."""

    def __init__(self, min_bytes: int) -> None:
        self.min_bytes = min_bytes
        self.bytes = 0
        self.live: tuple[Progress, TaskID] | None = None

    def update(self, step: str, nbytes: int) -> None:
        self.bytes += nbytes
        if self.live is None:
            if self.bytes < self.min_bytes:
                return
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                           console=Console(stderr=True), transient=True)
            self.live = (bar, bar.add_task("validating", total=None))
            bar.start()
        bar, task = self.live
        bar.update(task, description=f"validating: {step} ({self.bytes / 1e6:.0f} MB read)")

    def stop(self) -> None:
        if self.live is not None:
            self.live[0].stop()


def _progress_callback(min_bytes: int = 1 << 20) -> tuple[ProgressFn, _ProgressBar] | tuple[None, None]:
    """A rich progress bar on stderr when it is an interactive terminal, for packages of at least
    `min_bytes` (started lazily, so small packages never flash one); nothing in CI or pipes."""
    if not sys.stderr.isatty():
        return None, None
    bar = _ProgressBar(min_bytes)
    return bar.update, bar


class Interrupted(Fail):
    """Ctrl-C: exit 130 (not 1, which means invalid data). Every write is atomic or a rolled-back
    transaction, so nothing is left half-written."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self) -> None:
        super().__init__("interrupted (Ctrl-C): nothing was half-written; files are as they were, or wholly new")


class SafeGroup(click.Group):
    """Turns every failure inside a command into a one-line message and exit 2: bad input must never
    produce a Python traceback (CliRunner tests and the console script behave the same). Ctrl-C,
    while the arguments are parsed or the command runs, exits 130."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            raise Interrupted() from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted() from None
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except PackageError as exc:
            raise Fail(str(exc)) from None
        except MemoryError:
            raise Fail("out of memory reading the input") from None
        except RecursionError:
            raise Fail("the input is nested too deeply to read") from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise Fail(f"{where}{exc.strerror or exc}") from None
        except Exception as exc:  # noqa: BLE001 - last line of defence against tracebacks
            raise Fail(f"internal error: {type(exc).__name__}: {str(exc)[:300]} (please report this)") from None


def version_text() -> str:
    """The tool's version and the version of the data it loads by default (the checkout you stand in,
    else the release bundled in the installed package)."""
    import json

    from balochistan_events import __version__
    from balochistan_events.package.loading import BUNDLED, bundled_version, default_path

    try:
        where = default_path()
        data = json.loads((where / "datapackage.json").read_text(encoding="utf-8")).get("version")
        origin = "bundled" if where == BUNDLED else f"checkout {where}"
    except (PackageError, OSError, ValueError, AttributeError):
        data, origin = bundled_version(), "bundled"
    return f"balochistan-events {__version__} (data {data or 'none'}, {origin})"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


@click.group(cls=SafeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the tool's version and the data version, then exit.")
def cli() -> None:
    """Validate, build and release the balochistan-events data package."""




def echo_problems(problems: Sequence[Problem], total: int, limit: int = 20) -> None:
    """The first `limit` problems on stderr (file, line, field), then how many more there are."""
    from balochistan_events.validation.output import format_problem

    for p in problems[:limit]:
        click.echo(format_problem(p), err=True)
    if total > limit:
        click.echo(f"… {total - limit} more error(s)", err=True)
