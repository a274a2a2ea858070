"""What the engine knows: flows, main-menu entries, global actions and commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.i18n import Msg
from conversations.context import Ctx
from conversations.flow import Flow, Outcome


async def _always(_ctx: Ctx) -> bool:
    return True


@dataclass(frozen=True)
class MenuEntry:
    id: str
    label: Msg
    flow: str
    visible: Callable[[Ctx], Awaitable[bool]] = _always


# A global action (a button such as "approve request 12") may answer at once or start a flow.
ActionFn = Callable[[Ctx, list[str]], Awaitable[Outcome | None]]


@dataclass
class Registry:
    """Capabilities register here; the engine routes by these tables only."""

    flows: dict[str, Flow] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)
    actions: dict[str, ActionFn] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)

    def add_flow(self, flow: Flow, *, command: str | None = None) -> None:
        self.flows[flow.name] = flow
        if command:
            self.commands[command] = flow.name

    def add_menu(self, entry: MenuEntry) -> None:
        self.menu.append(entry)

    def add_action(self, name: str, handler: ActionFn) -> None:
        self.actions[name] = handler
