"""Proof that a chat account belongs to a roster member: a matching contact or an invite code."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatAccount, Consent, InviteCode, LinkAttempt, Member
from storage.phones import normalise_phone
from storage.repos import accounts, audit, members
from vocabulary.settings import Settings
from vocabulary.types import Contact

# No 0/O, 1/I/L, 5/S or 2/Z: codes are read aloud and copied by hand.
ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
MIN_CODE_LENGTH = 8
CODE_GROUP = 5  # people copy long codes in groups of a few characters


@dataclass(frozen=True)
class WrongBot:
    """A good code typed to another Zalo bot than the one it names: not used up."""

    bot: str


class Refusal(StrEnum):
    FORWARDED = "forwarded"
    NOT_FOUND = "not_found"
    SHARED_PHONE = "shared_phone"
    WRONG_CODE = "wrong_code"
    EXPIRED_CODE = "expired_code"
    USED_CODE = "used_code"
    TOO_MANY = "too_many"


def canonical_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def looks_like_code(text: str) -> bool:
    """One word of 8+ letters and digits, or short groups ("K7M4 PQ9X TA"); not a sentence."""
    groups = text.strip().replace("-", " ").split()
    one_word_or_groups = len(groups) == 1 or all(len(g) <= CODE_GROUP for g in groups)
    return len(canonical_code(text)) >= MIN_CODE_LENGTH and one_word_or_groups


def code_hash(secret: bytes, code: str) -> str:
    return hmac.new(secret, canonical_code(code).encode(), hashlib.sha256).hexdigest()


def new_code(length: int, region: str) -> str:
    """A random code with at least one letter, so that it can never be read as a phone number."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if not code.isdigit() and normalise_phone(code, region) is None:
            return code


def is_typed_phone(text: str, region: str) -> bool:
    """A phone number typed by hand (digits, spaces, +, dots, dashes), not an invite code."""
    return not any(ch.isalpha() for ch in text) and normalise_phone(text, region) is not None


async def issue_invite(
    session: AsyncSession, settings: Settings, member: Member, now: datetime, issuer: int | None,
    bot: str | None = None,
) -> tuple[str, datetime]:
    """A fresh one-time code for `member`, for the Zalo bot `bot` if one; only its HMAC is kept."""
    code = new_code(settings.invite_code_length, settings.phone_region)
    expires = now + timedelta(days=settings.invite_code_ttl_days)
    session.add(
        InviteCode(
            code_hash=code_hash(settings.server_secret(), code),
            member_id=member.id or 0,
            issued_by=issuer,
            created_at=now,
            expires_at=expires,
            bot=bot,
        )
    )
    audit.record(session, at=now, actor=f"member:{issuer}" if issuer else "cli",
                 actor_member_id=issuer, action="invite.issued", subject=("member", member.id))
    return code, expires


async def member_for_contact(
    session: AsyncSession, settings: Settings, contact: Contact, sender_id: str
) -> Member | Refusal:
    """The member whose phone was shared, if the sender shared his/her own contact."""
    if contact.user_id is None or contact.user_id != sender_id:
        return Refusal.FORWARDED
    phone = normalise_phone(contact.phone, settings.phone_region)
    found = await members.by_phone(session, phone) if phone else []
    if not found:
        return Refusal.NOT_FOUND
    if len(found) > 1:
        return Refusal.SHARED_PHONE
    return found[0]


async def redeem_invite(
    session: AsyncSession, settings: Settings, code: str, chat: tuple[str, str], now: datetime,
    bot: str = "",
) -> Member | Refusal | WrongBot:
    """Use a code once; wrong, expired or used codes count towards the hourly limit.

    `bot`: the Zalo bot it was typed to; a code naming another bot is left unused.
    """
    if await _recent_failures(session, chat, now) >= settings.invite_attempts_per_hour:
        return Refusal.TOO_MANY
    digest = code_hash(settings.server_secret(), code)
    invite = (await session.exec(select(InviteCode).where(InviteCode.code_hash == digest))).first()
    refusal = _invite_refusal(invite, now)
    if refusal is None and invite is not None and bot and invite.bot and invite.bot != bot:
        return WrongBot(invite.bot)
    if refusal is None and invite is not None:
        claimed = await session.exec(
            update(InviteCode)
            .where(col(InviteCode.id) == invite.id, col(InviteCode.used_at).is_(None))
            .values(used_at=now)
        )
        if claimed.rowcount == 1:
            member = await session.get(Member, invite.member_id)
            if member is not None:
                return member
        refusal = Refusal.USED_CODE
    session.add(LinkAttempt(channel=chat[0], chat_id=chat[1], attempted_at=now))
    return refusal or Refusal.WRONG_CODE


def _invite_refusal(invite: InviteCode | None, now: datetime) -> Refusal | None:
    if invite is None:
        return Refusal.WRONG_CODE
    if invite.used_at is not None:
        return Refusal.USED_CODE
    if invite.expires_at <= now:
        return Refusal.EXPIRED_CODE
    return None


async def _recent_failures(session: AsyncSession, chat: tuple[str, str], now: datetime) -> int:
    query = select(func.count()).where(
        LinkAttempt.channel == chat[0],
        LinkAttempt.chat_id == chat[1],
        LinkAttempt.attempted_at > now - timedelta(hours=1),
    )
    return (await session.exec(query)).one()


async def link_account(
    session: AsyncSession,
    member: Member,
    *,
    channel: str,
    user_id: str,
    chat_id: str,
    now: datetime,
    consent_version: str,
    consented_at: datetime,
    proof: str,
    bot: str = "",
) -> ChatAccount:
    """Link the chat to the member and record the consent given before any data was kept."""
    account = await accounts.by_user(session, channel, user_id)
    if account is None:
        account = ChatAccount(channel=channel, user_id=user_id, chat_id=chat_id,
                              member_id=member.id or 0, linked_at=now, last_seen_at=now)
    account.member_id, account.chat_id, account.unreachable_at = member.id or 0, chat_id, None
    account.consent_version = consent_version
    account.bot = bot  # his/her messages leave through the bot he/she linked on
    account.linked_at = account.last_seen_at = now
    session.add(account)
    session.add(Consent(member_id=member.id or 0, version=consent_version, channel=channel,
                        given_at=consented_at))
    await session.flush()
    audit.record(session, at=now, actor=f"{channel}:{account.id}", actor_member_id=member.id,
                 action="account.linked", subject=("member", member.id), proof=proof)
    return account


async def consent_again(
    session: AsyncSession, member: Member, channel: str, version: str, now: datetime
) -> None:
    """Record agreement to a new version of the consent text, for all the member's accounts."""
    for account in await accounts.of_member(session, member.id or 0):
        account.consent_version = version
        session.add(account)
    session.add(Consent(member_id=member.id or 0, version=version, channel=channel, given_at=now))
    audit.record(session, at=now, actor=f"member:{member.id}", actor_member_id=member.id,
                 action="consent.renewed", subject=("member", member.id), version=version)
