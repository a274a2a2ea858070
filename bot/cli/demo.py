"""`chibot demo`: a demo party organisation in a fresh SQLite file, and a chat in the terminal."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from bot.cli.common import utc_now
from bot.demo import seed_demo
from bot.shutdown import stop_on_signals
from bot.terminal import TerminalSession, run_interactive, run_script
from handlers.typed_lines import TypedLines
from storage import migrate
from storage.db import Database
from vocabulary.messages import Msg
from vocabulary.settings import Settings


def demo(
    script: Path | None = typer.Option(
        None, "--script", exists=True, dir_okay=False,
        help=Msg("cli.demo.script").key,
    ),
    database: Path = typer.Option(
        Path("data/demo.db"), "--db", help=Msg("cli.demo.db").key,
    ),
    resume: bool = typer.Option(False, "--resume", help=Msg("cli.demo.resume").key),
) -> None:
    """A demo province in a fresh SQLite file (or the last one, with --resume), and a chat."""
    fresh = not (resume and database.exists())
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{database}"
    settings = Settings(database_url=url, data_dir=database.parent)
    lines = script.read_text(encoding="utf-8").splitlines() if script else None
    asyncio.run(_demo(settings, url, lines, fresh))


async def _demo(settings: Settings, url: str, lines: list[str] | None, fresh: bool) -> None:
    db = Database(url)
    try:
        if fresh:
            await seed_demo(db, settings, utc_now())
        else:  # where the last demo stopped: its chats, requests and flows half done
            await migrate.upgrade(db)
        session = TerminalSession(db, settings, utc_now, typer.echo)
        if lines is None:
            with stop_on_signals(asyncio.Event()) as stop:
                await run_interactive(session, TypedLines(), stop)
        else:
            await run_script(session, lines)
    finally:
        await db.dispose()
