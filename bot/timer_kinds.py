"""Every kind of timer Chibot sets, with the handler that fires it: the runtime's own, and
those the capabilities registered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import unreachable
from bot.timers import TimerRunner
from conversations.catalogue import default_registry
from conversations.registry import Registry
from storage.db import Database
from vocabulary.settings import Settings


def timer_runner(
    db: Database, settings: Settings, clock: Callable[[], datetime],
    registry: Registry | None = None,
) -> TimerRunner:
    runner = TimerRunner(db, clock)
    runner.register(unreachable.KIND, unreachable.summarise)
    registry = registry or default_registry()
    for kind, make in registry.timers.items():
        runner.register(kind, make(settings), batches=kind in registry.batching_timers)
    return runner
