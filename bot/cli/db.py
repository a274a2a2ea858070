"""`chibot db`: the database schema."""

from __future__ import annotations

import typer

from bot.cli.common import run_with_db
from bot.cli.texts import echo
from storage import migrate
from vocabulary.messages import Msg

app = typer.Typer(help=Msg("cli.db").key, no_args_is_help=True)


@app.command(help=Msg("cli.db.upgrade").key)
def upgrade(
    revision: str = typer.Argument("head", help=Msg("cli.db.upgrade.revision").key),
) -> None:
    """Apply the Alembic migrations (creates the SQLite file on first use)."""
    run_with_db(lambda database, _settings: migrate.upgrade(database, revision),
                needs_schema=False)
    echo(Msg("cli.db.upgraded", revision=revision))
