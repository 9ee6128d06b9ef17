"""report, codebook, export: documents and peer formats made from a package."""
from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

import click

from balochistan_events.cli.app import EXIT_INVALID, cli, echo_problems
from balochistan_events.cli.options import path_argument

if TYPE_CHECKING:
    from balochistan_events.package.loading import Dataset


@cli.command()
@path_argument
@click.option("--out", default="report.html", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the HTML file (written atomically).")
def report(path: str, out: str) -> None:
    """Write the offline HTML report: campaigns compared, figures over time, timeline, map and claims.

    PATH: a package directory (default .), a datapackage.json or a release .zip; it must be valid (exit 1
    naming the first problems otherwise). One self-contained file: no network requests, works on a laptop
    and a phone. The date in its header is SOURCE_DATE_EPOCH's, else the descriptor's `created`."""
    from balochistan_events.render.report import write_report

    check_out(out, path)
    ds = _require_valid(path)
    with out_lock(out, path):
        written = write_report(out, path=path, dataset=ds)
    click.echo(f"wrote {written}")


@cli.command()
@path_argument
@click.option("--to", "kind", type=click.Choice(["acled", "ucdp", "geojson", "hxl", "xlsx"]), required=True,
              help="Peer format: ACLED-shaped CSV, UCDP GED-shaped CSV, GeoJSON, HXL-tagged CSV, or an Excel "
                   "workbook (xlsx; needs --out).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to FILE (atomically) instead of standard output.")
def export(path: str, kind: str, out: str | None) -> None:
    """Export a valid package (directory, datapackage.json or release zip) to a peer format.

    Crosswalks come from the x-acled / x-ucdp / x-hxl properties in schemas/*.json; the codebook
    lists what each format includes and cannot express. The GED export keeps GED's inclusion rule
    (at least one death) and says on standard error how many events it left out. The xlsx workbook
    is dated SOURCE_DATE_EPOCH, else the descriptor's `created`, so it is byte-reproducible."""
    from balochistan_events.cli.app import Fail

    if kind == "xlsx" and out is None:
        raise Fail("--to xlsx writes a binary workbook: give --out FILE.xlsx")
    from balochistan_events.exports import export_result

    if out is not None:
        check_out(out, path)
    ds = _require_valid(path)
    if kind == "xlsx" and out is not None:
        _write_workbook(ds, path, out)
        return
    text, notices = export_result(kind, path, dataset=ds)
    for notice in notices:
        click.echo(notice, err=True)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_out(out, str(text), path)


def _write_workbook(ds: Dataset, path: str, out: str) -> None:
    """The xlsx export: the README sheet describes claims_summary with the release's derived schema."""
    from balochistan_events.exports.xlsx import workbook_bytes
    from balochistan_events.package.atomic import write_bytes
    from balochistan_events.release.derived import summary_schema

    data = workbook_bytes(ds, None, summary_schema)
    with out_lock(out, path):
        check_out(out, path)          # again under the lock: the checkout may have changed meanwhile
        write_bytes(out, data)


@cli.command()
@path_argument
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to FILE (atomically), e.g. docs/codebook.md, instead of standard output.")
def codebook(path: str, out: str | None) -> None:
    """Generate the Markdown codebook from the package's Table Schemas (deterministic)."""
    from balochistan_events.render.codebook import render_codebook

    if out is not None:
        check_out(out, path)
    text = render_codebook(path)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_out(out, text, path)


def check_out(out: str, path: str) -> None:
    """Refuse an --out inside the package's data/, schemas/ or descriptor, or through a link (outputs.py)."""
    from balochistan_events.package.outputs import check_output

    check_output(out, [path])


def out_lock(out: str, path: str) -> AbstractContextManager:
    """The package's write lock when --out lands inside a package (e.g. docs/codebook.md), else nothing."""
    from balochistan_events.package.lock import package_lock
    from balochistan_events.package.outputs import lock_root

    root = lock_root(out, [path])
    return package_lock(root) if root is not None else nullcontext()


def write_out(out: str, text: str, path: str) -> None:
    from balochistan_events.package.atomic import write_text

    with out_lock(out, path):
        check_out(out, path)          # again under the lock: the checkout may have changed meanwhile
        write_text(out, text)


def _require_valid(path: str) -> Dataset:
    """The package loaded from what validation parsed; exit 1, naming the file, line and field of the first
    problems, unless it validates: documents and peer formats are only made from valid data."""
    from balochistan_events.validation.gate import validated_dataset

    report, ds = validated_dataset(path)
    if ds is None:
        echo_problems(report.errors, report.error_count)
        click.echo(f"error: {path} is not a valid package ({report.error_count} error(s)); "
                   f"run `balochistan-events validate {path}` for the list", err=True)
        sys.exit(EXIT_INVALID)
    return ds
