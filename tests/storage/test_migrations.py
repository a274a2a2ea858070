"""The migrations build exactly the models' schema, and `chibot db upgrade` applies them."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel, col, select
from typer.testing import CliRunner

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage import migrate
from storage.db import Database
from storage.models import Request, RequestDecision


def _head() -> str:
    head = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def _differences(connection: Connection) -> list[Any]:
    """What `alembic revision --autogenerate` would put in a new migration (as env.py compares)."""
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": migrate.comparable})
    return compare_metadata(context, SQLModel.metadata)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_migrated_schema_matches_the_models(db: Database) -> None:
    """A model changed without a migration shows up here as a difference."""
    async with db.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
        revision = await connection.run_sync(_current_revision)
    assert differences == []
    assert revision == _head()


async def test_indexes_autogenerate_cannot_compare_exist_too(db: Database) -> None:
    """Expression indexes are skipped by the comparison above; the migrations still make them."""

    def names(connection: Connection) -> set[str]:
        found = inspect(connection).get_indexes("outboxmessage")
        return {index["name"] for index in found if index["name"]}

    async with db.engine.connect() as connection:
        present = await connection.run_sync(names)
    assert present >= migrate.EXPRESSION_INDEXES


async def test_upgrade_twice_is_harmless(db: Database) -> None:
    """Upgrading an up-to-date database changes nothing (the `db` fixture already upgraded)."""
    await migrate.upgrade(db)
    async with db.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
        assert await connection.run_sync(_current_revision) == _head()


def _sqlite(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Run one statement on the SQLite file with the standard library, committing it."""
    with closing(sqlite3.connect(path)) as connection, connection:
        return connection.execute(sql).fetchall()


def _tables(path: Path) -> set[str]:
    rows = _sqlite(path, "SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def test_cli_db_upgrade_creates_the_sqlite_database_and_is_rerunnable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`chibot db upgrade` on a new data folder makes the file and tables; a rerun keeps data."""
    from bot.cli import app  # imported here so a broken CLI fails this test, not collection

    data_dir = tmp_path / "data"
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    monkeypatch.setenv("CHIBOT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CHIBOT_DATABASE_URL", "")
    database_file = data_dir / "chibot.db"
    runner = CliRunner()

    first = runner.invoke(app, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert database_file.is_file()
    assert _tables(database_file) == set(SQLModel.metadata.tables) | {"alembic_version"}
    assert _sqlite(database_file, "SELECT version_num FROM alembic_version") == [(_head(),)]

    _sqlite(database_file,
            "INSERT INTO organisation (code, name, kind) VALUES ('B1', 'Chi bộ 1', 'branch')")

    second = runner.invoke(app, ["db", "upgrade"])
    assert second.exit_code == 0, second.output
    assert _tables(database_file) == set(SQLModel.metadata.tables) | {"alembic_version"}
    assert _sqlite(database_file, "SELECT version_num FROM alembic_version") == [(_head(),)]
    assert _sqlite(database_file, "SELECT name FROM organisation") == [("Chi bộ 1",)]


async def test_exemption_requests_become_requests_of_that_type(database_url: str) -> None:
    """Migration 0011 keeps every exemption request, its certificate and its decisions."""
    database = Database(database_url)
    try:
        if database.engine.dialect.name == "postgresql":
            async with database.engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        await migrate.upgrade(database, "0006")
        async with database.engine.begin() as connection:
            for statement in _BEFORE_0007:
                await connection.execute(text(statement))
        await migrate.upgrade(database)
        async with database.session() as session:
            first, second = (await session.exec(select(Request).order_by(col(Request.id)))).all()
            decision = (await session.exec(select(RequestDecision))).one()
        assert (first.type, first.kind, first.reason) == ("exemption", "exemption", "health")
        assert first.attachment == {"path": "ab/abcd", "name": "giay.pdf",
                                    "mime_type": "application/pdf", "size": 10}
        assert (first.status, first.detail, first.other_org_id) == ("approved", {}, None)
        assert (second.kind, second.related_id, second.attachment_at_meeting) == (
            "return", first.id, False)
        assert (decision.request_id, decision.outcome) == (first.id, "approved")
    finally:
        await database.dispose()


_BEFORE_0007 = [
    "INSERT INTO organisation (id, code, name, kind) VALUES (1, 'CB', 'Chi bộ', 'branch')",
    "INSERT INTO member (id, roster_id, full_name, branch_id, is_retired_cadre, status, "
    "created_at, updated_at) VALUES (1, 'M-1', 'Mai', 1, false, 'exempted', "
    "'2026-11-21 02:00:00', '2026-11-21 02:00:00')",
    "INSERT INTO exemptionrequest (id, member_id, branch_id, kind, reason, certificate, "
    "certificate_at_meeting, status, stage_since, revision, created_at) VALUES (1, 1, 1, "
    "'exemption', 'health', '{\"path\": \"ab/abcd\", \"name\": \"giay.pdf\", \"mime_type\": "
    "\"application/pdf\", \"size\": 10}', false, 'approved', '2026-11-21 02:00:00', 2, "
    "'2026-11-21 02:00:00')",
    "INSERT INTO exemptionrequest (id, member_id, branch_id, kind, reason, relieves_id, "
    "certificate_at_meeting, status, stage, stage_org_id, stage_since, revision, created_at) "
    "VALUES (2, 1, 1, 'return', 'return', 1, false, 'pending', 'branch', 1, "
    "'2026-11-22 02:00:00', 1, '2026-11-22 02:00:00')",
    "INSERT INTO requestdecision (id, request_id, stage, outcome, by_member_id, at, before) "
    "VALUES (1, 1, 'branch', 'approved', 1, '2026-11-21 03:00:00', '{}')",
]
