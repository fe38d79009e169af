"""The demo's feed host: the shipped sample of Google News search RSS, served on loopback.

It answers `/rss/search?q=site:X after:D before:D ...` like Google News: the items of the named
sites published between the query's dates, from the sample days in `bot/demo_feeds/DAY/SITE.xml`
(real feeds, recorded). Only the host differs from production; the client is the real one.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from importlib.resources import files
from importlib.resources.abc import Traversable

from aiohttp import web

from digest_core.errors import BadQuery

ITEM = re.compile(rb"<item>.*?</item>", re.DOTALL)
SITE = re.compile(r"site:([\w.-]+)")
_BOUND = re.compile(r"\b(after|before):(\S*)")
PUB_DATE = re.compile(rb"<pubDate>([^<]+)</pubDate>")

HEADER = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<generator>NFE/5.0</generator><title>Digestbot demo - Google News</title>
<link>https://news.google.com/search</link><language>en-US</language>
<description>Google News</description>
"""
FOOTER = b"</channel></rss>"


def _bounds(query: str) -> dict[str, date]:
    """The query's `after:`/`before:` dates; `BadQuery` for one that is not a YYYY-MM-DD date."""
    bounds: dict[str, date] = {}
    for kind, day in _BOUND.findall(query):
        try:
            bounds[kind] = date.fromisoformat(day)
        except ValueError:
            raise BadQuery(f"{kind}:{day[:40]} is not a date (YYYY-MM-DD)") from None
    return bounds


def rss(items: list[bytes]) -> bytes:
    """A Google News search RSS document holding `items`."""
    return HEADER + b"\n".join(items) + FOOTER


def sample_dir() -> Traversable:
    """The shipped sample: one folder per day, one recorded search feed per site."""
    return files("bot") / "demo_feeds"


def sample_days(sample: Traversable | None = None) -> list[date]:
    """The days the sample holds, oldest first."""
    root = sample or sample_dir()
    return sorted(date.fromisoformat(d.name) for d in root.iterdir() if d.is_dir())


def _published(item: bytes) -> date | None:
    found = PUB_DATE.search(item)
    if found is None:
        return None
    try:
        return parsedate_to_datetime(found.group(1).decode()).date()
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class SampleFeeds:
    """Every item of the sample, by site, read once."""

    items: dict[str, list[bytes]]

    @classmethod
    def load(cls, sample: Traversable | None = None) -> SampleFeeds:
        root = sample or sample_dir()
        items: dict[str, list[bytes]] = {}
        for day in sorted(root.iterdir(), key=lambda d: d.name):
            if not day.is_dir():
                continue
            for feed in sorted(day.iterdir(), key=lambda f: f.name):
                if feed.name.endswith(".xml"):
                    items.setdefault(feed.name.removesuffix(".xml"), []).extend(ITEM.findall(feed.read_bytes()))
        return cls(items)

    def search(self, query: str) -> bytes:
        """The RSS answer to a search query: its sites' items between its `after:`/`before:` dates;
        `BadQuery` for a malformed date."""
        bounds = _bounds(query)
        found: list[bytes] = []
        for site in SITE.findall(query):
            for item in self.items.get(site, []):
                day = _published(item)
                if day is None:
                    continue
                if "after" in bounds and day < bounds["after"]:
                    continue
                if "before" in bounds and day > bounds["before"]:
                    continue
                found.append(item)
        return rss(found)


def feed_app(feeds: SampleFeeds) -> web.Application:
    """The search feed (`/rss/search`) answering from `feeds`."""

    async def search(request: web.Request) -> web.Response:
        try:
            body = feeds.search(request.query.get("q", ""))
        except BadQuery as exc:
            return web.Response(status=400, text=f"bad query: {exc}\n")
        return web.Response(body=body, content_type="application/rss+xml", charset="utf-8")

    app = web.Application()
    app.router.add_get("/rss/search", search)
    return app


@asynccontextmanager
async def serving(
    app: web.Application, host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[int]:
    """Serve `app` on `host` (port 0: any free one), over TLS with `ssl_context`, while inside; yields the port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
        await site.start()
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()
