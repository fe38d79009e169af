"""Fake publisher sites on 127.0.0.1 for the tests: the demo's pages (`bot.demo_publishers`: each
outlet's template, robots.txt per host) plus the ways real pages fail (paywall, bot wall, 429, slow,
huge, wrong charset, PDF), counted requests and per-host concurrency.

Requests are routed by their `Host` header and path, so the client asks for the real URLs
(`https://www.chinadaily.com.cn/a/...`): tests reach it through the production client, with
FETCH_CONNECT_TO and TLS (`testkit/fakes/production_hosts.py`), so host names, robots.txt, pacing,
the outbound policy and canonical URLs behave as in production.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import httpx
from aiohttp import web

from bot.demo_articles import STORIES, StoryText
from bot.demo_publishers import (
    ALLOW_ALL,
    CHALLENGE,
    html_answer,
    not_found,
    page_url,
    render_page,
    request_host,
    robots_answer,
)

__all__ = ["FakePage", "PublishersFake", "page_url", "publishers_fake"]


@dataclass
class FakePage:
    """One URL's answer. `faults` are used one per request ("429", "500", "ok"...), the last one repeating;
    else `mode`: ok | bot-wall | 429 | slow | stall | huge | pdf | 404 | 500 ("stall" answers after
    `stall` seconds, "slow" trickles its body). `encoding` is what the bytes
    are in; `declared` the charset the header and `<meta>` name."""

    story: StoryText
    mode: str = "ok"
    faults: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    declared: str = "utf-8"
    retry_after: str = "1"
    huge_bytes: int = 4 * 1024 * 1024
    stall: float = 1.0
    weight: int = 0  # bytes of inline page state added (real pages weigh 100-500 kB, mostly scripts)

    def html(self, url: str) -> str:
        page = render_page(self.story, url, self.declared)
        if not self.weight:
            return page
        state = json.dumps({"related": [f"/news/item-{i}" for i in range(self.weight // 20)]})
        return page.replace("</body>", f'<script type="application/json" id="state">{state}</script></body>')


@dataclass(frozen=True)
class Hit:
    host: str
    path: str
    headers: dict[str, str]
    at: float  # when it came, on the clock the fake was given (test time), else 0


@dataclass
class PublishersFake:
    """Pages by (host, path), robots.txt by host (text, or an HTTP status to answer with), and
    `redirects` (a page's https URL -> where it answers 301 to)."""

    pages: dict[tuple[str, str], FakePage] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    robots: dict[str, str | int] = field(default_factory=dict)
    latency: float = 0.0
    stamp: Callable[[str], float] | None = None  # host -> the time to record a hit at
    hits: list[Hit] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    max_hosts_at_once: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, story: StoryText, **kw: object) -> str:
        url = page_url(story)
        parts = httpx.URL(url)
        self.pages[(parts.host, parts.raw_path.decode())] = FakePage(story, **kw)  # type: ignore[arg-type]
        return url

    def page(self, url: str) -> FakePage:
        parts = httpx.URL(url)
        return self.pages[(parts.host, parts.raw_path.decode())]

    def set(self, url: str, **changes: object) -> None:
        parts = httpx.URL(url)
        key = (parts.host, parts.raw_path.decode())
        self.pages[key] = replace(self.pages[key], **changes)  # type: ignore[arg-type]

    def requests_to(self, host: str, path: str | None = None) -> list[Hit]:
        return [h for h in self.hits if h.host == host and (path is None or h.path == path)]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        host = request_host(request)
        with self._lock:
            self.hits.append(Hit(host, request.path, dict(request.headers), self.stamp(host) if self.stamp else 0.0))
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.max_hosts_at_once = max(self.max_hosts_at_once, sum(1 for n in self.in_flight.values() if n))
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            if request.path == "/robots.txt":
                return robots_answer(self.robots.get(host, ALLOW_ALL))
            moved = self.redirects.get(f"https://{host}{request.path_qs}")
            if moved is not None:
                return web.Response(status=301, headers={"Location": moved})
            page = self.pages.get((host, request.path_qs)) or self.pages.get((host, request.path))
            if page is None:
                return not_found()
            return await self._answer(request, page)
        finally:
            with self._lock:
                self.in_flight[host] -= 1

    async def _answer(self, request: web.Request, page: FakePage) -> web.StreamResponse:
        mode = page.faults.pop(0) if len(page.faults) > 1 else page.faults[0] if page.faults else page.mode
        url = f"https://{request_host(request)}{request.path}"
        if mode == "429":
            return web.Response(status=429, text="Too Many Requests", headers={"Retry-After": page.retry_after})
        if mode == "500":
            return web.Response(status=500, text="Internal Server Error")
        if mode == "stall":
            await asyncio.sleep(page.stall)
        if mode == "404":
            return web.Response(status=404, text="Not Found")
        if mode == "bot-wall":
            return web.Response(
                status=403, text=CHALLENGE, content_type="text/html", headers={"cf-mitigated": "challenge"}
            )
        if mode == "pdf":
            return web.Response(
                body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", content_type="application/pdf"
            )
        if mode in ("slow", "huge"):
            return await self._stream(request, page, slow=mode == "slow")
        body = page.html(url).encode(page.encoding, errors="strict")
        return html_answer(request, body, page.story.published, page.declared)

    async def _stream(self, request: web.Request, page: FakePage, slow: bool) -> web.StreamResponse:
        """A page trickling 100 bytes every 0.2 s (slow), or growing without end in 64 kB chunks (huge)."""
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await response.prepare(request)
        await response.write(b"<!DOCTYPE html><html><head><title>Loading</title></head><body>")
        sent = 0
        try:
            while sent < (200 * 100 if slow else page.huge_bytes):
                chunk = b"<!-- padding -->" * (6 if slow else 4096)
                await response.write(chunk)
                sent += len(chunk)
                if slow:
                    await asyncio.sleep(0.2)
            await response.write(b"</body></html>")
        except (ConnectionResetError, ConnectionError):
            pass
        return response


def publishers_fake(stories: tuple[StoryText, ...] = STORIES, latency: float = 0.0) -> tuple[PublishersFake, list[str]]:
    """Every story's page, served as its outlet serves it (Nikkei Asia behind its paywall); their URLs."""
    fake = PublishersFake(latency=latency)
    return fake, [fake.add(s) for s in stories]
