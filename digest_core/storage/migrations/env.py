"""Alembic environment: run on the connection `digest_core.storage.db.migrate` hands over."""

from __future__ import annotations

from alembic import context

from digest_core.storage.tables import Base  # every table, registered on the one Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
