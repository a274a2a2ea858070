"""Registration registers its flow (the engine starts it for anyone not linked yet)."""

from __future__ import annotations

from conversations.registration import flows
from conversations.registry import Registry


def register(registry: Registry) -> None:
    registry.add_flow(flows.FLOW)
