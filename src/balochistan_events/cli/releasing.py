"""build, release, diff, verify, download: cutting, checking and fetching releases."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from balochistan_events.cli.app import EXIT_INVALID, EXIT_OK, cli, echo_problems
from balochistan_events.cli.options import date_option, path_argument

if TYPE_CHECKING:
    import datetime as dt

    from balochistan_events.release.build import BuildInvalid


def _parse_created(text: str) -> dt.datetime:
    """A descriptor's created (YYYY-MM-DDTHH:MM:SSZ) as a UTC datetime for the build date."""
    import datetime as dt

    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise click.BadParameter(f"the package's created {text!r} is not YYYY-MM-DDTHH:MM:SSZ; pass --date") from None


def _echo_invalid(exc: BuildInvalid) -> None:
    echo_problems(exc.report.errors, exc.report.error_count)
    click.echo(f"error: {exc}", err=True)


@cli.command()
@path_argument
@click.option("--out", default="dist", show_default=True, type=click.Path(file_okay=False),
              help="Directory for the zip and its .sha256.")
@date_option
@click.option("--ref", default=None, metavar="VERSION|REF",
              help="Rebuild the package as it was at this version (its tag, or in a clone without tags the commit "
                   "that first carried it) or git ref; the date defaults to the 'created' it records.")
def build(path: str, out: str, date: str | None, ref: str | None) -> None:
    """Build the release zip (CSV, Parquet, derived tables, docs, hashes) without changing the version.

    Same commit and same --date give a byte-identical zip."""
    from balochistan_events.release.build import BuildInvalid, build_release

    try:
        if ref is not None:
            import tempfile
            from pathlib import Path

            from balochistan_events.package.gitsource import export_ref

            with tempfile.TemporaryDirectory(prefix="be-rebuild-") as tmp:
                pkg, created = export_ref(ref, Path(tmp), path)
                result = build_release(pkg, out, date or (_parse_created(created) if created else None))
        else:
            result = build_release(path, out, date)
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
@date_option
@click.option("--out", default="dist", show_default=True, type=click.Path(file_okay=False))
@click.option("--tag", is_flag=True, help="Commit datapackage.json and CHANGELOG.md and create the git tag vX.Y.Z.")
def release(bump: str | None, version: str | None, date: str | None, out: str, tag: bool) -> None:
    """Validate, diff against the last v* tag, set the version, write the changelog entry, build the zip.

    Refuses (and changes nothing) when the data is invalid (exit 1), or when the version is not greater
    than the last release, is a smaller bump than the changes need, or its artifact or tag exists (exit 2)."""
    from balochistan_events.release.build import BuildInvalid
    from balochistan_events.release.publish import release as do_release

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
def diff(old: str, new: str, fmt: str) -> None:
    """Compare two versions: rows added, removed and changed by primary key, schema and metadata changes,
    and the minimum version bump. OLD and NEW: a directory, datapackage.json, release zip or git ref.

    Exit 0 when identical, 1 when they differ."""
    from balochistan_events.release.diff import FORMATS, diff_packages

    result = diff_packages(old, new)
    click.echo(FORMATS[fmt](result))
    sys.exit(EXIT_OK if result.identical else EXIT_INVALID)


@cli.command()
@click.argument("release_path", metavar="RELEASE")
def verify(release_path: str) -> None:
    """Check a downloaded release (zip or extracted directory): every file's bytes and sha256, the zip
    against its .sha256 file when present, then validate it. Exit 1 naming each mismatching file."""
    from balochistan_events.release.verify import format_text, verify_release

    result = verify_release(release_path)
    click.echo(format_text(result))
    sys.exit(EXIT_OK if result.ok else EXIT_INVALID)


@cli.command()
@click.argument("version", metavar="X.Y.Z")
@click.option("--to", "to", default=None, type=click.Path(file_okay=False),
              help="Also copy the zip and its .sha256 into this directory.")
def download(version: str, to: str | None) -> None:
    """Download a published release, check its sha256 and keep it in the user cache; print its path.

    The sha256 comes from the registry shipped with this package (or, for a newer version, from the
    .sha256 published beside the zip). The URL is $BALOCHISTAN_EVENTS_RELEASE_URL ({version} replaced),
    else the project's GitHub release asset. A cached release needs no network."""
    from pathlib import Path

    from balochistan_events.package.download import copy_release, fetch_release

    path = fetch_release(version)
    if to is not None:
        path = copy_release(path, Path(to))
    click.echo(str(path))
