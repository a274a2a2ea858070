"""`chibot roster`: importing the member roster from a CSV or XLSX file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from bot.cli.common import chosen_file, run_with_db, utc_now
from bot.samples import SAMPLE_ROSTER
from storage.db import Database
from storage.roster import ImportReport, import_roster
from storage.roster.validate import Progress as ProgressCallback
from vocabulary.settings import Settings

app = typer.Typer(help="The member roster.", no_args_is_help=True)

# Beyond this many, the list of members missing from the file is cut short on screen.
MISSING_SHOWN = 50


@app.command("import")
def import_command(
    file: Annotated[Path | None, typer.Argument(
        exists=True, dir_okay=False, readable=True,
        help="The roster: .csv (UTF-8) or .xlsx.")] = None,
    sample: Annotated[bool, typer.Option(
        "--sample", help=f"Import the sample roster that ships with Chibot ({SAMPLE_ROSTER}).")
    ] = False,
    mark_missing_left: Annotated[bool, typer.Option(
        "--mark-missing-left", help="Mark current members the file does not list as left.")
    ] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="With --mark-missing-left: go on even if the file lists no member.")
    ] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check and count, but write nothing.")] = False,
) -> None:
    """Create and update members from a roster file; any error and nothing is written."""
    file = chosen_file(file, sample, SAMPLE_ROSTER)

    async def work(database: Database, settings: Settings) -> ImportReport:
        now = utc_now()
        return await import_roster(
            database, file, now=now, today=now.astimezone(settings.tz).date(),
            mark_missing_left=mark_missing_left, force=force, dry_run=dry_run,
            region=settings.phone_region, tz=settings.tz,
            review_months=settings.exemption_review_months, dues_day=settings.away_dues_day,
            progress=tick)

    with _progress_bar() as tick:
        report = run_with_db(work)
    _print_report(file, report, mark_missing_left=mark_missing_left)
    if not report.ok:
        raise typer.Exit(1)


@contextmanager
def _progress_bar() -> Iterator[ProgressCallback]:
    """A bar per phase (checking, writing) on stderr, so the report on stdout stays clean."""
    tasks: dict[str, TaskID] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    console = Console(stderr=True)
    # Not drawn when stderr is a pipe or a log file: it would only add noise there.
    with Progress(*columns, console=console, transient=True,
                  disable=not console.is_terminal) as bar:

        def tick(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done)

        yield tick


def _print_report(file: Path, report: ImportReport, *, mark_missing_left: bool) -> None:
    typer.echo(f"Roster {file.name}: {report.rows} rows" + (" (dry run)" if report.dry_run else ""))
    for warning in report.warnings:
        typer.echo(f"warning: {warning}")
    if not report.ok:
        for error in report.errors:
            typer.echo(f"error: {error}", err=True)
        typer.echo(f"{len(report.errors)} errors; nothing was written.", err=True)
        return
    typer.echo(f"created: {report.created}, updated: {report.updated}, "
               f"unchanged: {report.unchanged}, reliefs brought in: {report.reliefs}")
    if report.away:
        typer.echo(f"away records opened: {report.away}")
    for roster_id, fields in report.changed_fields.items():
        typer.echo(f"  updated {roster_id}: {', '.join(fields)}")
    _print_missing(report, mark_missing_left=mark_missing_left)
    if report.dry_run:
        typer.echo("dry run: nothing was written.")


def _print_missing(report: ImportReport, *, mark_missing_left: bool) -> None:
    if not report.missing:
        return
    typer.echo(f"not in the file ({len(report.missing)}):")
    for member in report.missing[:MISSING_SHOWN]:
        typer.echo(f"  {member.roster_id}  {member.full_name}")
    if len(report.missing) > MISSING_SHOWN:
        typer.echo(f"  ... and {len(report.missing) - MISSING_SHOWN} more")
    if report.marked_left:
        typer.echo(f"marked left: {report.marked_left}")
    elif mark_missing_left:  # only a dry run gets here
        typer.echo(f"would mark left: {len(report.missing)}")
    else:
        typer.echo("left unchanged; use --mark-missing-left to mark them as left.")
