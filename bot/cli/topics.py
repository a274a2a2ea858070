"""`chibot topics`: importing and activating catalogues of monthly topics."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import run_with_db, utc_now
from bot.cli.texts import echo
from conversations.topics import rounds
from storage.db import Database
from storage.topics import load as loader
from storage.topics import validate
from storage.topics.reader import CatalogueFileError, DocxMeta, read_catalogue
from storage.topics.spec import CatalogueSpec
from vocabulary.messages import Msg
from vocabulary.settings import Settings

app = typer.Typer(help=Msg("cli.topics").key, no_args_is_help=True)


@app.command("import", help=Msg("cli.topics.import").key)
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help=Msg("cli.topics.import.file").key)],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help=Msg("cli.topics.import.dry_run").key)] = False,
    activate: Annotated[str | None, typer.Option(
        "--activate", help=Msg("cli.topics.import.activate").key)] = None,
    catalogue: Annotated[str | None, typer.Option(
        "--catalogue", help=Msg("cli.topics.import.catalogue").key)] = None,
    title: Annotated[str | None, typer.Option(
        "--title", help=Msg("cli.topics.import.title").key)] = None,
    issuer: Annotated[str | None, typer.Option(
        "--issuer", help=Msg("cli.topics.import.issuer").key)] = None,
    issued_on: Annotated[str | None, typer.Option(
        "--issued-on", help=Msg("cli.topics.import.issued_on").key)] = None,
    source: Annotated[str | None, typer.Option(
        "--source", help=Msg("cli.topics.import.source").key)] = None,
    source_link: Annotated[str | None, typer.Option(
        "--source-link", help=Msg("cli.topics.import.source_link").key)] = None,
    unverified: Annotated[bool, typer.Option(
        "--unverified", help=Msg("cli.topics.import.unverified").key)] = False,
) -> None:
    """Load a catalogue; any error and nothing is written."""
    meta = DocxMeta(code=catalogue, title=title, issuer=issuer,
                    issued_on=_day(issued_on) if issued_on else None,
                    source=source, source_date=issued_on, source_link=source_link,
                    verified=not unverified)
    try:
        spec, problems = read_catalogue(file, meta)
    except CatalogueFileError as exc:
        echo(Msg("cli.error", problem=exc), err=True)
        raise typer.Exit(1) from exc
    problems += validate.problems(spec)
    if problems:
        for problem in problems:
            echo(Msg("cli.error", problem=problem), err=True)
        echo(Msg("cli.topics.errors", count=len(problems)), err=True)
        raise typer.Exit(1)
    _show(spec)
    if dry_run:
        echo(Msg("cli.topics.dry_run_done"))
        return

    async def work(database: Database, settings: Settings) -> str | None:
        now = utc_now()
        async with database.session() as session:
            report = await loader.load(session, spec, now)
            echo(Msg("cli.topics.counts", created=report.created, updated=report.updated,
                     unchanged=report.unchanged))
            problem = await loader.activate(session, spec.code, activate, now) \
                if activate else None
            if problem is None:
                await rounds.schedule_next(session, settings, now)
            else:
                await session.rollback()
            return problem

    problem = run_with_db(work)
    if problem:
        echo(Msg("cli.topics.refused", problem=problem), err=True)
        raise typer.Exit(1)


@app.command("activate", help=Msg("cli.topics.activate").key)
def activate_command(
    catalogue: Annotated[str, typer.Argument(help=Msg("cli.topics.activate.catalogue").key)],
    org: Annotated[str, typer.Argument(help=Msg("cli.topics.activate.org").key)],
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
        echo(Msg("cli.error", problem=problem), err=True)
        raise typer.Exit(1)
    echo(Msg("cli.topics.activated", org=org, catalogue=catalogue))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        echo(Msg("cli.error", problem=Msg("cli.topics.bad_date", text=text)), err=True)
        raise typer.Exit(2) from None


def _show(spec: CatalogueSpec) -> None:
    echo(Msg("cli.topics.catalogue", code=spec.code, title=spec.title, count=len(spec.items)))
    for item in spec.items:
        mark = Msg("cli.topics.verified") if item.verified else Msg("cli.topics.unverified")
        parent = f" [{item.parent_code}]" if item.parent_code else ""
        echo(Msg("cli.topics.item", code=item.code, group=item.group, parent=parent, mark=mark,
                 text=(item.text_vi or "")[:60]))
