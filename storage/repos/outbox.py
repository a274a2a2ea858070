"""The outbox: every message leaves through here, once, and each person's in order."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, or_, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage.models import (
    ChatAccount,
    DeliveryWorker,
    OutboxMessage,
    OutboxStatus,
    TopicMessage,
)
from storage.new_rows import NewRows
from storage.order import chat_order_key, member_order_key
from vocabulary.types import ChatRef, Outbound

INTERACTIVE, BULK = 10, 0
# A payload key naming a body stored once for many rows (a month's topics: 500,000 members
# share a few), so that each row carries a few bytes instead of the items' text.
SHARED = "shared"
SHARED_KEPT = 1000  # bodies a process keeps read; a month has a few
UNSENT = (OutboxStatus.QUEUED, OutboxStatus.SENDING)
_TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]
_NEW = NewRows(_TABLE, "dedupe_key")
# Built once, as Core statements: a sender claims and settles as often as it sends.
_TAKE = (update(_TABLE).where(_TABLE.c.id.in_(bindparam("rows", expanding=True)))
         .values(status=OutboxStatus.SENDING, claimed_at=bindparam("now"),
                 claimed_by=bindparam("worker"), attempts=_TABLE.c.attempts + 1))


def recipient_key(message: Outbound) -> str:
    if message.order_key:
        return message.order_key
    to = message.to
    return chat_order_key(to.channel, to.chat_id) if isinstance(to, ChatRef) else \
        member_order_key(to)


async def enqueue(
    session: AsyncSession, messages: list[Outbound], now: datetime,
    broadcast_id: int | None = None,
) -> int:
    """Queue messages; one whose dedupe key is already queued is skipped. Returns how many."""
    payloads: dict[tuple[int, int], dict[str, Any]] = {}
    return await _NEW.insert(session, [_row(m, now, broadcast_id, payloads) for m in messages])


async def enqueue_uncounted(session: AsyncSession, messages: list[Outbound],
                            now: datetime) -> None:
    """As `enqueue`, for a bulk send of tens of thousands that needs no count: one
    executemany that returns nothing (counting would bring every new row's key back)."""
    payloads: dict[tuple[int, int], dict[str, Any]] = {}
    await _NEW.insert_uncounted(session, [_row(m, now, None, payloads) for m in messages])


def _row(message: Outbound, now: datetime, broadcast_id: int | None,
         payloads: dict[tuple[int, int], dict[str, Any]]) -> dict[str, object]:
    chat = message.to if isinstance(message.to, ChatRef) else None
    # Many messages of one bulk send share their body and choices lists: encoded once (the
    # lists outlive the call, so their ids are not reused while the cache is in use).
    shared = (id(message.body), id(message.choices), message.request_contact)
    if message.attachment is not None or message.edit_of is not None or shared not in payloads:
        payloads[shared] = message.payload()
    return {
        "dedupe_key": message.dedupe_key,
        "recipient": recipient_key(message),
        "member_id": None if chat else message.to,
        "channel": chat.channel if chat else None,
        "chat_id": chat.chat_id if chat else None,
        "bot": chat.bot if chat else "",
        "payload": {**payloads[shared], "reply": chat is not None},
        "priority": BULK if message.bulk else INTERACTIVE,
        "status": OutboxStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "broadcast_id": broadcast_id,
        "subject": message.subject,
    }


def shared_payload_around() -> tuple[str, str]:
    """The JSON text of a notice (not a reply) whose body is a stored message, before and
    after that message's id: an INSERT ... SELECT puts the id between."""
    return f'{{"{SHARED}": ', ', "reply": false}'


async def full_payloads(session: AsyncSession, rows: list[OutboxMessage],
                        known: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any] | None]:
    """Row id -> what to send: a row naming a shared body gets it, under the row's own keys
    (None: that body is gone). `known` keeps bodies read before (they never change)."""
    needed = {int(r.payload[SHARED]) for r in rows if SHARED in r.payload}
    if len(known.keys() | needed) > SHARED_KEPT:
        known.clear()
    if wanted := needed - known.keys():
        found = await session.exec(select(TopicMessage.id, TopicMessage.payload)
                                   .where(col(TopicMessage.id).in_(wanted)))
        known.update({int(i or 0): p for i, p in found.all()})
    return {r.id or 0: _with_body(r.payload, known) for r in rows}


def _with_body(payload: dict[str, Any], known: dict[int, dict[str, Any]]
               ) -> dict[str, Any] | None:
    if SHARED not in payload:
        return payload
    body = known.get(int(payload[SHARED]))
    own = {key: value for key, value in payload.items() if key != SHARED}
    return None if body is None else {**body, **own}


async def copies(session: AsyncSession, subject: str) -> list[OutboxMessage]:
    """Messages about one subject that are not edits themselves, oldest first."""
    query = (select(OutboxMessage).where(OutboxMessage.subject == subject)
             .order_by(col(OutboxMessage.id)))
    return [r for r in (await session.exec(query)).all() if not r.payload.get("edit_of")]


@dataclass
class Taken:
    """Rows claimed, and whether one of their people has a message queued behind one of them
    (claimable only once it is sent: a claim right after may find nothing else)."""

    rows: list[OutboxMessage]
    behind: bool


async def claim(
    session: AsyncSession, now: datetime, limit: int, *, bulk_allowed: bool = True,
    channels: tuple[str, ...] | None = None, worker: str | None = None,
) -> Taken:
    """Take due messages for sending: at most one per person, and only his/her earliest.

    With `channels`, only messages this process can send: replies in those channels, and
    messages to members with a reachable account in one of them.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    query = _claim_query(bulk_allowed, channels, dialect)
    found = (await session.exec(query, params={"now": now, "limit": limit})).all()
    rows = [row for row, _behind in found]
    if rows:
        await session.exec(_TAKE, params={  # type: ignore[call-overload]
            "rows": [r.id for r in rows], "now": now, "worker": worker})
        for row in rows:  # as written, without making the objects dirty
            for name, value in (("status", OutboxStatus.SENDING), ("claimed_at", now),
                                ("claimed_by", worker), ("attempts", row.attempts + 1)):
                set_committed_value(row, name, value)
    return Taken(rows, any(behind for _row, behind in found))


@functools.cache
def _claim_query(
    bulk_allowed: bool, channels: tuple[str, ...] | None, dialect: str,
) -> Select[tuple[OutboxMessage, bool]]:
    """The claim's query, built once for each kind (a sender claims as often as it sends)."""
    earlier = aliased(OutboxMessage)
    ahead = col(earlier.status).in_(UNSENT)
    if not bulk_allowed:  # at night a waiting bulk message does not hold back a notice
        ahead = and_(ahead, or_(earlier.status == OutboxStatus.SENDING,
                                earlier.priority >= INTERACTIVE))
    # Nor does one deferred to later (its bot's month is spent): replies and notices go on.
    deferred_bulk = and_(earlier.status == OutboxStatus.QUEUED, earlier.priority < INTERACTIVE,
                         earlier.next_attempt_at > bindparam("now"))
    ahead = and_(ahead, or_(~deferred_bulk, OutboxMessage.priority < INTERACTIVE))
    blocked = exists().where(and_(
        earlier.recipient == OutboxMessage.recipient,
        col(earlier.id) < col(OutboxMessage.id),
        ahead,
    ))
    later = aliased(OutboxMessage)
    behind = exists().where(and_(
        later.recipient == OutboxMessage.recipient,
        col(later.id) > col(OutboxMessage.id),
        later.status == OutboxStatus.QUEUED,
        later.next_attempt_at <= bindparam("now"),
    ))
    query = (
        select(OutboxMessage, behind.label("behind"))
        .where(OutboxMessage.status == OutboxStatus.QUEUED,
               OutboxMessage.next_attempt_at <= bindparam("now"))
        .where(~blocked)
        .order_by(col(OutboxMessage.priority).desc(), col(OutboxMessage.id))
        .limit(bindparam("limit"))
    )
    if channels is not None:
        query = query.where(_servable(channels))
    if not bulk_allowed:
        query = query.where(OutboxMessage.priority >= INTERACTIVE)
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)  # type: ignore[arg-type]
    return query


def _servable(channels: tuple[str, ...]) -> Any:
    """Leave alone only the members who can be reached solely on another process's channel."""

    def reachable(here: bool) -> Any:
        channel = col(ChatAccount.channel)
        return exists().where(and_(
            ChatAccount.member_id == OutboxMessage.member_id,
            channel.in_(channels) if here else channel.not_in(channels),
            col(ChatAccount.unreachable_at).is_(None),
        ))

    return or_(col(OutboxMessage.channel).in_(channels),
               and_(col(OutboxMessage.member_id).is_not(None),
                    or_(reachable(here=True), ~reachable(here=False))))


async def refresh_claims(session: AsyncSession, message_ids: list[int], now: datetime) -> None:
    """Keep a live worker's claims from looking abandoned while it is still sending them."""
    if message_ids:
        await session.exec(update(OutboxMessage)
                           .where(col(OutboxMessage.id).in_(message_ids),
                                  OutboxMessage.status == OutboxStatus.SENDING)
                           .values(claimed_at=now))


async def settle(session: AsyncSession, message_id: int, **values: Any) -> None:
    """Record a claimed message's outcome (sent, queued again, or dead)."""
    await session.exec(update(OutboxMessage).where(col(OutboxMessage.id) == message_id)
                       .values(**values))


async def settle_many(session: AsyncSession, outcomes: list[tuple[int, dict[str, Any]]]) -> None:
    """Record many outcomes: one statement per shape of outcome, executed for all its rows."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for message_id, values in outcomes:
        shapes.setdefault(tuple(sorted(values)), []).append({"row_id": message_id, **values})
    for shape, rows in shapes.items():
        await session.exec(_settle_statement(shape), params=rows)  # type: ignore[call-overload]


@functools.cache
def _settle_statement(columns: tuple[str, ...]) -> Any:
    """An UPDATE of these columns for one row (a few shapes of outcome, each built once)."""
    return (update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))
            .values({name: bindparam(name) for name in columns}))


async def recover_stale(session: AsyncSession, before: datetime) -> int:
    """Claims older than the lease belong to a dead worker: queue them again.

    Such a message may already have reached the platform; that is the one window in which
    a duplicate is possible, and this count is how many were at risk.
    """
    result = await session.exec(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING,
               col(OutboxMessage.claimed_at) < before)
        .values(status=OutboxStatus.QUEUED, claimed_at=None, claimed_by=None))
    return result.rowcount


async def requeue_orphans(session: AsyncSession) -> int:
    """Claims whose worker is gone (dead, or stopped without giving them back): queue them
    again at once. As with `recover_stale`, each may already have reached the platform."""
    alive = exists().where(DeliveryWorker.id == OutboxMessage.claimed_by)
    result = await session.exec(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING,
               col(OutboxMessage.claimed_by).is_not(None), ~alive)
        .values(status=OutboxStatus.QUEUED, claimed_at=None, claimed_by=None))
    return result.rowcount
