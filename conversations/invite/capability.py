"""Invite codes: in the officers' group (and as /invite)."""

from __future__ import annotations

from bot.i18n import Msg
from conversations.invite import flows
from conversations.registry import OFFICERS, MenuEntry, Registry


def register(registry: Registry) -> None:
    registry.add_flow(flows.FLOW, command="invite")
    registry.add_menu(MenuEntry("invite", Msg("menu.invite"), flows.NAME, flows.visible,
                                group=OFFICERS, order=30))
