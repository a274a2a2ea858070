"""Where each claimed message goes and in which language, looked up for a whole batch at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import tuple_
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
    member_ids = {r.member_id for r in rows if r.member_id is not None}
    chats = {(r.channel, r.chat_id) for r in rows if r.member_id is None}
    members = await _members(session, member_ids)
    reachable = await _reachable_accounts(session, member_ids)
    by_chat = await _accounts_by_chat(session, chats)
    members.update(await _members(session, {a.member_id for a in by_chat.values()}))
    languages = await _chat_languages(session, chats)
    found: dict[int, Target] = {}
    for row in rows:
        if row.member_id is not None:
            accounts, member = reachable.get(row.member_id, []), members.get(row.member_id)
            # A bulk message leaves a Zalo bot's scarce month to those who have nothing else.
            avoid = row.payload.get("avoid") or (ZALO if row.priority == BULK else None)
            account = _preferred(accounts, avoid)
            if account is not None and member is not None:
                found[row.id or 0] = _for_member(account, member, settings)
        elif row.channel and row.chat_id:
            account = by_chat.get((row.channel, row.chat_id))
            member = members.get(account.member_id) if account else None
            language = (member.language if member else None) or languages.get(
                (row.channel, row.chat_id)) or settings.default_language
            found[row.id or 0] = Target(row.channel, row.chat_id, language,
                                        member.full_name if member else None,
                                        member_id=member.id if member else None,
                                        branch_id=member.branch_id if member else None,
                                        bot=row.bot)
    return found


def _for_member(account: ChatAccount, member: Member, settings: Settings) -> Target:
    return Target(account.channel, account.chat_id,
                  member.language or settings.default_language, member.full_name,
                  account.id, member.id, member.branch_id, account.bot)


async def _members(session: AsyncSession, ids: set[int]) -> dict[int, Member]:
    if not ids:
        return {}
    found = await session.exec(select(Member).where(col(Member.id).in_(ids)))
    return {m.id or 0: m for m in found.all()}


def _preferred(accounts: list[ChatAccount], avoid: str | None) -> ChatAccount | None:
    """The account used last, unless its channel is to be avoided and another can be used."""
    other = [a for a in accounts if a.channel != avoid] if avoid else accounts
    return (other or accounts or [None])[0]


async def _reachable_accounts(
    session: AsyncSession, member_ids: set[int]
) -> dict[int, list[ChatAccount]]:
    """Each member's reachable accounts, the one used last first."""
    if not member_ids:
        return {}
    query = (select(ChatAccount)
             .where(col(ChatAccount.member_id).in_(member_ids),
                    col(ChatAccount.unreachable_at).is_(None))
             .order_by(col(ChatAccount.last_seen_at).desc()))
    found: dict[int, list[ChatAccount]] = {}
    for account in (await session.exec(query)).all():
        found.setdefault(account.member_id, []).append(account)
    return found


async def _accounts_by_chat(
    session: AsyncSession, chats: set[tuple[str | None, str | None]]
) -> dict[tuple[str, str], ChatAccount]:
    if not chats:
        return {}
    query = select(ChatAccount).where(tuple_(ChatAccount.channel, ChatAccount.chat_id).in_(chats))
    return {(a.channel, a.chat_id): a for a in (await session.exec(query)).all()}


async def _chat_languages(
    session: AsyncSession, chats: set[tuple[str | None, str | None]]
) -> dict[tuple[str, str], str]:
    if not chats:
        return {}
    query = select(Conversation).where(
        tuple_(Conversation.channel, Conversation.chat_id).in_(chats))
    return {(c.channel, c.chat_id): c.language for c in (await session.exec(query)).all()
            if c.language}
