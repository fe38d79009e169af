"""The database: one SQLAlchemy declarative base and engine for the archive and subscriptions."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine; for a SQLite file, its folder is created first."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return create_async_engine(url, pool_pre_ping=url.get_backend_name() != "sqlite")


async def create_schema(engine: AsyncEngine) -> None:
    """Create every table that is missing."""
    # Importing the modules that define tables registers them on Base.metadata.
    import digest_core.deliveries
    import digest_core.feed_state
    import digest_core.links
    import digest_core.source_stats
    import digest_core.store
    import digest_core.subscriptions  # noqa: F401

    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
