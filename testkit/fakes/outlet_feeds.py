"""Fake outlet feeds on 127.0.0.1: RSS 2.0, Atom, HTML by mistake, wrong charsets, gzip, 304, 429.

Each path serves one `FakeFeed`. The server honours `If-None-Match` / `If-Modified-Since` with
304, records every request's headers, and counts how many requests were in flight at once.
"""

from __future__ import annotations

import asyncio
import gzip
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str
    published: datetime
    summary: str = ""


@dataclass
class FakeFeed:
    """One feed. `faults` are consumed one per request ("429", "503", "ok"), the last one repeating;
    `redirect_to` answers with a 301 to another path instead."""

    items: list[FeedItem] = field(default_factory=list)
    format: str = "rss"  # rss | atom | html
    declared_encoding: str = "UTF-8"
    content_type: str = "application/rss+xml; charset=utf-8"
    gzip: bool = False  # Content-Encoding: gzip
    gzip_file: bool = False  # a .gz file served as application/gzip, without Content-Encoding
    etag: str | None = '"v1"'
    last_modified: str | None = "Wed, 25 Feb 2026 03:00:00 GMT"
    faults: list[str] = field(default_factory=list)
    retry_after: str | None = "2"
    redirect_to: str | None = None


def _rss(feed: FakeFeed) -> str:
    items = "".join(
        f"<item><title>{escape(i.title)}</title><link>{escape(i.link)}</link>"
        f"<pubDate>{format_datetime(i.published, usegmt=True)}</pubDate>"
        f"<description>{escape(i.summary)}</description></item>\n"
        for i in feed.items
    )
    return (
        f'<?xml version="1.0" encoding="{feed.declared_encoding}"?>\n'
        '<rss version="2.0"><channel><title>Outlet</title><link>/</link><description>News</description>\n'
        f"{items}</channel></rss>\n"
    )


def _atom(feed: FakeFeed) -> str:
    entries = "".join(
        f'<entry><title type="html">{escape(escape(i.title))}</title>'
        f'<link rel="alternate" href={quoteattr(i.link)}/>'
        f"<id>{escape(i.link)}</id><updated>{i.published.strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>"
        f"<summary>{escape(i.summary)}</summary></entry>\n"
        for i in feed.items
    )
    return (
        f'<?xml version="1.0" encoding="{feed.declared_encoding}"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Outlet</title><id>urn:outlet</id>'
        "<updated>2026-02-25T03:00:00Z</updated>\n"
        f"{entries}</feed>\n"
    )


def render(feed: FakeFeed) -> bytes:
    """The feed's bytes: always UTF-8, whatever its XML declaration says."""
    if feed.format == "html":
        return b"<!DOCTYPE html>\n<html><head><title>News</title></head><body><p>Latest news</p></body></html>"
    text = _atom(feed) if feed.format == "atom" else _rss(feed)
    return text.encode("utf-8")


@dataclass
class OutletFeedsFake:
    feeds: dict[str, FakeFeed] = field(default_factory=dict)
    latency: float = 0.0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    not_modified: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    gzipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    in_flight: int = 0
    max_in_flight: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{path:.+}", self.serve)
        return app

    def headers_of(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == path]

    async def serve(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        self.requests.append((path, {k.lower(): v for k, v in request.headers.items()}))
        self.hits[path] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            return self._answer(path, request)
        finally:
            self.in_flight -= 1

    def _answer(self, path: str, request: web.Request) -> web.StreamResponse:
        feed = self.feeds.get(path)
        if feed is None:
            return web.Response(status=404, text="not found")
        mode = (feed.faults.pop(0) if len(feed.faults) > 1 else feed.faults[0]) if feed.faults else "ok"
        if mode in {"429", "503"}:
            headers = {"Retry-After": feed.retry_after} if feed.retry_after else {}
            return web.Response(status=int(mode), text="slow down", headers=headers)
        if feed.redirect_to:
            raise web.HTTPMovedPermanently(location=feed.redirect_to)
        validators = {}
        if feed.etag:
            validators["ETag"] = feed.etag
        if feed.last_modified:
            validators["Last-Modified"] = feed.last_modified
        etag_match = feed.etag is not None and request.headers.get("If-None-Match") == feed.etag
        since_match = feed.last_modified is not None and request.headers.get("If-Modified-Since") == feed.last_modified
        if etag_match or (since_match and "If-None-Match" not in request.headers):
            self.not_modified[path] += 1
            return web.Response(status=304, headers=validators)
        body = render(feed)
        content_type = feed.content_type
        if feed.gzip_file:
            body, content_type = gzip.compress(body), "application/gzip"
        response = web.Response(body=body, headers={"Content-Type": content_type, **validators})
        if feed.gzip and "gzip" in request.headers.get("Accept-Encoding", ""):
            response.enable_compression(web.ContentCoding.gzip)
            self.gzipped[path] += 1
        return response
