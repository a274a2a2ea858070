"""Invite codes: in the officers' group (and as /invite)."""

from __future__ import annotations

from conversations.invite import flows
from conversations.registry import OFFICER_TOOLS, MenuEntry, Registry
from vocabulary.messages import Msg


def register(registry: Registry) -> None:
    registry.add_flow(flows.FLOW, command="invite")
    registry.add_menu(MenuEntry("invite", Msg("menu.invite"), flows.NAME, flows.visible,
                                group=OFFICER_TOOLS, order=30))
