"""Telegram updates into Inbound: text, contacts, photos and documents, button presses."""

from __future__ import annotations

import io
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import CallbackQuery, Message, Update, Voice
from pydantic import ValidationError

from handlers.telegram import CALLBACK_VERSION, CHANNEL
from storage.files import FileStore
from vocabulary.inbox import Unreadable
from vocabulary.settings import Settings
from vocabulary.types import Contact, FileRef, Inbound, InboundKind

log = logging.getLogger(__name__)
STALE_CHOICE = "x:stale"
MAX_KEPT = 10_000  # parsed updates waiting to be handled (beyond that, parsed from the inbox)


def chat_of(update: Update) -> str | None:
    """The private chat an update belongs to; None for anything we do not serve."""
    if update.message is not None and update.message.chat.type == "private":
        return str(update.message.chat.id)
    query = update.callback_query
    if query is not None and query.message is not None:  # also an old, inaccessible message
        return str(query.message.chat.id) if query.message.chat.type == "private" else None
    return None


def chat_of_unreadable(payload: dict[str, Any]) -> str | None:
    """As `chat_of`, for an update aiogram cannot read: "" when the chat cannot be told."""
    query = payload.get("callback_query")
    holder = payload.get("message") or (query.get("message") if isinstance(query, dict) else None)
    chat = holder.get("chat") if isinstance(holder, dict) else None
    if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
        return ""
    return str(chat["id"]) if chat.get("type") == "private" else None


def read_update(payload: dict[str, Any], bot: Bot) -> Update:
    """The update aiogram makes of a payload; raises Unreadable."""
    try:
        return Update.model_validate(payload, context={"bot": bot})
    except ValidationError as exc:
        raise Unreadable from exc


class TelegramSource:
    """The inbox's view of Telegram."""

    channel = CHANNEL

    def __init__(self, bot: Bot, settings: Settings, files: FileStore) -> None:
        self.bot, self.settings, self.files = bot, settings, files
        self._received: dict[int, Update] = {}

    def keep(self, updates: list[Update]) -> None:
        """Updates just received, so handling them soon need not parse their payload again.

        One never handled here (sent again after a restart, already handled) ages out.
        """
        self._received.update((u.update_id, u) for u in updates if chat_of(u) is not None)
        while len(self._received) > MAX_KEPT:
            del self._received[next(iter(self._received))]  # the oldest first

    async def to_inbound(self, payload: dict[str, Any]) -> Inbound | None:
        update = (self._received.pop(payload.get("update_id", 0), None)
                  or read_update(payload, self.bot))
        if chat_of(update) is None:
            return None
        if update.callback_query is not None:
            return self._choice(update.callback_query)
        assert update.message is not None
        return await self._message(update.message)

    def needs_follow_up(self, payload: dict[str, Any]) -> bool:
        return "callback_query" in payload

    async def after_handled(self, payload: dict[str, Any]) -> bool:
        """Stop the button's spinner and take the pressed keyboard away (no second press).

        Telegram refusing (a query too old, a message gone or unchanged) counts as done.
        """
        query = read_update(payload, self.bot).callback_query
        assert query is not None
        done = await _done_unless_unavailable(self.bot.answer_callback_query(query.id))
        if isinstance(query.message, Message):  # an inaccessible one cannot be edited
            done &= await _done_unless_unavailable(self.bot.edit_message_reply_markup(
                chat_id=query.message.chat.id, message_id=query.message.message_id,
                reply_markup=None))
        return done

    def _choice(self, query: CallbackQuery) -> Inbound:
        data = query.data or ""
        choice = data.removeprefix(CALLBACK_VERSION) if data.startswith(CALLBACK_VERSION) else None
        assert query.message is not None
        return Inbound(CHANNEL, str(query.message.chat.id), str(query.from_user.id),
                       InboundKind.CHOICE, datetime.now(UTC), choice=choice or STALE_CHOICE)

    async def _message(self, message: Message) -> Inbound:
        base = {"channel": CHANNEL, "chat_id": str(message.chat.id),
                "user_id": str(message.from_user.id if message.from_user else message.chat.id),
                "received_at": message.date.astimezone(UTC)}
        if message.text is not None:
            return Inbound(kind=InboundKind.TEXT, text=message.text, **base)
        if message.contact is not None:
            owner = str(message.contact.user_id) if message.contact.user_id else None
            contact = Contact(message.contact.phone_number, owner)
            return Inbound(kind=InboundKind.CONTACT, contact=contact, **base)
        if message.photo or message.document:
            return await self._file(message, base)
        if message.voice is not None:
            return await self._voice(message.voice, base)
        return Inbound(kind=InboundKind.UNSUPPORTED, **base)

    async def _voice(self, voice: Voice, base: dict[str, Any]) -> Inbound:
        """A voice message (an officer's note on the month's topics), kept as it came."""
        if voice.duration > self.settings.topics_voice_max_seconds:
            return Inbound(kind=InboundKind.FILE, problem="voice_too_long", **base)
        if voice.file_size is None or voice.file_size > self.settings.file_max_bytes:
            return Inbound(kind=InboundKind.FILE, problem="too_large", **base)
        file = await self._download(voice.file_id, "voice.ogg", voice.mime_type or "audio/ogg")
        return Inbound(kind=InboundKind.FILE, file=file, **base)

    async def _file(self, message: Message, base: dict[str, Any]) -> Inbound:
        if message.photo:
            largest = message.photo[-1]
            file_id, size = largest.file_id, largest.file_size
            name, mime = "photo.jpg", "image/jpeg"
        else:
            document = message.document
            assert document is not None
            file_id, size = document.file_id, document.file_size
            name, mime = document.file_name or "document", document.mime_type or ""
        if mime not in self.settings.telegram_file_types:
            return Inbound(kind=InboundKind.FILE, problem="wrong_type", **base)
        if size is None or size > self.settings.file_max_bytes:
            return Inbound(kind=InboundKind.FILE, problem="too_large", **base)
        return Inbound(kind=InboundKind.FILE, file=await self._download(file_id, name, mime),
                       **base)

    async def _download(self, file_id: str, name: str, mime: str) -> FileRef:
        buffer = io.BytesIO()
        await self.bot.download(file_id, destination=buffer)
        return self.files.save(buffer.getvalue(), name, mime)


async def _done_unless_unavailable(call: Coroutine[Any, Any, Any]) -> bool:
    """False when Telegram could not be reached (the call may be tried again later)."""
    try:
        await call
    except (TelegramBadRequest, TelegramForbiddenError):
        return True  # a refusal: trying again would be refused again
    except TelegramAPIError as exc:
        log.warning("a button press could not be followed up: %s", type(exc).__name__)
        return False
    return True
