"""Exemption registers its flows, its menu entries and its request type."""

from __future__ import annotations

from conversations.exemption import flows, reminders, returning
from conversations.exemption.kind import EXEMPTION, NAME
from conversations.registry import MY_INFO, MY_REQUESTS, OFFICERS, MenuEntry, Registry
from conversations.requests.capability import add_type
from vocabulary.messages import Msg


def register(registry: Registry) -> None:
    registry.add_flow(flows.FLOW, command="exemption")
    registry.add_flow(flows.RECORD_FLOW)
    registry.add_flow(returning.RETURN_REQUEST)
    registry.add_flow(reminders.MENU_FLOW)
    registry.add_action(reminders.ACTION, reminders.act)
    add_type(registry, EXEMPTION)
    registry.add_menu(MenuEntry("exemption", Msg("menu.exemption"), NAME, group=MY_REQUESTS,
                                order=10))
    registry.add_menu(MenuEntry("return", Msg("menu.exemption_return"), returning.RETURN_FLOW,
                                returning.return_visible, group=MY_REQUESTS, order=20))
    registry.add_menu(MenuEntry("reminders", Msg("menu.exemption_reminders"), reminders.FLOW,
                                reminders.visible, group=MY_INFO, order=30))
    registry.add_menu(MenuEntry("record", Msg("menu.exemption_record"), flows.RECORD,
                                flows.visible_for_officer, group=OFFICERS, order=20))
