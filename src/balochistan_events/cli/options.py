"""Options and arguments shared by several commands, declared once."""
from __future__ import annotations

import click

path_argument = click.argument("path", required=False, default=".", metavar="[PATH]")
"""PATH: a package directory (default .), a datapackage.json or a release .zip."""


def package_option(func):
    return click.option("--package", "-p", "package", default=".", show_default=True, metavar="PATH",
                        help="The package directory (your clone).")(func)



def date_option(func):
    def check(ctx, param, value):
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
