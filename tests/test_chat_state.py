"""A chat's state under two workers at once: no change is lost, no reply is sent twice."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import select

from bot.core import Core
from conversations.context import Ctx
from storage.db import Database
from storage.models import OutboxMessage
from storage.repos import conversations
from tests.support import CHAT, FakeClock
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import Inbound, InboundKind

HOLD_SECONDS = 0.5  # how long the first worker waits for the second inside its transaction


class Noting:
    """An engine that notes every text in the chat's state; `hold` pauses the first one."""

    def __init__(self) -> None:
        self.hold: asyncio.Event | None = None
        self.holding = asyncio.Event()  # set once the first has read the state

    async def dispatch(self, ctx: Ctx) -> None:
        text = ctx.inbound.text or ""
        ctx.state.data["seen"] = [*ctx.state.data.get("seen", []), text]
        ctx.reply(Msg("menu.prompt"))
        if self.hold is not None and text == "first":
            self.holding.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.hold.wait(), HOLD_SECONDS)


def message(text: str, clock: FakeClock) -> Inbound:
    return Inbound("terminal", "c1", "u1", InboundKind.TEXT, clock(), text=text)


async def test_two_workers_on_one_chat_keep_both_changes_and_reply_once_each(
    db: Database, settings: Settings, clock: FakeClock,
):
    # Two processes share the database: the second reads the chat while the first is still
    # inside its transaction. On PostgreSQL the second commits first and the first retries
    # from the new state (this variant fails without the version check); on SQLite the
    # second waits for the first's write lock, so the two take turns.
    other_db = Database(settings.effective_database_url)
    engine = Noting()
    engine.hold = asyncio.Event()
    first = Core(db, settings, engine, {"terminal": CHAT}, clock)  # type: ignore[arg-type]
    second = Core(other_db, settings, Noting(), {"terminal": CHAT}, clock)  # type: ignore[arg-type]
    try:
        await second.handle(message("before", clock))  # the chat's state is stored already
        running = asyncio.create_task(first.handle(message("first", clock)))
        await engine.holding.wait()
        await second.handle(message("second", clock))
        engine.hold.set()
        await running
    finally:
        await other_db.dispose()

    async with db.session() as session:
        state = await conversations.load(session, "terminal", "c1")
        queued = (await session.exec(select(OutboxMessage))).all()
    assert sorted(state.data["seen"]) == ["before", "first", "second"]
    assert len(queued) == 3


async def test_a_state_saved_from_an_old_read_is_refused(db: Database, clock: FakeClock):
    async with db.session() as session:
        state = await conversations.load(session, "terminal", "c1")
        state.flow = "registration"
        await conversations.save(session, state, clock())
    async with db.session() as session:
        stale = await conversations.load(session, "terminal", "c1")
    async with db.session() as session:
        fresh = await conversations.load(session, "terminal", "c1")
        fresh.step = "phone"
        await conversations.save(session, fresh, clock())

    stale.flow = None
    with pytest.raises(StaleDataError):
        async with db.session() as session:
            await conversations.save(session, stale, clock())
    async with db.session() as session:
        kept = await conversations.load(session, "terminal", "c1")
    assert (kept.flow, kept.step) == ("registration", "phone")


async def test_a_new_chat_stored_by_two_workers_is_refused_the_second_time(
    db: Database, clock: FakeClock,
):
    async with db.session() as session:
        one = await conversations.load(session, "terminal", "c1")
        two = await conversations.load(session, "terminal", "c1")
    async with db.session() as session:
        one.language = "en"
        await conversations.save(session, one, clock())
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            await conversations.save(session, two, clock())
    async with db.session() as session:
        assert (await conversations.load(session, "terminal", "c1")).language == "en"


async def test_a_menu_shown_is_remembered_and_does_not_refuse_the_flows_save(
    db: Database, clock: FakeClock,
):
    menu = [["m:profile", {"key": "menu.profile", "params": {}}]]
    async with db.session() as session:
        await conversations.set_menu(session, "terminal", "new", menu, clock())
        state = await conversations.load(session, "terminal", "c1")
        state.flow = "language"
        await conversations.save(session, state, clock())
    async with db.session() as session:
        read = await conversations.load(session, "terminal", "c1")
        await conversations.set_menu(session, "terminal", "c1", menu, clock())
    async with db.session() as session:
        read.step = "choose"
        await conversations.save(session, read, clock())  # the menu did not change the version
        assert (await conversations.load(session, "terminal", "new")).menu == menu
        kept = await conversations.load(session, "terminal", "c1")
    assert (kept.flow, kept.step, kept.menu) == ("language", "choose", menu)


async def test_a_state_read_and_left_as_it_was_writes_nothing_and_undoes_nothing(
    db: Database, clock: FakeClock,
):
    """Most messages (the menu, help) change nothing: no write, so no retry when another
    worker changed the chat meanwhile, and that change stays."""
    async with db.session() as session:
        state = await conversations.load(session, "terminal", "c1")
        state.flow, state.data = "language", {"picked": []}
        await conversations.save(session, state, clock())
    async with db.session() as session:
        unchanged = await conversations.load(session, "terminal", "c1")
    async with db.session() as session:
        other = await conversations.load(session, "terminal", "c1")
        other.step = "choose"
        await conversations.save(session, other, clock())
    async with db.session() as session:
        await conversations.save(session, unchanged, clock())  # no StaleDataError
    async with db.session() as session:
        changed_in_place = await conversations.load(session, "terminal", "c1")
        changed_in_place.data["picked"].append("en")  # handlers change `data` in place
        await conversations.save(session, changed_in_place, clock())
    async with db.session() as session:
        kept = await conversations.load(session, "terminal", "c1")
    assert (kept.flow, kept.step, kept.data) == ("language", "choose", {"picked": ["en"]})
