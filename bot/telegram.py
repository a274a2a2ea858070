"""Running Chibot on Telegram: the channel's bot and sources wired to the service."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from aiohttp import web

from bot.service import Service
from bot.shutdown import stop_on_signals
from handlers.telegram import CHANNEL
from handlers.telegram.app import make_bot, recording_dispatcher
from handlers.telegram.polling import ALLOWED_UPDATES, Poller
from handlers.telegram.sender import TelegramSender
from handlers.telegram.updates import TelegramSource
from handlers.telegram.webhook import RecordingRequestHandler
from storage.db import Database
from storage.files import FileStore
from vocabulary.channels import Sender
from vocabulary.inbox import UpdateSink, UpdateSource
from vocabulary.settings import Settings


class Companion(Protocol):
    """Another channel served by the same process (`chibot run telegram zalo`)."""

    channel: str
    sender: Sender
    source: UpdateSource

    async def check_tokens(self) -> None: ...

    async def poll(self, inbox: UpdateSink, stop: asyncio.Event) -> None: ...

    def add_routes(self, app: web.Application, inbox: UpdateSink) -> None: ...

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
        source = TelegramSource(self.bot, settings, FileStore.of(settings))
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
        RecordingRequestHandler(self.dispatcher, self.bot, self.service.inbox,
                                secret.get_secret_value()).register(
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
