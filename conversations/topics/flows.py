"""«Chu de thang» in chat: this month's and next month's topics, «Da doc», reflections, and
for the chi bo's leaders read counts, swapping or adding an item, and a voice note."""

from __future__ import annotations

from conversations.context import Ctx
from conversations.flow import Answer, Done, Flow, Invalid, Next, Outcome, Prompt, Step
from conversations.officers import BRANCH_LEADERS
from conversations.topics import audience, notice, plans, reading, reflections
from conversations.topics.rotation import Pick
from storage.repos import orgs
from vocabulary.messages import Msg

NAME = "topics"


async def visible(ctx: Ctx) -> bool:
    return ctx.member is not None


async def leads(ctx: Ctx, branch_id: int) -> bool:
    assert ctx.member is not None
    return any(o.org_id == branch_id and o.role in BRANCH_LEADERS
               for o in await orgs.roles_of(ctx.session, ctx.member.id or 0))


async def _start(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    branch = await audience.branch_of(ctx.session, ctx.member.id or 0, ctx.today)
    if branch is None:
        return Done(Msg("topics.no_branch"))
    ctx.data["branch"] = branch
    return Next("menu")


def _month_lines(month: plans.Month) -> list[Msg]:
    label = notice.month_label(month.month)
    if not month.items:
        return [Msg("topics.view.none", month=label)]
    head = Msg("topics.view.sent", month=label) if month.sent else \
        Msg("topics.view.planned", month=label)
    lines = [head]
    for item in month.items:
        lines += notice.item_lines(item)
    return lines


async def _menu_prompt(ctx: Ctx) -> Prompt:
    months = await plans.outlook(ctx.session, ctx.settings, ctx.data["branch"], ctx.now)
    body = [line for month in months for line in _month_lines(month)]
    options: list[tuple[str, Msg]] = []
    this = months[0]
    if this.sent and this.round is not None:
        if not await reading.has_read(ctx.session, this.round.id or 0, ctx.member):
            options.append(("read", Msg("topics.read")))
        else:
            body.append(Msg("topics.view.read_already"))
        options.append(("reflect", Msg("topics.option.reflect")))
    options.append(("mine", Msg("topics.option.mine")))
    if await leads(ctx, ctx.data["branch"]):
        if this.sent:
            options.append(("who", Msg("topics.option.who")))
        options.append(("shared", Msg("topics.option.shared")))
        if any(m.editable for m in months):
            options += [("swap", Msg("topics.option.swap")), ("add", Msg("topics.option.add")),
                        ("voice", Msg("topics.option.voice"))]
    return Prompt(body, options)


async def _menu(ctx: Ctx, answer: Answer) -> Outcome:
    option = answer.option or ""
    months = await plans.outlook(ctx.session, ctx.settings, ctx.data["branch"], ctx.now)
    this = months[0]
    if option == "read" and this.round is not None and this.sent:
        return Done(await reading.record(ctx, this.round))
    if option == "reflect" and this.round is not None and this.sent:
        ctx.data["round"] = this.round.id
        return Next("reflect_item")
    if option == "mine":
        return Next("mine")
    is_leader = await leads(ctx, ctx.data["branch"])
    if option == "who" and is_leader and this.round is not None:
        return Done(*await reading.counts(ctx.session, this.round, ctx.today))
    if option == "shared" and is_leader:
        return Done(*await reflections.shared_with_leader(ctx, ctx.data["branch"]))
    editable = next((m for m in months if m.editable), None)
    if option in ("swap", "add", "voice") and is_leader and editable is not None:
        ctx.data["month"] = editable.month
        return Next(option)
    return Invalid(Msg("common.please_choose"))


async def _editable(ctx: Ctx) -> plans.Month | None:
    months = await plans.outlook(ctx.session, ctx.settings, ctx.data["branch"], ctx.now)
    return next((m for m in months if m.month == ctx.data.get("month") and m.editable), None)


async def _available_codes(ctx: Ctx, month: plans.Month) -> dict[str, int]:
    _catalogue, available = await plans.sendable(ctx.session, ctx.data["branch"], ctx.now)
    taken = {p.code for p in month.picks}
    return {code: item_id for item_id, code in available if code not in taken}


async def _swap_prompt(ctx: Ctx) -> Prompt:
    month = await _editable(ctx)
    if month is None:
        return Prompt([Msg("topics.edit.too_late")])
    codes = await _available_codes(ctx, month)
    return Prompt([Msg("topics.edit.swap_ask", month=notice.month_label(month.month),
                       planned=", ".join(p.code for p in month.picks),
                       available=", ".join(codes) or "-")])


async def _swap(ctx: Ctx, answer: Answer) -> Outcome:
    month = await _editable(ctx)
    if month is None:
        return Done(Msg("topics.edit.too_late"))
    words = (answer.text or "").upper().replace(",", " ").split()
    codes = await _available_codes(ctx, month)
    if len(words) != 2 or words[0] not in {p.code for p in month.picks} or words[1] not in codes:
        return Invalid(Msg("topics.edit.swap_wrong"))
    picks = [Pick(codes[words[1]], words[1], p.cycle) if p.code == words[0] else p
             for p in month.picks]
    return await _saved(ctx, month, picks)


async def _add_prompt(ctx: Ctx) -> Prompt:
    month = await _editable(ctx)
    if month is None:
        return Prompt([Msg("topics.edit.too_late")])
    codes = await _available_codes(ctx, month)
    return Prompt([Msg("topics.edit.add_ask", month=notice.month_label(month.month),
                       available=", ".join(codes) or "-")])


async def _add(ctx: Ctx, answer: Answer) -> Outcome:
    month = await _editable(ctx)
    if month is None:
        return Done(Msg("topics.edit.too_late"))
    if len(month.picks) >= ctx.settings.topics_per_month_max:
        return Done(Msg("topics.edit.full", maximum=ctx.settings.topics_per_month_max))
    code = (answer.text or "").strip().upper()
    codes = await _available_codes(ctx, month)
    if code not in codes:
        return Invalid(Msg("topics.edit.add_wrong"))
    cycle = month.picks[-1].cycle if month.picks else 1
    return await _saved(ctx, month, [*month.picks, Pick(codes[code], code, cycle)])


async def _saved(ctx: Ctx, month: plans.Month, picks: list[Pick]) -> Outcome:
    assert ctx.member is not None
    await plans.save(ctx.session, ctx.data["branch"], month, picks, ctx.member.id or 0, ctx.now)
    ctx.audit("topics.edited", ("branch", ctx.data["branch"]), month=month.month,
              items=[p.code for p in picks])
    return Done(Msg("topics.edit.saved", month=notice.month_label(month.month),
                    items=", ".join(p.code for p in picks)))


async def _voice(ctx: Ctx, answer: Answer) -> Outcome:
    month = await _editable(ctx)
    if month is None:
        return Done(Msg("topics.edit.too_late"))
    file = answer.file
    if file is None or not file.mime_type.startswith("audio/"):
        return Invalid(Msg("topics.voice.not_audio"))
    assert ctx.member is not None
    saved = await plans.save(ctx.session, ctx.data["branch"], month, month.picks,
                             ctx.member.id or 0, ctx.now)
    saved.voice = dict(file.__dict__)
    ctx.session.add(saved)
    ctx.audit("topics.voice", ("branch", ctx.data["branch"]), month=month.month)
    return Done(Msg("topics.voice.saved", month=notice.month_label(month.month)))


FLOW = Flow(
    NAME,
    {
        "menu": Step(_menu_prompt, _menu),
        "swap": Step(_swap_prompt, _swap),
        "add": Step(_add_prompt, _add),
        "voice": Step(lambda ctx: _voice_prompt(ctx), _voice, takes_voice=True),
        **reflections.STEPS,
    },
    _start,
)


async def _voice_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("topics.voice.ask", minutes=ctx.settings.topics_voice_max_seconds // 60)])
