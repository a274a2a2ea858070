"""What every message needs first, read in one statement: the chat's state, who wrote, and
what most members' menus would otherwise ask at every message (roles, meetings)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, bindparam, literal_column
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatAccount, Conversation, Member
from storage.repos import accounts, conversations, meetings
from storage.repos.accounts import Writer
from storage.repos.conversations import ChatState

_CHAT = Conversation.__table__  # type: ignore[attr-defined]
# One row whatever is stored: the chat and the account may each be there or not.
_ONE_ROW = select(literal_column("1").label("one")).subquery("one_row")
_READ = (select(*conversations.STORED, *accounts.WRITER, meetings.EXPECTED_MEMBER)
         .select_from(_ONE_ROW)
         .outerjoin(_CHAT, and_(_CHAT.c.channel == bindparam("channel"),
                                _CHAT.c.chat_id == bindparam("chat")))
         .outerjoin(ChatAccount, and_(col(ChatAccount.channel) == bindparam("channel"),
                                      col(ChatAccount.user_id) == bindparam("user")))
         .outerjoin(Member, col(Member.id) == ChatAccount.member_id))
_STORED = len(conversations.STORED)


class Arrival(NamedTuple):
    state: ChatState
    writer: Writer


async def read(session: AsyncSession, channel: str, chat_id: str, user_id: str) -> Arrival:
    """The chat's state as it is now, and the writer's account, member and other accounts;
    what the menu asks of the member is noted in the session."""
    found = await session.exec(_READ, params={  # type: ignore[call-overload]
        "channel": channel, "chat": chat_id, "user": user_id})
    row = found.one()
    stored = dict(zip((c.name for c in conversations.STORED), row[:_STORED], strict=True))
    writer = accounts.writer_of(session, tuple(row[_STORED:-1]))
    if writer.member is not None and not row[-1]:  # most members' menus ask this
        meetings.note_never_expected(session, writer.member.id or 0)
    return Arrival(conversations.state_of(channel, chat_id, stored), writer)
