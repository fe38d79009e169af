"""deliveries: platform column and a claim index (platform, state, id)

Revision ID: 0002_delivery_claims
Revises: 0001
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_delivery_claims"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sa.String(length=20), server_default="", nullable=False))
    op.execute(
        "UPDATE deliveries SET platform = "
        "(SELECT subscriptions.platform FROM subscriptions WHERE subscriptions.id = deliveries.subscription_id)"
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_claim", ["platform", "state", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_claim")
        batch_op.drop_column("platform")
