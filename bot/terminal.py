"""The terminal runtime: read lines as any member (/as NAME), hand them to the core, deliver."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

from sqlmodel import select

from bot.app import build_core
from bot.broadcasts import ProgressUpdater
from bot.timer_kinds import timer_runner
from conversations.topics import rounds
from conversations.topics.calendar import month_of
from handlers.terminal import CHANNEL, GUEST, Person, TerminalChannel, chat_id_for
from storage.db import Database
from storage.models import Member, MemberStatus
from storage.phones import normalise_phone
from storage.repos import accounts, members
from vocabulary.dates import parse_date
from vocabulary.messages import Msg, Renderer
from vocabulary.settings import Settings
from vocabulary.stoppable import unless_stopped
from vocabulary.text import fold
from vocabulary.types import Contact, Inbound, InboundKind

MAX_WAIT_DAYS = 400  # /wait moves the demo at most this far at once


class TerminalSession:
    """Reads lines as the current person and hands them to the core; /as switches person."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime],
                 write: Callable[[str], None]) -> None:
        self.db, self.write, self.settings = db, write, settings
        self.real_clock, self.shift = clock, timedelta(0)  # /wait and /clock move the demo
        self.meta = Renderer(settings.default_language, settings.tz)
        self.channel = TerminalChannel(write, self.meta)
        self.core, self.delivery = build_core(db, settings, {CHANNEL: self.channel}, self.clock)
        self.timers = timer_runner(db, settings, self.clock)
        self.progress = ProgressUpdater(db, self.delivery, self.clock)
        self.region = settings.phone_region
        self.person = Person(chat_id=GUEST, name=self.meta(Msg("terminal.guest")))
        self.channel.current = self.person.chat_id
        write(self.meta(Msg("terminal.welcome")))

    def clock(self) -> datetime:
        return self.real_clock() + self.shift

    @property
    def prompt(self) -> str:
        return f"[{self.person.name}] > "

    async def line(self, text: str) -> None:
        """Handle one typed line, then deliver everything it caused."""
        head, _, rest = text.strip().partition(" ")
        if head == "/as":
            await self._switch(rest)
        elif head == "/share":
            await self._contact(self.person.phone or "", owner=self.person.chat_id)
        elif head == "/forward":
            await self._contact(rest, owner=None)
        elif head == "/wait":
            await self._wait(rest)
        elif head == "/clock":
            await self._set_clock(rest)
        elif head == "/topics-now":  # the demo cannot wait for the 1st of the month
            async with self.db.session() as session:
                now = self.clock()
                await rounds.send_month(session, self.settings, month_of(self.settings, now), now)
        elif text.strip():
            await self._inbound(InboundKind.TEXT, text=text)
        await self.delivery.drain()
        await self.progress.run()
        await self._name_once_linked()

    async def _wait(self, days: str) -> None:
        """Let time pass and fire the timers then due: with no number the undo window (to
        show a decision reaching the member), else whole days."""
        if not days.strip():
            step = timedelta(minutes=self.settings.decision_undo_minutes)
        elif days.strip().isdigit() and 0 < int(days) <= MAX_WAIT_DAYS:
            step = timedelta(days=int(days))
        else:
            self.write(self.meta(Msg("terminal.wait_usage", days=MAX_WAIT_DAYS)))
            return
        self.shift += step
        self.write(self.meta(Msg("terminal.waited", at=self.clock())))
        await self.timers.fire_due()

    async def _set_clock(self, text: str) -> None:
        """Move the demo to a local date and time ("04/03/2027 08:00", or "2027-03-04 08:00")
        and run the timers that fall due by then, as the periodic runner would."""
        day, _, at = text.strip().rpartition(" ")
        on = parse_date(day, self.clock().astimezone(self.settings.tz).date()) if day else None
        try:
            if on is None:
                raise ValueError(text)
            target = datetime.combine(on, time.fromisoformat(at), self.settings.tz)
        except ValueError:
            self.write(self.meta(Msg("terminal.clock_usage")))
            return
        self.shift = target - self.real_clock()
        self.write(self.meta(Msg("terminal.clock", at=target)))
        await self.timers.fire_due()

    async def _name_once_linked(self) -> None:
        """A guest who just proved who he/she is is shown by name from now on."""
        if self.person.phone is None or self.person.chat_id == GUEST:
            return
        async with self.db.session() as session:
            account = await accounts.by_user(session, CHANNEL, self.person.chat_id)
            member = await session.get(Member, account.member_id) if account else None
        if member is not None and member.full_name != self.person.name:
            self.person = Person(self.person.chat_id, member.full_name, self.person.phone)

    async def _inbound(self, kind: InboundKind, **fields: object) -> None:
        inbound = Inbound(CHANNEL, self.person.chat_id, self.person.chat_id, kind,  # type: ignore[arg-type]
                          self.clock(), **fields)  # type: ignore[arg-type]
        await self.core.handle(inbound)

    async def _contact(self, phone: str, owner: str | None) -> None:
        if not phone.strip():
            self.write(self.meta(Msg("terminal.no_phone")))
            return
        await self._inbound(InboundKind.CONTACT, contact=Contact(phone.strip(), owner))

    async def _switch(self, query: str) -> None:
        if not query.strip():
            self.write(self.meta(Msg("terminal.as_usage")))
            return
        found = await self._find(query)
        phone = normalise_phone(query, self.region) if query.strip() else None
        if not found and phone:
            self.person = Person(f"tm-{phone}", self.meta(Msg("terminal.guest")), phone)
            self.channel.current = self.person.chat_id
            self.write(self.meta(Msg("terminal.now_as", name=self.person.name)))
            return
        if len(found) != 1:
            key = "terminal.not_found" if not found else "terminal.several"
            names = ", ".join(f"{m.full_name} ({m.roster_id})" for m in found[:10])
            self.write(self.meta(Msg(key, query=query, names=names)))
            return
        member = found[0]
        self.person = Person(chat_id_for(member), member.full_name, member.phone)
        self.channel.current = self.person.chat_id
        self.write(self.meta(Msg("terminal.now_as", name=member.full_name)))

    async def _find(self, query: str) -> list[Member]:
        phone = normalise_phone(query, self.region) if query.strip() else None
        key = fold(query)
        async with self.db.session() as session:
            if phone:
                return await members.by_phone(session, phone)
            rows = (await session.exec(  # names fold diacritics, which SQL cannot: scan
                select(Member).where(Member.status != MemberStatus.LEFT))).all()
        exact = [m for m in rows if fold(m.full_name) == key or fold(m.roster_id) == key]
        return exact or [m for m in rows if key and key in fold(m.full_name)]


async def run_interactive(session: TerminalSession, read: Callable[[str], Awaitable[str]],
                          stop: asyncio.Event) -> None:
    """Chat until end of input, /quit or `stop` (a line being handled is finished first)."""
    try:
        await _interactive(session, read, stop)
    finally:  # a messenger process sharing the database need not wait for our heartbeat
        await session.delivery.retire()


async def _interactive(session: TerminalSession, read: Callable[[str], Awaitable[str]],
                       stop: asyncio.Event) -> None:
    while not stop.is_set():
        typed = await unless_stopped(stop, read(session.prompt))
        if typed is None:
            return
        try:
            text = typed.result()
        except EOFError:
            return
        if text.strip() in ("/quit", "/exit"):
            return
        await session.line(text)


async def run_script(session: TerminalSession, lines: list[str]) -> None:
    """Replay a scripted conversation, printing each line as typed and what followed."""
    for raw in lines:
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):
            session.write(line)
            continue
        if line.strip() in ("/quit", "/exit"):
            return
        session.write(session.prompt + line)
        await session.line(line)
