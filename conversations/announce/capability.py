"""Announcements: in the officers' group (and as /announce)."""

from __future__ import annotations

from bot.i18n import Msg
from conversations.announce import flows
from conversations.registry import OFFICERS, MenuEntry, Registry


def register(registry: Registry) -> None:
    registry.add_flow(flows.FLOW, command="announce")
    registry.add_menu(MenuEntry("announce", Msg("menu.announce"), flows.NAME, flows.visible,
                                group=OFFICERS, order=40))
