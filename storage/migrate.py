"""Apply Alembic migrations from code (the CLI, the demo and the tests share this)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from storage.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
# Indexes on expressions (a DESC column) that autogenerate cannot compare; their migrations
# are written by hand.
EXPRESSION_INDEXES = frozenset({"ix_outbox_claim"})


def comparable(_object: Any, name: str | None, type_: str, _reflected: bool,
               _compare_to: Any) -> bool:
    """Alembic's include_object: what autogenerate compares between models and database."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def is_current(db: Database) -> bool:
    """Whether the database schema is at the newest migration."""

    def _current(connection: Connection) -> bool:
        heads = ScriptDirectory.from_config(alembic_config(db.url)).get_heads()
        return set(MigrationContext.configure(connection).get_current_heads()) == set(heads)

    async with db.connection() as connection:
        return await connection.run_sync(_current)


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database schema to `revision`."""

    def _upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(db.url, connection), revision)

    async with db.connection() as connection:
        await connection.run_sync(_upgrade)
