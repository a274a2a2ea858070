"""Sends the outbox: claims due rows, renders them for their reader, sends at each channel's pace.

Exactly once holds except between the platform accepting a message and its row being
marked sent (no messenger offers an idempotency key): outcomes are written every
`delivery_settle_seconds`, and claims left by a dead worker (or whose outcome could not be
written, the database being down) are re-queued after the lease (`recover`), which is the
only way a duplicate can happen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels import Deferred, Rendered, RetryLater, Sender, Transient, Unreachable
from bot.core import where
from bot.delivery_targets import Target, resolve_targets
from bot.i18n import Msg, Renderer
from bot.pacing import Pacer
from bot.quiet_hours import is_quiet
from bot.settings import Settings
from bot.stoppable import unless_stopped
from bot.unreachable import note_unreachable
from conversations.types import FileRef, typed_codes
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from storage.repos import conversations, outbox

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
                await outbox.settle_many(session, [(o.row_id, o.values) for o in batch])
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
    """Sends under way: at most `limit` at once; their outcomes go to the settler."""

    def __init__(self, settler: Settler, limit: int) -> None:
        self.settler = settler
        self.gate = asyncio.Semaphore(limit)
        self.tasks: set[asyncio.Task[None]] = set()
        self.unsettled: set[int] = set()  # claimed rows whose outcome is not written yet
        self.sent = 0
        # One write at a time: whoever settles next waits for a write already under way, so
        # a claim after `land` never sees a finished send still marked 'sending'.
        self._writing = asyncio.Lock()

    def claimed(self, row_ids: Iterable[int]) -> None:
        """Rows now ours: kept alive (lease refreshed) until their outcome is written."""
        self.unsettled.update(row_ids)

    async def take_off(self, send: Coroutine[Any, Any, Outcome]) -> None:
        """Start `send` once a place is free."""
        await self.gate.acquire()
        task = asyncio.create_task(self._fly(send))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _fly(self, send: Coroutine[Any, Any, Outcome]) -> None:
        try:
            outcome = await send
        finally:
            self.gate.release()
        self.sent += outcome.sent
        self.settler.pending.append(outcome)

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
        self.unsettled.difference_update(o.row_id for o in self.settler.done)
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
        self.wakeup = asyncio.Event()
        self.stopping = asyncio.Event()
        self.counts: Counter[str] = Counter()

    async def drain(self) -> int:
        """Send everything that is due now; returns how many were sent.

        The next batch is claimed as soon as the last message of the current one is in
        flight, so the sender never idles at the tail of a batch.
        """
        flights = Flights(Settler(self.db, self.clock), self.settings.delivery_in_flight)
        landed = asyncio.Event()
        keeper = asyncio.create_task(self._keep_settling(flights, landed))
        try:
            while not self.stopping.is_set():
                claimed = await self._claim()
                if not claimed:
                    # Sends not yet written may hold back a person's next message.
                    if not flights.unsettled or not await flights.land():
                        break
                    continue
                flights.claimed(item.row.id or 0 for item in claimed)
                for item in claimed:
                    await flights.take_off(self._send_one(item))
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
        """Write outcomes every `delivery_settle_seconds` until `landed`; keep claims alive."""
        loop = asyncio.get_running_loop()
        refresh_at = loop.time() + self.settings.delivery_lease_seconds / 4
        while not landed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(landed.wait(), self.settings.delivery_settle_seconds)
            await flights.settle()
            if loop.time() >= refresh_at:
                await self._refresh(sorted(flights.unsettled))
                refresh_at = loop.time() + self.settings.delivery_lease_seconds / 4

    async def run(self, stop: asyncio.Event, idle_seconds: float = 0.5) -> None:
        """Send until `stop`; claims not yet handed to the platform are given back."""
        watcher = asyncio.create_task(self._stop_when(stop))
        loop = asyncio.get_running_loop()
        next_recovery = 0.0
        try:
            while not self.stopping.is_set():
                try:
                    if loop.time() >= next_recovery:  # a worker that died leaves claims
                        await self.recover()
                        next_recovery = loop.time() + self.settings.delivery_lease_seconds / 2
                    if await self.drain():
                        continue
                except Exception as exc:  # the database may be briefly unavailable
                    log.error("delivery pass failed: %s", where(exc))
                self.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(unless_stopped(self.stopping, self.wakeup.wait()),
                                           idle_seconds)
        finally:
            watcher.cancel()

    async def _refresh(self, message_ids: list[int]) -> None:
        try:
            async with self.db.session() as session:
                await outbox.refresh_claims(session, message_ids, self.clock())
        except Exception as exc:  # a missed refresh only risks a re-send after the lease
            log.warning("could not refresh claims: %s", where(exc))

    async def recover(self) -> int:
        """Re-queue claims older than the lease (their worker died)."""
        before = self.clock() - timedelta(seconds=self.settings.delivery_lease_seconds)
        async with self.db.session() as session:
            count = await outbox.recover_stale(session, before)
        if count:
            log.warning("re-queued %d messages claimed by a worker that stopped", count)
        self.counts["recovered"] += count
        return count

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

    async def _claim(self) -> list[Claimed]:
        now = self.clock()
        async with self.db.session() as session:
            rows = await outbox.claim(session, now, self.settings.delivery_batch,
                                      bulk_allowed=not is_quiet(self.settings, now),
                                      channels=tuple(self.senders))
            targets = await resolve_targets(session, rows, self.settings)
            originals = await _originals(session, rows)
            claimed = []
            for row in rows:
                target = targets.get(row.id or 0)
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
                    await outbox.settle(session, row.id or 0, **_back(row, row.next_attempt_at))
                    continue
                if original is None:
                    await _remember_options(session, row.payload, target, now)
                rendered = replace(self._render(row.payload, target),
                                   bulk=row.priority == outbox.BULK)
                claimed.append(Claimed(row, target, rendered,
                                       original.message_ref if original else None))
        return claimed

    async def _send_one(self, item: Claimed) -> Outcome:
        row, target = item.row, item.target
        row_id = row.id or 0
        pacer = self.pacers[target.channel]
        if self.stopping.is_set():
            return Outcome(row_id, _back(row, self.clock()))
        if pacer.must_wait(target.chat_id):  # most sends at a high rate need no waiting
            if not await unless_stopped(self.stopping, pacer.wait(target.chat_id)):
                return Outcome(row_id, _back(row, self.clock()))
        else:
            await pacer.wait(target.chat_id)
        try:
            ref = await self._deliver(item)
        except Deferred as exc:
            self.counts["deferred"] += 1
            return Outcome(row_id, _deferred(row, target, exc, self.clock()))
        except RetryLater as exc:
            pacer.pause(exc.seconds)
            self.counts["throttled"] += 1
            return Outcome(row_id, _back(row, self.clock() + timedelta(seconds=exc.seconds)))
        except Unreachable:
            self.counts["unreachable"] += 1
            if target.account_id is None:
                return Outcome(row_id, {"status": OutboxStatus.DEAD, "last_error": "blocked"})
            return Outcome(row_id, _back(row, self.clock()), unreachable=target)
        except (Transient, Exception) as exc:
            return self._failed(row, exc)
        self.counts["sent"] += 1
        return Outcome(row_id, {"status": OutboxStatus.SENT, "sent_at": self.clock(),
                                "sent_channel": target.channel, "sent_chat_id": target.chat_id,
                                "message_ref": ref, "last_error": None}, sent=True)

    async def _deliver(self, item: Claimed) -> str | None:
        sender, chat_id = self.senders[item.target.channel], item.target.chat_id
        if item.edit_ref is None:
            return await sender.send(chat_id, item.rendered)
        await sender.edit(chat_id, item.edit_ref, item.rendered)
        return item.edit_ref

    def _failed(self, row: OutboxMessage, exc: BaseException) -> Outcome:
        attempts = row.attempts  # the claim has counted this try already
        error = type(exc).__name__[:200]
        if attempts >= self.settings.delivery_max_attempts:
            self.counts["dead"] += 1
            return Outcome(row.id or 0, {"status": OutboxStatus.DEAD, "last_error": error})
        delay = min(self.settings.delivery_backoff_cap_seconds,
                    self.settings.delivery_backoff_seconds * 2 ** (attempts - 1))
        self.counts["retried"] += 1
        return Outcome(row.id or 0, {"status": OutboxStatus.QUEUED, "last_error": error,
                                     "claimed_at": None,
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


def _deferred(row: OutboxMessage, target: Target, exc: Deferred,
              now: datetime) -> dict[str, Any]:
    """Wait as the channel says; a member is first tried once on another of his/her channels."""
    if exc.elsewhere and row.member_id is not None and not row.payload.get("avoid"):
        return {**_back(row, now), "payload": {**row.payload, "avoid": target.channel}}
    return _back(row, now + timedelta(seconds=exc.seconds))


def _back(row: OutboxMessage, at: datetime) -> dict[str, Any]:
    """Queue again without counting an attempt: the message was not at fault."""
    return {"status": OutboxStatus.QUEUED, "claimed_at": None, "next_attempt_at": at,
            "attempts": row.attempts - 1}


def _pacer(settings: Settings, channel: str) -> Pacer:
    return Pacer(settings.delivery_rates.get(channel, 0.0),
                 settings.delivery_chat_gap_seconds.get(channel, 0.0))
