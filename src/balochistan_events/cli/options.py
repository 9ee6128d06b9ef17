"""Options and arguments shared by several commands, declared once."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

path_argument = click.argument("path", required=False, default=".", metavar="[PATH]")
"""PATH: a package directory (default .), a datapackage.json or a release .zip."""


def package_option(func: F) -> F:
    return click.option("--package", "-p", "package", default=".", show_default=True, metavar="PATH",
                        help="The package directory (your clone).")(func)



def date_option(func: F) -> F:
    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        import datetime as _dt
        try:
            if len(value) != 10:
                raise ValueError
            _dt.date.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None
        return value

    return click.option("--date", default=None, metavar="YYYY-MM-DD", callback=check,
                        help="Release date (created, zip times). Default: SOURCE_DATE_EPOCH, else the last "
                             "commit's date.")(func)
