"""«Dang vien dang o xa»: who of the officer's chi bo is away (overdue first); for a base
committee, how many per chi bo, with a drill-down; members a chi bo hosts for a while; and,
for a secretary, recording an absence a member reported in person."""

from __future__ import annotations

from conversations import officers
from conversations.away import leaving
from conversations.context import Ctx
from conversations.flow import (
    Answer,
    Done,
    Flow,
    Invalid,
    Next,
    Outcome,
    Prompt,
    StartFlow,
    Step,
)
from storage.models import AwayRecord, Member, OfficerRole, Organisation, OrgKind
from storage.phones import display_phone
from storage.repos import away, orgs
from vocabulary.messages import Msg

LIST = "away_list"
BRANCH_ROLES = (*officers.BRANCH_LEADERS, OfficerRole.COMMITTEE_MEMBER)
MAX_BRANCHES = 50  # chi bo shown on the committee's screen (those with most away first)


async def _scope(ctx: Ctx) -> tuple[list[int], list[int]]:
    """The chi bo this officer leads, and those under the committees he/she sits on."""
    assert ctx.member is not None
    led: set[int] = set()
    under: set[int] = set()
    for role in await orgs.roles_of(ctx.session, ctx.member.id or 0):
        org = await ctx.session.get(Organisation, role.org_id)
        if org is None:
            continue
        if OrgKind(org.kind).is_branch and role.role in BRANCH_ROLES:
            led.add(org.id or 0)
        elif not OrgKind(org.kind).is_branch and role.role in (*BRANCH_ROLES,
                                                       OfficerRole.BASE_COMMITTEE_MEMBER):
            under |= await officers.subtree_ids(ctx.session, org.id or 0)
    return sorted(led), sorted(under - led)


async def visible(ctx: Ctx) -> bool:
    if ctx.member is None:
        return False
    led, under = await _scope(ctx)
    return bool(led or under)


async def _start(ctx: Ctx) -> Outcome:
    led, under = await _scope(ctx)
    if not led and not under:
        return Done(Msg("away.list.not_allowed"))
    ctx.data.update(led=led, under=under)
    return Next("counts" if under else "list")


def record_line(ctx: Ctx, record: AwayRecord, member: Member) -> Msg:
    """Where, since, until, how, the state, and when the member was last heard from."""
    return Msg("away.list.line", name=member.full_name, place=record.place,
               start=record.starts_on, end=record.ends_on or Msg("away.summary.unsure"),
               arrangement=Msg(f"away.kind.{record.arrangement}"),
               state=Msg(f"away.state.{away.state(record, ctx.today)}"),
               contact=record.last_contact_at.astimezone(ctx.settings.tz).date())


def hosted_line(ctx: Ctx, record: AwayRecord, member: Member) -> Msg:
    """What a host chi bo may see: the name, the dates and how to reach the member."""
    phone = display_phone(record.contact_phone or member.phone, ctx.settings.phone_region)
    return Msg("away.list.hosted_line", name=member.full_name, start=record.starts_on,
               end=record.ends_on or Msg("away.summary.unsure"),
               phone=phone or Msg("common.no_phone"))


async def _list_prompt(ctx: Ctx) -> Prompt:
    branch_ids = ctx.data.get("branches") or ctx.data["led"]
    home = await away.listing(ctx.session, branch_ids, ctx.today)
    lines = [Msg("away.list.head", count=len(home))]
    lines += [record_line(ctx, r, m) for r, m in home] or [Msg("away.list.none")]
    hosted = await away.listing(ctx.session, ctx.data["led"], ctx.today, hosted=True) \
        if not ctx.data.get("branches") else []
    if hosted:
        lines += [Msg("away.list.hosted_head", count=len(hosted)),
                  *(hosted_line(ctx, r, m) for r, m in hosted)]
    record = [("record", Msg("menu.away_record"))] if await leaving.visible_for_officer(ctx) \
        else []
    return Prompt(lines, [*record, ("done", Msg("request.details.done"))])


async def _list(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "record" and await leaving.visible_for_officer(ctx):
        return StartFlow(leaving.RECORD)
    return Done() if answer.option == "done" else Invalid(Msg("common.please_choose"))


async def _counts_prompt(ctx: Ctx) -> Prompt:
    counts = await away.counts_by_branch(ctx.session, ctx.data["under"] + ctx.data["led"],
                                         ctx.today)
    lines = [Msg("away.list.counts_head", count=sum(n for n, _ in counts.values()),
                 branches=len(counts))]
    options = []
    ranked = sorted(counts.items(), key=lambda item: (-item[1][1], -item[1][0], item[0]))
    for branch_id, (count, overdue) in ranked[:MAX_BRANCHES]:
        branch = await ctx.session.get(Organisation, branch_id)
        label = Msg("away.list.count_option", branch=branch.name if branch else "",
                    count=count, overdue=overdue)
        options.append((str(branch_id), label))
    if not counts:
        lines.append(Msg("away.list.none"))
    return Prompt(lines, [*options, ("done", Msg("request.details.done"))])


async def _counts(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "done":
        return Done()
    allowed = {str(i) for i in ctx.data["under"] + ctx.data["led"]}
    if answer.option not in allowed:
        return Invalid(Msg("common.please_choose"))
    ctx.data["branches"] = [int(answer.option or 0)]
    return Next("list")


FLOW = Flow(LIST, {"counts": Step(_counts_prompt, _counts),
                   "list": Step(_list_prompt, _list)}, _start)
