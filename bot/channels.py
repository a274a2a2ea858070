"""What delivery needs from a channel: a way to send one rendered message to one chat."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from conversations.types import ChannelInfo, FileRef


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
    info: ChannelInfo

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        """Send; returns the platform's id of the (last) message, for later edits."""
        ...

    async def edit(self, chat_id: str, message_ref: str, message: Rendered) -> None: ...
