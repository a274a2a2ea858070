"""The Telegram bot and the webhook's dispatcher, which records each update in the inbox."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import TelegramObject, Update

from bot.settings import Settings
from handlers.telegram.updates import TelegramSource, chat_of
from handlers.telegram.webhook import store
from vocabulary.inbox import UpdateSink

log = logging.getLogger(__name__)
OTHER_CONNECTIONS = 16


def make_bot(settings: Settings) -> Bot:
    if settings.telegram_token is None:
        raise ValueError("CHIBOT_TELEGRAM_TOKEN is not set")
    api = TelegramAPIServer.from_base(settings.telegram_api_url)
    # As many connections as sends may be under way (aiogram's default is 100), and some for
    # the long poll, button answers and file downloads.
    session = AiohttpSession(api=api, limit=settings.delivery_in_flight + OTHER_CONNECTIONS)
    return Bot(settings.telegram_token.get_secret_value(), session=session)


def recording_dispatcher(inbox: UpdateSink, source: TelegramSource) -> Dispatcher:
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
        await store(inbox, str(update.update_id), chat, payload)

    dispatcher.update.outer_middleware(record)
    return dispatcher
