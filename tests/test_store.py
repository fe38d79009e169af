"""The archive and subscriptions on SQLite and (with TEST_POSTGRES_URL) PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from digest_core.delivery.ports import Destination
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.models import Article, Bullet, Digest, FailedSource, PerspectiveCount, Story
from digest_core.storage.digests import SqlDigestStore
from digest_core.storage.tables import ArticleRow


def digest(day: date, title: str = "China and Japan hold talks") -> Digest:
    when = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
    article = Article(
        title=title,
        url="https://example.com/a",
        outlet="CGTN",
        domain="cgtn.com",
        perspective="china",
        published=when,
        n=1,
    )
    return Digest(
        topic="china-japan",
        topic_name="China vs Japan",
        date=day,
        language="en-US",
        window_start=when,
        window_end=when,
        generated_at=when,
        summarizer="extractive",
        perspectives=[
            PerspectiveCount(id="china", name="China", count=1),
            PerspectiveCount(id="japan", name="Japan", count=0),
        ],
        highlights=[Bullet(text="Talks.", citations=[1])],
        perspective_highlights={"china": [Bullet(text="T.", citations=[1])]},
        articles=[article],
        stories=[Story(title=title, articles=[1])],
        failed_sources=[FailedSource(outlet="Kyodo News", error="timed out")],
    )


async def test_digest_round_trip_and_replace(engine: AsyncEngine) -> None:
    store = SqlDigestStore(engine)
    day = date(2026, 2, 25)
    assert await store.get("china-japan", day) is None
    await store.save(digest(day))
    assert await store.get("china-japan", day) == digest(day)
    await store.save(digest(day, "Rebuilt headline"))
    loaded = await store.get("china-japan", day)
    assert loaded is not None
    assert loaded.articles[0].title == "Rebuilt headline"
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(ArticleRow)) == 1
    await store.save(digest(date(2026, 2, 26)))
    assert await store.latest_date("china-japan") == date(2026, 2, 26)
    assert await store.latest_date("other") is None


async def test_subscriptions(engine: AsyncEngine) -> None:
    subs = SubscriptionStore(engine)
    chat = Destination("telegram", "-100123")
    thread = Destination("telegram", "-100123", "77")
    assert await subs.subscribe(chat, "china-japan") is True
    assert await subs.subscribe(chat, "china-japan") is False  # idempotent
    assert await subs.subscribe(thread, "china-japan") is True  # a forum thread is its own destination
    assert [s.destination for s in await subs.active_for_topic("china-japan")] == [chat, thread]
    assert await subs.deactivate_destination(chat, "Forbidden: bot was kicked") == 1
    [remaining] = await subs.active_for_topic("china-japan")
    assert remaining.destination == thread
    listed = await subs.for_destination("telegram", "-100123")
    assert [(s.active, s.deactivated_reason) for s in listed] == [(False, "Forbidden: bot was kicked"), (True, None)]
    assert await subs.subscribe(chat, "china-japan") is True  # reactivated
    assert await subs.unsubscribe(thread, "china-japan") is True
    assert await subs.unsubscribe(thread, "china-japan") is False
    assert len(await subs.all()) == 1


async def test_moving_a_destination_keeps_one_subscription_per_topic(engine: AsyncEngine) -> None:
    subs = SubscriptionStore(engine)
    old, new = Destination("telegram", "-100"), Destination("telegram", "-100200")
    await subs.subscribe(old, "china-japan")
    await subs.subscribe(old, "korea-japan")
    await subs.subscribe(new, "korea-japan")  # the new id already has this one
    assert await subs.move_destination(old, new.id) == 1
    assert sorted((s.destination.id, s.topic) for s in await subs.all()) == [
        ("-100200", "china-japan"),
        ("-100200", "korea-japan"),
    ]
