"""validate: check a package and report its problems."""
from __future__ import annotations

import sys

import click

from balochistan_events.cli.app import EXIT_INVALID, EXIT_OK, Fail, _progress_callback, cli
from balochistan_events.cli.options import path_argument
from balochistan_events.errors import PackageError


@cli.command()
@path_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--max-errors", type=click.IntRange(min=1), default=1000, show_default=True,
              help="List at most N problems (the counts stay exact).")
@click.option("--strict", is_flag=True, help="Warnings fail validation too.")
def validate(path: str, fmt: str, max_errors: int, strict: bool) -> None:
    """Validate a package directory, datapackage.json or release zip."""
    from balochistan_events.validation.engine import validate_package
    from balochistan_events.validation.output import FORMATS

    update, bar = _progress_callback()
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
