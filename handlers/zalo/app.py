"""Running Chibot on Zalo: each configured bot polls or has its webhook route, feeding the inbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

import httpx
from aiohttp import web

from bot.files import FileStore
from bot.inbox import Inbox
from bot.service import Service
from bot.settings import Settings
from bot.shutdown import stop_on_signals
from handlers.zalo import CHANNEL
from handlers.zalo.client import Unauthorized, ZaloClient
from handlers.zalo.images import ImageFetcher
from handlers.zalo.polling import TokenRefused, ZaloPoller
from handlers.zalo.quota import ZaloBudget
from handlers.zalo.sender import FileLinker, ZaloSender
from handlers.zalo.updates import ZaloSource
from handlers.zalo.webhook import ZaloWebhook, webhook_secret
from storage.db import Database

log = logging.getLogger(__name__)
OTHER_CONNECTIONS = 16


class ZaloChannel:
    """The Zalo side of a process: the bots' clients, the sender and the source."""

    channel = CHANNEL

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime],
                 links: FileLinker | None = None) -> None:
        bots = settings.zalo_bot_list
        if not bots:
            raise ValueError("no Zalo bots: set CHIBOT_ZALO_BOTS or CHIBOT_ZALO_BOTS_FILE")
        self.settings, self.bots = settings, bots
        limits = httpx.Limits(max_connections=settings.delivery_in_flight + OTHER_CONNECTIONS
                              + len(bots))  # a long poll per bot
        self.http = httpx.AsyncClient(limits=limits)
        self.clients = {bot.id: ZaloClient(bot.token.get_secret_value(), settings.zalo_api_url,
                                           self.http) for bot in bots}
        self.sender = ZaloSender(self.clients, settings, ZaloBudget(db, settings, clock, bots),
                                 links)
        self.source = ZaloSource(ImageFetcher(self.http, settings, FileStore(settings.files_dir)))

    async def check_tokens(self) -> None:
        """Raises TokenRefused for the first bot whose token Zalo does not know."""
        for bot_id, client in self.clients.items():
            try:
                await client.get_me()
            except Unauthorized as exc:
                raise TokenRefused(bot_id) from exc

    async def poll(self, inbox: Inbox, stop: asyncio.Event) -> None:
        """Every bot's long poll until `stop` (a bot with a webhook cannot poll: it is removed)."""
        for client in self.clients.values():
            await client.delete_webhook()
        pollers = [ZaloPoller(client, inbox, stop) for client in self.clients.values()]
        await asyncio.gather(*(poller.run() for poller in pollers))

    def add_routes(self, app: web.Application, inbox: Inbox) -> None:
        """One route per bot, PATH/<bot id>, each checking its own secret."""
        secret = self.settings.server_secret()
        for bot_id in self.clients:
            handler = ZaloWebhook(bot_id, webhook_secret(secret, bot_id), inbox)
            app.router.add_post(f"{self.settings.zalo_webhook_path}/{bot_id}", handler.handle)

    async def register_webhooks(self) -> None:
        """Tell Zalo each bot's URL under CHIBOT_PUBLIC_URL (unset: left as they are)."""
        base = (self.settings.public_url or "").rstrip("/")
        if not base:
            log.warning("CHIBOT_PUBLIC_URL is not set: Zalo webhooks left as they were")
            return
        secret = self.settings.server_secret()
        for bot_id, client in self.clients.items():
            await client.set_webhook(f"{base}{self.settings.zalo_webhook_path}/{bot_id}",
                                     webhook_secret(secret, bot_id))

    async def close(self) -> None:
        await self.http.aclose()


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
