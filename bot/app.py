"""The one place that wires settings to real implementations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.settings import Settings
from digest_core.fetch import GoogleNewsSource
from digest_core.service import DigestService
from digest_core.store import SqlDigestStore, create_engine
from digest_core.summarize import ExtractiveSummarizer, FallbackSummarizer, Summarizer
from digest_core.summarize.gemini import GeminiSummarizer
from digest_core.topics import Topics, load_topics


def make_summarizer(settings: Settings) -> Summarizer:
    """Gemini with the extractive summarizer as fallback when a key is set; else extractive alone."""
    offline = ExtractiveSummarizer()
    if settings.gemini_api_key is None:
        return offline
    gemini = GeminiSummarizer(
        api_key=settings.gemini_api_key.get_secret_value(),
        model=settings.gemini_model,
        temperature=settings.gemini_temperature,
        timeout=settings.gemini_timeout,
        attempts=settings.gemini_attempts,
        base_url=settings.gemini_base_url,
    )
    return FallbackSummarizer(gemini, offline)


def load_configured_topics(settings: Settings) -> Topics:
    return load_topics(settings.topics_file)


@asynccontextmanager
async def digest_service(settings: Settings, topics: Topics | None = None) -> AsyncIterator[DigestService]:
    """A ready `DigestService` (schema created), closing its HTTP client and database on exit."""
    topics = topics or load_configured_topics(settings)
    store = SqlDigestStore(create_engine(settings.database))
    async with httpx.AsyncClient(
        timeout=settings.fetch_timeout,
        headers={"User-Agent": settings.user_agent},
        follow_redirects=True,
    ) as client:
        try:
            await store.create_schema()
            source = GoogleNewsSource(
                client, settings.google_news_base_url, settings.fetch_attempts, settings.fetch_backoff
            )
            yield DigestService(topics, source, make_summarizer(settings), store)
        finally:
            await store.close()
