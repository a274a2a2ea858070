"""Announcements: in the officers' group (and as /announce)."""

from __future__ import annotations

from conversations.announce import flows
from conversations.registry import OFFICER_TOOLS, MenuEntry, Registry
from vocabulary.messages import Msg


def register(registry: Registry) -> None:
    registry.add_flow(flows.FLOW, command="announce")
    registry.add_menu(MenuEntry("announce", Msg("menu.announce"), flows.NAME, flows.visible,
                                group=OFFICER_TOOLS, order=40))
