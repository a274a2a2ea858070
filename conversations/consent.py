"""The consent text (Law 91/2025/QH15, Decree 356/2025), and asking again when it changes."""

from __future__ import annotations

from sqlmodel import col, select

from conversations import identity
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
)
from storage.models import Consent, Member
from storage.repos import accounts
from vocabulary.messages import Msg

RECONSENT = "reconsent"


def text(ctx: Ctx) -> list[Msg]:
    """What is kept, why, how long, who sees it and controls it, where it travels, the rights."""
    settings = ctx.settings
    controller = (Msg("consent.controller", name=settings.data_controller,
                      contact=settings.data_controller_contact or Msg("common.none"))
                  if settings.data_controller else Msg("consent.controller_default"))
    return [Msg("consent.what"), Msg("consent.sensitive"), Msg("consent.why"),
            Msg("consent.retention", days=settings.certificate_retention_days),
            Msg("consent.who"), controller, Msg("consent.transfer"), Msg("consent.rights")]


def needs_asking(ctx: Ctx) -> bool:
    """A linked member who agreed to an older version of the text is asked again first."""
    account = ctx.account
    return (ctx.member is not None and account is not None
            and account.consent_version != ctx.settings.consent_version)


async def _prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("reconsent.intro"), *text(ctx), Msg("consent.question")],
                  [("yes", Msg("consent.agree")), ("no", Msg("consent.decline"))])


async def _answer(ctx: Ctx, answer: Answer) -> Outcome:
    option = answer.option or (yes_or_no(answer.text) if answer.text else None)
    assert ctx.member is not None
    if option == "yes":
        await identity.consent_again(ctx.session, ctx.member, ctx.inbound.channel,
                                     ctx.settings.consent_version, ctx.now)
        return Done(Msg("reconsent.thanks"))
    if option == "no":
        return Done(*await withdraw(ctx))
    return Invalid(Msg("consent.please_choose"))


async def withdraw(ctx: Ctx) -> list[Msg]:
    """Take back consent: unlink every account of the member and mark the consents withdrawn."""
    member = ctx.member
    assert member is not None
    done = [line for hook in ctx.on_consent_withdrawn for line in await hook(ctx)]
    for account in await accounts.of_member(ctx.session, member.id or 0):
        await ctx.session.delete(account)
    consents = await ctx.session.exec(
        select(Consent).where(Consent.member_id == member.id, col(Consent.withdrawn_at).is_(None)))
    for consent in consents.all():
        consent.withdrawn_at = ctx.now
        ctx.session.add(consent)
    ctx.audit("consent.withdrawn", ("member", member.id))
    ctx.state.language = ctx.language
    ctx.member = ctx.account = None
    return [Msg("mydata.withdrawn"), *done]


# -- a request an officer records for a member who came in person ------------------------------

PAPER = "paper_consent"  # the step asking the officer to confirm the member's signed consent
PAPER_CHANNEL = "paper"


async def paper_prompt(ctx: Ctx) -> Prompt:
    member = await ctx.session.get(Member, ctx.data.get("member_id") or 0)
    return Prompt([Msg("consent.paper.ask", name=member.full_name if member else "")],
                  [("yes", Msg("consent.paper.yes")), ("no", Msg("consent.paper.no"))])


def paper_answer(next_step: str) -> HandleFn:
    """Consent precedes collection: without a signed paper, no health data is taken down."""

    async def answer(ctx: Ctx, given: Answer) -> Outcome:
        option = given.option or (yes_or_no(given.text) if given.text else None)
        if option == "yes":
            ctx.data["paper_consent"] = True
            return Next(next_step)
        if option == "no":
            return Done(Msg("consent.paper.needed"))
        return Invalid(Msg("consent.please_choose"))

    return answer


async def record_paper(ctx: Ctx, member: Member, request_id: int | None) -> None:
    """Store the consent the officer confirmed was given on paper, and who recorded it."""
    assert ctx.member is not None
    ctx.session.add(Consent(member_id=member.id or 0, version=ctx.settings.consent_version,
                            channel=PAPER_CHANNEL, given_at=ctx.now, recorded_by=ctx.member.id))
    ctx.audit("consent.paper_recorded", ("member", member.id), request=request_id)


FLOW = Flow(RECONSENT, {"ask": Step(_prompt, _answer)}, go("ask"))
