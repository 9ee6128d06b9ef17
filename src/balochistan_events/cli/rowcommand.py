"""click commands whose options are the columns of a table, read from its Table Schema.

`add-claim`, `add-event`, `add-source` and `add-actor` have one option per column of
schemas/<table>.json (``--claim-type``, ``--value-best``, …). The options are built when the command
runs, from the schema of the package being edited (``--package``, default the current directory),
so a column added to a schema is an option at once and no column list is written in Python.
Option types follow the schema: an enum is a choice, an integer with minimum/maximum an IntRange,
a date YYYY-MM-DD, a boolean true/false; a required column is a required option unless add_row can
derive it (the ID; latitude/longitude from geonames_id).
"""
from __future__ import annotations

from typing import Any

import click

from balochistan_events.cli.app import Fail

PACKAGE_OPTION = ("--package", "-p")


def _package_arg(args: list[str]) -> str:
    """The value of --package/-p in raw arguments (needed before parsing, to know the options)."""
    for i, a in enumerate(args):
        if a == "--":
            break
        if a in PACKAGE_OPTION and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--package="):
            return a.split("=", 1)[1]
        if a.startswith("-p") and len(a) > 2 and not a.startswith("--"):
            return a[2:]
    return "."


def option_name(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


def field_option(f: dict[str, Any], derived: dict[str, str]) -> click.Option:
    """One click option for one Table Schema field."""
    name = f["name"]
    cons = f.get("constraints", {})
    ftype = f.get("type", "string")
    metavar = None
    ptype: click.ParamType
    if "enum" in cons and ftype == "string":
        ptype = click.Choice([str(v) for v in cons["enum"]])
    elif ftype == "integer":
        ptype = click.IntRange(cons.get("minimum"), cons.get("maximum"))
        metavar = "INTEGER"
    elif ftype == "number":
        ptype = click.FloatRange(cons.get("minimum"), cons.get("maximum"))
        metavar = "NUMBER"
    elif ftype == "boolean":
        ptype = click.Choice(["true", "false"])
    elif ftype == "date":
        ptype = click.DateTime(formats=["%Y-%m-%d"])
        metavar = "YYYY-MM-DD"
    else:
        ptype = click.STRING
        metavar = "TEXT"
    help_text = f.get("description", "")
    if name in derived:
        help_text += f" [default: {derived[name]}]"
    elif "example" in f and not isinstance(ptype, click.Choice):
        help_text += f" [e.g. {f['example']}]"
    required = bool(cons.get("required")) and name not in derived
    return click.Option([option_name(name), name], type=ptype, required=required,
                        metavar=metavar, help=help_text)


class RowCommand(click.Command):
    """A command with static options plus one option per column of `table` (see module doc)."""

    def __init__(self, *args: Any, table: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.table = table

    def _schema_params(self, ctx: click.Context) -> list[click.Parameter]:
        if "be.schema_params" in ctx.meta:
            return ctx.meta["be.schema_params"]
        from balochistan_events.contribute.rows import derivable_fields
        from balochistan_events.errors import PackageError
        from balochistan_events.package.descriptor import open_package

        params: list[click.Parameter] = []
        try:
            with open_package(ctx.meta.get("be.package", ".")) as pkg:
                pass
            if self.table not in pkg.resources:
                raise PackageError(f"the package has no table {self.table!r}")
            res = pkg.resources[self.table]
            derived = derivable_fields(res)
            params = [field_option(f, derived) for f in res.fields]
            ctx.meta["be.fields"] = res.field_names
        except PackageError as exc:
            ctx.meta["be.schema_error"] = str(exc)
        ctx.meta["be.schema_params"] = params
        return params

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        return super().get_params(ctx) + self._schema_params(ctx)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["be.package"] = _package_arg(args)
        self._schema_params(ctx)
        error = ctx.meta.get("be.schema_error")
        if error and not any(a in ("--help", "-h") for a in args):
            raise Fail(f"{error} (run this inside the package directory, or pass --package PATH)")
        return super().parse_args(ctx, args)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        error = ctx.meta.get("be.schema_error")
        if error:
            formatter.write_paragraph()
            formatter.write_text(f"The column options could not be listed: {error}. Run the command inside "
                                 "the package directory, or pass --package PATH.")
