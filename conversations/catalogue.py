"""The capabilities Chibot ships, registered in menu order."""

from __future__ import annotations

from bot.i18n import Msg
from conversations.flows import announce, invite, language, profile, registration
from conversations.registry import MenuEntry, Registry


def default_registry() -> Registry:
    registry = Registry()
    registry.add_flow(registration.FLOW)
    registry.add_flow(profile.PROFILE_FLOW, command="profile")
    registry.add_flow(profile.DATA_FLOW, command="mydata")
    registry.add_flow(language.FLOW, command="language")
    registry.add_flow(invite.FLOW, command="invite")
    registry.add_flow(announce.FLOW, command="announce")
    registry.add_menu(MenuEntry("profile", Msg("menu.profile"), profile.PROFILE))
    registry.add_menu(MenuEntry("invite", Msg("menu.invite"), invite.NAME, invite.visible))
    registry.add_menu(MenuEntry("announce", Msg("menu.announce"), announce.NAME,
                                announce.visible))
    registry.add_menu(MenuEntry("mydata", Msg("menu.mydata"), profile.MY_DATA))
    registry.add_menu(MenuEntry("language", Msg("menu.language"), language.NAME))
    return registry
