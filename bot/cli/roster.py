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
from bot.cli.texts import echo
from bot.samples import SAMPLE_ROSTER
from storage.db import Database
from storage.roster import ImportReport, import_roster
from storage.roster.validate import Progress as ProgressCallback
from vocabulary.messages import Msg
from vocabulary.settings import Settings

app = typer.Typer(help=Msg("cli.roster").key, no_args_is_help=True)

# Beyond this many, the list of members missing from the file is cut short on screen.
MISSING_SHOWN = 50


@app.command("import", help=Msg("cli.roster.import").key)
def import_command(
    file: Annotated[Path | None, typer.Argument(
        exists=True, dir_okay=False, readable=True, help=Msg("cli.roster.import.file").key)] = None,
    sample: Annotated[bool, typer.Option(
        "--sample", help=Msg("cli.roster.import.sample").key)] = False,
    mark_missing_left: Annotated[bool, typer.Option(
        "--mark-missing-left", help=Msg("cli.roster.import.mark_missing_left").key)] = False,
    force: Annotated[bool, typer.Option(
        "--force", help=Msg("cli.roster.import.force").key)] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help=Msg("cli.roster.import.dry_run").key)] = False,
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
    if report.dry_run:
        echo(Msg("cli.roster.rows_dry_run", file=file.name, rows=report.rows))
    else:
        echo(Msg("cli.roster.rows", file=file.name, rows=report.rows))
    for warning in report.warnings:
        echo(Msg("cli.warning", text=warning))
    if not report.ok:
        for error in report.errors:
            echo(Msg("cli.error", problem=error), err=True)
        echo(Msg("cli.roster.errors", count=len(report.errors)), err=True)
        return
    echo(Msg("cli.roster.counts", created=report.created, updated=report.updated,
         unchanged=report.unchanged))
    if report.reliefs:
        echo(Msg("cli.roster.reliefs", count=report.reliefs))
    if report.away:
        echo(Msg("cli.roster.away", count=report.away))
    for roster_id, fields in report.changed_fields.items():
        echo(Msg("cli.roster.updated_line", roster_id=roster_id, fields=", ".join(fields)))
    _print_missing(report, mark_missing_left=mark_missing_left)
    if report.dry_run:
        echo(Msg("cli.roster.dry_run_done"))


def _print_missing(report: ImportReport, *, mark_missing_left: bool) -> None:
    if not report.missing:
        return
    echo(Msg("cli.roster.missing", count=len(report.missing)))
    for member in report.missing[:MISSING_SHOWN]:
        typer.echo(f"  {member.roster_id}  {member.full_name}")
    if len(report.missing) > MISSING_SHOWN:
        echo(Msg("cli.and_more", count=len(report.missing) - MISSING_SHOWN))
    if report.marked_left:
        echo(Msg("cli.roster.marked_left", count=report.marked_left))
    elif mark_missing_left:  # only a dry run gets here
        echo(Msg("cli.roster.would_mark_left", count=len(report.missing)))
    else:
        echo(Msg("cli.roster.left_unchanged"))
