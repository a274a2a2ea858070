"""The capabilities Chibot ships, and the groups of its menu."""

from __future__ import annotations

from conversations.announce import capability as _announce
from conversations.away import capability as _away
from conversations.desk import capability as _desk
from conversations.exemption import capability as _exemption
from conversations.invite import capability as _invite
from conversations.language import capability as _language
from conversations.meetings import capability as _meetings
from conversations.profile import capability as _profile
from conversations.registration import capability as _registration
from conversations.registry import (
    BRANCH_LIFE,
    MY_INFO,
    MY_REQUESTS,
    OFFICER_TOOLS,
    OFFICERS,
    Capability,
    MenuGroup,
    Registry,
)
from conversations.requests import capability as _requests
from conversations.topics import capability as _topics
from vocabulary.messages import Msg

GROUPS = (
    MenuGroup(MY_REQUESTS, Msg("menu.group.requests"), order=10),
    MenuGroup(BRANCH_LIFE, Msg("menu.group.branch"), order=20),
    MenuGroup(MY_INFO, Msg("menu.group.me"), order=30),
    MenuGroup(OFFICERS, Msg("menu.group.officers"), order=50,
              counted=Msg("menu.group.officers_count", count=0)),
    MenuGroup(OFFICER_TOOLS, Msg("menu.group.tools"), order=60),
)
CAPABILITIES: tuple[Capability, ...] = (
    _registration.register, _profile.register, _language.register, _invite.register,
    _announce.register, _requests.register, _exemption.register, _away.register,
    _meetings.register, _topics.register, _desk.register,
)


def default_registry(*more: Capability) -> Registry:
    """Every capability registered; `more` adds others (a test's own request type)."""
    registry = Registry()
    for group in GROUPS:
        registry.add_group(group)
    for register in (*CAPABILITIES, *more):
        register(registry)
    return registry

