"""A running Chibot: the inbox worker, the delivery loop and the periodic jobs, until stopped."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from functools import partial

from bot.app import build_core
from bot.broadcasts import ProgressUpdater
from bot.inbox import Inbox
from bot.scheduler import PeriodicJobs
from bot.timer_kinds import timer_runner
from conversations.desk import rates
from storage.db import Database
from vocabulary.channels import Sender
from vocabulary.inbox import UpdateSource
from vocabulary.settings import Settings


class Service:
    """Everything a channel process runs besides receiving updates."""

    def __init__(self, db: Database, settings: Settings, senders: dict[str, Sender],
                 sources: list[UpdateSource], clock: Callable[[], datetime]) -> None:
        self.db, self.settings = db, settings
        self.core, self.delivery = build_core(db, settings, senders, clock)
        self.inbox = Inbox(db, self.core, clock)
        for source in sources:
            self.inbox.add_source(source)
        timers = timer_runner(db, settings, clock)
        self.jobs = PeriodicJobs(db, settings, timers)
        self.jobs.every(settings.broadcast_progress_seconds,
                        ProgressUpdater(db, self.delivery, clock).run, "broadcast-progress")
        # Seconds of counting on a province: a job's, not an officer's request's.
        self.jobs.every(settings.desk_summary_max_age_minutes * 60,
                        partial(rates.recount, db, settings, clock), "desk-summaries")
        self.stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.jobs.start()
        self._tasks = [asyncio.create_task(self.inbox.run(self.stop)),
                       asyncio.create_task(self.delivery.run(self.stop))]

    async def close(self) -> None:
        self.stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.jobs.stop()
