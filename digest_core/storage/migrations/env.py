"""Alembic environment: run on the connection `digest_core.storage.db.migrate` hands over."""

from __future__ import annotations

from alembic import context

from digest_core.storage.tables import Base  # every table, registered on the one Base
from digest_core.storage.utc_datetime import render_type

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
    render_item=render_type,
)
with context.begin_transaction():
    context.run_migrations()
