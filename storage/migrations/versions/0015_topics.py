"""monthly topics

Catalogues of the signs of degradation and their items, the catalogue each organisation
studies, each chi bo's rotation, its monthly rounds, «Da doc» answers and private
reflections.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 11:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'topiccatalogue',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('issuer', sa.String(length=200), nullable=True),
        sa.Column('issued_on', sa.Date(), nullable=True),
        sa.Column('imported_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.create_table(
        'topicitem',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('catalogue_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('group', sa.String(length=1), nullable=False),
        sa.Column('parent_code', sa.String(length=20), nullable=True),
        sa.Column('text_vi', sa.String(length=4000), nullable=True),
        sa.Column('text_en', sa.String(length=4000), nullable=True),
        sa.Column('source', sa.String(length=300), nullable=True),
        sa.Column('source_date', sa.String(length=20), nullable=True),
        sa.Column('source_link', sa.String(length=500), nullable=True),
        sa.Column('verified', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['catalogue_id'], ['topiccatalogue.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('catalogue_id', 'code'),
    )
    op.create_index(op.f('ix_topicitem_catalogue_id'), 'topicitem', ['catalogue_id'])
    op.create_table(
        'topicactivation',
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('catalogue_id', sa.Integer(), nullable=False),
        sa.Column('activated_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['catalogue_id'], ['topiccatalogue.id']),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('org_id'),
    )
    op.create_table(
        'topicrotation',
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('cycle', sa.Integer(), nullable=False),
        sa.Column('sent', sa.JSON(), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['branch_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('branch_id'),
    )
    op.create_table(
        'topicmessage',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'topicround',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('catalogue_id', sa.Integer(), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('edited_by', sa.Integer(), nullable=True),
        sa.Column('voice', sa.JSON(), nullable=True),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['branch_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['catalogue_id'], ['topiccatalogue.id']),
        sa.ForeignKeyConstraint(['edited_by'], ['member.id']),
        sa.ForeignKeyConstraint(['message_id'], ['topicmessage.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('branch_id', 'month'),
    )
    op.create_table(
        'topicread',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('read_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id']),
        sa.ForeignKeyConstraint(['round_id'], ['topicround.id']),
        sa.PrimaryKeyConstraint('round_id', 'member_id'),
    )
    op.create_table(
        'topicreflection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=4000), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['topicitem.id']),
        sa.ForeignKeyConstraint(['member_id'], ['member.id']),
        sa.ForeignKeyConstraint(['round_id'], ['topicround.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('member_id', 'round_id', 'item_id'),
    )
    op.create_index(op.f('ix_topicreflection_member_id'), 'topicreflection', ['member_id'])
    op.create_index(op.f('ix_topicreflection_created_at'), 'topicreflection', ['created_at'])


def downgrade() -> None:
    op.drop_table('topicreflection')
    op.drop_table('topicread')
    op.drop_table('topicround')
    op.drop_table('topicmessage')
    op.drop_table('topicrotation')
    op.drop_table('topicactivation')
    op.drop_table('topicitem')
    op.drop_table('topiccatalogue')
