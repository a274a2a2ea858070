"""Where each claimed message goes and in which language, looked up for a whole batch at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, and_, bindparam, literal_column, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.zalo_bots import ZALO
from storage.models import ChatAccount, Conversation, Member, OutboxMessage
from storage.repos.outbox import BULK
from vocabulary.settings import Settings


@dataclass(frozen=True)
class Target:
    channel: str
    chat_id: str
    language: str
    name: str | None = None
    account_id: int | None = None
    member_id: int | None = None
    branch_id: int | None = None
    bot: str = ""  # which of the channel's bots sends it


async def resolve_targets(
    session: AsyncSession, rows: list[OutboxMessage], settings: Settings
) -> dict[int, Target]:
    """Row id -> target; a member's message goes to the account he/she used last and can get."""
    reachable = await _reachable_accounts(
        session, {r.member_id for r in rows if r.member_id is not None})
    chats = await _chats(session, {(r.channel or "", r.chat_id or "") for r in rows
                                   if r.member_id is None and r.channel and r.chat_id})
    found: dict[int, Target] = {}
    for row in rows:
        if row.member_id is not None:
            accounts = reachable.get(row.member_id, [])
            # A bulk message leaves a Zalo bot's scarce month to those who have nothing else.
            avoid = row.payload.get("avoid") or (ZALO if row.priority == BULK else None)
            chosen = _preferred(accounts, avoid)
            if chosen is not None:
                found[row.id or 0] = Target(
                    chosen.channel, chosen.chat_id, chosen.language or settings.default_language,
                    chosen.full_name, chosen.account_id, chosen.member_id, chosen.branch_id,
                    chosen.bot)
        elif row.channel and row.chat_id:
            chat = chats.get((row.channel, row.chat_id))
            language = (chat.language or chat.chat_language) if chat else None
            found[row.id or 0] = Target(row.channel, row.chat_id,
                                        language or settings.default_language,
                                        chat.full_name if chat else None,
                                        member_id=chat.member_id if chat else None,
                                        branch_id=chat.branch_id if chat else None,
                                        bot=row.bot)
    return found


# Read as plain columns, not objects: delivery resolves every message it sends.
_MEMBER = (col(Member.id).label("member_id"), Member.full_name, Member.language,
           Member.branch_id)
_REACHABLE = (
    select(col(ChatAccount.id).label("account_id"), ChatAccount.channel, ChatAccount.chat_id,
           ChatAccount.bot, *_MEMBER)
    .join(Member, col(Member.id) == ChatAccount.member_id)
    .where(col(ChatAccount.member_id).in_(bindparam("members", expanding=True)),
           col(ChatAccount.unreachable_at).is_(None))
    .order_by(col(ChatAccount.last_seen_at).desc()))
# A chat replied to has written, so it has a conversation (its language); maybe a member.
_WRITTEN = (
    select(Conversation.channel, Conversation.chat_id,
           col(Conversation.language).label("chat_language"), *_MEMBER)
    .select_from(Conversation)
    .outerjoin(ChatAccount, and_(col(ChatAccount.channel) == Conversation.channel,
                                 col(ChatAccount.chat_id) == Conversation.chat_id))
    .outerjoin(Member, col(Member.id) == ChatAccount.member_id)
    .where(tuple_(Conversation.channel, Conversation.chat_id)
           .in_(bindparam("chats", expanding=True))))
_LINKED = (
    select(ChatAccount.channel, ChatAccount.chat_id,
           literal_column("NULL").label("chat_language"), *_MEMBER)
    .join(Member, col(Member.id) == ChatAccount.member_id)
    .where(tuple_(ChatAccount.channel, ChatAccount.chat_id)
           .in_(bindparam("chats", expanding=True))))


def _preferred(accounts: list[Row[Any]], avoid: str | None) -> Row[Any] | None:
    """The account used last, unless its channel is to be avoided and another can be used."""
    other = [a for a in accounts if a.channel != avoid] if avoid else accounts
    return (other or accounts or [None])[0]


async def _reachable_accounts(
    session: AsyncSession, member_ids: set[int]
) -> dict[int, list[Row[Any]]]:
    """Each member's reachable accounts with the member, the one used last first."""
    if not member_ids:
        return {}
    found: dict[int, list[Row[Any]]] = {}
    result = await session.exec(_REACHABLE, params={"members": sorted(member_ids)})  # type: ignore[call-overload]
    for account in result.all():
        found.setdefault(account.member_id, []).append(account)
    return found


async def _chats(
    session: AsyncSession, chats: set[tuple[str, str]]
) -> dict[tuple[str, str], Row[Any]]:
    """Each chat's member (if linked) and chosen language: one query for chats that have
    written, a second only for any that have not."""
    if not chats:
        return {}
    result = await session.exec(_WRITTEN, params={"chats": sorted(chats)})  # type: ignore[call-overload]
    found = {(r.channel, r.chat_id): r for r in result.all()}
    if missing := chats - found.keys():
        result = await session.exec(_LINKED, params={"chats": sorted(missing)})  # type: ignore[call-overload]
        found.update({(r.channel, r.chat_id): r for r in result.all()})
    return found
