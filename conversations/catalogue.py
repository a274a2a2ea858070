"""The capabilities Chibot ships, registered in menu order."""

from __future__ import annotations

from bot.i18n import Msg
from conversations.exemption import actions
from conversations.flows import (
    announce,
    exemption,
    exemption_member,
    exemption_officer,
    invite,
    language,
    profile,
    registration,
)
from conversations.registry import MenuEntry, Registry


def default_registry() -> Registry:
    registry = Registry()
    registry.add_flow(registration.FLOW)
    registry.add_flow(profile.PROFILE_FLOW, command="profile")
    registry.add_flow(profile.DATA_FLOW, command="mydata")
    registry.add_flow(language.FLOW, command="language")
    registry.add_flow(invite.FLOW, command="invite")
    registry.add_flow(announce.FLOW, command="announce")
    for flow in (exemption.FLOW, exemption.RECORD_FLOW, exemption_member.MINE_FLOW,
                 exemption_member.ANSWER, exemption_member.RETURN_REQUEST,
                 exemption_officer.NOTE, exemption_officer.RECORDED,
                 exemption_officer.WAITING_FLOW):
        registry.add_flow(flow)
    registry.add_action(actions.ACTION, actions.act_on)
    registry.add_menu(MenuEntry("profile", Msg("menu.profile"), profile.PROFILE))
    registry.add_menu(MenuEntry("exemption", Msg("menu.exemption"), exemption.NAME))
    registry.add_menu(MenuEntry("return", Msg("menu.exemption_return"),
                                exemption_member.RETURN_FLOW, exemption_member.return_visible))
    registry.add_menu(MenuEntry("mine", Msg("menu.exemption_mine"), exemption_member.MINE))
    registry.add_menu(MenuEntry("waiting", Msg("menu.exemption_waiting"),
                                exemption_officer.WAITING, exemption_officer.visible))
    registry.add_menu(MenuEntry("record", Msg("menu.exemption_record"), exemption.RECORD,
                                exemption.visible_for_officer))
    registry.add_menu(MenuEntry("invite", Msg("menu.invite"), invite.NAME, invite.visible))
    registry.add_menu(MenuEntry("announce", Msg("menu.announce"), announce.NAME,
                                announce.visible))
    registry.add_menu(MenuEntry("mydata", Msg("menu.mydata"), profile.MY_DATA))
    registry.add_menu(MenuEntry("language", Msg("menu.language"), language.NAME))
    return registry
