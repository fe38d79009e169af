"""A fake of Google News's link decoding: the article page (signature and timestamp) and batchexecute.

`GoogleLinksFake.add_routes` mounts `/rss/articles/{id}`, `/articles/{id}` and
`/_/DotsSplashUi/data/batchexecute` on an aiohttp app (the Google News RSS fake mounts them too,
so one base URL serves both, as news.google.com does). The protocol's pieces are the demo's
(`bot/demo_google.py`); `fixture_targets` maps every fixture link's id to the URL the publisher
fake serves for that article, so a build decodes the links and then reads those pages. Faults
are lists of modes consumed one per request, the last repeating; `page_gets`, `posts` and
`posted` count what the client asked.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from bot.demo_google import (
    TIMESTAMP,
    GoogleDecoding,
    article_page,
    batch_calls,
    batch_row,
    batch_text,
    publisher_targets,
    signature_of,
)
from bot.demo_server import SampleFeeds

__all__ = ["TIMESTAMP", "GoogleLinksFake", "article_page", "batch_row", "fixture_links", "signature_of"]

_ITEM = re.compile(r"<item>(.*?)</item>", re.DOTALL)
_TAG = {name: re.compile(rf"<{name}>([^<]*)</{name}>") for name in ("title", "link", "pubDate")}
CONSENT = "https://consent.google.com/ml?continue=https://news.google.com/&gl=DE&hl=en-US&pc=n&src=1"
PAGE_MODES = {"ok", "429", "consent", "missing", "404", "500", "sorry"}
BATCH_MODES = {"ok", "429", "consent", "garbage", "shape", "chunked", "500"}


@dataclass(frozen=True)
class FixtureLink:
    """One fixture item: its Google link, site (the file's name), headline and day."""

    link: str
    site: str
    title: str
    day: str

    @property
    def id(self) -> str:
        return urlsplit(self.link).path.rsplit("/", 1)[-1]


def fixture_links(fixtures: Path, day: str = "*") -> list[FixtureLink]:
    """Every fixture item of `day` (every day by default), in file order."""
    found: list[FixtureLink] = []
    for path in sorted(fixtures.glob(f"{day}/*.xml")):
        for item in _ITEM.findall(path.read_text(encoding="utf-8")):
            link, title, when = (_TAG[n].search(item) for n in ("link", "title", "pubDate"))
            if link and title and when:
                published = parsedate_to_datetime(when.group(1)).date().isoformat()
                found.append(
                    FixtureLink(html.unescape(link.group(1)), path.stem, html.unescape(title.group(1)), published)
                )
    return found


def fixture_targets(fixtures: Path) -> dict[str, str]:
    """Each fixture link's id -> the page URL the publisher fake serves for its article."""
    return publisher_targets(SampleFeeds.load(fixtures))


@dataclass
class GoogleLinksFake(GoogleDecoding):
    """Google News's decoding steps (the demo's) with faults per step and counted requests."""

    page_faults: list[str] = field(default_factory=list)
    batch_faults: list[str] = field(default_factory=list)
    retry_after: str = "7"
    page_gets: int = 0
    posts: int = 0
    posted: list[list[str]] = field(default_factory=list)  # the ids of each POST
    user_agents: set[str] = field(default_factory=set)
    hosts: set[str] = field(default_factory=set)  # the Host headers of both steps
    in_flight: int = 0
    max_in_flight: int = 0
    latency: float = 0.0  # seconds each answer takes (to show requests never overlap)

    @staticmethod
    def _mode(faults: list[str]) -> str:
        if not faults:
            return "ok"
        return faults.pop(0) if len(faults) > 1 else faults[0]

    def _refusal(self, mode: str) -> web.Response | None:
        if mode == "429":
            return web.Response(status=429, text="Too Many Requests", headers={"Retry-After": self.retry_after})
        if mode == "consent":
            raise web.HTTPFound(location=CONSENT)
        if mode in {"404", "500"}:
            return web.Response(status=int(mode), text="error")
        return None

    @asynccontextmanager
    async def _counted(self) -> AsyncIterator[None]:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            yield
        finally:
            self.in_flight -= 1

    async def page(self, request: web.Request) -> web.StreamResponse:
        async with self._counted():
            return await self._page(request)

    async def batch(self, request: web.Request) -> web.StreamResponse:
        async with self._counted():
            return await self._batch(request)

    async def _page(self, request: web.Request) -> web.StreamResponse:
        self.page_gets += 1
        self.user_agents.add(request.headers.get("User-Agent", ""))
        self.hosts.add(request.host)
        mode = self._mode(self.page_faults)
        refusal = self._refusal(mode)
        if refusal is not None:
            return refusal
        if mode == "sorry":
            raise web.HTTPFound(location="https://www.google.com/sorry/index?continue=x")
        aid = request.match_info["id"]
        return web.Response(text=article_page(aid, mode != "missing"), content_type="text/html")

    async def _batch(self, request: web.Request) -> web.StreamResponse:
        self.posts += 1
        self.hosts.add(request.host)
        form = await request.post()
        mode = self._mode(self.batch_faults)
        refusal = self._refusal(mode)
        if refusal is not None:
            return refusal
        if mode == "garbage":
            return web.Response(text="<html><body>Something went wrong</body></html>", content_type="text/html")
        calls = batch_calls(str(form["f.req"]))
        ids = [c.aid for c in calls]
        rows = [batch_row(self.targets.get(c.aid) if c.signed else None, c.number) for c in calls]
        self.posted.append(ids)
        if mode == "shape":  # a new answer shape: the URL moved into an object
            rows = [["wrb.fr", "Fbv4je", json.dumps({"url": self.targets.get(i)}), None, None, None, "1"] for i in ids]
        text = batch_text(rows)
        if mode == "chunked":  # the length-prefixed form (rt=c)
            body = text.split("\n\n", 1)[1]
            return web.Response(text=f')]}}\'\n\n{len(body)}\n{body}\n25\n[["e",4,null,null,{len(body)}]]\n')
        return web.Response(text=text, content_type="application/json")
