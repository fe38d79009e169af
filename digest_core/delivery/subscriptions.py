"""Subscriptions: which destinations receive which topic's daily digest, in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from digest_core.delivery.ports import Destination
from digest_core.redaction import stored_text
from digest_core.storage.tables import SubscriptionRow
from digest_core.storage.unit_of_work import joined
from digest_core.storage.upsert import upsert


@dataclass(frozen=True)
class Subscription:
    id: int
    destination: Destination
    topic: str
    active: bool
    deactivated_reason: str | None = None


def _to_subscription(row: SubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        destination=Destination(row.platform, row.destination, row.thread_id or None, via=row.shard),
        topic=row.topic,
        active=row.active,
        deactivated_reason=row.deactivated_reason,
    )


class SubscriptionStore:
    """Subscriptions on the same SQLAlchemy engine as the digest archive."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._dialect = engine.dialect.name

    def _match(self, destination: Destination, topic: str):  # type: ignore[no-untyped-def]
        return (
            SubscriptionRow.platform == destination.platform,
            SubscriptionRow.destination == destination.id,
            SubscriptionRow.thread_id == (destination.thread_id or ""),
            SubscriptionRow.topic == topic,
        )

    async def subscribe(self, destination: Destination, topic: str) -> bool:
        """Subscribe (or reactivate); False when it was already active. The subscription records
        `destination.via`, the shard (bot) it came through: that bot posts its digests."""
        values = {
            "platform": destination.platform,
            "destination": destination.id,
            "thread_id": destination.thread_id or "",
            "topic": topic,
            "active": True,
            "shard": destination.via,
            "created_at": datetime.now(UTC),
            "deactivated_reason": None,
        }
        key, update = ("platform", "destination", "thread_id", "topic"), ("active", "shard", "deactivated_reason")
        stored = upsert(self._dialect, SubscriptionRow, values, key=key, update=update)
        async with self._sessions.begin() as session:
            was_active = await session.scalar(select(SubscriptionRow.active).where(*self._match(destination, topic)))
            await session.execute(stored)
            return not was_active

    async def unsubscribe(self, destination: Destination, topic: str) -> bool:
        """Remove a subscription; False when there was none active."""
        async with self._sessions.begin() as session:
            row = await session.scalar(select(SubscriptionRow).where(*self._match(destination, topic)))
            if row is None:
                return False
            was_active = row.active
            await session.delete(row)
            return was_active

    async def for_destination(self, platform: str, destination_id: str) -> list[Subscription]:
        """Every subscription of a chat or channel (any thread), active or not."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(SubscriptionRow)
                .where(SubscriptionRow.platform == platform, SubscriptionRow.destination == destination_id)
                .order_by(SubscriptionRow.topic, SubscriptionRow.thread_id)
            )
            return [_to_subscription(r) for r in rows]

    async def in_places(self, platform: str, places: set[str]) -> list[Subscription]:
        """Every subscription of `platform` whose destination or thread is one of `places`."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(SubscriptionRow)
                .where(
                    SubscriptionRow.platform == platform,
                    or_(SubscriptionRow.destination.in_(places), SubscriptionRow.thread_id.in_(places)),
                )
                .order_by(SubscriptionRow.id)
            )
            return [_to_subscription(r) for r in rows]

    async def active_for_topic(self, topic: str) -> list[Subscription]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(SubscriptionRow)
                .where(SubscriptionRow.topic == topic, SubscriptionRow.active.is_(True))
                .order_by(SubscriptionRow.id)
            )
            return [_to_subscription(r) for r in rows]

    async def all(self) -> list[Subscription]:
        async with self._sessions() as session:
            rows = await session.scalars(select(SubscriptionRow).order_by(SubscriptionRow.id))
            return [_to_subscription(r) for r in rows]

    async def move_destination(self, old: Destination, new_id: str) -> int:
        """Point `old`'s subscriptions at a new id (a Telegram group that became a supergroup);
        where the new id already has the same subscription, the old one is dropped. How many moved."""
        moved = 0
        async with self._sessions.begin() as session:
            rows = await session.scalars(
                select(SubscriptionRow).where(
                    SubscriptionRow.platform == old.platform,
                    SubscriptionRow.destination == old.id,
                    SubscriptionRow.thread_id == (old.thread_id or ""),
                )
            )
            for row in list(rows):
                target = Destination(old.platform, new_id, old.thread_id)
                if await session.scalar(select(SubscriptionRow.id).where(*self._match(target, row.topic))):
                    await session.delete(row)
                else:
                    row.destination = new_id
                    moved += 1
        return moved

    async def deactivate_destination(
        self, destination: Destination, reason: str, tx: AsyncSession | None = None
    ) -> int:
        """Deactivate every subscription of a destination that is gone; returns how many changed.
        With `tx`, inside that unit of work."""
        async with joined(self._sessions, tx) as session:
            result = await session.execute(
                update(SubscriptionRow)
                .where(
                    SubscriptionRow.platform == destination.platform,
                    SubscriptionRow.destination == destination.id,
                    SubscriptionRow.thread_id == (destination.thread_id or ""),
                    SubscriptionRow.active.is_(True),
                )
                .values(active=False, deactivated_reason=stored_text(reason, 500))
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
