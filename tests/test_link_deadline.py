"""Link decoding within the digest's fetch deadline: what was decoded before the cut is used and
cached (batch by batch), the rest stay Google links; the real decoder against the loopback fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from digest_core.fetch import google_links
from digest_core.fetch.google_links import GoogleLinkDecoder
from digest_core.fetch.publisher_links import PublisherLinks, SqlLinkCache
from digest_core.models import Article
from testkit.fakes.google_links import fixture_links
from testkit.fakes.google_news import FIXTURES, GoogleNewsFake

WHEN = datetime(2026, 2, 25, 1, 0, tzinfo=UTC)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


async def test_the_deadline_keeps_what_was_decoded_and_leaves_the_rest_google_links(
    google_news: tuple[GoogleNewsFake, str],
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, base = google_news
    monkeypatch.setattr(google_links, "BATCH_SIZE", 2)
    fake.links.page_faults = ["ok", "ok", "429"]  # the 2nd batch's first page: a 429 whose wait never ends here

    async def never(_: float) -> None:
        await asyncio.Event().wait()

    found = fixture_links(FIXTURES, "2026-02-25")[:5]
    articles = [
        Article(title=f.title, url=f.link, outlet=f.site, domain=f.site, perspective="p", published=WHEN) for f in found
    ]
    decoder = GoogleLinkDecoder(client, base, interval=0, sleep=never)
    links = PublisherLinks(decoder, SqlLinkCache(engine), deadline=0.5)
    got = await asyncio.wait_for(links.attach(articles, lambda _: True), 30)
    first = [f.link for f in found[:2]]
    assert [a.url for a in got if a.publisher_url] == first
    assert [a.publisher_url for a in got[:2]] == [fake.links.targets[f.id] for f in found[:2]]
    assert all(a.publisher_url is None for a in got[2:])  # still Google links
    cached = await SqlLinkCache(engine).get_many([a.url for a in articles])
    assert sorted(cached) == sorted(first)  # the first batch was cached as it came; nothing else
