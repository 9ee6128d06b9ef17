"""Command-line interface: parses arguments, calls the library, formats output. No logic lives here.

Exit codes: 0 valid / done; 1 the data is invalid (or a diff/verify mismatch); 2 the command could
not run (bad arguments, unreadable or malformed input)."""
from __future__ import annotations

import sys

import click

from .errors import PackageError

EXIT_OK, EXIT_INVALID, EXIT_CANNOT_RUN = 0, 1, 2


class Fail(click.ClickException):
    """A clean 'cannot run' error: message on stderr, exit 2, no traceback."""

    exit_code = EXIT_CANNOT_RUN

    def show(self, file=None):
        click.echo(f"error: {self.format_message()}", err=True)


def _progress_callback():
    """A rich progress bar on an interactive terminal; nothing in CI or pipes."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task("validating", total=None)
    bar.start()

    def update(step: str, nbytes: int):
        bar.update(task, description=f"validating {step}", advance=1)

    return update, bar


class SafeGroup(click.Group):
    """Turns every failure inside a command into a one-line message and exit 2: bad input must never
    produce a Python traceback (CliRunner tests and the console script behave the same)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except PackageError as exc:
            raise Fail(str(exc)) from None
        except MemoryError:
            raise Fail("out of memory reading the input") from None
        except OSError as exc:
            raise Fail(f"{exc.filename or ''}: {exc.strerror or exc}") from None
        except Exception as exc:  # noqa: BLE001 - last line of defence against tracebacks
            raise Fail(f"internal error: {type(exc).__name__}: {str(exc)[:300]} (please report this)") from None


@click.group(cls=SafeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="balochistan-events")
def cli():
    """Validate, build and release the balochistan-events data package."""


@cli.command()
@click.argument("path", required=False, default=".")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--max-errors", type=click.IntRange(min=1), default=None, help="Stop listing problems after N.")
@click.option("--strict", is_flag=True, help="Warnings fail validation too.")
def validate(path, fmt, max_errors, strict):
    """Validate a package directory, datapackage.json or release zip."""
    from .formatting import FORMATS
    from .validate import validate_package

    update, bar = _progress_callback() if fmt == "text" else (None, None)
    try:
        report = validate_package(path, max_errors=max_errors, strict=strict, progress=update)
    except PackageError as exc:
        if fmt == "json":
            import json
            click.echo(json.dumps({"valid": False, "errors": [{"table": None, "file": exc.file, "line": exc.line,
                                  "field": exc.field, "rule": "package", "message": exc.args[0], "value": None,
                                  "severity": "error"}], "warnings": [], "tables": {}}, indent=2))
        raise Fail(str(exc)) from None
    finally:
        if bar is not None:
            bar.stop()
    click.echo(FORMATS[fmt](report))
    sys.exit(EXIT_OK if report.valid else EXIT_INVALID)


# --- further commands are registered below this line -------------------------------------------


def main():
    cli(prog_name="balochistan-events")
