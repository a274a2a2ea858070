"""Rendered messages onto Zalo: numbered text menus, pieces of 2,000 characters, files as links.

Each part goes through the bot the chat belongs to, within that bot's monthly quota.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Protocol

from aiolimiter import AsyncLimiter

from handlers.zalo import CHANNEL
from handlers.zalo.client import (
    Forbidden,
    NetworkError,
    ServerError,
    TooManyRequests,
    Unauthorized,
    ZaloClient,
)
from handlers.zalo.render import pieces
from vocabulary.channels import Deferred, Rendered, Transient, Unreachable
from vocabulary.messages import Msg, Renderer
from vocabulary.settings import Settings
from vocabulary.types import ChannelInfo, FileRef

log = logging.getLogger(__name__)
INFO = ChannelInfo(CHANNEL, contact_sharing=False, files=True, buttons=False)


class FileLinker(Protocol):
    """Mints a short-lived link to a stored file (Zalo fetches files by URL only)."""

    def url(self, ref: FileRef, audience: str = "") -> str: ...


class Voices(Protocol):
    """Voice notes in the format Zalo plays (AAC)."""

    async def of(self, voice: FileRef) -> FileRef | None: ...


class Budget(Protocol):
    """Each bot's monthly messages: a part is sent only once a message is taken for it."""

    async def take(self, bot_id: str, bulk: bool) -> float | None:
        """None when taken; else seconds until the month turns (this kind's share is spent)."""
        ...

    async def give_back(self, bot_id: str) -> None: ...

    async def spent(self, bot_id: str) -> float | None:
        """After a 429: seconds until the month turns if the bot's count says the month's
        messages are spent; None if not (then the 429 is a rate limit)."""
        ...


class ZaloSender:
    """Sends one rendered message, part by part, through the bot its chat belongs to."""

    info = INFO

    def __init__(self, clients: dict[str, ZaloClient], settings: Settings,
                 budget: Budget, links: FileLinker | None = None,
                 voices: Voices | None = None) -> None:
        self.clients, self.settings, self.budget, self.links = clients, settings, budget, links
        self.voices = voices
        # A bot's own rate, where one is set, on top of the channel's (CHIBOT_DELIVERY_RATES).
        self._rates = {bot.id: AsyncLimiter(1, 1 / bot.rate)
                       for bot in settings.zalo_bot_list if bot.rate}
        self._forbidden: Counter[str] = Counter()  # 403s in a row, per chat

    def parts(self, message: Rendered) -> int:
        return (message.attachment is not None) + len(self._pieces(message))

    async def send_part(self, chat_id: str, message: Rendered, index: int) -> str | None:
        bot_id, chat = message.bot, chat_id
        client = self.clients.get(bot_id)
        if client is None:
            raise Transient("no such Zalo bot in this process")
        if bot_id in self._rates:
            await self._rates[bot_id].acquire()
        wait = await self.budget.take(bot_id, message.bulk)
        if wait is not None:
            raise Deferred(wait, elsewhere=True)
        try:
            result = await self._part(client, chat, message, index)
        except TooManyRequests as exc:
            await self.budget.give_back(bot_id)
            turn = await self.budget.spent(bot_id)
            if turn is not None:
                raise Deferred(turn, elsewhere=True) from exc
            raise Deferred(self.settings.zalo_rate_limit_pause_seconds) from exc
        except Forbidden as exc:
            await self.budget.give_back(bot_id)
            raise self._forbidden_error(f"{bot_id}/{chat}") from exc
        except (ServerError, NetworkError, Unauthorized) as exc:
            await self.budget.give_back(bot_id)
            raise Transient(type(exc).__name__) from exc
        except Exception:
            await self.budget.give_back(bot_id)
            raise
        self._forbidden.pop(f"{bot_id}/{chat}", None)
        return str(result.get("message_id")) if isinstance(result, dict) else None

    async def edit(self, chat_id: str, message_ref: str, message: Rendered) -> None:
        """Zalo cannot edit a sent message; a new one would cost the quota, so nothing."""

    def _pieces(self, message: Rendered) -> list[str]:
        return pieces(message, Renderer(message.language, self.settings.tz))

    async def _part(self, client: ZaloClient, chat: str, message: Rendered,
                    index: int) -> object:
        if message.attachment is not None:
            if index == 0:
                return await self._attach(client, chat, message.attachment, message.language)
            index -= 1
        return await client.send_message(chat, self._pieces(message)[index])

    async def _attach(self, client: ZaloClient, chat: str, file: FileRef,
                      language: str) -> object:
        """A photo by sendPhoto, a voice note by sendVoice once made AAC (where ffmpeg is
        installed), any other file as a link in a message (all of them expire)."""
        render = Renderer(language, self.settings.tz)
        if self.links is None:
            return await client.send_message(chat, render(Msg("zalo.file_unlinked",
                                                              name=file.name)))
        if file.mime_type.startswith("image/"):
            return await client.send_photo(chat, self.links.url(file, audience=chat))
        if self.voices and file.mime_type.startswith("audio/") and \
                (aac := await self.voices.of(file)) is not None:
            return await client.send_voice(chat, self.links.url(aac, audience=chat))
        return await client.send_message(chat, render(Msg(
            "zalo.file_link", name=file.name, url=self.links.url(file, audience=chat))))

    def _forbidden_error(self, chat_id: str) -> Exception:
        """A 403 means nothing documented: only several in a row make the chat unreachable."""
        self._forbidden[chat_id] += 1
        if self._forbidden[chat_id] >= self.settings.zalo_forbidden_limit:
            del self._forbidden[chat_id]
            return Unreachable(CHANNEL)
        return Transient("Forbidden")
