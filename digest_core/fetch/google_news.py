"""Fetching raw feeds: one Google News search RSS query per outlet, concurrently, with retries.

Outlets' own RSS/Atom feeds are fetched by `digest_core.fetch.outlet_feeds.OutletFeedSource`; both honour
`Retry-After` and share a per-host limit (`digest_core.fetch.polite`).

A source never raises for one outlet's failure: it returns a `FeedResult` with the error, so
the digest can be built from the outlets that answered and record the ones that did not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from datetime import timedelta
from functools import partial
from urllib.parse import quote

import httpx

from digest_core.dates import Window
from digest_core.editorial.cjk import in_script
from digest_core.fetch.failure_cause import CONSENT_WALL, is_consent_wall
from digest_core.fetch.guard import DIGEST_DEADLINE, deadline_in, guarded
from digest_core.fetch.polite import MAX_BODY, REQUEST_DEADLINE, HostLimiter, PoliteClient
from digest_core.fetch.ports import FeedResult
from digest_core.topics import Outlet, Perspective, Topic, primary_language

log = logging.getLogger(__name__)

GOOGLE_NEWS_CONCURRENCY = 8  # queries in flight at once: one per outlet (outlets' own sites get fewer)
QUERY_WORDS = 4  # names of the other side in an outlet's own language, at most, in its query


def query_words(topic: Topic, perspective: Perspective, outlet: Outlet) -> list[str]:
    """For an outlet in a language other than the topic's: the other sides' names in that language
    (the `native_names` of their aliases, in the outlet's script), so a domestic paper's query asks
    for the pieces about the other side rather than its whole day. None for the topic's language."""
    language = topic.outlet_language(outlet)
    if primary_language(language) == primary_language(topic.language):
        return []
    words: list[str] = []
    for other in topic.perspectives:
        if other.id == perspective.id:
            continue
        for alias in other.aliases:
            for form in other.native_names.get(alias, []):
                word = in_script(form, language)
                if word not in words:
                    words.append(word)
    return words[:QUERY_WORDS]


def google_news_query(outlet: Outlet, window: Window, words: Sequence[str] = ()) -> str:
    """The search terms for one outlet and window: `words` (any of them), `site:` terms joined with
    OR, plus date bounds.

    Google's `after:`/`before:` take whole dates, so the query asks for the day before the window
    starts up to the day after it ends; the pipeline keeps only what falls inside the window.
    """
    sites = " OR ".join(f"site:{d}" for d in outlet.domains)
    if len(outlet.domains) > 1:
        sites = f"({sites})"
    after = (window.start - timedelta(days=1)).date().isoformat()
    before = (window.end + timedelta(days=1)).date().isoformat()
    ask = ""
    if words:
        ask = " OR ".join(words)
        ask = f"({ask}) " if len(words) > 1 else f"{ask} "
    return f"{ask}{sites} after:{after} before:{before}"


def _failed(perspective: Perspective, outlet: Outlet, url: str, error: str) -> FeedResult:
    return FeedResult(perspective, outlet, url, error=error)


def google_news_url(
    base_url: str, topic: Topic, outlet: Outlet, window: Window, perspective: Perspective | None = None
) -> str:
    """The search RSS URL of one outlet, in its Google News edition (its `locale`, else the topic's)."""
    perspective = perspective or next((p for p in topic.perspectives if outlet in p.outlets), None)
    words = query_words(topic, perspective, outlet) if perspective else []
    q = quote(google_news_query(outlet, window, words), safe="")
    return f"{base_url.rstrip('/')}/rss/search?q={q}&{topic.outlet_locale(outlet)}"


class GoogleNewsSource:
    """Google News search RSS, one concurrent query per outlet."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str = "https://news.google.com",
        attempts: int = 3,
        backoff: float = 0.5,
        limiter: HostLimiter | None = None,
        max_retry_after: float = 120.0,
        request_deadline: float = REQUEST_DEADLINE,
        digest_deadline: float = DIGEST_DEADLINE,
        max_body: int = MAX_BODY,
    ) -> None:
        self._base_url = base_url
        limiter = limiter or HostLimiter(overrides={base_url: GOOGLE_NEWS_CONCURRENCY})
        self._http = PoliteClient(
            client, limiter, attempts, backoff, max_retry_after, deadline=request_deadline, max_body=max_body
        )
        self._digest_deadline = digest_deadline

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]:
        """One result per outlet that has not opted out of Google News (`google_news = false`); an
        outlet not answered within the digest's deadline, or failing in any way, is a failed result."""
        outlets = [(p, o) for p, o in topic.all_outlets if o.google_news]
        until = deadline_in(self._digest_deadline)

        def job(p: Perspective, o: Outlet) -> Awaitable[FeedResult]:
            url = google_news_url(self._base_url, topic, o, window, p)
            failed = partial(_failed, p, o, url)
            return guarded(self._fetch_outlet(topic, p, o, window), until, failed, f"{o.name} (Google News)")

        return list(await asyncio.gather(*(job(p, o) for p, o in outlets)))

    async def _fetch_outlet(self, topic: Topic, perspective: Perspective, outlet: Outlet, window: Window) -> FeedResult:
        url = google_news_url(self._base_url, topic, outlet, window, perspective)
        got = await self._http.get(url, label=outlet.name)
        response = got.response
        if response is None:
            return FeedResult(perspective, outlet, url, error=got.error, status=got.status)
        if is_consent_wall(response.url) or any(
            is_consent_wall(r.headers.get("location", "")) for r in response.history
        ):
            return FeedResult(perspective, outlet, url, error=CONSENT_WALL, status=response.status_code)
        if response.status_code != 200:
            error = f"HTTP {response.status_code}"
            return FeedResult(perspective, outlet, url, error=error, status=response.status_code, latency=got.latency)
        return FeedResult(
            perspective,
            outlet,
            url,
            body=got.body,
            content_type=response.headers.get("content-type"),
            status=response.status_code,
            latency=got.latency,
        )
