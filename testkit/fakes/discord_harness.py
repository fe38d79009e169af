"""Fixtures that run the real discord.py client (our `DigestBot`) against `FakeDiscord` in the test's loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.client import DigestBot, configure_endpoints, current_endpoints, run_bot
from bot.settings import Settings
from bot.wiring import Core, open_core
from digest_core.models import Article, Bullet, Digest, FailedSource, PerspectiveCount
from testkit.fakes.discord import GUILD_ID, FakeDiscord
from testkit.fakes.google_news import GoogleNewsFake

NOW = datetime(2026, 2, 25, 12, 0, tzinfo=UTC)  # the 2026-02-25 window has closed; 2026-02-26 is the future
TOKEN = "MTIzNDU2Nzg5.fake-secret-discord-token.abcdefXYZ"


@pytest.fixture
def discord_endpoints() -> Iterator[None]:
    """Whatever a test points discord.py at is restored afterwards (they are class attributes)."""
    saved = current_endpoints()
    yield
    configure_endpoints(*saved)


@pytest.fixture
async def fake_discord(discord_endpoints: None) -> AsyncIterator[FakeDiscord]:
    fake = await FakeDiscord(bot_token=TOKEN).start()
    yield fake
    await fake.stop()


def settings_for(tmp_path: Path, news_base: str, fake: FakeDiscord, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "google_news_base_url": news_base,
        "fetch_backoff": 0.01,
        "fetch_timeout": 5,
        "publisher_links_interval": 0,  # the fake decodes the fixture links at once
        "discord_api_base_url": fake.api_base,
        "discord_gateway_url": fake.gateway_url,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def core(
    tmp_path: Path, google_news: tuple[GoogleNewsFake, str], fake_discord: FakeDiscord
) -> AsyncIterator[Core]:
    """The real core on a fresh SQLite file and the fake Google News, its clock at `NOW`."""
    (tmp_path / "data").mkdir(exist_ok=True)
    async with open_core(settings_for(tmp_path, google_news[1], fake_discord)) as opened:
        opened.digests.clock = lambda: NOW
        yield opened


@pytest.fixture
async def bot(core: Core, fake_discord: FakeDiscord) -> AsyncIterator[DigestBot]:
    """A logged-in, READY `DigestBot` whose commands were synced to the fake guild."""
    configure_endpoints(fake_discord.api_base, fake_discord.gateway_url)
    client = DigestBot(core.usecases, guild_id=GUILD_ID, guild_ready_timeout=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(client, TOKEN, stop))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({ready, task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        ready.cancel()
        task.result()
    assert ready in done, "the bot did not become ready"
    yield client
    stop.set()
    await task


async def run_interaction(
    fake: FakeDiscord, payload: dict[str, Any], followups: int = 0, answers: int = 0
) -> dict[str, Any]:
    """Dispatch an interaction and wait until it was answered (with `followups` follow-ups, and
    `answers` messages counting a type 4 response's own)."""
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.wait_for(
        lambda: (
            fake.callbacks_for(payload)
            and len(fake.followups_for(payload)) >= followups
            and len(fake.answers_for(payload)) >= answers
        )
    )
    return payload


def embed_chars(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward the 6000 per message, from the JSON sent (not discord.py's `len`)."""
    fields = embed.get("fields") or []
    return (
        len(embed.get("title") or "")
        + len(embed.get("description") or "")
        + sum(len(f["name"]) + len(f["value"]) for f in fields)
        + len((embed.get("footer") or {}).get("text") or "")
        + len((embed.get("author") or {}).get("name") or "")
    )


def assert_within_limits(messages: list[list[dict[str, Any]]]) -> None:
    """Every Discord embed limit, checked on the embeds as JSON."""
    assert messages
    for embeds in messages:
        assert 1 <= len(embeds) <= 10
        assert sum(embed_chars(e) for e in embeds) <= 6000
        for e in embeds:
            assert len(e.get("title") or "") <= 256
            assert len(e.get("description") or "") <= 4096
            assert len(e.get("fields") or []) <= 25
            for f in e.get("fields") or []:
                assert 0 < len(f["name"]) <= 256
                assert 0 < len(f["value"]) <= 1024
            assert len((e.get("footer") or {}).get("text") or "") <= 2048
            assert len((e.get("author") or {}).get("name") or "") <= 256


HOSTILE = "@everyone **BREAKING** _now_ ~~gone~~ ||spoiler|| [click](https://evil.example/x) <@&1234> `code` @here"


def hostile_digest(articles: int = 45, perspectives: int = 30) -> Digest:
    """A worst case: long hostile titles, many sources and perspectives, long URLs, many citations."""
    sides = [PerspectiveCount(id=f"side-{i}", name=f"Side {i} {HOSTILE}", count=i) for i in range(perspectives)]
    items = [
        Article(
            title=f"{n}: {HOSTILE} " + "very long headline " * 40,
            url=f"https://news.example.com/articles/{n}?q=a b)(c&pad=" + "x" * 400,
            outlet=f"Outlet {n} *star*" + " name" * 40,
            domain="news.example.com",
            perspective=sides[n % perspectives].id,
            published=NOW,
            n=n,
        )
        for n in range(1, articles + 1)
    ]
    every = list(range(1, articles + 1))
    bullets = [Bullet(text=f"{HOSTILE} " + "a long sentence " * 100, citations=every) for _ in range(8)]
    return Digest(
        topic="worst",
        topic_name=f"Worst {HOSTILE}" + " case" * 80,
        date=NOW.date(),
        language="en",
        window_start=NOW,
        window_end=NOW,
        generated_at=NOW,
        summarizer="extractive",
        perspectives=sides,
        highlights=bullets,
        perspective_highlights={s.id: bullets for s in sides},
        articles=items,
        failed_sources=[FailedSource(outlet=f"Down {i} " * 20, error="503") for i in range(30)],
    )
