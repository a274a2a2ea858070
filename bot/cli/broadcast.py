"""`chibot broadcast`: how far the broadcasts have got."""

from __future__ import annotations

import asyncio

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from bot.cli.common import run_with_db
from bot.cli.texts import say
from storage.db import Database
from storage.repos import broadcasts
from vocabulary.messages import Msg
from vocabulary.settings import Settings

app = typer.Typer(help=Msg("cli.broadcast").key, no_args_is_help=True)
REFRESH_SECONDS = 2.0


@app.command(help=Msg("cli.broadcast.status").key)
def status(
    follow: bool = typer.Option(False, "--follow", help=Msg("cli.broadcast.status.follow").key),
    limit: int = typer.Option(10, help=Msg("cli.broadcast.status.limit").key),
) -> None:
    """Progress bars for the most recent broadcasts: delivered, failed, total."""

    failed = say(Msg("cli.broadcast.failed"))

    async def _work(db: Database, _settings: Settings) -> None:
        with Progress(TextColumn("#{task.fields[id]} {task.description}"), BarColumn(),
                      MofNCompleteColumn(),
                      TextColumn(f"{failed} {{task.fields[failed]}}")) as bars:
            tasks: dict[int, int] = {}
            while True:
                unfinished = await _refresh(db, bars, tasks, limit)
                if not follow or not unfinished:
                    return
                await asyncio.sleep(REFRESH_SECONDS)

    run_with_db(_work)


async def _refresh(db: Database, bars: Progress, tasks: dict[int, int], limit: int) -> int:
    """Update one bar per broadcast; returns how many are still running."""
    unfinished = 0
    async with db.session() as session:
        for item in reversed(await broadcasts.recent(session, limit)):
            done = await broadcasts.counts(session, item.id or 0)
            if item.id not in tasks:
                tasks[item.id or 0] = bars.add_task(item.audience, total=item.total, id=item.id,
                                                    failed=0)
            bars.update(tasks[item.id or 0], completed=done["sent"] + done["failed"],
                        failed=done["failed"])
            unfinished += item.finished_at is None
    return unfinished
