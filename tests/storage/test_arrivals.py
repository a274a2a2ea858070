"""What each message reads first, in one statement: the chat, who wrote, what the menu asks."""

from __future__ import annotations

from sqlalchemy import literal, select

from storage.db import Database
from storage.models import Meeting, MeetingKind, Member, OrgKind
from storage.repos import arrivals, conversations, meetings
from tests import factories
from tests.factories import T0


async def test_a_stranger_in_a_new_chat_has_an_empty_state_and_no_writer(db: Database):
    async with db.session() as session:
        state, writer = await arrivals.read(session, "terminal", "c1", "u1")
    assert (state.chat_id, state.flow, state.version) == ("c1", None, 0)
    assert writer == (None, None, None)


async def test_a_members_chat_is_read_with_its_state_and_his_account(db: Database):
    branch = await factories.org(db, "CB1", OrgKind.BRANCH)
    mai = await factories.member(db, "M1", "Nguyễn Thị Mai", branch)
    await factories.link(db, mai, "c1")
    async with db.session() as session:
        state = await conversations.load(session, "terminal", "c1")
        state.flow, state.data = "language", {"asked": True}
        await conversations.save(session, state, T0)
    async with db.session() as session:
        state, writer = await arrivals.read(session, "terminal", "c1", "c1")
        other, nobody = await arrivals.read(session, "terminal", "c1", "someone-else")
    assert (state.flow, state.data, state.version) == ("language", {"asked": True}, 1)
    assert writer.member is not None
    assert writer.member.full_name == "Nguyễn Thị Mai"
    assert writer.account is not None
    assert writer.account.chat_id == "c1"
    assert other.flow == "language"  # a group's chat is one state whoever writes in it
    assert nobody == (None, None, None)


async def test_a_member_read_as_never_expected_is_expected_once_added_to_a_meeting(
    db: Database,
):
    """The menu's "my meetings" asks nothing more for a member read as never expected, and
    shows at once when he/she is added to a meeting in the same message's work."""
    mai, meeting_id = await member_and_meeting(db)
    async with db.session() as session:
        _, writer = await arrivals.read(session, "terminal", "c1", "c1")
        assert writer.member is not None
        assert not await meetings.ever_expected(session, mai.id or 0)
        pairs = select(literal(meeting_id).label("meeting_id"),
                       literal(mai.id).label("member_id"),
                       literal(True).label("counted")).subquery()
        await meetings.add_attendees(session, pairs, None)
        assert await meetings.ever_expected(session, mai.id or 0)
    async with db.session() as session:  # the next message reads it as expected
        await arrivals.read(session, "terminal", "c1", "c1")
        assert await meetings.ever_expected(session, mai.id or 0)


async def test_a_member_read_as_never_expected_who_answers_a_meeting_is_expected(
    db: Database,
):
    """Answering a meeting's reminder before it was sent adds his/her row there and then."""
    mai, meeting_id = await member_and_meeting(db)
    async with db.session() as session:
        await arrivals.read(session, "terminal", "c1", "c1")
        assert not await meetings.ever_expected(session, mai.id or 0)
        row = meetings.new_attendee(session, meeting_id, mai.id or 0)
        row.answer = "attend"
        session.add(row)
        await session.flush()
        assert await meetings.ever_expected(session, mai.id or 0)


async def member_and_meeting(db: Database) -> tuple[Member, int]:
    """A linked member of a branch that has one meeting he/she is not yet expected at."""
    branch = await factories.org(db, "CB1", OrgKind.BRANCH)
    mai = await factories.member(db, "M1", "Nguyễn Thị Mai", branch)
    await factories.link(db, mai, "c1")
    async with db.session() as session:
        meeting = Meeting(org_id=branch.id or 0, kind=MeetingKind.REGULAR, starts_at=T0,
                          created_at=T0)
        session.add(meeting)
        await session.flush()
        return mai, meeting.id or 0
