"""subscriptions and deliveries: shard, the bot that serves a destination ("" the primary bot);
the claim index becomes (platform, shard, state, id)

Revision ID: 0005_sender_shard
Revises: 0004_sending_part
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_sender_shard"
down_revision = "0004_sending_part"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shard", sa.String(length=40), server_default="", nullable=False))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shard", sa.String(length=40), server_default="", nullable=False))
        batch_op.drop_index("ix_deliveries_claim")
        batch_op.create_index("ix_deliveries_claim", ["platform", "shard", "state", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_claim")
        batch_op.create_index("ix_deliveries_claim", ["platform", "state", "id"], unique=False)
        batch_op.drop_column("shard")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("shard")
