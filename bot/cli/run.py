"""`chibot run`: serve members on a channel."""

from __future__ import annotations

import typer

from bot.cli.common import run_with_db, utc_now
from bot.scheduler import PeriodicJobs
from bot.settings import Settings
from bot.timers import TimerRunner
from handlers.terminal import TerminalSession, run_interactive
from storage.db import Database

app = typer.Typer(help="Run Chibot on a channel.", no_args_is_help=True)


@app.command("terminal")
def terminal() -> None:
    """Chat in this terminal against the configured database (/as NAME to act as a member)."""
    run_with_db(_terminal)


async def _terminal(db: Database, settings: Settings) -> None:
    session = TerminalSession(db, settings, utc_now, typer.echo)
    jobs = PeriodicJobs(db, settings, TimerRunner(db, utc_now))
    await jobs.start()
    try:
        await run_interactive(session, input)
    finally:
        await jobs.stop()
