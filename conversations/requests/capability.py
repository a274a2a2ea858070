"""The request workflow's shared entries, and what each request type registers with it."""

from __future__ import annotations

from conversations.registry import MY_REQUESTS, OFFICERS, MenuEntry, Registry
from conversations.requests import (
    actions,
    decision_details,
    handover,
    jobs,
    member_flows,
    officer_flows,
    privacy,
)
from conversations.requests.kinds import RequestType
from vocabulary.messages import Msg


def register(registry: Registry) -> None:
    """A member's requests and answers; the officers' notes, decisions and waiting list."""
    for flow in (member_flows.MINE_FLOW, member_flows.ANSWER, officer_flows.NOTE,
                 decision_details.RECORDED, officer_flows.WAITING_FLOW):
        registry.add_flow(flow)
    registry.add_menu(MenuEntry("mine", Msg("menu.requests_mine"), member_flows.MINE,
                                group=MY_REQUESTS, order=90))
    registry.add_menu(MenuEntry("waiting", Msg("menu.requests_waiting"), officer_flows.WAITING,
                                officer_flows.visible, group=OFFICERS, order=10))
    registry.count_in_group(OFFICERS, officer_flows.waiting_count)
    registry.on_role_change(handover.resend_waiting)
    registry.on_consent_withdrawn(privacy.withdraw_open_requests)


def add_type(registry: Registry, request_type: RequestType) -> None:
    """A request type's buttons and timers (its flows and menu entries are its own)."""
    registry.add_action(request_type.action, actions.action_for(request_type))
    for kind, make in jobs.timer_kinds(request_type).items():
        registry.add_timer(kind, make)
