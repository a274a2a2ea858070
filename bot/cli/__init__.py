"""The `chibot` command line."""

from __future__ import annotations

import logging

import typer

from bot.cli import (
    broadcast,
    db,
    demo,
    files,
    invite,
    meetings,
    org,
    report,
    roster,
    run,
    topics,
)
from bot.cli.texts import TranslatedGroup
from vocabulary.messages import Msg
from vocabulary.settings import Settings

app = typer.Typer(
    cls=TranslatedGroup,  # help and messages in CHIBOT_DEFAULT_LANGUAGE
    help=Msg("cli.help").key,
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _logging() -> None:
    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


app.add_typer(db.app, name="db")
app.add_typer(org.app, name="org")
app.add_typer(roster.app, name="roster")
app.add_typer(invite.app, name="invite")
app.add_typer(run.app, name="run")
app.add_typer(broadcast.app, name="broadcast")
app.add_typer(meetings.app, name="meetings")
app.add_typer(topics.app, name="topics")
app.add_typer(report.app, name="report")
app.add_typer(files.app, name="files")
app.command("demo", help=Msg("cli.demo").key)(demo.demo)
