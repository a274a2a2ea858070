"""requests of any type

The exemption requests become the first type of a general `request` table: a `type`
column (every existing row is an exemption), a second organisation a request may involve,
a JSON `detail` for what only one type records, and the certificate, its "at the meeting"
flag and the request a return ends under general names. Rows and decisions are kept.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ALTER TABLE statements both SQLite (3.35+) and PostgreSQL run: a batch copy of the
# table would have to drop a table the decisions still reference.
RENAMED = (("certificate", "attachment"), ("certificate_at_meeting", "attachment_at_meeting"),
           ("relieves_id", "related_id"))


def upgrade() -> None:
    op.drop_index('ix_exemption_org_status', table_name='exemptionrequest')
    op.drop_index('ix_exemptionrequest_member_id', table_name='exemptionrequest')
    op.rename_table('exemptionrequest', 'request')
    for old, new in RENAMED:
        op.execute(f"ALTER TABLE request RENAME COLUMN {old} TO {new}")
    op.execute("ALTER TABLE request DROP COLUMN previous_status")
    op.execute("ALTER TABLE request ADD COLUMN type VARCHAR(16) NOT NULL DEFAULT 'exemption'")
    op.execute("ALTER TABLE request ADD COLUMN detail JSON NOT NULL DEFAULT '{}'")
    op.execute("ALTER TABLE request ADD COLUMN other_org_id INTEGER REFERENCES organisation (id)")
    op.create_index('ix_request_org_status', 'request', ['stage_org_id', 'status'], unique=False)
    op.create_index('ix_request_member_id', 'request', ['member_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_request_member_id', table_name='request')
    op.drop_index('ix_request_org_status', table_name='request')
    op.execute("DELETE FROM requestdecision WHERE request_id IN "
               "(SELECT id FROM request WHERE type <> 'exemption')")
    op.execute("DELETE FROM request WHERE type <> 'exemption'")
    for column in ("other_org_id", "detail", "type"):
        op.execute(f"ALTER TABLE request DROP COLUMN {column}")
    op.add_column('request', sa.Column('previous_status', sa.String(length=20), nullable=True))
    for old, new in RENAMED:
        op.execute(f"ALTER TABLE request RENAME COLUMN {new} TO {old}")
    op.rename_table('request', 'exemptionrequest')
    op.create_index('ix_exemptionrequest_member_id', 'exemptionrequest', ['member_id'],
                    unique=False)
    op.create_index('ix_exemption_org_status', 'exemptionrequest', ['stage_org_id', 'status'],
                    unique=False)
