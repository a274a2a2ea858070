"""Where each claimed message goes and in which language, looked up for a whole batch at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, tuple_
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
                found[row.id or 0] = _for_member(*chosen, settings)
        elif row.channel and row.chat_id:
            chat = chats.get((row.channel, row.chat_id), _Chat())
            member = chat.member
            language = (member.language if member else None) or chat.language \
                or settings.default_language
            found[row.id or 0] = Target(row.channel, row.chat_id, language,
                                        member.full_name if member else None,
                                        member_id=member.id if member else None,
                                        branch_id=member.branch_id if member else None,
                                        bot=row.bot)
    return found


@dataclass(frozen=True)
class _Chat:
    """What is known of a chat replied to: its member (if linked) and its chosen language."""

    member: Member | None = None
    language: str | None = None


def _for_member(account: ChatAccount, member: Member, settings: Settings) -> Target:
    return Target(account.channel, account.chat_id,
                  member.language or settings.default_language, member.full_name,
                  account.id, member.id, member.branch_id, account.bot)


def _preferred(accounts: list[tuple[ChatAccount, Member]], avoid: str | None
               ) -> tuple[ChatAccount, Member] | None:
    """The account used last, unless its channel is to be avoided and another can be used."""
    other = [a for a in accounts if a[0].channel != avoid] if avoid else accounts
    return (other or accounts or [None])[0]


async def _reachable_accounts(
    session: AsyncSession, member_ids: set[int]
) -> dict[int, list[tuple[ChatAccount, Member]]]:
    """Each member's reachable accounts with the member, the one used last first."""
    if not member_ids:
        return {}
    query = (select(ChatAccount, Member).join(Member, col(Member.id) == ChatAccount.member_id)
             .where(col(ChatAccount.member_id).in_(member_ids),
                    col(ChatAccount.unreachable_at).is_(None))
             .order_by(col(ChatAccount.last_seen_at).desc()))
    found: dict[int, list[tuple[ChatAccount, Member]]] = {}
    for account, member in (await session.exec(query)).all():
        found.setdefault(member.id or 0, []).append((account, member))
    return found


async def _chats(
    session: AsyncSession, chats: set[tuple[str, str]]
) -> dict[tuple[str, str], _Chat]:
    """Each chat's member and language: one query for chats that have written (they have a
    conversation), a second only for any that have not."""
    if not chats:
        return {}
    query = (select(Conversation.channel, Conversation.chat_id, Conversation.language, Member)
             .select_from(Conversation)
             .outerjoin(ChatAccount, and_(col(ChatAccount.channel) == Conversation.channel,
                                          col(ChatAccount.chat_id) == Conversation.chat_id))
             .outerjoin(Member, col(Member.id) == ChatAccount.member_id)
             .where(tuple_(Conversation.channel, Conversation.chat_id).in_(chats)))
    found = {(channel, chat_id): _Chat(member, language)
             for channel, chat_id, language, member in (await session.exec(query)).all()}
    if missing := chats - found.keys():
        linked = (select(ChatAccount.channel, ChatAccount.chat_id, Member)
                  .join(Member, col(Member.id) == ChatAccount.member_id)
                  .where(tuple_(ChatAccount.channel, ChatAccount.chat_id).in_(missing)))
        found.update({(channel, chat_id): _Chat(member)
                      for channel, chat_id, member in (await session.exec(linked)).all()})
    return found
