"""The desk registers its flow, its menu entry and the lists it can fill now."""

from __future__ import annotations

from conversations.desk import flows, lists, outputs
from conversations.desk.sections import add_section
from conversations.registry import OFFICER_TOOLS, MenuEntry, Registry
from vocabulary.messages import Msg


def register(registry: Registry) -> None:
    registry.add_flow(flows.FLOW, command="desk")
    registry.add_menu(MenuEntry("desk", Msg("menu.desk"), flows.NAME, flows.visible,
                                group=OFFICER_TOOLS, order=50))
    registry.add_timer(outputs.DELETE, outputs.make_delete)
    for section in lists.BUILT_IN:
        add_section(section)
