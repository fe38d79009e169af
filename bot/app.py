"""The one place that wires settings to real implementations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from digest_core.db import create_engine, create_schema
from digest_core.deliveries import DeliveryLedger
from digest_core.fetch import GoogleNewsSource
from digest_core.service import BuildLimiter, DigestService
from digest_core.store import SqlDigestStore
from digest_core.subscriptions import SubscriptionStore
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


@dataclass(frozen=True)
class Core:
    """Everything the front ends (CLI, Telegram, Discord, scheduler) share."""

    settings: Settings
    topics: Topics
    digests: DigestService
    subscriptions: SubscriptionStore
    ledger: DeliveryLedger
    engine: AsyncEngine


@asynccontextmanager
async def open_core(settings: Settings, topics: Topics | None = None) -> AsyncIterator[Core]:
    """The core services, schema created; their HTTP client and database are closed on exit."""
    topics = topics or load_configured_topics(settings)
    engine = create_engine(settings.database)
    async with httpx.AsyncClient(
        timeout=settings.fetch_timeout,
        headers={"User-Agent": settings.user_agent},
        follow_redirects=True,
    ) as client:
        try:
            await create_schema(engine)
            source = GoogleNewsSource(
                client, settings.google_news_base_url, settings.fetch_attempts, settings.fetch_backoff
            )
            limiter = BuildLimiter(per_user=settings.builds_per_user_per_hour, overall=settings.builds_per_hour)
            digests = DigestService(topics, source, make_summarizer(settings), SqlDigestStore(engine), limiter=limiter)
            ledger = DeliveryLedger(engine, lease=timedelta(seconds=settings.delivery_lease))
            yield Core(settings, topics, digests, SubscriptionStore(engine), ledger, engine)
        finally:
            await engine.dispose()
