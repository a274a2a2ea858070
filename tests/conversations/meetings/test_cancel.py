"""/cancel at every step of the meeting flows leaves the chat idle and records nothing half."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import Conversation, Meeting, MeetingPlan
from tests.conversations.meetings.conftest import People
from tests.conversations.meetings.test_answers import MEETING_AT, reminded
from tests.support import Chat, FakeClock
from vocabulary.settings import Settings

LIST = [("sec", "/menu"), ("sec", "lịch sinh hoạt và điểm danh")]
PLAN = [*LIST, ("sec", "2"), ("sec", "1")]  # plan, for the chi bộ (not its tổ)
# Each (flow, step) with the (person, input) pairs that reach it; "tap:" presses a button,
# "clock:after" moves past the meeting's start.
MEETING_PATHS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("meeting_absence", "reason"): [("mai", "tap:a:mt:no:1")],
    ("meeting_absence", "text"): [("mai", "tap:a:mt:no:1"), ("mai", "4")],
    ("meetings", "list"): LIST,
    ("meetings", "meeting"): [*LIST, ("sec", "1")],
    ("meetings", "doc"): [*LIST, ("sec", "1"), ("sec", "1")],
    ("meetings", "cancel"): [*LIST, ("sec", "1"), ("sec", "2")],
    ("meetings", "move_when"): [*LIST, ("sec", "1"), ("sec", "3")],
    ("meetings", "move_place"): [*LIST, ("sec", "1"), ("sec", "3"), ("sec", "05/12 19:30")],
    ("meetings", "move_confirm"): [*LIST, ("sec", "1"), ("sec", "3"), ("sec", "05/12 19:30"),
                                   ("sec", "1")],
    ("meetings", "mark"): [("sec", "clock:after"), *LIST, ("sec", "1"), ("sec", "1")],
    ("meeting_plan", "org"): [*LIST, ("sec", "2")],
    ("meeting_plan", "kind"): PLAN,
    ("meeting_plan", "rule"): [*PLAN, ("sec", "1")],
    ("meeting_plan", "when"): [*PLAN, ("sec", "3")],
    ("meeting_plan", "place"): [*PLAN, ("sec", "1"), ("sec", "ngày 5, 19:30")],
}


@pytest.mark.parametrize("path", sorted(MEETING_PATHS))
async def test_cancel_at_every_meeting_step(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, people: People,
    path: tuple[str, str],
) -> None:
    await reminded(db, settings, clock, people, chat)
    persons = {"mai": people.mai, "sec": people.sec}
    for who, text in MEETING_PATHS[path]:
        if text == "clock:after":
            clock.now = MEETING_AT + timedelta(hours=2)
        elif text.startswith("tap:"):
            await chat.tap(persons[who], text.removeprefix("tap:"))
        else:
            await chat.say(persons[who], text)
    last = persons[MEETING_PATHS[path][-1][0]]
    before = await _state(db, last.chat_id)
    assert (before.flow, before.step) == path
    assert "Đã hủy" in await chat.say(last, "/cancel")
    after = await _state(db, last.chat_id)
    assert (after.flow, after.step, after.data) == (None, None, {})
    async with db.session() as session:
        assert len((await session.exec(select(MeetingPlan))).all()) == 0
        [meeting] = (await session.exec(select(Meeting))).all()
        assert (meeting.status, meeting.marked_at, meeting.revision) == ("planned", None, 1)


async def _state(db: Database, chat_id: str) -> Conversation:
    async with db.session() as session:
        found = await session.get(Conversation, ("terminal", chat_id))
        assert found is not None
        return found
