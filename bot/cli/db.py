"""`chibot db`: the database schema."""

from __future__ import annotations

import typer

from bot.cli.common import run_with_db
from storage import migrate

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply the Alembic migrations (creates the SQLite file on first use)."""
    run_with_db(lambda database, _settings: migrate.upgrade(database, revision),
                needs_schema=False)
    typer.echo(f"database at {revision}")
