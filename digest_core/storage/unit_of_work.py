"""A unit of work: changes of several stores in one database transaction, all or nothing.

    async with uow.begin() as tx:
        await ledger.mark_gone(delivery, worker, reason, tx=tx)
        await subscriptions.deactivate_destination(destination, reason, tx=tx)

Store methods that change rows take an optional `tx`: given, they join it (the unit commits once
at the end, or rolls everything back on an exception); omitted, they commit on their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


class UnitOfWork:
    """Opens transactions on one engine for stores to share."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """A transaction, committed when the block ends, rolled back if it raises."""
        async with self._sessions.begin() as session:
            yield session


@asynccontextmanager
async def joined(sessions: async_sessionmaker[AsyncSession], tx: AsyncSession | None) -> AsyncIterator[AsyncSession]:
    """`tx` when a unit of work is under way (its owner commits), else a transaction of our own."""
    if tx is not None:
        yield tx
        return
    async with sessions.begin() as session:
        yield session
