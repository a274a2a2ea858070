"""The profile and «my data», in the «my information» group (and as /profile, /mydata)."""

from __future__ import annotations

from conversations.profile import flows, rights
from conversations.registry import MY_INFO, MenuEntry, Registry
from vocabulary.messages import Msg


def register(registry: Registry) -> None:
    registry.add_flow(flows.PROFILE_FLOW, command="profile")
    registry.add_flow(flows.DATA_FLOW, command="mydata")
    registry.add_menu(MenuEntry("profile", Msg("menu.profile"), flows.PROFILE, group=MY_INFO,
                                order=10))
    registry.add_menu(MenuEntry("mydata", Msg("menu.mydata"), flows.MY_DATA, group=MY_INFO,
                                order=20))
    registry.add_action(rights.ACTION, rights.mark_corrected)  # a correction task done
    registry.add_timer(rights.COPY_DELETE, rights.delete_copy)
