"""Routes one inbound message: commands, buttons, typed menu numbers, and the active step."""

from __future__ import annotations

import secrets
from typing import Any

from conversations import consent, officers, typed_choice
from conversations.commands import Command, parse_command, yes_or_no
from conversations.context import Ctx
from conversations.flow import Answer, Chosen, Done, Invalid, Next, Outcome, StartFlow
from conversations.registry import MenuEntry, MenuGroup, MenuTest, Registry, Unless
from vocabulary.messages import Msg
from vocabulary.text import fold, match_option
from vocabulary.types import Choice, InboundKind

REGISTRATION = "registration"
BUILTIN_COMMANDS = {"start", "menu", "cancel", "help"}


async def _shown(ctx: Ctx, entry: MenuEntry, answers: dict[MenuTest, bool]) -> bool:
    """Whether an entry shows; a test that entries share (or negate) is asked once a screen."""
    test, negated = ((entry.visible.test, True) if isinstance(entry.visible, Unless)
                     else (entry.visible, False))
    if test not in answers:
        answers[test] = await test(ctx)
    return answers[test] != negated


class Engine:
    def __init__(self, registry: Registry, languages: tuple[str, ...]) -> None:
        self.registry = registry
        self.languages = languages
        registry.add_flow(typed_choice.FLOW_DEF)
        registry.add_flow(consent.FLOW)

    async def dispatch(self, ctx: Ctx) -> None:
        inbound = ctx.inbound
        ctx.on_consent_withdrawn = self.registry.consent_withdrawn
        ctx.personal_data = self.registry.personal_data
        if consent.needs_asking(ctx) and ctx.state.flow != consent.RECONSENT:
            self._clear(ctx)  # nothing else is done with the data until the member answers
            await self.start(ctx, consent.RECONSENT)
            return
        if inbound.kind is InboundKind.UNSUPPORTED:  # a channel may say what it was
            kind = f"error.unsupported.{inbound.problem}" if inbound.problem else None
            ctx.reply(Msg(kind or "error.unsupported_kind"))
            await self._help(ctx)
            return
        if inbound.problem is not None:
            await self._reprompt(ctx, Msg(f"error.file.{inbound.problem}"))
            return
        if inbound.kind is InboundKind.TEXT and inbound.text is not None:
            command = parse_command(inbound.text)
            if command is not None and self._answers_question(ctx, command, inbound.text):
                command = None  # words typed as an option's label pick that option
            if command is not None:
                await self._command(ctx, command)
                return
            code = typed_choice.find(ctx.state.named, inbound.text) if ctx.member else None
            if code is not None:
                await self._named(ctx, code)
                return
            choice = self._typed_choice(ctx, inbound.text)
            if choice is not None:
                await self._choice(ctx, choice)
                return
        if inbound.kind is InboundKind.CHOICE and inbound.choice is not None:
            await self._choice(ctx, inbound.choice)
            return
        await self._free_input(ctx)

    # -- entry points ---------------------------------------------------------------------

    async def start(self, ctx: Ctx, name: str, data: dict[str, Any] | None = None) -> None:
        flow = self.registry.flows[name]
        if flow.needs_member and ctx.member is None:
            flow, data = self.registry.flows[REGISTRATION], None
        ctx.state.flow, ctx.state.step, ctx.state.data = flow.name, None, dict(data or {})
        await self._apply(ctx, await flow.start(ctx))

    async def show_menu(
        self, ctx: Ctx, *body: Msg, visible: list[MenuEntry] | None = None
    ) -> None:
        if ctx.member is None:
            if body:
                ctx.reply(*body)
            return
        ctx.reply(*(body or (Msg("menu.prompt"),)),
                  choices=await self.menu_choices(ctx, visible))

    async def menu_choices(
        self, ctx: Ctx, visible: list[MenuEntry] | None = None
    ) -> list[Choice]:
        """The first screen: the groups with something to show, and entries outside groups."""
        answers: dict[MenuTest, bool] = {}
        items = [(group.order, Choice(f"g:{group.id}", await self._group_label(ctx, group)))
                 for group in self.registry.groups.values()
                 if await self._has_entries(ctx, group.id, visible, answers)]
        items += [(entry.order, Choice(f"m:{entry.id}", entry.label))
                  for entry in await self._visible(ctx, None, visible, answers)]
        return [choice for _order, choice in sorted(items, key=lambda item: item[0])]

    async def show_group(self, ctx: Ctx, group_id: str) -> None:
        """A group's own screen: its entries, then «Back» to the first screen."""
        group = self.registry.groups.get(group_id)
        entries = await self._visible(ctx, group_id)
        if group is None or not entries:
            await self.show_menu(ctx)
            return
        choices = [Choice(f"m:{e.id}", e.label) for e in sorted(entries, key=lambda e: e.order)]
        ctx.reply(Msg("menu.group_prompt", group=group.label),
                  choices=[*choices, Choice("g:", Msg("menu.back"))])

    async def _visible(
        self, ctx: Ctx, group: str | None = "*", known: list[MenuEntry] | None = None,
        answers: dict[MenuTest, bool] | None = None,
    ) -> list[MenuEntry]:
        """The entries this person may use: all ("*"), or those of one group (None: ungrouped)."""
        entries = [e for e in self.registry.menu if group == "*" or e.group == group]
        if known is not None:
            return [e for e in entries if e in known]
        answers = {} if answers is None else answers
        return [e for e in entries if await _shown(ctx, e, answers)]

    async def _has_entries(
        self, ctx: Ctx, group: str, known: list[MenuEntry] | None, answers: dict[MenuTest, bool]
    ) -> bool:
        """Whether a group has an entry to show (asking each entry only until one says so)."""
        for entry in self.registry.menu:
            if entry.group == group and (entry in known if known is not None
                                         else await _shown(ctx, entry, answers)):
                return True
        return False

    async def _group_label(self, ctx: Ctx, group: MenuGroup) -> Msg:
        counter = self.registry.counters.get(group.id)
        count = await counter(ctx) if counter and group.counted else 0
        return Msg(group.counted.key, count=count) if count and group.counted else group.label

    # -- routing --------------------------------------------------------------------------

    async def _command(self, ctx: Ctx, command: Command) -> None:
        name = command.name
        if name == "cancel":
            await self._cancel(ctx)
        elif name == "help":
            await self._help(ctx)
            await self._reprompt(ctx)
        elif name == "menu" and ctx.member is None and ctx.state.flow == REGISTRATION:
            await self._reprompt(ctx)
        elif name in ("start", "menu") and ctx.member is None:
            await self.start(ctx, REGISTRATION)
            if command.argument:
                ctx.state.data["pending_code"] = command.argument[:64]
        elif name in self.registry.commands:
            await self._start_if_free(ctx, self.registry.commands[name])
        elif name in BUILTIN_COMMANDS:
            if ctx.state.flow:
                await self._reprompt(ctx, Msg("flow.busy"))
            else:
                await self.show_menu(ctx)
        else:
            ctx.reply(Msg("error.unknown_command", command=name))
            await self._reprompt(ctx)

    async def _choice(self, ctx: Ctx, choice: str) -> None:
        kind, _, rest = choice.partition(":")
        if kind.startswith("s") and ctx.state.flow and kind[1:] == ctx.state.nonce:
            await self._answer(ctx, Answer(option=rest))
        elif kind == "m":
            entry = next((e for e in self.registry.menu if e.id == rest), None)
            if entry is None:
                await self._stale(ctx)
            else:
                await self._start_if_free(ctx, entry.flow)
        elif kind == "g":
            await self._open_group(ctx, rest)
        elif kind == "a" and rest.split(":", 1)[0] in self.registry.actions:
            name, *args = rest.split(":")
            if ctx.member is None:
                await self.start(ctx, REGISTRATION)  # buttons act only for a linked member
                return
            outcome = await self.registry.actions[name](ctx, args)
            if outcome is not None:
                await self._apply(ctx, outcome)
        else:
            await self._stale(ctx)

    async def _named(self, ctx: Ctx, code: str) -> None:
        """A notice's option typed by its code: read back before it counts, never mid-flow."""
        if ctx.state.flow:
            await self._reprompt(ctx, Msg("choice.named_busy", code=code))
        else:
            await self.start(ctx, typed_choice.FLOW, typed_choice.start_data(ctx.state.named, code))

    async def _free_input(self, ctx: Ctx) -> None:
        inbound = ctx.inbound
        if inbound.file is not None and inbound.file.mime_type.startswith("audio/") \
                and not self._takes_voice(ctx):
            await self._reprompt(ctx, Msg("error.unsupported.voice"))
            return
        if ctx.state.flow:
            answer = Answer(text=inbound.text, contact=inbound.contact, file=inbound.file)
            await self._answer(ctx, answer)
        elif ctx.member is None:
            await self.start(ctx, REGISTRATION)
        else:
            visible = await self._visible(ctx)  # read once: naming an entry, or the menu
            if not await self._named_entry(ctx, inbound.text or "", visible):
                await self.show_menu(ctx, Msg("menu.not_understood"), visible=visible)

    async def _open_group(self, ctx: Ctx, group_id: str) -> None:
        if ctx.member is None:
            await self.start(ctx, REGISTRATION)
        elif ctx.state.flow:
            await self._reprompt(ctx, Msg("flow.busy"))
        elif group_id:
            await self.show_group(ctx, group_id)
        else:
            await self.show_menu(ctx)

    async def _named_entry(self, ctx: Ctx, text: str, entries: list[MenuEntry]) -> bool:
        """Typed words name an entry or a group anywhere in the menu: start or open it."""
        if not text.strip() or fold(text).isdigit():
            return False
        groups = [g for g in self.registry.groups.values() if any(e.group == g.id for e in entries)]
        labels = [entry.label for entry in entries] + [group.label for group in groups]
        names = [[ctx.renderer(lang)(label) for lang in self.languages] for label in labels]
        index = match_option(text, names)
        if index is None:
            return False
        if index < len(entries):
            await self.start(ctx, entries[index].flow)
        else:
            await self.show_group(ctx, groups[index - len(entries)].id)
        return True

    async def _answer(self, ctx: Ctx, answer: Answer) -> None:
        flow = self.registry.flows.get(ctx.state.flow or "")
        if flow is not None and flow.needs_member and ctx.member is None:
            await self.start(ctx, REGISTRATION)  # unlinked or left since the flow began
            return
        step = flow.steps.get(ctx.state.step or "") if flow else None
        if step is None:
            self._clear(ctx)
            await self.show_menu(ctx, Msg("flow.expired"))
            return
        await self._apply(ctx, await step.handle(ctx, answer))

    async def _apply(self, ctx: Ctx, outcome: Outcome) -> None:
        match outcome:
            case Next(step):
                ctx.state.step = step
                ctx.state.nonce = secrets.token_hex(2)
                await self._prompt(ctx)
            case Invalid(reason):
                await self._prompt(ctx, reason)
            case Done(body):
                self._clear(ctx)
                await self.show_menu(ctx, *body)
            case StartFlow(name, data):
                await self.start(ctx, name, data)
            case Chosen(choice):
                self._clear(ctx)
                await self._choice(ctx, choice)

    async def _prompt(self, ctx: Ctx, *before: Msg) -> None:
        flow = self.registry.flows[ctx.state.flow or ""]
        prompt = await flow.steps[ctx.state.step or ""].prompt(ctx)
        choices = [Choice(f"s{ctx.state.nonce}:{value}", label) for value, label in prompt.options]
        choices += prompt.actions
        ctx.reply(*before, *prompt.body, choices=choices, request_contact=prompt.request_contact)

    async def _reprompt(self, ctx: Ctx, *before: Msg) -> None:
        if ctx.state.flow and ctx.state.step:
            await self._prompt(ctx, *before)
        elif ctx.member is not None:
            await self.show_menu(ctx, *before, Msg("menu.prompt"))
        elif before:
            ctx.reply(*before)

    async def _start_if_free(self, ctx: Ctx, flow: str) -> None:
        if ctx.state.flow and ctx.state.flow != flow:
            await self._reprompt(ctx, Msg("flow.busy"))
        else:
            await self.start(ctx, flow)

    async def _stale(self, ctx: Ctx) -> None:
        await self._reprompt(ctx, Msg("flow.stale_choice"))

    async def _cancel(self, ctx: Ctx) -> None:
        had_flow = ctx.state.flow is not None
        self._clear(ctx)
        await self.show_menu(ctx, Msg("cancel.done") if had_flow else Msg("cancel.nothing"))
        if ctx.member is None:
            ctx.reply(Msg("cancel.unlinked_hint"))

    async def _help(self, ctx: Ctx) -> None:
        if ctx.member is None:
            ctx.reply(Msg("help.unlinked"))
            return
        contacts = await officers.help_contacts(ctx.session, ctx.member)
        lines = officers.contact_lines(contacts, ctx.settings.phone_region)
        ctx.reply(Msg("help.member"), *(lines or [Msg("help.no_officer")]))

    def _takes_voice(self, ctx: Ctx) -> bool:
        flow = self.registry.flows.get(ctx.state.flow or "")
        step = flow.steps.get(ctx.state.step or "") if flow else None
        return step is not None and step.takes_voice

    def _answers_question(self, ctx: Ctx, command: Command, text: str) -> bool:
        """Whether everyday words that would start something rather answer the open question."""
        return (command.worded and not command.navigates and ctx.state.flow is not None
                and self._typed_choice(ctx, text) is not None)

    def _typed_choice(self, ctx: Ctx, text: str) -> str | None:
        """A typed number or option words, read against the last menu this chat was shown."""
        menu = ctx.state.menu
        if not menu:
            return None
        names = [
            [ctx.renderer(lang)(Msg.from_json(label)) for lang in self.languages]
            for _id, label in menu
        ]
        index = match_option(text, names)
        if index is not None:
            return menu[index][0]
        # "co", "u", "khong" answer any question whose options are yes and no
        by_answer = {option_id.rpartition(":")[2]: option_id for option_id, _label in menu}
        said = yes_or_no(text)
        return by_answer[said] if said and {"yes", "no"} <= by_answer.keys() else None

    @staticmethod
    def _clear(ctx: Ctx) -> None:
        ctx.state.flow, ctx.state.step, ctx.state.data, ctx.state.nonce = None, None, {}, ""
