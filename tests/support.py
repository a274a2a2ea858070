"""Test helpers: a settable clock, a recording channel, and a chat harness over the real core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.app import build_core
from conversations.registry import Registry
from storage.db import Database
from vocabulary.channels import Rendered, WholeMessages
from vocabulary.settings import Settings
from vocabulary.types import ChannelInfo, Contact, FileRef, Inbound, InboundKind


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 21, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class RecordingSender(WholeMessages):
    """A channel that keeps what it was asked to send."""

    info: ChannelInfo
    sent: list[tuple[str, Rendered]] = field(default_factory=list)
    edits: list[tuple[str, str, Rendered]] = field(default_factory=list)

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        self.sent.append((chat_id, message))
        return str(len(self.sent))

    async def edit(self, chat_id: str, message_ref: str, message: Rendered) -> None:
        self.edits.append((chat_id, message_ref, message))


SELF = "<self>"
# A fixed Fernet key: PostgreSQL deployments must name theirs (SQLite would generate one).
TEST_FILE_KEY = "dGVzdC1maWxlLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g="
CHAT = ChannelInfo("terminal", contact_sharing=True, files=True)
TYPED = ChannelInfo("terminal", contact_sharing=True, files=True, buttons=False)


@dataclass
class Person:
    user_id: str
    chat_id: str = ""

    def __post_init__(self) -> None:
        self.chat_id = self.chat_id or self.user_id


class Chat:
    """Drives the real core and delivery as people typing into a text channel."""

    def __init__(self, db: Database, settings: Settings, clock: FakeClock,
                 info: ChannelInfo = CHAT, registry: Registry | None = None) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.sender = RecordingSender(info)
        self.core, self.delivery = build_core(db, settings, {"terminal": self.sender}, clock,
                                              registry)

    async def send(self, person: Person, **fields: object) -> list[Rendered]:
        kind = fields.pop("kind", InboundKind.TEXT)
        inbound = Inbound("terminal", person.chat_id, person.user_id, kind,  # type: ignore[arg-type]
                          self.clock(), **fields)  # type: ignore[arg-type]
        await self.core.handle(inbound)
        return await self.flush(person)

    async def flush(self, person: Person | None = None) -> list[Rendered]:
        start = len(self.sender.sent)
        await self.delivery.drain()
        new = self.sender.sent[start:]
        return [m for chat, m in new if person is None or chat == person.chat_id]

    async def say(self, person: Person, text: str) -> str:
        """Type `text`; the replies to this person, joined."""
        return "\n".join(m.text for m in await self.send(person, text=text))

    async def tap(self, person: Person, choice: str) -> str:
        replies = await self.send(person, kind=InboundKind.CHOICE, choice=choice)
        return "\n".join(m.text for m in replies)

    async def share_contact(self, person: Person, phone: str, owner: str | None = SELF) -> str:
        """Share a contact; `owner` is whose account it is (None: the platform did not say)."""
        contact = Contact(phone, person.user_id if owner == SELF else owner)
        replies = await self.send(person, kind=InboundKind.CONTACT, contact=contact)
        return "\n".join(m.text for m in replies)

    async def send_file(self, person: Person, file: FileRef) -> str:
        replies = await self.send(person, kind=InboundKind.FILE, file=file)
        return "\n".join(m.text for m in replies)

    async def open_menu(self, person: Person, group: str) -> str:
        """Show the menu and open the group whose label contains `group`."""
        await self.say(person, "/menu")
        return await self.tap(person, self.choice_id(person, group))

    def last_choices(self, person: Person) -> list[tuple[str, str]]:
        for chat, message in reversed(self.sender.sent):
            if chat == person.chat_id and message.choices:
                return message.choices
        return []

    def choice_id(self, person: Person, label_part: str) -> str:
        """The id of the last shown option whose label contains `label_part`."""
        for choice_id, label in self.last_choices(person):
            if label_part.lower() in label.lower():
                return choice_id
        raise AssertionError(f"no option like {label_part!r} in {self.last_choices(person)}")
