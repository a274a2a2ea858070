"""Language: on the first screen of the menu (and as /language)."""

from __future__ import annotations

from bot.i18n import Msg
from conversations.language import flows
from conversations.registry import MenuEntry, Registry

ORDER = 40  # after the member's own groups, before the officers' one


def register(registry: Registry) -> None:
    registry.add_flow(flows.FLOW, command="language")
    registry.add_menu(MenuEntry("language", Msg("menu.language"), flows.NAME, order=ORDER))
