"""Every kind of timer Chibot sets, with the handler that fires it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import unreachable
from bot.settings import Settings
from bot.timers import TimerRunner
from conversations.exemption.jobs import timer_handlers
from storage.db import Database


def timer_runner(db: Database, settings: Settings, clock: Callable[[], datetime]) -> TimerRunner:
    runner = TimerRunner(db, clock)
    runner.register(unreachable.KIND, unreachable.summarise)
    for kind, handler in timer_handlers(settings).items():
        runner.register(kind, handler)
    return runner
