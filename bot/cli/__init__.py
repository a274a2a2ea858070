"""The `chibot` command line."""

from __future__ import annotations

import typer

from bot.cli import broadcast, db, demo, invite, org, roster, run

app = typer.Typer(
    help="Chibot: self-service chat for party members and branch officers.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(org.app, name="org")
app.add_typer(roster.app, name="roster")
app.add_typer(invite.app, name="invite")
app.add_typer(run.app, name="run")
app.add_typer(broadcast.app, name="broadcast")
app.command("demo")(demo.demo)
