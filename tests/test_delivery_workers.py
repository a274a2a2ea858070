"""Delivery workers and message parts: each part once, dead workers' claims re-queued at
once, claims capped to a few seconds of sending, 429s apart from failures, a clean stop."""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import dataclass, field

from sqlmodel import col, select

from bot.app import build_core
from bot.delivery import Delivery
from storage.db import Database
from storage.models import DeliveryWorker, OutboxMessage, OutboxStatus
from storage.repos import outbox
from tests.support import FakeClock, RecordingSender
from tests.test_delivery_outbox import TG, fast, members_with_accounts, queue
from vocabulary.channels import Rendered, RetryLater, Transient
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import Outbound


@dataclass
class Parts(RecordingSender):
    """A channel that sends each message as three parts, and fails where told."""

    count: int = 3
    failures: dict[tuple[str, int], list[Exception]] = field(default_factory=dict)
    parts_sent: list[tuple[str, int]] = field(default_factory=list)

    def parts(self, message: Rendered) -> int:
        return self.count

    async def send_part(self, chat_id: str, message: Rendered, index: int) -> str | None:
        if pending := self.failures.get((chat_id, index)):
            raise pending.pop(0)
        self.parts_sent.append((chat_id, index))
        return f"{chat_id}/{index}"


class Held(RecordingSender):
    """A platform that takes each message only once `release` is set."""

    def __init__(self) -> None:
        super().__init__(TG)
        self.release, self.called = asyncio.Event(), asyncio.Event()

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        self.called.set()
        await self.release.wait()
        return await super().send(chat_id, message)


async def rows(db: Database) -> list[OutboxMessage]:
    async with db.session() as session:
        return list((await session.exec(select(OutboxMessage).order_by(
            col(OutboxMessage.id)))).all())


async def workers(db: Database) -> list[str]:
    async with db.session() as session:
        return [w.id for w in (await session.exec(select(DeliveryWorker))).all()]


async def queued_to(db: Database, clock: FakeClock, count: int) -> list[str]:
    """`count` members with a Telegram chat, one message queued to each; their chats."""
    people = await members_with_accounts(db, clock, count)
    await queue(db, clock, [Outbound(p.id or 0, [Msg("cancel.done")]) for p in people])
    return [f"c{p.id}" for p in people]


async def claimed_by_a_worker(db: Database, settings: Settings, clock: FakeClock,
                              **identity: object) -> Delivery:
    """A worker (host and pid as given) that registered and claimed everything due."""
    _core, dead = build_core(db, fast(settings), {"telegram": RecordingSender(TG)}, clock)
    for name, value in identity.items():
        setattr(dead.worker, name, value)
    await dead.recover()
    async with db.session() as session:
        await outbox.claim(session, clock(), 100, worker=dead.worker.id)
    return dead


def gone_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


async def test_each_part_is_sent_once_and_a_retry_resumes_at_the_first_unsent_one(
    db: Database, settings: Settings, clock: FakeClock
):
    [chat] = await queued_to(db, clock, 1)
    sender = Parts(TG, failures={(chat, 1): [RetryLater(1)], (chat, 2): [Transient("5xx")]})
    _core, delivery = build_core(db, fast(settings), {"telegram": sender}, clock)
    await delivery.drain()  # part 0 goes, part 1 is throttled
    assert [(r.status, r.parts_sent, r.throttles, r.attempts) for r in await rows(db)] == [
        (OutboxStatus.QUEUED, 1, 1, 0)]
    clock.advance(seconds=2)
    await delivery.drain()  # part 1 goes, part 2 fails
    assert [(r.status, r.parts_sent, r.attempts) for r in await rows(db)] == [
        (OutboxStatus.QUEUED, 2, 1)]
    clock.advance(seconds=settings.delivery_backoff_seconds + 1)
    await delivery.drain()
    assert sender.parts_sent == [(chat, 0), (chat, 1), (chat, 2)]
    assert [(r.status, r.parts_sent, r.message_ref) for r in await rows(db)] == [
        (OutboxStatus.SENT, 3, f"{chat}/2")]


async def test_a_throttled_message_waits_but_one_refused_without_end_is_dead_lettered(
    db: Database, settings: Settings, clock: FakeClock
):
    """More 429s than delivery_max_attempts do not dead-letter a message (a broadcast is
    throttled as a whole); delivery_max_throttles of them do, and so do repeated failures."""
    throttled, failing = await queued_to(db, clock, 2)
    limits = fast(settings).model_copy(update={"delivery_max_attempts": 3,
                                               "delivery_max_throttles": 10})
    sender = Parts(TG, count=1, failures={(throttled, 0): [RetryLater(0.01) for _ in range(10)],
                                          (failing, 0): [Transient("5xx") for _ in range(3)]})
    _core, delivery = build_core(db, limits, {"telegram": sender}, clock)
    for _ in range(5):
        await delivery.drain()
        clock.advance(seconds=limits.delivery_backoff_cap_seconds)
    assert [(r.status, r.throttles) for r in await rows(db)] == [
        (OutboxStatus.QUEUED, 5), (OutboxStatus.DEAD, 0)]
    for _ in range(5):
        await delivery.drain()
        clock.advance(seconds=1)
    assert [(r.status, r.throttles, r.last_error) for r in await rows(db)] == [
        (OutboxStatus.DEAD, 10, "throttled"), (OutboxStatus.DEAD, 0, "Transient")]
    assert sender.parts_sent == []


async def test_a_dead_workers_claims_are_sent_at_once_by_the_next_worker(
    db: Database, settings: Settings, clock: FakeClock
):
    """A worker killed on this host: its successor re-queues its claims without waiting
    for the lease or the heartbeat to run out (the clock does not move)."""
    chats = await queued_to(db, clock, 3)
    dead = await claimed_by_a_worker(db, settings, clock, pid=gone_pid())
    assert {r.claimed_by for r in await rows(db)} == {dead.worker.id}
    sender = RecordingSender(TG)
    _core, successor = build_core(db, fast(settings), {"telegram": sender}, clock)
    assert await successor.drain() == 3
    assert sorted(chat for chat, _ in sender.sent) == sorted(chats)
    assert await workers(db) == [successor.worker.id]


async def test_a_silent_workers_claims_are_re_queued_once_its_heartbeat_is_old(
    db: Database, settings: Settings, clock: FakeClock
):
    """A worker on another host cannot be looked up: it is dead when its heartbeat is
    older than delivery_worker_dead_seconds, not before."""
    await queued_to(db, clock, 2)
    await claimed_by_a_worker(db, settings, clock, host="elsewhere")
    sender = RecordingSender(TG)
    _core, survivor = build_core(db, fast(settings), {"telegram": sender}, clock)
    assert await survivor.drain() == 0  # a live worker's claims are left to it
    clock.advance(seconds=settings.delivery_worker_dead_seconds + 1)
    await survivor.recover()
    assert await survivor.drain() == 2
    assert [r.status for r in await rows(db)] == [OutboxStatus.SENT] * 2


async def test_a_worker_claims_two_seconds_of_sending_at_its_rate(
    db: Database, settings: Settings, clock: FakeClock
):
    """At 25/s a worker holds 50 messages; the rest stay queued for other workers."""
    await queued_to(db, clock, 120)
    paced = settings.model_copy(update={"delivery_rates": {"telegram": 25.0},
                                        "delivery_chat_gap_seconds": {}})
    sender = Held()
    _core, delivery = build_core(db, paced, {"telegram": sender}, clock)
    draining = asyncio.create_task(delivery.drain())
    await asyncio.wait_for(sender.called.wait(), 5)
    statuses = [r.status for r in await rows(db)]
    delivery.stopping.set()
    sender.release.set()
    await draining
    assert statuses.count(OutboxStatus.SENDING) == 25 * paced.delivery_claim_seconds
    assert statuses.count(OutboxStatus.QUEUED) == 120 - 50


async def test_a_channel_without_a_rate_holds_its_in_flight_window(
    db: Database, settings: Settings, clock: FakeClock
):
    await queued_to(db, clock, 40)
    window = fast(settings).model_copy(update={"delivery_in_flight": 16})
    sender = Held()
    _core, delivery = build_core(db, window, {"telegram": sender}, clock)
    draining = asyncio.create_task(delivery.drain())
    await asyncio.wait_for(sender.called.wait(), 5)
    statuses = [r.status for r in await rows(db)]
    delivery.stopping.set()
    sender.release.set()
    await draining
    assert statuses.count(OutboxStatus.SENDING) == 16


async def test_a_graceful_stop_gives_claims_back_and_removes_the_heartbeat(
    db: Database, settings: Settings, clock: FakeClock
):
    await queued_to(db, clock, 30)
    paced = settings.model_copy(update={"delivery_rates": {"telegram": 25.0},
                                        "delivery_chat_gap_seconds": {}})
    sender = Held()
    _core, delivery = build_core(db, paced, {"telegram": sender}, clock)
    stop = asyncio.Event()
    running = asyncio.create_task(delivery.run(stop))
    await asyncio.wait_for(sender.called.wait(), 5)
    assert await workers(db) == [delivery.worker.id]
    stop.set()
    sender.release.set()  # the one on the wire is accepted; the others were never sent
    await asyncio.wait_for(running, 5)
    statuses = [r.status for r in await rows(db)]
    assert statuses.count(OutboxStatus.SENT) == len(sender.sent)
    assert statuses.count(OutboxStatus.QUEUED) == 30 - len(sender.sent)
    assert await workers(db) == []
    [unchanged] = {(r.attempts, r.claimed_at) for r in await rows(db)
                   if r.status == OutboxStatus.QUEUED}
    assert unchanged == (0, None)


async def test_workers_sending_on_one_channel_share_its_rate(
    db: Database, settings: Settings, clock: FakeClock
):
    """Telegram counts the bot's messages, not a process's: two webhook processes at 25/s
    each would send 50/s. Each takes its part while the other lives, and all of it after."""
    paced = settings.model_copy(update={"delivery_rates": {"telegram": 25.0},
                                        "delivery_chat_gap_seconds": {}})
    _core, one = build_core(db, paced, {"telegram": RecordingSender(TG)}, clock)
    _core, two = build_core(db, paced, {"telegram": RecordingSender(TG)}, clock)
    _core, terminal = build_core(db, paced, {"terminal": RecordingSender(TG)}, clock)
    for worker in (one, two, terminal):
        await worker.recover()
    await one.recover()  # now it has seen the others
    assert one.pacers["telegram"].rate == 12.5  # the terminal's worker sends elsewhere
    assert one.window == 25  # two seconds of sending at its part of the rate
    await two.retire()
    await one.recover()
    assert one.pacers["telegram"].rate == 25.0
    assert one.window == 50
