"""The database: one SQLAlchemy declarative base and engine for the archive and subscriptions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from alembic.config import Config


class Base(DeclarativeBase):
    pass


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine; for a SQLite file, its folder is created first."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return create_async_engine(url, pool_pre_ping=url.get_backend_name() != "sqlite")


MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 7_261_001  # PostgreSQL advisory lock: one process migrates at a time


def import_tables() -> None:
    """Register every table on `Base.metadata` by importing the modules that define them."""


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config  # Alembic loads only when the schema is migrated

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


async def create_schema(engine: AsyncEngine) -> None:
    """Bring the database to the newest schema with the Alembic migrations (creating it when empty).
    Safe to call from several processes at once."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
