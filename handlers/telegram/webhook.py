"""The webhook's request handler: every update Telegram posts is stored before its 200."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from handlers.telegram import CHANNEL
from handlers.telegram.updates import chat_of_unreadable, read_update
from vocabulary.inbox import Unreadable, UpdateSink

log = logging.getLogger(__name__)
RECORD_RETRY_SECONDS = 2.0


async def store(inbox: UpdateSink, update_id: str, chat: str, payload: dict[str, Any]) -> None:
    """Record the update, retrying while the database is unavailable (Telegram waits)."""
    while True:
        try:
            await inbox.record(CHANNEL, update_id, chat, payload)
            return
        except Exception:
            log.warning("could not record update %s; retrying", update_id)
            await asyncio.sleep(RECORD_RETRY_SECONDS)


class RecordingRequestHandler(SimpleRequestHandler):
    """aiogram's handler, except that an update aiogram cannot read is stored as it came and
    answered 200: a 500 would have Telegram retry it, holding back the updates after it."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, inbox: UpdateSink,
                 secret_token: str) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token)
        self.inbox = inbox

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        payload = await request.json(loads=bot.session.json_loads)
        try:
            update = read_update(payload, bot)
        except Unreadable:
            chat = chat_of_unreadable(payload)
            if chat is not None:  # the inbox sets it aside, with a log line
                await store(self.inbox, str(payload.get("update_id")), chat, payload)
            return web.json_response({})
        result = await self.dispatcher.feed_webhook_update(bot, update, **self.data)
        return web.Response(body=self._build_response_writer(bot=bot, result=result))
