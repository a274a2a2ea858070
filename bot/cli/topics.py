"""`chibot topics`: importing and activating catalogues of monthly topics."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import run_with_db, utc_now
from conversations.topics import rounds
from storage.db import Database
from storage.topics import load as loader
from storage.topics import validate
from storage.topics.reader import CatalogueFileError, DocxMeta, read_catalogue
from storage.topics.spec import CatalogueSpec
from vocabulary.settings import Settings

app = typer.Typer(help="Monthly topics: the catalogues of signs of degradation.",
                  no_args_is_help=True)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="The catalogue: .csv (UTF-8), .xlsx or .docx.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and show; write nothing.")
                       ] = False,
    activate: Annotated[str | None, typer.Option(
        "--activate", help="Then activate it for this province or base committee (its code).")
    ] = None,
    catalogue: Annotated[str | None, typer.Option(
        "--catalogue", help=".docx: the catalogue's id.")] = None,
    title: Annotated[str | None, typer.Option("--title", help=".docx: its title.")] = None,
    issuer: Annotated[str | None, typer.Option("--issuer", help=".docx: the issuing body.")
                      ] = None,
    issued_on: Annotated[str | None, typer.Option(
        "--issued-on", help=".docx: the date it was issued (YYYY-MM-DD).")] = None,
    source: Annotated[str | None, typer.Option(
        "--source", help=".docx: the document the items come from.")] = None,
    source_link: Annotated[str | None, typer.Option("--source-link", help=".docx: its link.")
                           ] = None,
    unverified: Annotated[bool, typer.Option(
        "--unverified", help=".docx: the wording is not checked against the official copy "
                             "(such items are never sent).")] = False,
) -> None:
    """Load a catalogue; any error and nothing is written."""
    meta = DocxMeta(code=catalogue, title=title, issuer=issuer,
                    issued_on=date.fromisoformat(issued_on) if issued_on else None,
                    source=source, source_date=issued_on, source_link=source_link,
                    verified=not unverified)
    try:
        spec, problems = read_catalogue(file, meta)
    except CatalogueFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    problems += validate.problems(spec)
    if problems:
        for problem in problems:
            typer.echo(f"error: {problem}", err=True)
        typer.echo(f"{len(problems)} errors; nothing was written.", err=True)
        raise typer.Exit(1)
    _show(spec)
    if dry_run:
        typer.echo("dry run: nothing was written.")
        return

    async def work(database: Database, settings: Settings) -> str | None:
        now = utc_now()
        async with database.session() as session:
            report = await loader.load(session, spec, now)
            typer.echo(f"created: {report.created}, updated: {report.updated}, "
                       f"unchanged: {report.unchanged}")
            problem = await loader.activate(session, spec.code, activate, now) \
                if activate else None
            if problem is None:
                await rounds.schedule_next(session, settings, now)
            else:
                await session.rollback()
            return problem

    problem = run_with_db(work)
    if problem:
        typer.echo(f"error: {problem}; nothing was written.", err=True)
        raise typer.Exit(1)


@app.command("activate")
def activate_command(
    catalogue: Annotated[str, typer.Argument(help="The catalogue's id.")],
    org: Annotated[str, typer.Argument(help="The code of a province or base committee.")],
) -> None:
    """Make a province or base committee study a catalogue (a base committee's wins)."""

    async def work(database: Database, settings: Settings) -> str | None:
        now = utc_now()
        async with database.session() as session:
            problem = await loader.activate(session, catalogue, org, now)
            if problem is None:
                await rounds.schedule_next(session, settings, now)
            return problem

    problem = run_with_db(work)
    if problem:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{org} now studies {catalogue}.")


def _show(spec: CatalogueSpec) -> None:
    typer.echo(f"Catalogue {spec.code}: {spec.title} ({len(spec.items)} items)")
    for item in spec.items:
        mark = "verified" if item.verified else "NOT verified (never sent)"
        parent = f" [{item.parent_code}]" if item.parent_code else ""
        typer.echo(f"  {item.code} {item.group}{parent} {mark}: {(item.text_vi or '')[:60]}")
