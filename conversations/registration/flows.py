"""Registration: consent first (Law 91/2025/QH15), then proof of identity, then the link."""

from __future__ import annotations

from datetime import datetime

from conversations import consent, identity, zalo_bots
from conversations.commands import yes_or_no
from conversations.context import Ctx
from conversations.flow import Answer, Done, Flow, Invalid, Next, Outcome, Prompt, Step
from conversations.identity import Refusal, WrongBot
from storage.models import Member, Organisation
from storage.repos import accounts
from vocabulary.messages import Msg
from vocabulary.types import ChatRef, Outbound

NAME = "registration"
LANGUAGE_NAMES = {"vi": "language.vi", "en": "language.en"}


async def _start(ctx: Ctx) -> Outcome:
    text = ctx.inbound.text or ""
    if identity.looks_like_code(text):
        ctx.data["pending_code"] = text.strip()
    return Next("consent")


async def _consent_prompt(ctx: Ctx) -> Prompt:
    other = [lang for lang in ctx.settings.languages if lang != ctx.language]
    return Prompt(
        [Msg("consent.welcome"), Msg("consent.automated"), *consent.text(ctx),
         Msg("consent.question")],
        [("yes", Msg("consent.agree")), ("no", Msg("consent.decline"))]
        + [(f"lang-{lang}", Msg(LANGUAGE_NAMES[lang])) for lang in other],
    )


async def _consent(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option is None and answer.text:
        answer = Answer(option=yes_or_no(answer.text))
    language = (answer.option or "").removeprefix("lang-")
    if answer.option and answer.option.startswith("lang-"):
        if language not in ctx.settings.languages:  # a forged button: ask again, unchanged
            return Invalid(Msg("consent.please_choose"))
        ctx.state.language = language
        return Next("consent")
    if answer.option == "no":
        return Done(Msg("consent.declined"))
    if answer.option != "yes":
        return Invalid(Msg("consent.please_choose"))
    ctx.data["consented_at"] = ctx.now.isoformat()
    pending = ctx.data.pop("pending_code", None)
    if pending:
        outcome = await _identify(ctx, Answer(text=pending))
        if not isinstance(outcome, Invalid):
            return outcome
        ctx.reply(outcome.reason)  # consent is given: the next try is at the code step
    return Next("identify")


async def _identify_prompt(ctx: Ctx) -> Prompt:
    if ctx.channel.contact_sharing and not ctx.data.get("needs_code"):
        return Prompt([Msg("register.share_or_code")], request_contact=True)
    return Prompt([Msg("register.type_code")])


async def _identify(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.contact is not None:
        found = await identity.member_for_contact(
            ctx.session, ctx.settings, answer.contact, ctx.inbound.user_id)
        proof = "contact"
    elif answer.text and identity.is_typed_phone(answer.text, ctx.settings.phone_region):
        # Not an attempt at a code: say how this channel proves a phone number instead.
        if ctx.channel.contact_sharing:
            return Invalid(Msg("register.typed_phone"))
        return Invalid(Msg("register.typed_phone_code"))
    elif answer.text and identity.looks_like_code(answer.text):
        chat = (ctx.inbound.channel, ctx.inbound.chat_id)
        found = await identity.redeem_invite(ctx.session, ctx.settings, answer.text, chat,
                                             ctx.now, ctx.inbound.bot)
        proof = "invite"
    else:
        return Invalid(Msg("register.need_contact_or_code"))
    if isinstance(found, WrongBot):
        right = zalo_bots.by_id(ctx.settings, found.bot)
        return Invalid(Msg("register.wrong_bot", bot=right.name if right else found.bot,
                           link=right.link if right else ""))
    if isinstance(found, Refusal):
        if found is Refusal.TOO_MANY:
            return Done(Msg("register.refused.too_many"))
        if found in (Refusal.NOT_FOUND, Refusal.SHARED_PHONE):
            ctx.data["needs_code"] = True
        return Invalid(Msg(f"register.refused.{found}"))
    return await _link(ctx, found, proof)


async def _link(ctx: Ctx, member: Member, proof: str) -> Outcome:
    for other in await accounts.of_member(ctx.session, member.id or 0):
        if (other.channel, other.chat_id) != (ctx.inbound.channel, ctx.inbound.chat_id):
            ctx.outbox.append(Outbound(ChatRef(other.channel, other.chat_id, other.bot), [Msg(
                "register.other_account_linked", channel=Msg(f"channel.{ctx.inbound.channel}"),
                at=ctx.now)]))
    ctx.member = member
    member.language = member.language or ctx.state.language or ctx.settings.default_language
    ctx.session.add(member)
    ctx.account = await identity.link_account(
        ctx.session, member,
        channel=ctx.inbound.channel, user_id=ctx.inbound.user_id, chat_id=ctx.inbound.chat_id,
        now=ctx.now, consent_version=ctx.settings.consent_version,
        consented_at=datetime.fromisoformat(ctx.data["consented_at"]), proof=proof,
        bot=ctx.inbound.bot,
    )
    branch = await ctx.session.get(Organisation, member.branch_id)
    return Done(Msg("register.linked", name=member.full_name, branch=branch.name if branch else ""))


FLOW = Flow(
    name=NAME,
    start=_start,
    needs_member=False,
    steps={
        "consent": Step(_consent_prompt, _consent),
        "identify": Step(_identify_prompt, _identify),
    },
)
