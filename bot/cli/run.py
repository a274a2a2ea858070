"""`chibot run`: serve members on a channel."""

from __future__ import annotations

import asyncio
import logging

import typer
from aiogram.exceptions import TelegramUnauthorizedError
from aiohttp import web

from bot import file_links, gc_tuning
from bot.cli.common import run_with_db, utc_now
from bot.cli.texts import echo
from bot.scheduler import PeriodicJobs
from bot.shutdown import stop_on_signals
from bot.telegram import TelegramRuntime
from bot.terminal import TerminalSession, run_interactive
from bot.timer_kinds import timer_runner
from bot.zalo import ZaloRuntime
from handlers.telegram.polling import TokenRefused
from handlers.typed_lines import TypedLines
from handlers.zalo import polling as zalo_polling
from handlers.zalo.app import ZaloChannel
from storage.db import Database
from vocabulary.messages import Msg
from vocabulary.settings import Settings

log = logging.getLogger(__name__)
app = typer.Typer(help=Msg("cli.run").key, no_args_is_help=True)


@app.command("terminal", help=Msg("cli.run.terminal").key)
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


WEBHOOK_HELP = Msg("cli.run.webhook").key
ALSO_HELP = Msg("cli.run.also").key


@app.command("telegram", help=Msg("cli.run.telegram").key)
def telegram(
    also: list[str] = typer.Argument(None, help=ALSO_HELP, show_default=False),
    webhook: bool = typer.Option(False, "--webhook", help=WEBHOOK_HELP),
) -> None:
    """Serve members on Telegram (token from CHIBOT_TELEGRAM_TOKEN), and on Zalo with `zalo`."""
    _serve({"telegram", *(also or [])}, webhook)


@app.command("zalo", help=Msg("cli.run.zalo").key)
def zalo(
    also: list[str] = typer.Argument(None, help=ALSO_HELP, show_default=False),
    webhook: bool = typer.Option(False, "--webhook", help=WEBHOOK_HELP),
) -> None:
    """Serve members on Zalo: the bots in CHIBOT_ZALO_BOTS or CHIBOT_ZALO_BOTS_FILE."""
    _serve({"zalo", *(also or [])}, webhook)


def _serve(channels: set[str], webhook: bool) -> None:
    settings = Settings()
    unknown = channels - {"telegram", "zalo"}
    if unknown:
        echo(Msg("cli.run.unknown_channel", channels=", ".join(sorted(unknown))), err=True)
        raise typer.Exit(2)
    _check_file_keys(settings)
    if "telegram" in channels:
        _check_telegram(settings, webhook)
    if "zalo" in channels:
        _check_zalo(settings)
    work = _webhook if webhook else _polling
    try:
        run_with_db(lambda db, s: work(db, s, "zalo" in channels, "telegram" in channels))
    except (TokenRefused, TelegramUnauthorizedError):
        echo(Msg("cli.run.telegram_token_refused"), err=True)
        raise typer.Exit(1) from None
    except zalo_polling.TokenRefused as exc:
        echo(Msg("cli.run.zalo_token_refused", bot=exc.bot_id), err=True)
        raise typer.Exit(1) from None


def _check_file_keys(settings: Settings) -> None:
    """Files at rest need the deployment's keys: on PostgreSQL they must be set."""
    try:
        settings.file_encryption_keys()
    except ValueError:
        echo(Msg("cli.files.keys_required"), err=True)
        raise typer.Exit(2) from None


def _check_telegram(settings: Settings, webhook: bool) -> None:
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        echo(Msg("cli.run.telegram_token_missing"), err=True)
        raise typer.Exit(2)
    if webhook and settings.telegram_webhook_secret is None:
        echo(Msg("cli.run.webhook_secret_missing"), err=True)
        raise typer.Exit(2)


def _check_zalo(settings: Settings) -> None:
    try:
        bots = settings.zalo_bot_list
    except (OSError, ValueError) as exc:
        echo(Msg("cli.run.zalo_bots_unreadable", error=type(exc).__name__), err=True)
        raise typer.Exit(2) from None
    if not bots:
        echo(Msg("cli.run.zalo_bots_missing"), err=True)
        raise typer.Exit(2)


def _runtime(db: Database, settings: Settings, zalo: bool,
             telegram: bool) -> TelegramRuntime | ZaloRuntime:
    links = file_links.FileLinks(settings, utc_now) if settings.public_url else None
    if not telegram:
        return ZaloRuntime(db, settings, utc_now, links)
    others = [ZaloChannel(db, settings, utc_now, links)] if zalo else []
    return TelegramRuntime(db, settings, utc_now, others)


async def _polling(db: Database, settings: Settings, zalo: bool, telegram: bool) -> None:
    runtime = _runtime(db, settings, zalo, telegram)
    gc_tuning.settle()
    async with file_links.serving(db, settings, utc_now):  # only with CHIBOT_PUBLIC_URL
        await runtime.poll()  # until SIGTERM or SIGINT


async def _webhook(db: Database, settings: Settings, zalo: bool, telegram: bool) -> None:
    """Serve until SIGTERM or SIGINT; then the listener closes first, requests under way
    finish, and the service stops (claims given back, scheduler stopped, session closed)."""
    runtime = _runtime(db, settings, zalo, telegram)
    gc_tuning.settle()
    app = runtime.webhook_app()
    file_links.add_routes(app, db, settings, utc_now)  # mounted here: channels import no runtime
    host, port = ((settings.telegram_webhook_host, settings.telegram_webhook_port) if telegram
                  else (settings.web_host, settings.web_port))
    with stop_on_signals(asyncio.Event()) as stop:
        # No access log: file links are credentials until they expire, members' addresses
        # personal data.
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            log.info("webhook listening on %s:%d", host, port)
            await stop.wait()
        finally:
            await runner.cleanup()
