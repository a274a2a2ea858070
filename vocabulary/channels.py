"""What delivery needs from a channel: how many parts a message is, and a way to send each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from vocabulary.types import ChannelInfo, FileRef


@dataclass(frozen=True)
class Rendered:
    """A message in its reader's language, ready for a channel to draw."""

    text: str
    choices: list[tuple[str, str]] = field(default_factory=list)
    named: list[tuple[str, str]] = field(default_factory=list)  # typed by code, not number
    contact_button: str | None = None
    attachment: FileRef | None = None
    recipient_name: str | None = None
    language: str = "vi"
    bulk: bool = False  # a reminder or announcement, not a reply (a quota may hold it back)
    bot: str = ""  # which of the channel's bots sends it ("": the only one)


class Unreachable(Exception):
    """The person blocked the bot or the chat no longer exists."""


class RetryLater(Exception):
    """The platform asked every sender on this channel to wait (HTTP 429)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class Deferred(Exception):
    """This message must wait (its bot's rate or monthly budget); others on the channel go on.

    `elsewhere`: a member may be reached on another channel meanwhile.
    """

    def __init__(self, seconds: float, elsewhere: bool = False) -> None:
        super().__init__(f"deferred {seconds}s")
        self.seconds, self.elsewhere = seconds, elsewhere


class Transient(Exception):
    """A passing failure (network, 5xx): this message is retried later, with back-off."""


class Sender(Protocol):
    """A channel's sending side. A message may go out as several platform messages (an
    attachment, then pieces of a long text): delivery paces and records each part."""

    info: ChannelInfo

    def parts(self, message: Rendered) -> int:
        """How many platform messages `message` is sent as."""
        ...

    async def send_part(self, chat_id: str, message: Rendered, index: int) -> str | None:
        """Send part `index` (from 0); returns the platform's id of that message."""
        ...

    async def edit(self, chat_id: str, message_ref: str, message: Rendered) -> None: ...


class WholeMessages:
    """For a channel that shows a whole message at once: one part, sent by `send`."""

    def parts(self, message: Rendered) -> int:
        return 1

    async def send_part(self, chat_id: str, message: Rendered, index: int) -> str | None:
        return await self.send(chat_id, message)

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        raise NotImplementedError
