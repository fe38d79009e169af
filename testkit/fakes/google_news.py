"""A fake Google News search RSS server that serves the fixture feeds by the `site:` terms in `q`.

Like Google, it answers a query with items of every fixture day for the named sites: the client
must keep only those inside its digest's window. Faults can be injected per site.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from bot.demo_server import ITEM, PUB_DATE, SITE, rss
from testkit.fakes.google_links import GoogleLinksFake, fixture_targets

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "data" / "google-news"


def shift_dates(item: bytes, days: int) -> bytes:
    """The item with its pubDate moved by `days` (to serve the fixture news as another day's)."""
    if not days:
        return item

    def move(match: re.Match[bytes]) -> bytes:
        moved = parsedate_to_datetime(match.group(1).decode()) + timedelta(days=days)
        return b"<pubDate>" + format_datetime(moved, usegmt=True).encode() + b"</pubDate>"

    return PUB_DATE.sub(move, item)


def fixture_items(site: str, fixtures: Path = FIXTURES) -> list[bytes]:
    """Every fixture day's items for one site."""
    items: list[bytes] = []
    for path in sorted(fixtures.glob(f"*/{site}.xml")):
        items += ITEM.findall(path.read_bytes())
    return items


@dataclass
class GoogleNewsFake:
    """Serves `/rss/search`. `faults[site]` is a list of modes consumed one per request, the last
    repeating: "ok", "503", "500", "404", "timeout", "malformed", "html", "consent" (a redirect to
    Google's consent page, `/ml` of consent.google.com, which it also serves). `shift_days` moves every
    item's date, so a test running today can be served the fixture days as recent news. While
    `gate` is set and not open, every search waits for it (to hold a build in progress). `links`
    serves Google's link decoding for the fixture links (testkit/fakes/google_links.py)."""

    fixtures: Path = FIXTURES
    shift_days: int = 0
    latency: float = 0.0
    timeout_sleep: float = 5.0
    faults: dict[str, list[str]] = field(default_factory=dict)
    extra_items: dict[str, list[bytes]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    in_flight: int = 0
    max_in_flight: int = 0
    gate: threading.Event | None = None
    links: GoogleLinksFake = field(default_factory=GoogleLinksFake)  # the link decoding steps, on the same host

    def __post_init__(self) -> None:
        self.links.targets = {**fixture_targets(self.fixtures), **self.links.targets}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/rss/search", self.search)
        app.router.add_get("/ml", self.consent_page)
        self.links.add_routes(app)
        return app

    def _mode(self, site: str) -> str:
        modes = self.faults.get(site)
        if not modes:
            return "ok"
        return modes.pop(0) if len(modes) > 1 else modes[0]

    async def consent_page(self, request: web.Request) -> web.Response:
        """Google's consent wall as an EU visitor sees it: a form, no feed."""
        return web.Response(
            text="<html><body><form>Before you continue to Google</form></body></html>", content_type="text/html"
        )

    async def search(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._search(request)
        finally:
            self.in_flight -= 1

    async def _search(self, request: web.Request) -> web.StreamResponse:
        q = request.query.get("q", "")
        self.requests.append(
            {
                "q": q,
                "hl": request.query.get("hl", ""),
                "user_agent": request.headers.get("User-Agent", ""),
                "host": request.headers.get("Host", ""),
                "accept_encoding": request.headers.get("Accept-Encoding", ""),
            }
        )
        sites = SITE.findall(q)
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait, 30.0)  # the server runs in its own thread and loop
        items: list[bytes] = []
        for site in sites:
            self.hits[site] += 1
            mode = self._mode(site)
            if mode in {"503", "500", "404"}:
                return web.Response(status=int(mode), text="error")
            if mode == "consent":
                raise web.HTTPFound(f"http://consent.google.com/ml?continue={quote(str(request.url), safe='')}")
            if mode == "timeout":
                await asyncio.sleep(self.timeout_sleep)
            if mode == "malformed":
                return web.Response(body=b"<rss><channel><item><title>broken", content_type="application/rss+xml")
            if mode == "html":
                return web.Response(body=b"<html><body>Sorry</body></html>", content_type="text/html")
            items += [shift_dates(i, self.shift_days) for i in fixture_items(site, self.fixtures)]
            items += self.extra_items.get(site, [])
        return web.Response(body=rss(items), content_type="application/rss+xml", charset="utf-8")
