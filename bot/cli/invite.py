"""`chibot invite`: one-time codes that link a member's chat account."""

from __future__ import annotations

import typer

from bot.cli.common import run_with_db, utc_now
from bot.cli.texts import echo, say
from conversations import identity, zalo_bots
from storage.db import Database
from storage.models import MemberStatus
from storage.repos import members
from vocabulary.messages import Msg
from vocabulary.settings import Settings

app = typer.Typer(help=Msg("cli.invite").key, no_args_is_help=True)


@app.command("create", help=Msg("cli.invite.create").key)
def create(
    roster_id: str = typer.Argument(..., help=Msg("cli.invite.create.roster_id").key),
) -> None:
    """Issue a code for a member; hand it over in person (it is shown only this once)."""

    async def _work(db: Database, settings: Settings) -> tuple[str, str] | None:
        async with db.session() as session:
            member = await members.by_roster_id(session, roster_id)
            if member is None or member.status == MemberStatus.LEFT:
                return None
            bot = await zalo_bots.bot_for(session, settings, member, utc_now())
            code, expires = await identity.issue_invite(session, settings, member, utc_now(),
                                                        None, bot.id if bot else None)
            local = expires.astimezone(settings.tz).strftime("%d/%m/%Y %H:%M")
            if bot is not None:
                local += say(Msg("cli.invite.zalo_bot", name=bot.name, link=bot.link))
            elif settings.zalo_bot_list:
                local += say(Msg("cli.invite.no_zalo_slot"))
            return code, local

    issued = run_with_db(_work)
    if issued is None:
        echo(Msg("cli.invite.no_member", roster_id=roster_id), err=True)
        raise typer.Exit(1)
    echo(Msg("cli.invite.code", code=issued[0], until=issued[1]))
