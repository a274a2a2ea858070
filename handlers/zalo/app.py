"""The Zalo channel of a process: its bots' clients, sender and source; polling or routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import httpx
from aiohttp import web

from handlers.zalo import CHANNEL
from handlers.zalo.client import Unauthorized, ZaloClient
from handlers.zalo.images import ImageFetcher
from handlers.zalo.polling import TokenRefused, ZaloPoller
from handlers.zalo.quota import ZaloBudget
from handlers.zalo.sender import FileLinker, ZaloSender
from handlers.zalo.updates import ZaloSource
from handlers.zalo.voice import AacVoices
from handlers.zalo.webhook import ZaloWebhook, webhook_secret
from storage.db import Database
from storage.files import FileStore
from vocabulary.inbox import UpdateSink
from vocabulary.settings import Settings

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
        store = FileStore.of(settings)
        self.sender = ZaloSender(self.clients, settings, ZaloBudget(db, settings, clock, bots),
                                 links, AacVoices.found(settings, store))
        self.source = ZaloSource(ImageFetcher(self.http, settings, store))

    async def check_tokens(self) -> None:
        """Raises TokenRefused for the first bot whose token Zalo does not know."""
        for bot_id, client in self.clients.items():
            try:
                await client.get_me()
            except Unauthorized as exc:
                raise TokenRefused(bot_id) from exc

    async def poll(self, inbox: UpdateSink, stop: asyncio.Event) -> None:
        """Every bot's long poll until `stop` (a bot with a webhook cannot poll: it is removed)."""
        for client in self.clients.values():
            await client.delete_webhook()
        pollers = [ZaloPoller(client, inbox, stop) for client in self.clients.values()]
        await asyncio.gather(*(poller.run() for poller in pollers))

    def add_routes(self, app: web.Application, inbox: UpdateSink) -> None:
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
