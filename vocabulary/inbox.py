"""The inbox as channels see it: where an update is kept, and what a channel tells about one."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from conversations.types import Inbound


class Unreadable(Exception):
    """Raised by a source for an update it can never read (retrying cannot help)."""


class Received(NamedTuple):
    """An update as it arrived, before it is handled."""

    update_id: str
    chat_id: str
    payload: dict[str, Any]
    bot: str = ""  # which of the channel's bots received it


class UpdateSink(Protocol):
    """Keeps updates before the platform is told they arrived (the runtime's inbox)."""

    async def record(self, channel: str, update_id: str, chat_id: str,
                     payload: dict[str, Any], bot: str = "") -> bool:
        """Keep one update; False if it was already kept (the platform sent it again)."""
        ...

    async def record_many(self, channel: str, updates: list[Received]) -> int:
        """Keep a batch in one transaction; returns how many were new."""
        ...


class UpdateSource(Protocol):
    """A channel's side of the inbox: what an update means, and what to do after it."""

    channel: str

    async def to_inbound(self, payload: dict[str, Any]) -> Inbound | None:
        """The update as an Inbound (None: not for us); raises Unreadable."""
        ...

    def needs_follow_up(self, payload: dict[str, Any]) -> bool: ...

    async def after_handled(self, payload: dict[str, Any]) -> bool:
        """Follow the handled update up; False if it should be tried again after a restart."""
        ...
