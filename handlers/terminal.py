"""The terminal channel: prints each message, the current person's as replies, others' as '→ to'."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.channels import Rendered, WholeMessages
from bot.i18n import Msg, Renderer
from conversations.types import ChannelInfo
from storage.models import Member

CHANNEL = "terminal"
INFO = ChannelInfo(CHANNEL, contact_sharing=True, files=False, buttons=False)
GUEST = "guest"


def chat_id_for(member: Member) -> str:
    """The terminal chat (and user) id of a member: one terminal 'phone' per person."""
    return f"tm-{member.roster_id}"


@dataclass(frozen=True)
class Person:
    """Who is typing: a roster member (or a guest), with the phone his/her 'phone' has."""

    chat_id: str
    name: str
    phone: str | None = None


class TerminalChannel(WholeMessages):
    """Prints messages: the current person's as replies, anyone else's as '→ to NAME'."""

    info = INFO

    def __init__(self, write: Callable[[str], None], meta: Renderer) -> None:
        self.write, self.meta = write, meta
        self.current: str | None = None
        self.count = 0

    async def edit(self, chat_id: str, message_ref: str, message: Rendered) -> None:
        self._show(chat_id, message, Msg("terminal.edited"))

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        self.count += 1
        self._show(chat_id, message)
        return str(self.count)

    def _show(self, chat_id: str, message: Rendered, heading: Msg | None = None) -> None:
        indent = "    "
        if chat_id != self.current:
            name = message.recipient_name or self.meta(Msg("terminal.guest"))
            self.write(indent + self.meta(Msg("terminal.to", name=name)))
            indent += "  "
        if heading is not None:
            self.write(indent + self.meta(heading))
        if message.attachment is not None:
            self.write(indent + self.meta(Msg("terminal.attachment",
                                              name=message.attachment.name)))
        for line in message.text.splitlines():
            self.write(indent + line)
        for number, (_id, label) in enumerate(message.choices, start=1):
            self.write(f"{indent}  {number}. {label}")
        for _id, line in message.named:
            self.write(f"{indent}  {line}")
        if message.contact_button:
            self.write(indent + self.meta(Msg("terminal.share_hint")))
