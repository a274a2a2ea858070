"""The monthly round: every chi bo's next items, queued for all its members in a few
set-based statements (500,000 members in one transaction)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    and_,
    bindparam,
    cast,
    exists,
    insert,
    literal,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.officers import BRANCH_LEADERS
from conversations.topics import audience, calendar, notice
from conversations.topics.rotation import Pick, State, next_picks
from storage.models import (
    ChatAccount,
    Member,
    Officer,
    Organisation,
    OrgKind,
    OutboxMessage,
    OutboxStatus,
    TopicItem,
    TopicMessage,
    TopicRotation,
    TopicRound,
)
from storage.repos import outbox, timers, topic_batch
from storage.repos import topics as repo
from storage.topics.load import ensure_default
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import Outbound

log = logging.getLogger(__name__)
TIMER = "topics-round"
BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.BASE_BRANCH)
SQLITE_DEFAULT_CACHE = -2000  # SQLite's own default, 2 MB


@dataclass
class RoundReport:
    month: str
    branches: int = 0
    recipients: int = 0
    short: list[int] = field(default_factory=list)  # chi bo with too few items to send


def state_of(row: TopicRotation | None) -> State:
    return State(row.cycle, frozenset(row.sent)) if row else State()


async def send_month(session: AsyncSession, settings: Settings, month: str,
                     now: datetime) -> RoundReport:
    """Queue the month's topics for every chi bo not yet sent them; once per chi bo and month."""
    started = time.perf_counter()
    default = await ensure_default(session, now)
    catalogues = await repo.catalogues(session, default.id or 0)
    branches = (await session.exec(select(Organisation.id)  # type: ignore[call-overload]
                                   .where(col(Organisation.kind).in_(BRANCH_KINDS)))).scalars().all()
    existing = await repo.rounds_in(session, month)
    states = await repo.rotations(session)
    sendable = await repo.sendable(session, {catalogues.of(b) for b in branches})
    report = RoundReport(month)
    picked: dict[int, list[Pick]] = {}  # rounds an officer planned, written one by one
    grouped: dict[tuple[int, State], list[int]] = {}  # the others, by catalogue and place
    for branch_id in branches:
        planned = existing.get(branch_id)
        if planned is not None and planned.sent_at is not None:
            continue
        catalogue = catalogues.of(branch_id)
        available = sendable.get(catalogue, [])
        if len(available) < settings.topics_per_month_min:
            report.short.append(branch_id)
        if planned is not None:
            allowed = {item_id for item_id, _code in available}
            picked[branch_id] = [p for p in map(Pick.from_json, planned.items)
                                 if p.item_id in allowed]
        else:
            grouped.setdefault((catalogue, state_of(states.get(branch_id))), []).append(
                branch_id)
    group_picks = {key: next_picks(sendable.get(key[0], []), key[1], settings.topics_per_month)
                   for key in grouped}
    texts = await repo.items(session, {p.item_id for ps in (*picked.values(),
                                                            *group_picks.values()) for p in ps})
    messages = _Messages(session, month, texts, now)
    await _write_planned(session, existing, picked, messages, now)
    groups, members = [], []
    for number, (key, branch_ids) in enumerate(grouped.items()):
        picks = group_picks[key]
        if not picks:
            continue
        after = key[1].after(picks)
        groups.append(topic_batch.Group(number, key[0], [p.to_json() for p in picks],
                                        await messages.id_for(picks, None), after.cycle,
                                        sorted(after.sent)))
        members += [(branch_id, number) for branch_id in branch_ids]
    await topic_batch.write(session, month, now, groups, members)
    report.branches = len([p for p in picked.values() if p]) + len(members)
    computed = time.perf_counter()
    report.recipients = await _enqueue(session, settings, month, now)
    queued = time.perf_counter()
    await _advance(session, states, {b: p for b, p in picked.items() if p}, now)
    await _tell_short(session, settings, report, now)
    log.info("monthly topics %s: %d chi bo, %d messages queued, %d short of items "
             "(computed and rounds written in %.1f s, queued in %.1f s, the rest in %.1f s)",
             month, report.branches, report.recipients, len(report.short),
             computed - started, queued - computed, time.perf_counter() - queued)
    return report


class _Messages:
    """One message per distinct set of items (and voice note): 50,000 chi bo share a few."""

    def __init__(self, session: AsyncSession, month: str, texts: dict[int, TopicItem],
                 now: datetime) -> None:
        self.session, self.month, self.texts, self.now = session, month, texts, now
        self._ids: dict[str, int] = {}

    async def id_for(self, picks: list[Pick], voice: dict[str, Any] | None) -> int:
        key = json.dumps([[p.item_id for p in picks], voice], sort_keys=True)
        if key not in self._ids:
            items = [self.texts[p.item_id] for p in picks]
            message = Outbound(0, notice.body(self.month, items, voice is not None),
                               [notice.read_choice(self.month)],
                               attachment=notice.voice_file(voice))
            self._ids[key] = await _insert_message(
                self.session, {**message.payload(), "reply": False}, self.now)
        return self._ids[key]


async def _insert_message(session: AsyncSession, payload: dict[str, Any], now: datetime) -> int:
    """Stored as UTF-8 text, not ASCII escapes: each member's copy is half the size."""
    stored: Any = type_coerce(json.dumps(payload, ensure_ascii=False), String)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        stored = cast(stored, JSON)  # SQLite has no such type: a cast there would make it a number
    table = TopicMessage.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(payload=stored, created_at=now).returning(table.c.id)
    return int((await session.exec(statement)).scalar_one())  # type: ignore[call-overload]


async def _write_planned(session: AsyncSession, existing: dict[int, TopicRound],
                         picked: dict[int, list[Pick]], messages: _Messages,
                         now: datetime) -> None:
    """Rounds an officer changed before the send date: sent as he/she left them."""
    updates = [{"round_id": existing[branch_id].id, "items": [p.to_json() for p in picks],
                "sent_at": now,
                "message_id": await messages.id_for(picks, existing[branch_id].voice)}
               for branch_id, picks in picked.items() if picks]
    if updates:
        table = TopicRound.__table__  # type: ignore[attr-defined]
        await session.exec(update(table).where(table.c.id == bindparam("round_id"))  # type: ignore[call-overload]
                           .values(items=bindparam("items"), sent_at=bindparam("sent_at"),
                                   message_id=bindparam("message_id")), params=updates)


async def _enqueue(session: AsyncSession, settings: Settings, month: str,
                   now: datetime) -> int:
    """One INSERT ... SELECT: a bulk message per member of every chi bo being sent."""
    people = audience.members(now.astimezone(settings.tz).date()).subquery()
    rounds = TopicRound.__table__  # type: ignore[attr-defined]
    round_id, member_id = cast(rounds.c.id, String), cast(people.c.member_id, String)
    # Each row names the round's stored message rather than copying its text (1.3 kB).
    before, after = outbox.shared_payload_around()
    payload: Any = type_coerce(literal(before) + cast(rounds.c.message_id, String)
                               + literal(after), String)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        payload = cast(payload, JSON)
    linked = exists().where(ChatAccount.member_id == people.c.member_id)
    chosen = (select(
        literal("topics:") + round_id + literal(":") + member_id,
        literal("m:") + member_id, people.c.member_id, literal(""), payload,
        literal(outbox.BULK), literal(str(OutboxStatus.QUEUED)), literal(0), literal(now),
        literal(now), literal("topics:") + round_id, literal(0), literal(0))
        .select_from(people.join(rounds, rounds.c.branch_id == people.c.branch_id))
        .where(and_(rounds.c.month == month, rounds.c.sent_at == now, linked)))
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    columns = ["dedupe_key", "recipient", "member_id", "bot", "payload", "priority", "status",
               "attempts", "next_attempt_at", "created_at", "subject", "parts_sent",
               "throttles"]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).from_select(columns, chosen).on_conflict_do_nothing(
        index_elements=["dedupe_key"])
    if dialect == "sqlite":  # the outbox's indexes grow by 500,000 keys: keep them in memory
        await session.exec(text(f"PRAGMA cache_size=-{settings.topics_sqlite_cache_mb * 1024}"))
    try:
        return int((await session.exec(statement)).rowcount)  # type: ignore[call-overload]
    finally:
        if dialect == "sqlite":
            await session.exec(text(f"PRAGMA cache_size={SQLITE_DEFAULT_CACHE}"))


async def _advance(session: AsyncSession, states: dict[int, TopicRotation],
                   picked: dict[int, list[Pick]], now: datetime) -> None:
    """Each chi bo's rotation moves past what it was just sent."""
    rows = []
    for branch_id, picks in picked.items():
        after = state_of(states.get(branch_id)).after(picks)
        rows.append({"branch_id": branch_id, "cycle": after.cycle, "sent": sorted(after.sent),
                     "updated_at": now})
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(
        TopicRotation.__table__)  # type: ignore[attr-defined]
    statement = insert.on_conflict_do_update(
        index_elements=["branch_id"],
        set_={"cycle": insert.excluded.cycle, "sent": insert.excluded.sent,
              "updated_at": insert.excluded.updated_at})
    await session.exec(statement, params=rows)  # type: ignore[call-overload]


async def _tell_short(session: AsyncSession, settings: Settings, report: RoundReport,
                      now: datetime) -> None:
    """Too few items have their official text: the chi bo's leaders and the administrators."""
    if not report.short:
        return
    minimum, month = settings.topics_per_month_min, notice.month_label(report.month)
    short = set(report.short)
    # One read of every branch leader, not one per chi bo: a province's unverified list can
    # leave thousands short, more than an IN (...) may hold on SQLite.
    held = (await session.exec(select(Officer.org_id, Officer.member_id)  # type: ignore[call-overload]
                               .where(col(Officer.role).in_(BRANCH_LEADERS),
                                      col(Officer.ended_at).is_(None)))).all()
    leaders = sorted({member_id for org_id, member_id in held if org_id in short})
    messages = [Outbound(leader_id, [Msg("topics.short.branch", month=month, minimum=minimum)],
                         dedupe_key=f"topics-short:{report.month}:{leader_id}")
                for leader_id in leaders]
    if settings.topics_administrators:
        admins = (await session.exec(select(Member.id).where(  # type: ignore[call-overload]
            col(Member.roster_id).in_(settings.topics_administrators)))).all()
        for (admin_id,) in admins:
            messages.append(Outbound(admin_id, [Msg("topics.short.admin", month=month,
                                                    count=len(report.short), minimum=minimum)],
                                     dedupe_key=f"topics-short-admin:{report.month}:{admin_id}"))
    log.warning("monthly topics %s: %d chi bo have fewer than %d items with official text",
                report.month, len(report.short), minimum)
    await outbox.enqueue(session, messages, now)


async def schedule_next(session: AsyncSession, settings: Settings, now: datetime) -> None:
    """The timer of the next month whose topics have not gone out."""
    month = calendar.upcoming(settings, now)
    await timers.schedule(session, TIMER, f"{TIMER}:{month}", calendar.send_at(settings, month),
                          now, month=month)
