"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from digest_core.storage.db import Base, alembic_config, create_schema, import_tables


def differences(connection: Connection) -> list[object]:
    import_tables()
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await conn.run_sync(differences) == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert await conn.run_sync(revision) == head


async def test_upgrading_again_changes_nothing(engine: AsyncEngine) -> None:
    await create_schema(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(differences) == []
