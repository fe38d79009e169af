"""The one place that wires settings to real implementations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.failures import database_hint, database_label, first_line
from bot.outbound import make_outbound_client
from bot.settings import Settings
from digest_core.clock import Clock
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.editorial.editor import Editor
from digest_core.errors import DatabaseUnavailable
from digest_core.fetch.article_pages import ArticlePages
from digest_core.fetch.collect import NewsSources
from digest_core.fetch.feed_state import SqlFeedStateStore
from digest_core.fetch.google_links import GoogleLinkDecoder
from digest_core.fetch.google_news import GoogleNewsSource
from digest_core.fetch.outlet_feeds import OutletFeedSource, feed_jobs
from digest_core.fetch.page_store import SqlPageStore
from digest_core.fetch.polite import HostLimiter, PoliteClient, read_timeout
from digest_core.fetch.publisher_links import PublisherLinks, SqlLinkCache
from digest_core.fetch.stats import SqlSourceStats
from digest_core.redaction import redact_log_records, register_secrets, url_password
from digest_core.storage.db import async_driver_url, create_engine, create_schema
from digest_core.storage.digests import SqlDigestStore
from digest_core.summarize import ExtractiveSummarizer, FallbackSummarizer, Summarizer
from digest_core.topics import Topics, load_topics
from digest_core.usecases.service import BuildLimiter, DigestService
from digest_core.usecases.usecases import UseCases


def make_summarizer(settings: Settings) -> Summarizer:
    """Gemini with the extractive summarizer as fallback when a key is set; else extractive alone.
    With the editor's call a digest costs two model calls, three when a sentence fails grounding
    (its repair round)."""
    offline = ExtractiveSummarizer()
    if settings.gemini_api_key is None:
        return offline
    from digest_core.gemini.summarizer import GeminiSummarizer  # lazy: google-genai loads only when a key is set

    gemini = GeminiSummarizer(
        api_key=settings.gemini_api_key.get_secret_value(),
        model=settings.gemini_model,
        temperature=settings.gemini_temperature,
        timeout=settings.gemini_timeout,
        attempts=settings.gemini_attempts,
        base_url=settings.gemini_base_url,
        repair=False,  # no structural repair: an invalid answer falls back to the extractive summary
        grounding_repair=True,  # one more call only when a sentence fails grounding: three calls at most
    )
    return FallbackSummarizer(gemini, offline)


def make_editor(settings: Settings) -> Editor | None:
    """The Gemini editor step when a key is set: it judges relevance and stories before the summary."""
    if settings.gemini_api_key is None:
        return None
    from digest_core.gemini.editor import GeminiEditor  # lazy: google-genai loads only when a key is set

    return GeminiEditor(
        api_key=settings.gemini_api_key.get_secret_value(),
        model=settings.gemini_model,
        timeout=settings.gemini_timeout,
        base_url=settings.gemini_base_url,
    )


def make_source(settings: Settings, client: httpx.AsyncClient, engine: AsyncEngine) -> NewsSources:
    """Google News and outlets' own feeds behind one per-host limit; Google links decoded unless
    PUBLISHER_LINKS=false; the kept articles' own pages read unless ARTICLE_PAGES=false."""
    limiter = HostLimiter(
        settings.fetch_per_host, overrides={settings.google_news_base_url: settings.google_news_concurrency}
    )
    google = GoogleNewsSource(
        client,
        settings.google_news_base_url,
        settings.fetch_attempts,
        settings.fetch_backoff,
        limiter=limiter,
        max_retry_after=settings.fetch_max_retry_after,
        request_deadline=settings.request_deadline,
        digest_deadline=settings.fetch_digest_deadline,
        max_body=settings.fetch_max_bytes,
    )
    http = PoliteClient(
        client,
        limiter,
        settings.fetch_attempts,
        settings.fetch_backoff,
        settings.fetch_max_retry_after,
        deadline=settings.request_deadline,
        max_body=settings.fetch_max_bytes,
    )
    feeds = OutletFeedSource(http, SqlFeedStateStore(engine), digest_deadline=settings.fetch_digest_deadline)
    clock = settings.clock()  # NOW, when set, also dates cached links, stored pages and stats
    links = None
    if settings.publisher_links:
        links = PublisherLinks(
            make_link_decoder(settings, client),
            SqlLinkCache(engine),
            max_per_build=settings.publisher_links_max,
            clock=clock,
            deadline=settings.fetch_digest_deadline,
        )
    pages = make_article_pages(settings, client, limiter, engine, clock)
    return NewsSources([google, feeds], SqlSourceStats(engine), links, clock=clock, pages=pages)


def make_article_pages(
    settings: Settings, client: httpx.AsyncClient, limiter: HostLimiter, engine: AsyncEngine, clock: Clock
) -> ArticlePages | None:
    """The reader of articles' own pages (on by default): its own time and size limits, one retry
    (a stalled read times out at half ARTICLE_PAGES_TIMEOUT, so it can be retried within it)."""
    if not settings.article_pages:
        return None
    http = PoliteClient(
        client,
        limiter,
        attempts=min(settings.fetch_attempts, 2),
        backoff=settings.fetch_backoff,
        max_retry_after=settings.article_pages_timeout,
        deadline=settings.article_pages_timeout,
        max_body=settings.article_pages_max_bytes,
        timeout=read_timeout(settings.article_pages_timeout),
    )
    return ArticlePages(
        http,
        SqlPageStore(engine),
        settings.http_user_agent,
        interval=settings.article_pages_interval,
        max_per_build=settings.article_pages_max,
        deadline=settings.fetch_digest_deadline,
        clock=clock,
    )


def make_link_decoder(settings: Settings, client: httpx.AsyncClient) -> GoogleLinkDecoder:
    """Google's link decoding on GOOGLE_NEWS_BASE_URL, paced by PUBLISHER_LINKS_INTERVAL."""
    return GoogleLinkDecoder(
        client,
        settings.google_news_base_url,
        interval=settings.publisher_links_interval,
        timeout=settings.publisher_links_timeout,
        max_retry_after=settings.fetch_max_retry_after,
    )


async def open_database(url: str) -> AsyncEngine:
    """An engine on `url` (a plain `postgresql://` or `sqlite://` URL gets its async driver) with
    the newest schema; `DatabaseUnavailable` (one line, with `createdb`/`createuser` when PostgreSQL
    says the database or role is missing) if it cannot be opened: unreachable, missing, corrupt or
    read-only."""
    engine: AsyncEngine | None = None
    try:
        engine = create_engine(url)
        await create_schema(engine)
    except Exception as exc:
        if engine is not None:
            await engine.dispose()
        detail = first_line(getattr(exc, "orig", None) or exc) + database_hint(exc, url)
        label = database_label(async_driver_url(url))
        raise DatabaseUnavailable(f"database {label} cannot be opened: {detail}") from exc
    return engine


def load_configured_topics(settings: Settings) -> Topics:
    """The topics file's topics; the passwords in its feed URLs are registered as secrets (a
    backstop: feed URLs are only ever shown or stored as `display_url`)."""
    topics = load_topics(settings.topics_file)
    register_secrets(url_password(url) for topic in topics for _, _, url in feed_jobs(topic))
    return topics


@dataclass(frozen=True)
class Core:
    """Everything the front ends (CLI, Telegram, Discord, scheduler) share."""

    settings: Settings
    topics: Topics
    digests: DigestService
    subscriptions: SubscriptionStore
    ledger: DeliveryLedger
    engine: AsyncEngine

    @property
    def usecases(self) -> UseCases:
        """The use cases over these services (built on each access, so `replace()` carries over)."""
        return UseCases(self.digests, self.subscriptions, self.ledger, SqlSourceStats(self.engine))


@asynccontextmanager
async def open_core(settings: Settings, topics: Topics | None = None) -> AsyncIterator[Core]:
    """The core services, schema created; their HTTP client and database are closed on exit."""
    register_secrets(settings.secrets())
    redact_log_records()
    topics = topics or load_configured_topics(settings)
    engine = await open_database(settings.database)
    async with make_outbound_client(settings, topics) as client:
        try:
            source = make_source(settings, client, engine)
            limiter = BuildLimiter(per_user=settings.builds_per_user_per_hour, overall=settings.builds_per_hour)
            digests = DigestService(
                topics,
                source,
                make_summarizer(settings),
                SqlDigestStore(engine),
                settings.clock(),
                limiter=limiter,
                editor=make_editor(settings),
            )
            ledger = DeliveryLedger(engine, lease=timedelta(seconds=settings.delivery_lease))
            yield Core(settings, topics, digests, SubscriptionStore(engine), ledger, engine)
        finally:
            await engine.dispose()
