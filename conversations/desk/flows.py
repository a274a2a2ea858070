"""The desk in chat: pick a chi bo (a base committee member), then lists, rates, charts and
files for it. Who may see which chi bo is checked again at every step."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from conversations.context import Ctx
from conversations.desk import charts, drafts, exports, outputs, workbook
from conversations.desk.rates import rate_lines, rate_table
from conversations.desk.scope import Scope, branches_in_reach, may_see
from conversations.desk.sections import Cell, section, sections
from conversations.desk.series import all_series, monthly_chart, series
from conversations.flow import Answer, Done, Flow, Invalid, Next, Outcome, Prompt, Step
from conversations.requests import kinds
from storage.models import Organisation, Request
from vocabulary.messages import Msg

log = logging.getLogger(__name__)
NAME = "desk"
RECENT_REQUESTS = 12  # decided requests offered for a nghi quyet draft
# Fourteen outputs on one screen were too many to read on a phone: three groups instead.
GROUPS = {"lists": Msg("desk.group.lists"), "figures": Msg("desk.group.figures"),
          "files": Msg("desk.group.files")}


async def visible(ctx: Ctx) -> bool:
    return bool(await branches_in_reach(ctx.session, ctx.member))


def _scope(ctx: Ctx) -> Scope:
    return Scope(tuple(ctx.data["branches"]), ctx.today, ctx.settings)


async def _start(ctx: Ctx) -> Outcome:
    reach = await branches_in_reach(ctx.session, ctx.member)
    if not reach:
        return Done(Msg("desk.not_allowed"))
    ctx.data["several"] = len(reach) > 1  # offers "another chi bo" without asking again
    if len(reach) == 1:
        ctx.data["branches"] = [reach[0].id]
        return Next("what")
    return Next("pick")


async def _pick_prompt(ctx: Ctx) -> Prompt:
    reach = await branches_in_reach(ctx.session, ctx.member)
    options = [("all", Msg("desk.pick.all", count=len(reach)))]
    options += [(str(b.id), Msg("desk.pick.branch", name=b.name)) for b in reach]
    return Prompt([Msg("desk.pick.head")], options)


async def _pick(ctx: Ctx, answer: Answer) -> Outcome:
    reach = await branches_in_reach(ctx.session, ctx.member)
    if answer.option == "all":
        ctx.data["branches"] = [b.id for b in reach]
        return Next("what")
    chosen = next((b for b in reach if str(b.id) == answer.option), None)
    if chosen is None:
        return Invalid(Msg("common.please_choose"))
    ctx.data["branches"] = [chosen.id]
    return Next("what")


async def _scope_name(ctx: Ctx) -> Msg:
    ids = ctx.data["branches"]
    if len(ids) == 1:
        branch = await ctx.session.get(Organisation, ids[0])
        return Msg("desk.scope.branch", name=branch.name if branch else "")
    return Msg("desk.scope.several", count=len(ids))


def _group_options(ctx: Ctx, group: str) -> list[tuple[str, Msg]]:
    """The outputs of one group: lists, figures (rates and charts) or files."""
    single = len(ctx.data["branches"]) == 1
    if group == "lists":
        return [(f"s:{s.id}", s.title) for s in sections()] if single else []
    if group == "figures":
        return [("rates", Msg("desk.what.rates")), ("chart", Msg("desk.what.chart")),
                *((f"m:{s.id}", s.title) for s in all_series())]
    files = [("xlsx", Msg("desk.what.xlsx"))]
    if single:
        files += [("report", Msg("desk.what.report")),
                  ("resolution", Msg("desk.what.resolution"))]
    return [*files, ("review", Msg("desk.what.review"))]


async def _what_prompt(ctx: Ctx) -> Prompt:
    group = ctx.data.get("group")
    head = Msg("desk.what.head", scope=await _scope_name(ctx))
    if group in GROUPS:
        return Prompt([head], [*_group_options(ctx, group), ("g:", Msg("desk.what.groups")),
                               ("done", Msg("desk.what.done"))])
    options = [(f"g:{g}", label) for g, label in GROUPS.items() if _group_options(ctx, g)]
    if ctx.data.get("several"):
        options.append(("pick", Msg("desk.what.pick")))
    return Prompt([head], [*options, ("done", Msg("desk.what.done"))])


async def _what(ctx: Ctx, answer: Answer) -> Outcome:
    option = answer.option or ""
    if option == "done":
        return Done(Msg("desk.bye"))
    if option == "pick":
        ctx.data["group"] = None
        return Next("pick")
    if option.startswith("g:"):
        chosen = option.removeprefix("g:")
        ctx.data["group"] = chosen if chosen in GROUPS else None
        return Next("what")
    if not await may_see(ctx.session, ctx.member, set(ctx.data["branches"])):
        return Done(Msg("desk.not_allowed"))
    handler = _HANDLERS.get(option.split(":", 1)[0])
    if handler is None:
        return Invalid(Msg("common.please_choose"))
    return await handler(ctx, option)


def _audit(ctx: Ctx, action: str, **detail: Any) -> None:
    ids = ctx.data["branches"]
    subject = ("org", ids[0]) if len(ids) == 1 else ("orgs", len(ids))
    ctx.audit(action, subject, branches=ids, **detail)


def cell_text(ctx: Ctx, value: Cell) -> str:
    render = ctx.renderer()
    if isinstance(value, Msg):
        return render(value)
    if isinstance(value, date):
        return render(Msg("desk.cell.date", date=value))
    return "-" if value is None else str(value)


async def _list(ctx: Ctx, option: str) -> Outcome:
    chosen = section(option.removeprefix("s:"))
    if chosen is None or len(ctx.data["branches"]) != 1:
        return Invalid(Msg("common.please_choose"))
    rows = await chosen.rows(ctx.session, _scope(ctx))
    limit = ctx.settings.desk_list_limit
    lines = [Msg("desk.list.head", title=chosen.title, count=len(rows))]
    if rows:  # the figures of a row read as nothing without their headings
        lines.append(Msg("desk.list.columns", columns=" \u00b7 ".join(
            cell_text(ctx, c) for c in chosen.columns)))
    lines += [Msg("desk.list.row", number=n, text=" \u00b7 ".join(cell_text(ctx, c) for c in row))
              for n, row in enumerate(rows[:limit], start=1)]
    if len(rows) > limit:
        lines.append(Msg("desk.list.more", count=len(rows) - limit))
    if not rows:
        lines.append(Msg("desk.list.empty"))
    _audit(ctx, "desk.list", section=chosen.id, rows=len(rows))
    ctx.reply(*lines)
    return Next("what")


async def _rates(ctx: Ctx, _option: str) -> Outcome:
    table = await rate_table(ctx.session, ctx.settings, ctx.now, ctx.data["branches"])
    _audit(ctx, "desk.rates")
    ctx.reply(*rate_lines(table, ctx.language))
    return Next("what")


async def _chart(ctx: Ctx, _option: str) -> Outcome:
    table = await rate_table(ctx.session, ctx.settings, ctx.now, ctx.data["branches"])
    bars = exports.rate_bars(table, ctx.renderer(), ctx.language, ctx.settings.desk_chart_bars)
    _audit(ctx, "desk.export", output="rate_chart")
    await outputs.deliver(ctx, charts.draw_bars(bars), "ty-le-giam-mien.png", outputs.PNG,
                    Msg("desk.file.rate_chart"))
    return Next("what")


async def _monthly(ctx: Ctx, option: str) -> Outcome:
    chosen = series(option.removeprefix("m:"))
    if chosen is None:
        return Invalid(Msg("common.please_choose"))
    drawn = await monthly_chart(ctx.session, chosen, _scope(ctx), ctx.renderer())
    _audit(ctx, "desk.export", output=f"series:{chosen.id}")
    await outputs.deliver(ctx, charts.draw_months(drawn), f"{chosen.id}.png", outputs.PNG,
                    chosen.title)
    return Next("what")


async def _xlsx(ctx: Ctx, _option: str) -> Outcome:
    render = ctx.renderer()
    table = await rate_table(ctx.session, ctx.settings, ctx.now, ctx.data["branches"])
    sheets = exports.rate_sheets(table, render)
    if len(ctx.data["branches"]) == 1:
        sheets = [*await exports.list_sheets(ctx.session, _scope(ctx), render), *sheets]
    _audit(ctx, "desk.export", output="xlsx")
    await outputs.deliver(ctx, workbook.build(sheets, render), "so-lieu-chi-bo.xlsx", outputs.XLSX,
                    Msg("desk.file.xlsx"))
    return Next("what")


async def _draft(ctx: Ctx, name: str, context: dict[str, Any], file: str,
                 caption: Msg) -> Outcome:
    try:
        content = drafts.render(name, context, ctx.settings)
    except drafts.TemplateProblem as problem:
        log.warning("desk template refused: %s", problem)
        ctx.reply(Msg("desk.error.template"))
        return Next("what")
    _audit(ctx, "desk.export", output=name)
    await outputs.deliver(ctx, content, file, outputs.DOCX, caption)
    return Next("what")


async def _report(ctx: Ctx, _option: str) -> Outcome:
    if len(ctx.data["branches"]) != 1:
        return Invalid(Msg("common.please_choose"))
    table = await rate_table(ctx.session, ctx.settings, ctx.now, ctx.data["branches"])
    context = await exports.report_context(ctx.session, _scope(ctx), table, ctx.renderer(),
                                           ctx.language)
    return await _draft(ctx, drafts.REPORT, context, "bao-cao.docx", Msg("desk.file.report"))


async def _review(ctx: Ctx, _option: str) -> Outcome:
    render = ctx.renderer()
    context = await exports.review_context(ctx.session, _scope(ctx), render,
                                           render(await _scope_name(ctx)))
    return await _draft(ctx, drafts.REVIEW, context, "ra-soat.docx", Msg("desk.file.review"))


async def _resolution(ctx: Ctx, _option: str) -> Outcome:
    if len(ctx.data["branches"]) != 1:
        return Invalid(Msg("common.please_choose"))
    if not await exports.decided_requests(ctx.session, _scope(ctx), RECENT_REQUESTS):
        ctx.reply(Msg("desk.resolution.none"))
        return Next("what")
    return Next("request")


async def _request_prompt(ctx: Ctx) -> Prompt:
    found = await exports.decided_requests(ctx.session, _scope(ctx), RECENT_REQUESTS)
    options = [(str(r.id), Msg("desk.resolution.option", number=r.id, name=name,
                               kind=kinds.of(r).kind_label(r))) for r, name in found]
    return Prompt([Msg("desk.resolution.head")], [*options, ("back", Msg("desk.what.back"))])


async def _request(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "back":
        return Next("what")
    if not await may_see(ctx.session, ctx.member, set(ctx.data["branches"])):
        return Done(Msg("desk.not_allowed"))
    found = await exports.decided_requests(ctx.session, _scope(ctx), RECENT_REQUESTS)
    request: Request | None = next((r for r, _name in found if str(r.id) == answer.option),
                                   None)
    if request is None:
        return Invalid(Msg("common.please_choose"))
    context = await exports.resolution_context(ctx.session, request, ctx.renderer(), ctx.today)
    return await _draft(ctx, drafts.RESOLUTION, context, f"nghi-quyet-{request.id}.docx",
                        Msg("desk.file.resolution", number=request.id))


_HANDLERS = {"s": _list, "rates": _rates, "chart": _chart, "m": _monthly, "xlsx": _xlsx,
             "report": _report, "review": _review, "resolution": _resolution}

FLOW = Flow(NAME, {"pick": Step(_pick_prompt, _pick), "what": Step(_what_prompt, _what),
                   "request": Step(_request_prompt, _request)}, _start)
