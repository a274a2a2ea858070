"""Sends the outbox: claims due rows, renders them for their reader, sends at each channel's pace.

A message may be several parts (an attachment, pieces of a long text); each part is paced
like a message of its own and recorded as sent (`parts_sent`), so a retry resumes at the
first unsent part. Each worker keeps a heartbeat row and its claims name it: when it dies,
the others (or its successor) re-queue its claims at once, and it claims no more than
`delivery_claim_seconds` of sending at its channel's rate, so a death strands little.

Exactly once holds except between the platform accepting a part and its row recording
that (no messenger offers an idempotency key). That is the physical window: the messages
in flight when a worker dies, about rate x round trip (25/s x 80 ms = 2 messages, plus
what the `delivery_settle_seconds` between outcome writes adds), and a crash duplicates
about that many. Claims whose outcome could not be written (the database down) are
re-queued after the lease (`delivery_lease_seconds`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery_targets import Target, resolve_targets
from bot.delivery_workers import is_dead, new_worker, sending_on
from bot.pacing import Pacer
from bot.unreachable import note_unreachable
from storage.db import Database
from storage.models import DeliveryWorker, OutboxMessage, OutboxStatus
from storage.repos import conversations, delivery_workers, outbox
from vocabulary.channels import Deferred, Rendered, RetryLater, Sender, Transient, Unreachable
from vocabulary.errors import where
from vocabulary.messages import Msg, Renderer
from vocabulary.quiet_hours import is_quiet
from vocabulary.settings import Settings
from vocabulary.stoppable import unless_stopped
from vocabulary.types import FileRef, typed_codes

log = logging.getLogger(__name__)
SETTLE_RETRIES = (0.1, 0.5, 2.0, 5.0)


@dataclass
class Claimed:
    row: OutboxMessage
    target: Target
    rendered: Rendered
    edit_ref: str | None = None  # set when this row replaces the text of a sent message


@dataclass
class Outcome:
    row_id: int
    values: dict[str, Any]
    unreachable: Target | None = None
    sent: bool = False
    final: bool = True  # False: a part's progress; the row is still being sent


@dataclass
class Settler:
    """Writes outcomes in small groups, soon after they happen."""

    db: Database
    clock: Callable[[], datetime]
    pending: list[Outcome] = field(default_factory=list)
    done: list[Outcome] = field(default_factory=list)

    async def flush(self) -> bool:
        """Write what happened; on failure keep it for the next flush. True if all written."""
        batch, self.pending = self.pending, []
        if not batch:
            return True
        now = self.clock()
        try:
            async with self.db.session() as session:
                # A row's last outcome holds its whole state (a part's progress included).
                latest = {o.row_id: o.values for o in batch}
                await outbox.settle_many(session, list(latest.items()))
                for outcome in batch:
                    if outcome.unreachable is not None:
                        await note_unreachable(session, outcome.unreachable, now)
        except Exception as exc:
            log.error("could not record %d outcomes yet: %s", len(batch), where(exc))
            self.pending[:0] = batch
            return False
        self.done += batch
        return True


class Flights:
    """Sends under way (each waiting for its pace or on the wire); outcomes go to the settler."""

    def __init__(self, settler: Settler) -> None:
        self.settler = settler
        self.tasks: set[asyncio.Task[None]] = set()
        self.unsettled: set[int] = set()  # claimed rows whose outcome is not written yet
        self.sent = 0
        self.put_back = False  # a message was queued again (it may be due at once)
        self.freed = asyncio.Event()
        # One write at a time: whoever settles next waits for a write already under way, so
        # a claim after `land` never sees a finished send still marked 'sending'.
        self._writing = asyncio.Lock()

    def claimed(self, row_ids: Iterable[int]) -> None:
        """Rows now ours: kept alive (lease refreshed) until their outcome is written."""
        self.unsettled.update(row_ids)

    async def room(self, window: int) -> int:
        """Wait until at most half of `window` is held; how many more may be claimed."""
        while len(self.tasks) > window // 2:
            self.freed.clear()
            await self.freed.wait()
        return window - len(self.tasks)

    def take_off(self, send: Coroutine[Any, Any, Outcome]) -> None:
        task = asyncio.create_task(self._fly(send))
        self.tasks.add(task)
        task.add_done_callback(self._landed)

    def progress(self, outcome: Outcome) -> None:
        """A part of a message reached the platform: written with the next outcomes."""
        self.settler.pending.append(outcome)

    def _landed(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.freed.set()

    async def _fly(self, send: Coroutine[Any, Any, Outcome]) -> None:
        outcome = await send
        self.sent += outcome.sent
        self.put_back |= outcome.values.get("status") == OutboxStatus.QUEUED
        self.settler.pending.append(outcome)

    def take_put_back(self) -> bool:
        """Whether a message was queued again since last asked."""
        put_back, self.put_back = self.put_back, False
        return put_back

    async def finish(self) -> None:
        """Wait for the sends under way, whatever they end in."""
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def land(self) -> bool:
        """Wait for the sends under way and write their outcomes; True if all written."""
        await self.finish()
        return await self.settle()

    async def settle(self) -> bool:
        async with self._writing:
            written = await self.settler.flush()
        self.unsettled.difference_update(o.row_id for o in self.settler.done if o.final)
        self.settler.done.clear()
        return written

    async def settle_all(self) -> None:
        """Final writes, retried a little; rows left 'sending' are re-queued after the lease."""
        for pause in SETTLE_RETRIES:
            if await self.settle():
                return
            await asyncio.sleep(pause)


class Delivery:
    def __init__(self, db: Database, settings: Settings, senders: dict[str, Sender],
                 clock: Callable[[], datetime]) -> None:
        self.db, self.settings, self.senders, self.clock = db, settings, senders, clock
        self.pacers = {name: _pacer(settings, name) for name in senders}
        self.window = self._held()
        self.worker = new_worker(clock(), senders)
        self.wakeup = asyncio.Event()
        self.stopping = asyncio.Event()
        self.counts: Counter[str] = Counter()
        self._registered = False
        self._shared: dict[int, dict[str, Any]] = {}  # bodies many rows share, read once

    async def drain(self) -> int:
        """Send everything that is due now; returns how many were sent.

        At most `window` messages are held (claimed, not yet sent); more are claimed as soon
        as half of them are sent, so the sender never idles at the tail of a claim.
        """
        if not self._registered:
            await self.recover()  # the heartbeat row comes first: claims name it
        flights = Flights(Settler(self.db, self.clock))
        landed = asyncio.Event()
        keeper = asyncio.create_task(self._keep_settling(flights, landed))
        try:
            while not self.stopping.is_set():
                room = await flights.room(self.window)
                # Sends not yet written may hold back a person's next message, and one written
                # while this claim runs was still 'sending' to it: decide on what was held
                # before the claim, not after, or that next message waits for another drain.
                held = bool(flights.unsettled)
                limit = min(room, self.settings.delivery_batch)
                taken, claimed, behind = await self._claim(limit)
                if not taken:
                    if not held or not await flights.land():
                        break
                    continue
                flights.claimed(item.row.id or 0 for item in claimed)
                for item in claimed:
                    flights.take_off(self._send_one(item, flights.progress))
                if taken < limit:  # nothing more was due: claim again once these are written
                    written = await flights.land()
                    # only if a message may be due now: a person's next one behind these, or
                    # one put back (to try another account); others queued meanwhile wake us.
                    if not written or not (behind or flights.take_put_back()):
                        break
            await flights.land()
        finally:
            # Even when a claim failed: sends under way finish and their outcomes are written,
            # or a message the platform accepted would be sent again after the lease.
            await flights.finish()
            landed.set()
            await keeper  # never cancelled mid-write: written outcomes must not be dropped
            await flights.settle_all()
        return flights.sent

    async def _keep_settling(self, flights: Flights, landed: asyncio.Event) -> None:
        """Write outcomes every `delivery_settle_seconds` until `landed`; keep claims alive,
        the heartbeat going and dead workers' claims re-queued."""
        loop = asyncio.get_running_loop()
        refresh_at = loop.time() + self.settings.delivery_lease_seconds / 4
        beat_at = loop.time() + self.settings.delivery_heartbeat_seconds
        while not landed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(landed.wait(), self.settings.delivery_settle_seconds)
            await flights.settle()
            if loop.time() >= refresh_at:
                await self._refresh(sorted(flights.unsettled))
                refresh_at = loop.time() + self.settings.delivery_lease_seconds / 4
            if loop.time() >= beat_at:
                await self._recover_safely()
                beat_at = loop.time() + self.settings.delivery_heartbeat_seconds

    async def run(self, stop: asyncio.Event, idle_seconds: float = 0.5) -> None:
        """Send until `stop`; then claims not yet handed to the platform are given back and
        this worker's heartbeat row removed."""
        watcher = asyncio.create_task(self._stop_when(stop))
        loop = asyncio.get_running_loop()
        next_beat = 0.0
        try:
            while not self.stopping.is_set():
                try:
                    if loop.time() >= next_beat:  # heartbeat; a worker that died leaves claims
                        await self.recover()
                        next_beat = loop.time() + self.settings.delivery_heartbeat_seconds
                    self.wakeup.clear()  # before the pass: a message queued during it wakes us
                    if await self.drain():
                        continue
                except Exception as exc:  # the database may be briefly unavailable
                    log.error("delivery pass failed: %s", where(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(unless_stopped(self.stopping, self.wakeup.wait()),
                                           idle_seconds)
        finally:
            watcher.cancel()
            await self.retire()

    async def retire(self) -> None:
        """Leave: remove the heartbeat row; claims still ours (their outcome unwritten) are
        re-queued at once rather than after the lease."""
        try:
            async with self.db.session() as session:
                await delivery_workers.remove(session, [self.worker.id])
                await outbox.requeue_orphans(session)
        except Exception as exc:  # the others re-queue them once our heartbeat is old
            log.warning("could not retire delivery worker: %s", where(exc))
        self._registered = False

    async def _refresh(self, message_ids: list[int]) -> None:
        try:
            async with self.db.session() as session:
                await outbox.refresh_claims(session, message_ids, self.clock())
        except Exception as exc:  # a missed refresh only risks a re-send after the lease
            log.warning("could not refresh claims: %s", where(exc))

    async def recover(self) -> int:
        """Refresh this worker's heartbeat; re-queue the claims of dead workers (at once)
        and claims older than the lease (their outcome could not be written)."""
        now = self.clock()
        silence = timedelta(seconds=self.settings.delivery_worker_dead_seconds)
        async with self.db.session() as session:
            known = await delivery_workers.beat(session, self.worker, now)
            others = await delivery_workers.others(session, self.worker.id)
            dead = [w.id for w in others if is_dead(w, self.worker, now, silence)]
            await delivery_workers.remove(session, dead)
            self._share([w for w in others if w.id not in dead])
            count = await outbox.requeue_orphans(session)
            lease = timedelta(seconds=self.settings.delivery_lease_seconds)
            count += await outbox.recover_stale(session, now - lease)
        if self._registered and not known:
            log.warning("this delivery worker was taken for dead; its claims were re-queued")
        self._registered = True
        if count:
            log.warning("re-queued %d messages claimed by a worker that stopped", count)
        self.counts["recovered"] += count
        return count

    def _share(self, live: list[DeliveryWorker]) -> None:
        """Each channel's rate is shared with the live workers sending on it (the platform
        counts the bot's messages, not a process's)."""
        for channel, pacer in self.pacers.items():
            pacer.share(1 + sending_on(channel, live))
        self.window = self._held()

    def _held(self) -> int:
        return sum(_held(self.settings, pacer.rate) for pacer in self.pacers.values()) or 1

    async def _recover_safely(self) -> None:
        try:
            await self.recover()
        except Exception as exc:  # a missed heartbeat is caught up with at the next
            log.warning("could not refresh the delivery heartbeat: %s", where(exc))

    async def edit(self, row: OutboxMessage, body: list[Msg], language: str) -> None:
        """Replace the text of a message already sent (a progress line)."""
        sender = self.senders.get(row.sent_channel or "")
        if sender is None or row.message_ref is None or row.sent_chat_id is None:
            return
        render = Renderer(language, self.settings.tz)
        try:
            await sender.edit(row.sent_chat_id, row.message_ref,
                              Rendered("\n".join(render(m) for m in body), language=language))
        except (RetryLater, Transient, Unreachable) as exc:
            log.info("progress edit skipped: %s", type(exc).__name__)

    async def _stop_when(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.stopping.set()

    async def _claim(self, limit: int) -> tuple[int, list[Claimed], bool]:
        """How many rows were taken, those to send (the others are settled here), and whether
        a message waits behind them."""
        now = self.clock()
        async with self.db.session() as session:
            taken = await outbox.claim(session, now, limit,
                                       bulk_allowed=not is_quiet(self.settings, now),
                                       channels=tuple(self.senders), worker=self.worker.id)
            rows = taken.rows
            targets = await resolve_targets(session, rows, self.settings)
            originals = await _originals(session, rows)
            payloads = await outbox.full_payloads(session, rows, self._shared)
            claimed = []
            for row in rows:
                target, payload = targets.get(row.id or 0), payloads[row.id or 0]
                if payload is None:
                    await outbox.settle(session, row.id or 0, status=OutboxStatus.DEAD,
                                        last_error="shared body missing")
                    self.counts["dead"] += 1
                    continue
                original = originals.get(row.id or 0)
                if row.payload.get("edit_of"):
                    if original is None or target is None:  # nothing was sent to edit
                        await outbox.settle(session, row.id or 0, status=OutboxStatus.DEAD,
                                            last_error="nothing to edit")
                        continue
                    target = replace(target, channel=original.sent_channel or "",
                                     chat_id=original.sent_chat_id or "")
                if target is None:
                    await outbox.settle(session, row.id or 0, status=OutboxStatus.DEAD,
                                        last_error="no reachable account")
                    self.counts["dead"] += 1
                    continue
                if target.channel not in self.senders:  # another channel's process sends it
                    await outbox.settle(session, row.id or 0,
                                        **_back(row, row.next_attempt_at, row.parts_sent))
                    continue
                if original is None:
                    await _remember_options(session, payload, target, now)
                rendered = replace(self._render(payload, target),
                                   bulk=row.priority == outbox.BULK)
                claimed.append(Claimed(row, target, rendered,
                                       original.message_ref if original else None))
        return len(rows), claimed, taken.behind

    async def _send_one(self, item: Claimed, progress: Callable[[Outcome], None]) -> Outcome:
        """Send the parts not yet sent, each at the chat's pace; the outcome says how far."""
        row, target = item.row, item.target
        row_id = row.id or 0
        pacer = self.pacers[target.channel]
        total = 1 if item.edit_ref else self.senders[target.channel].parts(item.rendered)
        done, ref = row.parts_sent, row.message_ref
        while done < total:
            if not await self._paced(pacer, target.chat_id):
                return Outcome(row_id, _back(row, self.clock(), done))
            try:
                ref = await self._deliver(item, done)
            except Deferred as exc:
                self.counts["deferred"] += 1
                return Outcome(row_id, _deferred(row, target, exc, self.clock(), done))
            except RetryLater as exc:
                pacer.pause(exc.seconds)
                return self._throttled(row, done, exc.seconds)
            except Unreachable:
                self.counts["unreachable"] += 1
                if target.account_id is None:
                    return Outcome(row_id, {"status": OutboxStatus.DEAD, "last_error": "blocked",
                                            "parts_sent": done})
                return Outcome(row_id, _back(row, self.clock(), done), unreachable=target)
            except (Transient, Exception) as exc:
                return self._failed(row, exc, done)
            done += 1
            if done < total:  # a retry after a crash resumes here, not at the first part
                progress(Outcome(row_id, {"parts_sent": done}, final=False))
        self.counts["sent"] += 1
        return Outcome(row_id, {"status": OutboxStatus.SENT, "sent_at": self.clock(),
                                "sent_channel": target.channel, "sent_chat_id": target.chat_id,
                                "message_ref": ref, "last_error": None, "parts_sent": done},
                       sent=True)

    async def _paced(self, pacer: Pacer, chat_id: str) -> bool:
        """Wait for the chat's and the channel's pace; False if stopping meanwhile."""
        if self.stopping.is_set():
            return False
        if pacer.must_wait(chat_id):  # most sends at a high rate need no waiting
            return await unless_stopped(self.stopping, pacer.wait(chat_id))
        await pacer.wait(chat_id)
        return True

    async def _deliver(self, item: Claimed, index: int) -> str | None:
        sender, chat_id = self.senders[item.target.channel], item.target.chat_id
        if item.edit_ref is None:
            return await sender.send_part(chat_id, item.rendered, index)
        await sender.edit(chat_id, item.edit_ref, item.rendered)
        return item.edit_ref

    def _throttled(self, row: OutboxMessage, done: int, seconds: float) -> Outcome:
        """A 429 is not the message's failure, but one refused this often is dead-lettered."""
        self.counts["throttled"] += 1
        throttles = row.throttles + 1
        if throttles >= self.settings.delivery_max_throttles:
            self.counts["dead"] += 1
            return Outcome(row.id or 0, {"status": OutboxStatus.DEAD, "last_error": "throttled",
                                         "parts_sent": done, "throttles": throttles})
        at = self.clock() + timedelta(seconds=seconds)
        return Outcome(row.id or 0, {**_back(row, at, done), "throttles": throttles})

    def _failed(self, row: OutboxMessage, exc: BaseException, done: int) -> Outcome:
        attempts = row.attempts  # the claim has counted this try already
        error = type(exc).__name__[:200]
        if attempts >= self.settings.delivery_max_attempts:
            self.counts["dead"] += 1
            return Outcome(row.id or 0, {"status": OutboxStatus.DEAD, "last_error": error,
                                         "parts_sent": done})
        delay = min(self.settings.delivery_backoff_cap_seconds,
                    self.settings.delivery_backoff_seconds * 2 ** (attempts - 1))
        self.counts["retried"] += 1
        return Outcome(row.id or 0, {"status": OutboxStatus.QUEUED, "last_error": error,
                                     "claimed_at": None, "parts_sent": done,
                                     "next_attempt_at": self.clock() + timedelta(seconds=delay)})

    def _render(self, payload: dict[str, Any], target: Target) -> Rendered:
        render = Renderer(target.language, self.settings.tz)
        choices, named = [], []
        options = payload["choices"]
        typed = not self.senders[target.channel].info.buttons
        for option, code in zip(options, typed_codes([c.get("ref") for c in options]),
                                strict=True):
            label = render(Msg.from_json(option["label"]))
            if code is not None and typed:
                named.append((option["id"], render(Msg("choice.named", code=code, label=label))))
            else:
                choices.append((option["id"], label))
        return Rendered(
            text="\n".join(render(Msg.from_json(m)) for m in payload["body"]),
            choices=choices,
            named=named,
            contact_button=render(Msg("register.contact_button"))
            if payload["request_contact"] else None,
            attachment=FileRef(**payload["attachment"]) if payload.get("attachment") else None,
            recipient_name=target.name,
            language=target.language,
            bot=target.bot,
        )


async def _originals(session: AsyncSession, rows: list[OutboxMessage]) -> dict[int, OutboxMessage]:
    """Edit row id -> the sent message it edits (absent when that one was never sent)."""
    wanted = {r.id or 0: r.payload["edit_of"] for r in rows if r.payload.get("edit_of")}
    if not wanted:
        return {}
    query = select(OutboxMessage).where(col(OutboxMessage.id).in_(set(wanted.values())),
                                        col(OutboxMessage.message_ref).is_not(None))
    sent = {o.id: o for o in (await session.exec(query)).all()}
    return {row_id: sent[o] for row_id, o in wanted.items() if o in sent}


async def _remember_options(
    session: AsyncSession, payload: dict[str, Any], target: Target, now: datetime,
) -> None:
    """What a typed answer will refer to once this message is read.

    A reply (a step's question or a menu) is the question asked last: its options are what
    a bare number picks. A message that arrives on its own (a notice) leaves that alone;
    its options are picked by their named codes only.
    """
    options = payload["choices"]
    if payload["reply"]:
        menu = [[c["id"], c["label"]] for c in options]
        await conversations.set_menu(session, target.channel, target.chat_id, menu, now)
    codes = typed_codes([c.get("ref") for c in options])
    named = {code: [c["id"], c["label"]] for c, code in zip(options, codes, strict=True) if code}
    if named:
        await conversations.add_named(session, target.channel, target.chat_id, named, now)


def _deferred(row: OutboxMessage, target: Target, exc: Deferred, now: datetime,
              done: int) -> dict[str, Any]:
    """Wait as the channel says; a member not yet sent any part is first tried once on
    another of his/her channels."""
    if exc.elsewhere and row.member_id is not None and not done and not row.payload.get("avoid"):
        return {**_back(row, now, done), "payload": {**row.payload, "avoid": target.channel}}
    return _back(row, now + timedelta(seconds=exc.seconds), done)


def _back(row: OutboxMessage, at: datetime, parts_sent: int) -> dict[str, Any]:
    """Queue again without counting an attempt: the message was not at fault."""
    return {"status": OutboxStatus.QUEUED, "claimed_at": None, "next_attempt_at": at,
            "attempts": row.attempts - 1, "parts_sent": parts_sent}


def _pacer(settings: Settings, channel: str) -> Pacer:
    return Pacer(settings.delivery_rates.get(channel, 0.0),
                 settings.delivery_chat_gap_seconds.get(channel, 0.0))


def _held(settings: Settings, rate: float) -> int:
    """How many messages a worker may hold for a channel: `delivery_claim_seconds` of
    sending at its part of the channel's rate, and never more than `delivery_in_flight`."""
    if rate <= 0:
        return settings.delivery_in_flight
    held = math.ceil(rate * settings.delivery_claim_seconds)
    return max(1, min(held, settings.delivery_in_flight))
