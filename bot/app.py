"""Assembly: the engine with Chibot's capabilities, the core and delivery for given channels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.channels import Sender
from bot.core import Core
from bot.delivery import Delivery
from bot.settings import Settings
from conversations.catalogue import default_registry
from conversations.engine import Engine
from conversations.registry import Registry
from storage.db import Database


def build_core(
    db: Database, settings: Settings, senders: dict[str, Sender], clock: Callable[[], datetime],
    registry: Registry | None = None,
) -> tuple[Core, Delivery]:
    engine = Engine(registry or default_registry(), settings.languages)
    channels = {name: sender.info for name, sender in senders.items()}
    core = Core(db, settings, engine, channels, clock)
    delivery = Delivery(db, settings, senders, clock)
    core.on_queued = delivery.wakeup.set
    return core, delivery
