"""The channel-agnostic contract: what a channel hands the core, and what comes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.i18n import Msg


class InboundKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    CONTACT = "contact"
    FILE = "file"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Contact:
    """A shared phone contact; `user_id` is whose account it is, if the platform says."""

    phone: str
    user_id: str | None = None


@dataclass(frozen=True)
class FileRef:
    """A file the member sent, already stored in Chibot's file store."""

    path: str
    name: str
    mime_type: str
    size: int


@dataclass(frozen=True)
class Inbound:
    channel: str
    chat_id: str
    user_id: str
    kind: InboundKind
    received_at: datetime
    text: str | None = None
    choice: str | None = None
    contact: Contact | None = None
    file: FileRef | None = None
    problem: str | None = None  # why a file could not be taken (too_large, wrong_type)
    bot: str = ""  # which of the channel's bots it came to ("": the only one)


@dataclass(frozen=True)
class Choice:
    """An option: `id` is what a button carries back (at most 48 ASCII bytes).

    `ref` names what the option acts on (a request's number) in a message that arrives on
    its own: text channels show it as a code such as "1 12", never as a bare number.
    """

    id: str
    label: Msg
    ref: str | None = None

    def __post_init__(self) -> None:
        if len(self.id.encode()) > 48 or not self.id.isascii():
            raise ValueError(f"choice id too long or not ASCII: {self.id!r}")


def typed_codes(refs: list[str | None]) -> list[str | None]:
    """The code typed for each option with a ref: its place among that ref's options, then
    the ref ("1 12", "2 12"); None for an option without one."""
    seen: dict[str, int] = {}
    codes: list[str | None] = []
    for ref in refs:
        if ref is None:
            codes.append(None)
            continue
        seen[ref] = seen.get(ref, 0) + 1
        codes.append(f"{seen[ref]} {ref}")
    return codes


@dataclass(frozen=True)
class ChatRef:
    """A chat, and the bot it talks to: a channel may run several ("": its only bot)."""

    channel: str
    chat_id: str
    bot: str = ""


@dataclass(frozen=True)
class Outbound:
    """One message. `to` is a chat (a reply) or a member id (reached on his/her last channel)."""

    to: ChatRef | int
    body: list[Msg]
    choices: list[Choice] = field(default_factory=list)
    request_contact: bool = False
    attachment: FileRef | None = None
    dedupe_key: str | None = None
    bulk: bool = False
    order_key: str | None = None  # messages with one key arrive in the order queued
    subject: str | None = None  # what the message is about, so its copies can be edited later
    edit_of: int | None = None  # an outbox message whose sent text this one replaces

    def payload(self) -> dict[str, Any]:
        return {
            "body": [m.to_json() for m in self.body],
            "choices": [{"id": c.id, "label": c.label.to_json(), "ref": c.ref}
                        for c in self.choices],
            "request_contact": self.request_contact,
            "attachment": self.attachment.__dict__ if self.attachment else None,
            "edit_of": self.edit_of,
        }


@dataclass(frozen=True)
class ChannelInfo:
    """What a channel can do, so prompts can say "tap the button" or "type the code"."""

    name: str
    contact_sharing: bool
    files: bool
    buttons: bool = True  # False: every choice is typed (the terminal, Zalo)
