"""Zalo updates into Inbound: text, photos (fetched into the file store), and what we cannot read.

Zalo has no update id: an update is known by its bot and its message_id, which is also the
inbox key, so an update sent twice (a webhook retried) is handled once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from handlers.zalo import CHANNEL
from handlers.zalo.images import ImageFetcher, ImageProblem
from vocabulary.inbox import Received
from vocabulary.types import Inbound, InboundKind

log = logging.getLogger(__name__)
TEXT = "message.text.received"
IMAGE = "message.image.received"
# What Chibot cannot read, by the event's name: each is answered with its own kind words.
UNREADABLE = {"message.sticker.received": "sticker", "message.voice.received": "voice",
              "message.unsupported.received": "protected"}


def unwrap(body: Any) -> dict[str, Any] | None:
    """The update in a webhook body or a getUpdates result: wrapped in `{ok, result}` or bare."""
    if isinstance(body, dict) and body.get("ok") is True and "result" in body:
        body = body["result"]
    if isinstance(body, dict) and isinstance(body.get("message"), dict):
        return body
    return None


def chat_of(update: dict[str, Any]) -> str | None:
    """The private chat an update belongs to; None for groups and anything malformed."""
    chat = update["message"].get("chat") or {}
    if chat.get("chat_type", "PRIVATE") != "PRIVATE" or not chat.get("id"):
        return None
    return str(chat["id"])


def received(bot_id: str, update: dict[str, Any]) -> Received | None:
    """The inbox's record of an update to bot `bot_id`; None for what Chibot does not serve."""
    chat, message_id = chat_of(update), update["message"].get("message_id")
    if chat is None or not message_id:
        return None
    return Received(str(message_id), chat, {"bot": bot_id, "update": update}, bot_id)


class ZaloSource:
    """The inbox's view of Zalo."""

    channel = CHANNEL

    def __init__(self, images: ImageFetcher) -> None:
        self.images = images

    async def to_inbound(self, payload: dict[str, Any]) -> Inbound | None:
        bot_id, update = str(payload["bot"]), payload["update"]
        chat = chat_of(update)
        if chat is None:
            return None
        message = update["message"]
        sender = str((message.get("from") or {}).get("id") or chat)
        base: dict[str, Any] = {
            "channel": CHANNEL, "chat_id": chat, "user_id": sender, "bot": bot_id,
            "received_at": _instant(message.get("date"))}
        event = update.get("event_name")
        if event == TEXT and isinstance(message.get("text"), str):
            return Inbound(kind=InboundKind.TEXT, text=message["text"], **base)
        if event == IMAGE and isinstance(message.get("photo_url"), str):
            try:
                stored = await self.images.fetch(message["photo_url"])
            except ImageProblem as exc:
                return Inbound(kind=InboundKind.FILE, problem=exc.problem, **base)
            return Inbound(kind=InboundKind.FILE, file=stored, **base)
        return Inbound(kind=InboundKind.UNSUPPORTED, problem=UNREADABLE.get(str(event)), **base)

    def needs_follow_up(self, payload: dict[str, Any]) -> bool:
        return False  # Zalo has no buttons to answer and no confirmation

    async def after_handled(self, payload: dict[str, Any]) -> bool:
        return True


def _instant(epoch_ms: Any) -> datetime:
    """Zalo's `date` is epoch milliseconds; a missing one is taken as now."""
    if isinstance(epoch_ms, int | float) and epoch_ms > 0:
        return datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return datetime.now(UTC)
