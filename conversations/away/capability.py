"""Working away registers its flows, its menu entries, its answers and its request type."""

from __future__ import annotations

from conversations.away import answers, leaving, listing, personal_data, returning, timers
from conversations.away.kind import AWAY
from conversations.away.rules import NAME
from conversations.registry import MY_REQUESTS, OFFICERS, MenuEntry, Registry, Unless
from conversations.requests.capability import add_type
from vocabulary.messages import Msg


def register(registry: Registry) -> None:
    registry.add_flow(leaving.FLOW, command="away")
    registry.add_flow(returning.RETURNING, command="back")
    for flow in (leaving.RECORD_FLOW, returning.EXTENSION, returning.END, listing.FLOW):
        registry.add_flow(flow)
    add_type(registry, AWAY)
    registry.add_personal_data(personal_data.SECTION)
    registry.add_action(timers.ACTION, answers.answer)
    registry.add_menu(MenuEntry("away", Msg("menu.away"), NAME, Unless(returning.visible),
                                group=MY_REQUESTS, order=30))
    registry.add_menu(MenuEntry("away_back", Msg("menu.away_back"), returning.RETURN_FLOW,
                                returning.visible, group=MY_REQUESTS, order=31))
    registry.add_menu(MenuEntry("away_extend", Msg("menu.away_extend"), returning.EXTEND_FLOW,
                                returning.visible, group=MY_REQUESTS, order=32))
    registry.add_menu(MenuEntry("away_list", Msg("menu.away_list"), listing.LIST,
                                listing.visible, group=OFFICERS, order=25))
