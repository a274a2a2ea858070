"""What Chibot knows about me: my profile, my branch and officers, and all my stored data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel import col, select

from conversations import consent, officers
from conversations.commands import yes_or_no
from conversations.context import Ctx
from conversations.flow import (
    Answer,
    Done,
    Flow,
    HandleFn,
    Invalid,
    Next,
    Outcome,
    Prompt,
    Step,
    go,
    static,
    written,
)
from conversations.profile import rights
from conversations.requests import notices
from storage import personal_data
from storage.models import Consent, InviteCode, Member, Organisation
from storage.phones import display_phone
from storage.repos import accounts, orgs, requests
from vocabulary.messages import Msg

PROFILE = "profile"
MY_DATA = "mydata"
MY_DATA_REQUESTS = 20  # the latest requests shown in "my data"
MAX_CORRECTION = 1000  # what DataRequest.text holds


async def profile_lines(ctx: Ctx, member: Member) -> list[Msg]:
    branch = await ctx.session.get(Organisation, member.branch_id)
    group = await ctx.session.get(Organisation, member.group_id) if member.group_id else None
    lines = [
        Msg("profile.title"),
        Msg("profile.name", value=member.full_name),
        Msg("profile.roster_id", value=member.roster_id),
        Msg("profile.birth_date", value=member.birth_date),
        Msg("profile.gender", value=Msg(f"gender.{member.gender}") if member.gender else None),
        Msg("profile.phone", value=display_phone(member.phone, ctx.settings.phone_region)),
        Msg("profile.branch", value=branch.name if branch else None),
        Msg("profile.group", value=group.name if group else None),
        Msg("profile.admitted_on", value=member.admitted_on),
        # The roster says nothing of standing when it has no date: not "probationary".
        Msg("profile.official_on", value=member.official_on or Msg("profile.not_recorded")),
        Msg("profile.status", value=Msg(f"status.{member.status}")),
    ]
    for role in await orgs.roles_of(ctx.session, member.id or 0):
        org = await ctx.session.get(Organisation, role.org_id)
        name = org.name if org else ""
        lines.append(Msg("profile.role", role=Msg(f"role.{role.role}"), org=name))
    if member.is_retired_cadre:
        lines.append(Msg("profile.retired_cadre", value=member.managing_body))
    contacts = await officers.help_contacts(ctx.session, member)
    lines += officers.contact_lines(contacts, ctx.settings.phone_region)
    return lines


async def _show_profile(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    return Done(*await profile_lines(ctx, ctx.member))


async def _data_prompt(ctx: Ctx) -> Prompt:
    assert ctx.member is not None
    lines = await profile_lines(ctx, ctx.member)
    lines.append(Msg("mydata.accounts_title"))
    for account in await accounts.of_member(ctx.session, ctx.member.id or 0):
        lines.append(Msg("mydata.account", channel=Msg(f"channel.{account.channel}"),
                         linked_at=account.linked_at, last_seen=account.last_seen_at))
    consents = await ctx.session.exec(
        select(Consent).where(Consent.member_id == ctx.member.id).order_by(col(Consent.id)))
    lines.append(Msg("mydata.consents_title"))
    for given in consents.all():
        lines.append(Msg("mydata.consent", given_at=given.given_at, version=given.version,
                         withdrawn_at=given.withdrawn_at or Msg("mydata.not_withdrawn")))
    invites = await ctx.session.exec(
        select(InviteCode).where(InviteCode.member_id == ctx.member.id))
    lines += [Msg("mydata.invite", created_at=i.created_at, used_at=i.used_at) for i in invites]
    found = await requests.of_member(ctx.session, ctx.member.id or 0, MY_DATA_REQUESTS)
    if found:
        lines.append(Msg("mydata.requests_title"))
    for request in found:
        lines += await notices.summary(ctx.session, request)
        lines.append(Msg("mydata.request_status", status=Msg(f"request.status.{request.status}")))
    lines += await _section_lines(ctx, ctx.member)
    lines.append(Msg("mydata.rights"))
    return Prompt(lines, [("copy", Msg("mydata.copy")), ("correct", Msg("mydata.correct")),
                          ("delete", Msg("mydata.delete")), ("withdraw", Msg("mydata.withdraw")),
                          ("back", Msg("common.back"))])


async def _section_lines(ctx: Ctx, member: Member) -> list[Msg]:
    """The titled sections of the registry (decisions, recipients, certificates, ...)."""
    lines: list[Msg] = []
    for section in ctx.personal_data:
        if section.title is None:
            continue
        rows = await section.read(ctx.session, member, ctx.settings)
        if rows:
            draw = section.lines or personal_data.plain_lines
            lines += [section.title, *draw(rows)]
    return lines


async def _data_choice(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "back":
        return Done()
    if answer.option == "copy":
        await rights.send_copy(ctx)
        return Done()
    if answer.option in ("withdraw", "correct", "delete"):
        return Next(f"confirm_{answer.option}")
    return Invalid(Msg("common.please_choose"))


async def _correction(ctx: Ctx, answer: Answer) -> Outcome:
    text = written(answer, MAX_CORRECTION, "mydata.correct_prompt", "request.error.text_too_long")
    if isinstance(text, Invalid):
        return text
    return Done(*await rights.ask_correction(ctx, text))


def _confirmed(kept: Msg, act: Callable[[Ctx], Awaitable[list[Msg]]]) -> HandleFn:
    """A yes/no step (tapped or typed): «no» keeps everything, «yes» does `act`."""
    async def handle(ctx: Ctx, answer: Answer) -> Outcome:
        if answer.option is None and answer.text:
            answer = Answer(option=yes_or_no(answer.text))
        if answer.option == "no":
            return Done(kept)
        if answer.option != "yes":
            return Invalid(Msg("common.please_choose"))
        return Done(*await act(ctx))
    return handle


_delete = _confirmed(Msg("mydata.delete_kept"), rights.delete_data)
_withdraw = _confirmed(Msg("mydata.withdraw_kept"), consent.withdraw)


PROFILE_FLOW = Flow(PROFILE, {}, _show_profile)
DATA_FLOW = Flow(
    MY_DATA,
    {
        "show": Step(_data_prompt, _data_choice),
        "confirm_withdraw": Step(
            static(Msg("mydata.withdraw_confirm"),
                   options=[("yes", Msg("mydata.withdraw_yes")), ("no", Msg("common.no"))]),
            _withdraw,
        ),
        "confirm_correct": Step(static(Msg("mydata.correct_prompt")), _correction),
        "confirm_delete": Step(
            static(Msg("mydata.delete_explain"), Msg("mydata.delete_confirm"),
                   options=[("yes", Msg("mydata.delete_yes")), ("no", Msg("common.no"))]),
            _delete,
        ),
    },
    go("show"),
)
