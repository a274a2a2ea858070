"""The demo party organisation, seeded from the data files in bot/demo_data/."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path

from conversations import identity
from handlers.terminal import CHANNEL, chat_id_for
from storage import migrate
from storage.db import Database
from storage.models import OfficerRole
from storage.org_tree import assign_role, load_tree_file
from storage.repos import members
from storage.roster import import_roster
from vocabulary.settings import Settings

DATA = Path(__file__).parent / "demo_data"


async def seed_demo(db: Database, settings: Settings, now: datetime) -> None:
    """Create the schema and load the demo organisation, roster, officers and linked accounts."""
    await migrate.upgrade(db)
    await load_tree_file(db, DATA / "organisation.toml", now=now)
    report = await import_roster(db, DATA / "members.csv", now=now,
                                 today=now.astimezone(settings.tz).date())
    if report.errors:
        raise RuntimeError(f"demo roster is invalid: {report.errors[:3]}")
    people = tomllib.loads((DATA / "people.toml").read_text(encoding="utf-8"))
    async with db.session() as session:
        for officer in people["officer"]:
            await assign_role(session, roster_id=officer["roster_id"], org_code=officer["org"],
                              role=OfficerRole(officer["role"]), now=now, actor="demo")
        for roster_id in people["preregistered"]:
            member = await members.by_roster_id(session, roster_id)
            if member is None:
                raise RuntimeError(f"demo people.toml names unknown member {roster_id}")
            chat = chat_id_for(member)
            await identity.link_account(
                session, member, channel=CHANNEL, user_id=chat, chat_id=chat, now=now,
                consent_version=settings.consent_version, consented_at=now, proof="demo")
