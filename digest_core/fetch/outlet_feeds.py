"""Outlets' own RSS and Atom feeds, fetched politely: conditional GET, gzip, per-host limits, `Retry-After`.

A feed that answers 304 Not Modified gives the body stored at its last 200, so the digest still
sees its items; a feed that fails gives a `FeedResult` with the error, never an exception.
A feed URL's user name and password (`https://user:pass@host/feed`) go only into the request
(httpx sends them as Basic auth): its `FeedResult`, log lines and stored state carry `display_url`.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Awaitable, Callable
from datetime import datetime

from digest_core.clock import utc_now
from digest_core.dates import Window
from digest_core.errors import FeedBodyError
from digest_core.fetch.feed_state import FeedState, FeedStateStore
from digest_core.fetch.guard import DIGEST_DEADLINE, deadline_in, guarded
from digest_core.fetch.polite import MAX_BODY, PoliteClient
from digest_core.fetch.ports import FeedResult
from digest_core.redaction import display_url
from digest_core.topics import Outlet, Perspective, Topic

log = logging.getLogger(__name__)

FEED = "feed"
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
MAX_INFLATED = MAX_BODY  # a gzip file served as is may not inflate past this


def inflate(body: bytes, limit: int = MAX_INFLATED) -> bytes:
    """The body itself, or its contents when it is a gzip file served without `Content-Encoding`.

    httpx already decodes `Content-Encoding: gzip`; this handles `feed.xml.gz` style answers.
    """
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit)
    except zlib.error as exc:
        raise FeedBodyError(f"broken gzip data ({exc})") from None
    if inflater.unconsumed_tail:
        raise FeedBodyError(f"gzip data inflates past {limit // 1024} kB")
    if not inflater.eof:
        raise FeedBodyError("broken gzip data (truncated)")
    return out


def feed_jobs(topic: Topic) -> list[tuple[Perspective, Outlet, str]]:
    """Every (perspective, outlet, feed URL) of a topic, in topics-file order."""
    return [(p, o, url) for p, o in topic.all_outlets for url in o.feeds]


class OutletFeedSource:
    """`FeedSource` for the `feeds` an outlet lists, one result per feed URL."""

    def __init__(
        self,
        http: PoliteClient,
        states: FeedStateStore,
        clock: Callable[[], datetime] = utc_now,
        digest_deadline: float = DIGEST_DEADLINE,
    ) -> None:
        self._http = http
        self._states = states
        self._clock = clock
        self._digest_deadline = digest_deadline

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]:
        """One result per feed; a feed not answered within the digest's deadline, or failing in any
        way, is a failed result."""
        until = deadline_in(self._digest_deadline)

        def job(p: Perspective, o: Outlet, url: str) -> Awaitable[FeedResult]:
            def failed(error: str) -> FeedResult:
                return FeedResult(p, o, display_url(url), error=error, kind=FEED)

            return guarded(self._fetch_feed(p, o, url), until, failed, f"{o.name} feed {display_url(url)}")

        return list(await asyncio.gather(*(job(p, o, url) for p, o, url in feed_jobs(topic))))

    async def _fetch_feed(self, perspective: Perspective, outlet: Outlet, url: str) -> FeedResult:
        """`url` as configured, credentials included: they go into the request and nowhere else."""
        shown = display_url(url)

        def failed(error: str, status: int | None = None, latency: float | None = None) -> FeedResult:
            log.warning("%s feed %s: %s", outlet.name, shown, error)
            return FeedResult(perspective, outlet, shown, error=error, kind=FEED, status=status, latency=latency)

        state = await self._states.get(url)
        headers = {"Accept": ACCEPT}
        if state is not None:
            if state.etag:
                headers["If-None-Match"] = state.etag
            if state.last_modified:
                headers["If-Modified-Since"] = state.last_modified
        got = await self._http.get(url, headers, label=f"{outlet.name} feed")
        response = got.response
        if response is None:
            return failed(got.error or "no response", got.status)
        status = response.status_code
        if status == 304:
            if state is None:
                return failed("HTTP 304 Not Modified to an unconditional request", status, got.latency)
            return FeedResult(
                perspective,
                outlet,
                shown,
                body=state.body,
                content_type=state.content_type,
                kind=FEED,
                base_url=display_url(str(response.url)),
                status=status,
                latency=got.latency,
                not_modified=True,
            )
        if status != 200:
            return failed(f"HTTP {status}", status, got.latency)
        try:
            body = inflate(got.body, self._http.max_body)
        except FeedBodyError as exc:
            return failed(str(exc), status, got.latency)
        # an inflated .gz file's own type (application/gzip) says nothing of the XML inside
        content_type = response.headers.get("content-type") if body is got.body else None
        answered = response.headers
        await self._remember(url, body, answered.get("etag"), answered.get("last-modified"), content_type)
        return FeedResult(
            perspective,
            outlet,
            shown,
            body=body,
            content_type=content_type,
            kind=FEED,
            base_url=display_url(str(response.url)),
            status=status,
            latency=got.latency,
        )

    async def _remember(
        self, url: str, body: bytes, etag: str | None, last_modified: str | None, content_type: str | None
    ) -> None:
        """Keep the body for a later 304 only when the feed sent a validator (else no 304 can come)."""
        if not (etag or last_modified):
            return
        state = FeedState(url, body, self._clock(), etag[:1024] if etag else None, last_modified, content_type)
        try:
            await self._states.put(state)
        except Exception:  # the items are still good; the next fetch is just unconditional
            log.warning("feed %s: could not store its state", display_url(url), exc_info=True)
