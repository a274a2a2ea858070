"""Rendered messages onto Telegram: inline keyboards, the contact button, long texts split."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from functools import partial

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from handlers.telegram import CALLBACK_VERSION, CHANNEL
from handlers.telegram.responses import KEPT  # noqa: F401 (kept alive: see there)
from handlers.text_pieces import split_lines
from storage.files import FileStore
from vocabulary.channels import Rendered, RetryLater, Transient, Unreachable
from vocabulary.messages import Msg, Renderer
from vocabulary.settings import Settings
from vocabulary.types import ChannelInfo, FileRef

TEXT_LIMIT = 4096
INFO = ChannelInfo(CHANNEL, contact_sharing=True, files=True)
MENU_COMMANDS = ("menu", "help", "cancel", "profile", "mydata", "language")

split_text = partial(split_lines, limit=TEXT_LIMIT)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


def commands(settings: Settings, language: str) -> list[BotCommand]:
    render = Renderer(language, settings.tz)
    return [BotCommand(command=name, description=render(Msg(f"command.{name}")))
            for name in MENU_COMMANDS]


@contextlib.contextmanager
def _mapped_errors() -> Iterator[None]:
    """Bot API errors in delivery's terms."""
    try:
        yield
    except TelegramRetryAfter as exc:
        raise RetryLater(exc.retry_after) from exc
    except TelegramForbiddenError as exc:
        raise Unreachable(CHANNEL) from exc
    except (TelegramNetworkError, TelegramServerError) as exc:
        raise Transient(type(exc).__name__) from exc


class TelegramSender:
    """Sends one rendered message to one chat, part by part; maps Bot API errors to delivery's
    terms."""

    info = INFO

    def __init__(self, bot: Bot, settings: Settings) -> None:
        self.bot, self.settings = bot, settings
        self.files = FileStore.of(settings)
        self._menu_language: dict[str, str] = {}
        self._contact_keyboard: set[str] = set()

    def parts(self, message: Rendered) -> int:
        """The attachment (if any), then each piece of the text."""
        return (message.attachment is not None) + len(split_text(message.text))

    async def send_part(self, chat_id: str, message: Rendered, index: int) -> str | None:
        with _mapped_errors():
            if index == 0:
                await self._menu(chat_id, message.language)
            if message.attachment is not None:
                if index == 0:
                    return await self._attach(chat_id, message.attachment)
                index -= 1
            pieces = split_text(message.text)
            last = index == len(pieces) - 1
            markup = self._markup(chat_id, message) if last else None
            sent = await self.bot.send_message(chat_id=int(chat_id), text=pieces[index],
                                               reply_markup=markup)
        if last:  # the keyboard the chat now shows
            self._shown(chat_id, markup)
        return str(sent.message_id)

    async def edit(self, chat_id: str, message_ref: str, message: Rendered) -> None:
        with _mapped_errors(), contextlib.suppress(TelegramBadRequest):  # "not modified"
            await self.bot.edit_message_text(text=split_text(message.text)[0],
                                             chat_id=int(chat_id), message_id=int(message_ref))

    async def _attach(self, chat_id: str, file: FileRef) -> str:
        """A stored file (a certificate) goes before the text that explains it."""
        content = self.files.read(file.path)  # decrypted in memory, never onto the disk
        if content is None:
            raise FileNotFoundError(file.path)
        upload = BufferedInputFile(content, filename=file.name)
        if file.mime_type.startswith("image/"):
            sent = await self.bot.send_photo(chat_id=int(chat_id), photo=upload)
        elif file.mime_type == "audio/ogg":  # a voice note goes out as one, played in the chat
            sent = await self.bot.send_voice(chat_id=int(chat_id), voice=upload)
        else:
            sent = await self.bot.send_document(chat_id=int(chat_id), document=upload)
        return str(sent.message_id)

    async def set_default_commands(self) -> None:
        """The command menu in the default language, and in each other language for its users."""
        await self.bot.set_my_commands(commands(self.settings, self.settings.default_language))
        for language in self.settings.languages:
            await self.bot.set_my_commands(commands(self.settings, language),
                                           language_code=language)

    async def _menu(self, chat_id: str, language: str) -> None:
        """Show this chat the command menu in the language it is spoken to in.

        Chats in the default language already have it from the bot-wide menu.
        """
        if self._menu_language.get(chat_id, self.settings.default_language) == language:
            return
        with contextlib.suppress(TelegramAPIError, asyncio.TimeoutError):
            await self.bot.set_my_commands(commands(self.settings, language),
                                           scope=BotCommandScopeChat(chat_id=int(chat_id)))
            self._menu_language[chat_id] = language

    def _markup(self, chat_id: str, message: Rendered) -> Markup:
        if message.contact_button:
            button = KeyboardButton(text=message.contact_button, request_contact=True)
            return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True,
                                       one_time_keyboard=True)
        if message.choices:
            rows = [[InlineKeyboardButton(text=label, callback_data=CALLBACK_VERSION + choice)]
                    for choice, label in message.choices]
            return InlineKeyboardMarkup(inline_keyboard=rows)
        if chat_id in self._contact_keyboard:
            return ReplyKeyboardRemove()
        return None

    def _shown(self, chat_id: str, markup: Markup) -> None:
        """Remember a contact keyboard once it reached the chat, to take it away later."""
        if isinstance(markup, ReplyKeyboardMarkup):
            self._contact_keyboard.add(chat_id)
        elif isinstance(markup, ReplyKeyboardRemove):
            self._contact_keyboard.discard(chat_id)
