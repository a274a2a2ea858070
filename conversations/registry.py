"""What the engine knows: flows, the menu and its groups, global actions, commands, timer kinds.

Each capability registers itself here in one function; the engine, the timer runner and the
command line read these tables only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.context import Ctx
from conversations.flow import Flow, Outcome
from storage.personal_data import BUILT_IN, Section
from storage.repos.timers import TimerHandler
from vocabulary.messages import Msg
from vocabulary.settings import Settings

# The main menu's groups (a capability puts its entries into one of them).
MY_REQUESTS, BRANCH_LIFE, MY_INFO, OFFICERS = "requests", "branch", "me", "officers"
OFFICER_TOOLS = "tools"  # the officers' announcements, invite codes and figures


MenuTest = Callable[[Ctx], Awaitable[bool]]  # whether a menu entry shows to this person


async def _always(_ctx: Ctx) -> bool:
    return True


@dataclass(frozen=True)
class Unless:
    """A menu test that holds exactly when `test` does not (one screen asks `test` once)."""

    test: MenuTest

    async def __call__(self, ctx: Ctx) -> bool:
        return not await self.test(ctx)


@dataclass(frozen=True)
class MenuEntry:
    """An entry that starts a flow: inside a group, or on the first screen (group None)."""

    id: str
    label: Msg
    flow: str
    visible: MenuTest = _always
    group: str | None = None
    order: int = 0  # its place on the first screen, among groups and other entries


@dataclass(frozen=True)
class MenuGroup:
    """A first-screen entry that opens a screen of entries; shown only when one is visible."""

    id: str
    label: Msg
    order: int
    counted: Msg | None = None  # the label with a {count} of things waiting, when there are


# A global action (a button such as "approve request 12") may answer at once or start a flow.
ActionFn = Callable[[Ctx, list[str]], Awaitable[Outcome | None]]
# A timer kind's handler, made once the settings are known.
TimerMaker = Callable[[Settings], TimerHandler]
# After an officer role changes in an organisation: returns how many messages were queued.
RoleChangeHook = Callable[[AsyncSession, Settings, int, datetime], Awaitable[int]]
# When a member withdraws consent: what the capability did with his/her data, in lines.
ConsentHook = Callable[[Ctx], Awaitable[list[Msg]]]
Counter = Callable[[Ctx], Awaitable[int]]


@dataclass
class Registry:
    """Capabilities register here; the engine routes by these tables only."""

    flows: dict[str, Flow] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)
    groups: dict[str, MenuGroup] = field(default_factory=dict)
    counters: dict[str, Counter] = field(default_factory=dict)
    actions: dict[str, ActionFn] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    timers: dict[str, TimerMaker] = field(default_factory=dict)
    # Kinds whose handler fires the other due timers of its kind along with its own.
    batching_timers: set[str] = field(default_factory=set)
    role_changes: list[RoleChangeHook] = field(default_factory=list)
    consent_withdrawn: list[ConsentHook] = field(default_factory=list)
    # What «my data» shows and copies: the built-in sections, then each capability's.
    personal_data: list[Section] = field(default_factory=lambda: list(BUILT_IN))

    def add_flow(self, flow: Flow, *, command: str | None = None) -> None:
        self.flows[flow.name] = flow
        if command:
            self.commands[command] = flow.name

    def add_menu(self, entry: MenuEntry) -> None:
        self.menu.append(entry)

    def add_group(self, group: MenuGroup) -> None:
        self.groups[group.id] = group

    def count_in_group(self, group: str, counter: Counter) -> None:
        """What a group's label counts ("Officers' work (2)")."""
        self.counters[group] = counter

    def add_action(self, name: str, handler: ActionFn) -> None:
        self.actions[name] = handler

    def add_timer(self, kind: str, make: TimerMaker, *, batches: bool = False) -> None:
        if kind in self.timers:
            raise ValueError(f"timer kind {kind!r} registered twice")
        self.timers[kind] = make
        if batches:
            self.batching_timers.add(kind)

    def on_role_change(self, hook: RoleChangeHook) -> None:
        self.role_changes.append(hook)

    def on_consent_withdrawn(self, hook: ConsentHook) -> None:
        self.consent_withdrawn.append(hook)

    def add_personal_data(self, section: Section) -> None:
        """A reader of what the capability stores about a member, for «my data» and its copy."""
        if any(s.name == section.name for s in self.personal_data):
            raise ValueError(f"personal data section {section.name!r} registered twice")
        self.personal_data.append(section)


Capability = Callable[[Registry], None]
