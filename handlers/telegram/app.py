"""Running Chibot on Telegram: long polling or a webhook, both feeding the inbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import TelegramObject, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.channels import Sender
from bot.files import FileStore
from bot.inbox import Inbox, UpdateSource
from bot.service import Service
from bot.settings import Settings
from bot.shutdown import stop_on_signals
from handlers.telegram import CHANNEL
from handlers.telegram.polling import ALLOWED_UPDATES, Poller
from handlers.telegram.sender import TelegramSender
from handlers.telegram.updates import TelegramSource, chat_of
from storage.db import Database

log = logging.getLogger(__name__)
RECORD_RETRY_SECONDS = 2.0
OTHER_CONNECTIONS = 16


def make_bot(settings: Settings) -> Bot:
    if settings.telegram_token is None:
        raise ValueError("CHIBOT_TELEGRAM_TOKEN is not set")
    api = TelegramAPIServer.from_base(settings.telegram_api_url)
    # As many connections as sends may be under way (aiogram's default is 100), and some for
    # the long poll, button answers and file downloads.
    session = AiohttpSession(api=api, limit=settings.delivery_in_flight + OTHER_CONNECTIONS)
    return Bot(settings.telegram_token.get_secret_value(), session=session)


def recording_dispatcher(inbox: Inbox, source: TelegramSource) -> Dispatcher:
    """The webhook's dispatcher: its only handler records the update; the inbox handles it.

    The handler returns only once the update is stored, so Telegram gets its 200 only then.
    """
    dispatcher = Dispatcher()

    async def record(_handler: Any, update: TelegramObject, _data: dict[str, Any]) -> None:
        """An outer middleware: it stores the update and ends aiogram's handling there."""
        assert isinstance(update, Update)
        chat = chat_of(update)
        if chat is None:
            return
        payload = update.model_dump(mode="json", exclude_none=True)
        source.keep([update])
        while True:
            try:
                await inbox.record(CHANNEL, str(update.update_id), chat, payload)
                return
            except Exception:
                log.warning("could not record update %s; retrying", update.update_id)
                await asyncio.sleep(RECORD_RETRY_SECONDS)

    dispatcher.update.outer_middleware(record)
    return dispatcher


class Companion(Protocol):
    """Another channel served by the same process (`chibot run telegram zalo`)."""

    channel: str
    sender: Sender
    source: UpdateSource

    async def check_tokens(self) -> None: ...

    async def poll(self, inbox: Inbox, stop: asyncio.Event) -> None: ...

    def add_routes(self, app: web.Application, inbox: Inbox) -> None: ...

    async def register_webhooks(self) -> None: ...

    async def close(self) -> None: ...


class TelegramRuntime:
    """The bot, the service behind it, and the dispatcher that feeds the inbox."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime],
                 companions: Sequence[Companion] = ()) -> None:
        self.bot = make_bot(settings)
        self.settings = settings
        self.sender = TelegramSender(self.bot, settings)
        self.companions = list(companions)
        source = TelegramSource(self.bot, settings, FileStore(settings.files_dir))
        senders: dict[str, Sender] = {CHANNEL: self.sender}
        senders.update((c.channel, c.sender) for c in self.companions)
        self.service = Service(db, settings, senders,
                               [source, *(c.source for c in self.companions)], clock)
        self.dispatcher = recording_dispatcher(self.service.inbox, source)
        self.poller = Poller(self.bot, self.service.inbox, source)

    async def poll(self, *, handle_signals: bool = True) -> None:
        """Long polling until stopped, by SIGTERM or SIGINT too unless `handle_signals` is
        False (one process only: Telegram answers 409 otherwise); companions poll alongside."""
        signals = stop_on_signals(self.poller.stop) if handle_signals else contextlib.nullcontext()
        with signals:
            await self._start()
            await self.bot.delete_webhook()
            others = [asyncio.create_task(c.poll(self.service.inbox, self.poller.stop))
                      for c in self.companions]
            try:
                await self.poller.run()
            finally:
                self.poller.stop.set()
                await asyncio.gather(*others, return_exceptions=True)
                await self.close()

    def stop_polling(self) -> None:
        self.poller.stop.set()

    def webhook_app(self) -> web.Application:
        """An aiohttp app that takes Telegram's POSTs, refusing any without the secret."""
        secret = self.settings.telegram_webhook_secret
        if secret is None:
            raise ValueError("CHIBOT_TELEGRAM_WEBHOOK_SECRET is not set")
        app = web.Application()
        SimpleRequestHandler(self.dispatcher, self.bot, handle_in_background=False,
                             secret_token=secret.get_secret_value()).register(
            app, path=self.settings.telegram_webhook_path)
        for companion in self.companions:
            companion.add_routes(app, self.service.inbox)
        app.on_startup.append(self._on_webhook_startup)
        app.on_cleanup.append(lambda _app: self.close())
        return app

    async def _on_webhook_startup(self, _app: web.Application) -> None:
        await self._start()
        secret = self.settings.telegram_webhook_secret
        if self.settings.telegram_webhook_url and secret is not None:
            await self.bot.set_webhook(self.settings.telegram_webhook_url,
                                       secret_token=secret.get_secret_value(),
                                       allowed_updates=ALLOWED_UPDATES)
        for companion in self.companions:
            await companion.register_webhooks()

    async def _start(self) -> None:
        await self.sender.set_default_commands()
        for companion in self.companions:
            await companion.check_tokens()
        await self.service.start()

    async def close(self) -> None:
        await self.service.close()
        await self.bot.session.close()
        for companion in self.companions:
            await companion.close()
