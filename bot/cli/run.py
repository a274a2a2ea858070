"""`chibot run`: serve members on a channel."""

from __future__ import annotations

import asyncio
import logging

import typer
from aiogram.exceptions import TelegramUnauthorizedError
from aiohttp import web

from bot import file_links, gc_tuning
from bot.cli.common import run_with_db, utc_now
from bot.scheduler import PeriodicJobs
from bot.shutdown import stop_on_signals
from bot.telegram import TelegramRuntime
from bot.terminal import TerminalSession, run_interactive
from bot.timer_kinds import timer_runner
from handlers.telegram.polling import TokenRefused
from handlers.typed_lines import TypedLines
from storage.db import Database
from vocabulary.settings import Settings

log = logging.getLogger(__name__)
app = typer.Typer(help="Run Chibot on a channel.", no_args_is_help=True)


@app.command("terminal")
def terminal() -> None:
    """Chat in this terminal against the configured database (/as NAME to act as a member)."""
    run_with_db(_terminal)


async def _terminal(db: Database, settings: Settings) -> None:
    session = TerminalSession(db, settings, utc_now, typer.echo)
    jobs = PeriodicJobs(db, settings, timer_runner(db, settings, utc_now))
    with stop_on_signals(asyncio.Event()) as stop:
        await jobs.start()
        try:
            await run_interactive(session, TypedLines(), stop)
        finally:
            await jobs.stop()


@app.command("telegram")
def telegram(
    webhook: bool = typer.Option(
        False, "--webhook",
        help="Serve a webhook (CHIBOT_TELEGRAM_WEBHOOK_URL, _SECRET, _HOST, _PORT, _PATH) "
             "instead of long polling. Use it to run more than one process.",
    ),
) -> None:
    """Serve members on Telegram (token from CHIBOT_TELEGRAM_TOKEN)."""
    settings = Settings()
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        typer.echo("Set CHIBOT_TELEGRAM_TOKEN to the token BotFather gave you.", err=True)
        raise typer.Exit(2)
    if webhook and settings.telegram_webhook_secret is None:
        typer.echo("Set CHIBOT_TELEGRAM_WEBHOOK_SECRET (8-256 characters A-Z, a-z, 0-9, _ and -).",
                   err=True)
        raise typer.Exit(2)
    try:
        run_with_db(_webhook if webhook else _polling)
    except (TokenRefused, TelegramUnauthorizedError):
        typer.echo("Telegram refused the token in CHIBOT_TELEGRAM_TOKEN (401 Unauthorized): "
                   "it is mistyped, or was revoked in BotFather.", err=True)
        raise typer.Exit(1) from None


async def _polling(db: Database, settings: Settings) -> None:
    runtime = TelegramRuntime(db, settings, utc_now)
    gc_tuning.settle()
    async with file_links.serving(db, settings, utc_now):  # only with CHIBOT_PUBLIC_URL
        await runtime.poll()  # until SIGTERM or SIGINT


async def _webhook(db: Database, settings: Settings) -> None:
    """Serve until SIGTERM or SIGINT; then the listener closes first, requests under way
    finish, and the service stops (claims given back, scheduler stopped, session closed)."""
    runtime = TelegramRuntime(db, settings, utc_now)
    gc_tuning.settle()
    app = runtime.webhook_app()
    file_links.add_routes(app, db, settings, utc_now)  # mounted here: channels import no runtime
    with stop_on_signals(asyncio.Event()) as stop:
        # No access log: file links are credentials until they expire, members' addresses
        # personal data.
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, settings.telegram_webhook_host,
                               settings.telegram_webhook_port)
            await site.start()
            log.info("webhook listening on %s:%d", settings.telegram_webhook_host,
                     settings.telegram_webhook_port)
            await stop.wait()
        finally:
            await runner.cleanup()
