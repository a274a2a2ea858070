"""Meetings register their flows, menu entries, answer buttons and timers."""

from __future__ import annotations

from conversations.meetings import answers, member_flows, officer_flows, plan_flow, reminders
from conversations.meetings.planner import MONTH, REMIND
from conversations.meetings.texts import ACTION
from conversations.registry import BRANCH_LIFE, OFFICERS, MenuEntry, Registry
from vocabulary.messages import Msg


def register(registry: Registry) -> None:
    for flow in (answers.FLOW, officer_flows.FLOW, plan_flow.FLOW, member_flows.FLOW):
        registry.add_flow(flow)
    registry.add_action(ACTION, answers.act)
    registry.add_timer(REMIND, reminders.make_remind, batches=True)
    registry.add_timer(MONTH, reminders.make_month)
    registry.add_menu(MenuEntry("meetings_mine", Msg("menu.meetings_mine"), member_flows.MINE,
                                member_flows.visible, group=BRANCH_LIFE, order=10))
    registry.add_menu(MenuEntry("meetings", Msg("menu.meetings"), officer_flows.MEETINGS,
                                officer_flows.visible, group=OFFICERS, order=25))
