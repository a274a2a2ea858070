"""Running Chibot on Zalo alone: the channel's bots wired to the service."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from bot.service import Service
from bot.shutdown import stop_on_signals
from handlers.zalo import CHANNEL
from handlers.zalo.app import ZaloChannel
from handlers.zalo.sender import FileLinker
from storage.db import Database
from vocabulary.settings import Settings


class ZaloRuntime:
    """Chibot on Zalo alone: the bots, the service behind them, polling or the webhook app."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime],
                 links: FileLinker | None = None) -> None:
        self.zalo = ZaloChannel(db, settings, clock, links)
        self.service = Service(db, settings, {CHANNEL: self.zalo.sender}, [self.zalo.source],
                               clock)
        self.stop = asyncio.Event()

    async def poll(self, *, handle_signals: bool = True) -> None:
        """Long polling until stopped (development: Zalo loses what arrives while no one polls)."""
        signals = stop_on_signals(self.stop) if handle_signals else contextlib.nullcontext()
        with signals:
            try:
                await self.zalo.check_tokens()
                await self.service.start()
                await self.zalo.poll(self.service.inbox, self.stop)
            finally:
                await self.close()

    def stop_polling(self) -> None:
        self.stop.set()

    def webhook_app(self) -> web.Application:
        app = web.Application()
        self.zalo.add_routes(app, self.service.inbox)
        app.on_startup.append(self._on_webhook_startup)
        app.on_cleanup.append(lambda _app: self.close())
        return app

    async def _on_webhook_startup(self, _app: web.Application) -> None:
        await self.zalo.check_tokens()
        await self.service.start()
        await self.zalo.register_webhooks()

    async def close(self) -> None:
        await self.service.close()
        await self.zalo.close()
