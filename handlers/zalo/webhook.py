"""Zalo's webhook: one route per bot; the update is stored before Zalo is answered 200.

Zalo's retries are undocumented, so a duplicate (same bot and message_id) is recognised by
the inbox key and answered 200 without handling it again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging

from aiohttp import web

from handlers.zalo import CHANNEL
from handlers.zalo.updates import received, unwrap
from vocabulary.errors import where
from vocabulary.inbox import UpdateSink

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Bot-Api-Secret-Token"
RECORD_RETRY_SECONDS = 2.0
RECORD_ATTEMPTS = 5
_KEY_PURPOSE = b"chibot zalo webhook v1"


def webhook_secret(server_secret: bytes, bot_id: str) -> str:
    """The secret registered for a bot: derived from the deployment's key, never configured."""
    return hmac.new(server_secret, _KEY_PURPOSE + bot_id.encode(), hashlib.sha256).hexdigest()


class ZaloWebhook:
    """The aiohttp handler of one bot's route."""

    def __init__(self, bot_id: str, secret: str, inbox: UpdateSink) -> None:
        self.bot_id, self.secret, self.inbox = bot_id, secret.encode(), inbox

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            raise web.HTTPUnauthorized()
        try:
            update = unwrap(await request.json())
        except ValueError:
            update = None
        record = received(self.bot_id, update) if update is not None else None
        if record is None:  # nothing Chibot serves (a group, a malformed body): no retry
            return web.Response(text="ok")
        for _attempt in range(RECORD_ATTEMPTS):
            try:
                await self.inbox.record_many(CHANNEL, [record])
                return web.Response(text="ok")
            except Exception as exc:
                log.warning("could not record a Zalo update (%s); retrying", where(exc))
                await asyncio.sleep(RECORD_RETRY_SECONDS)
        raise web.HTTPServiceUnavailable()  # not stored: Zalo may send it again
