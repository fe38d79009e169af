"""Fake publisher sites on 127.0.0.1: article pages in the shape of each outlet's template, robots.txt
per host, and the ways real pages fail (paywall, bot wall, 429, slow, huge, wrong charset, PDF).

Requests are routed by their `Host` header and path, so the client can ask for the real URLs
(`https://www.chinadaily.com.cn/a/...`) through `ConnectToLoopback`, a transport that sends every
connection to the fake while keeping host names (for robots.txt, pacing and canonical URLs) as in
production, like curl's `--connect-to`. Each page honours `If-None-Match` with 304.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import format_datetime

import httpx
from aiohttp import web

from tests.fakes.publisher_articles import STORIES, StoryText

COOKIE_BANNER = (
    '<div id="cookie-consent" class="cookie-banner"><p>We use cookies and similar technologies to improve your '
    "experience, analyse traffic and show personalised content. By clicking Accept all you agree to our cookie "
    "policy.</p><button>Accept all</button><button>Settings</button></div>"
)
SCRIPTS = (
    "<script>window.dataLayer=window.dataLayer||[];"
    "function gtag(){dataLayer.push(arguments);}gtag('js',new Date());</script>"
    '<script async src="/static/js/analytics.min.js"></script>'
)
CHALLENGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    '<meta http-equiv="refresh" content="360"></head><body><div class="main-wrapper" role="main">'
    "<h1>www.example.com</h1><h2>Checking if the site connection is secure</h2>"
    "<noscript>Enable JavaScript and cookies to continue</noscript>"
    '<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f1"></script></div></body></html>'
)


def slug(title: str, sep: str = "-") -> str:
    return sep.join(re.findall(r"[a-z0-9]+", title.lower())[:10])


def _hash(story: StoryText, n: int = 8) -> str:
    return hashlib.sha256(f"{story.site}{story.title}{story.published}".encode()).hexdigest()[:n]


def page_url(story: StoryText) -> str:
    """Where the story lives on its outlet's site (the URL shapes the outlets use)."""
    p, h = story.published, _hash(story)
    n = int(h[:5], 16) % 100000
    sites = {
        "chinadaily.com.cn": f"https://www.chinadaily.com.cn/a/{p:%Y%m}/{p:%d}/WS{h}.html",
        "globaltimes.cn": f"https://www.globaltimes.cn/page/{p:%Y%m}/13{n:05d}.shtml",
        "cgtn.com": f"https://news.cgtn.com/news/{p:%Y-%m-%d}/{slug(story.title)}-{h}/p.html",
        "scmp.com": f"https://www.scmp.com/news/{story.section.lower()}/article/33{n:05d}/{slug(story.title)}",
        "japantimes.co.jp": f"https://www.japantimes.co.jp/news/{p:%Y/%m/%d}/{story.section.lower()}/{slug(story.title)}/",
        "english.kyodonews.net": f"https://english.kyodonews.net/news/{p:%Y/%m}/{h}-{slug(story.title)}.html",
        "asia.nikkei.com": f"https://asia.nikkei.com/{story.section}/{slug(story.title).title()}",
    }
    return sites[story.site]


def _json_ld(story: StoryText, url: str, free: bool = True, words: int | None = None) -> str:
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "OpinionNewsArticle" if story.section in ("Opinion", "Opinions") else "NewsArticle",
        "headline": story.title,
        "datePublished": story.published.isoformat(),
        "url": url,
        "articleSection": story.section,
        "isAccessibleForFree": free,
        "publisher": {"@type": "Organization", "name": story.site},
    }
    if words:
        data["wordCount"] = words
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _head(story: StoryText, url: str, lang: str, meta: str = "", charset: str = "utf-8", ld: str = "") -> str:
    title = html.escape(story.title)
    lang_attr = f' lang="{lang}"' if lang else ""
    return (
        f'<!DOCTYPE html><html{lang_attr}><head><meta charset="{charset}"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="canonical" href="{url}"><meta property="og:title" content="{title}">'
        f'<meta property="article:published_time" content="{story.published.isoformat()}">{meta}{ld}</head>'
    )


def _paras(story: StoryText, tag: str = "p") -> str:
    return "".join(f"<{tag}>{html.escape(p)}</{tag}>" for p in story.paragraphs)


def _related(items: list[str]) -> str:
    links = "".join(f'<li><a href="/related/{slug(t)}">{html.escape(t)}</a></li>' for t in items)
    return f'<div class="related"><h3>Related stories</h3><ul>{links}</ul></div>'


RELATED = ["Weather: cold front moves south", "Markets close higher on tech rally", "Photos: the week in pictures"]


def china_daily(story: StoryText, url: str, charset: str = "utf-8") -> str:
    meta = f'<meta property="article:section" content="{story.section}"><meta name="author" content="{story.author}">'
    return (
        _head(story, url, "en", meta, charset, _json_ld(story, url))
        + '<body><div class="topNav"><a href="/">HOME</a><a href="/china">CHINA</a><a href="/world">WORLD</a>'
        + '<a href="/business">BUSINESS</a><a href="/opinion">OPINION</a></div>'
        + f'<div class="main_art"><div class="lft_art"><h1>{html.escape(story.title)}</h1>'
        + f'<div class="info"><span class="info_l">By {html.escape(story.author or "China Daily")} | '
        + "chinadaily.com.cn | "
        + f"Updated: {story.published:%Y-%m-%d %H:%M}</span></div>"
        + f'<div id="Content">{_paras(story)}</div>'
        + '<div class="share">Share - WeChat</div></div>'
        + _related(RELATED)
        + '</div><div class="footer"><p>Copyright 1995 - 2026. All rights reserved. The content (including but not '
        + "limited to text, photo, multimedia information, etc) published in this site belongs to China Daily."
        + "</p></div>"
        + SCRIPTS
        + "</body></html>"
    )


def global_times(story: StoryText, url: str, charset: str = "utf-8") -> str:
    text = "<br><br>".join(html.escape(p) for p in story.paragraphs)  # the outlet separates paragraphs with <br>
    return (
        _head(story, url, "", f'<meta name="description" content="{html.escape(story.paragraphs[0][:150])}">', charset)
        + '<body><div class="header_nav"><ul><li><a href="/china/">CHINA</a></li><li><a href="/source/">SOURCE</a></li>'
        + '<li><a href="/opinion/">OPINION</a></li><li><a href="/in-depth/">IN-DEPTH</a></li></ul></div>'
        + f'<div class="article"><div class="article_column">{story.section.upper()} / DIPLOMACY</div>'
        + f'<div class="article_title">{html.escape(story.title)}</div>'
        + '<div class="author_share"><div class="author_share_left"><span class="byline">By Global Times</span>'
        + f'<span class="pub_time">Published: {story.published:%b %d, %Y %I:%M %p}</span></div></div>'
        + f'<div class="article_content"><div class="article_right">{text}</div></div></div>'
        + _related(RELATED)
        + SCRIPTS
        + "</body></html>"
    )


def cgtn(story: StoryText, url: str, charset: str = "utf-8") -> str:
    meta = f'<meta property="og:locale" content="en_US"><meta property="article:section" content="{story.section}">'
    return (
        _head(story, url, "en", meta, charset, _json_ld(story, url))
        + '<body><header class="cg-header"><nav><a href="/">Home</a><a href="/china">China</a>'
        + '<a href="/world">World</a>'
        + '<a href="/opinions">Opinions</a><a href="/video">Video</a></nav></header>'
        + f'<div class="news-title"><h1>{html.escape(story.title)}</h1></div>'
        + f'<div class="news-author">CGTN | {story.published:%d-%b-%Y}</div>'
        + f'<div id="cmsMainContent" class="cmsMainContent"><div class="text en">{_paras(story)}</div></div>'
        + '<div class="cg-editor">Editor: Li Wei</div>'
        + _related(RELATED)
        + COOKIE_BANNER
        + SCRIPTS
        + "</body></html>"
    )


def scmp(story: StoryText, url: str, charset: str = "utf-8") -> str:
    state = json.dumps({"props": {"pageProps": {"article": {"headline": story.title, "section": story.section}}}})
    return (
        _head(
            story,
            url,
            "en-GB",
            f'<meta property="article:section" content="{story.section}">',
            charset,
            _json_ld(story, url),
        )
        + '<body><div id="__next"><header><nav data-qa="Header-Nav"><a href="/news/china">China</a>'
        + '<a href="/news/asia">Asia</a><a href="/economy">Economy</a><a href="/opinion">Opinion</a></nav></header>'
        + f'<main><article><h1 data-qa="ContentHeadline-Headline">{html.escape(story.title)}</h1>'
        + '<div data-qa="ArticleAuthor">Published: '
        + f"{story.published:%I:%M%p, %d %b %Y}</div>"
        + f'<div data-qa="ArticleBody" class="article-body">{_paras(story)}</div>'
        + "</article>"
        + _related(RELATED)
        + f'</main></div><script id="__NEXT_DATA__" type="application/json">{state}</script>'
        + COOKIE_BANNER
        + SCRIPTS
        + "</body></html>"
    )


def japan_times(story: StoryText, url: str, charset: str = "utf-8") -> str:
    byline = f'<p class="writer">By {html.escape(story.author)}</p>' if story.author else ""
    return (
        _head(
            story,
            url,
            "en-US",
            f'<meta property="article:section" content="{story.section}">',
            charset,
            _json_ld(story, url),
        )
        + '<body><div class="jt-header"><nav class="main-nav"><a href="/news/">News</a>'
        + '<a href="/business/">Business</a>'
        + '<a href="/opinion/">Opinion</a><a href="/life/">Life</a></nav></div>'
        + f'<article><div class="article-title"><h1>{html.escape(story.title)}</h1></div>{byline}'
        + f'<div class="publish-date">{story.published:%b %d, %Y}</div>'
        + f'<div class="article-body">{_paras(story)}</div>'
        + '<div class="jt-subscribe"><p>Subscribe to The Japan Times newsletter for the day\'s top stories.</p></div>'
        + "</article>"
        + _related(RELATED)
        + COOKIE_BANNER
        + SCRIPTS
        + "</body></html>"
    )


def kyodo(story: StoryText, url: str, charset: str = "utf-8") -> str:
    return (
        _head(story, url, "en", "", charset, _json_ld(story, url))
        + '<body><div id="header"><ul class="gnav"><li><a href="/news/japan">Japan</a></li>'
        + '<li><a href="/news/asia">Asia</a></li><li><a href="/news/world">World</a></li></ul></div>'
        + f'<div class="article"><h1>{html.escape(story.title)}</h1><p class="credit">KYODO NEWS - '
        + f"{story.published:%b %d, %Y - %H:%M} | {story.section}</p>"
        + f'<div class="article-body">{_paras(story)}</div>'
        + '<div class="relation"><p>==Kyodo</p></div></div>'
        + _related(RELATED)
        + SCRIPTS
        + "</body></html>"
    )


def nikkei(story: StoryText, url: str, charset: str = "utf-8") -> str:
    """Nikkei Asia style: a teaser paragraph, a subscription wall, `isAccessibleForFree: false`."""
    return (
        _head(story, url, "en", "", charset, _json_ld(story, url, free=False, words=900))
        + '<body><header><nav><a href="/Politics">Politics</a><a href="/Economy">Economy</a>'
        + '<a href="/Business">Business</a><a href="/Opinion">Opinion</a></nav></header>'
        + f'<article><h1>{html.escape(story.title)}</h1><div class="article__sub-title">{story.section}</div>'
        + f'<div class="ezrb49p0"><p>{html.escape(story.paragraphs[0])}</p></div>'
        + '<div class="paywall"><h2>Subscribe to read the full story</h2><p>Get unlimited access to Nikkei Asia '
        + 'on any device: in-depth analysis of Asia\'s politics and economies.</p><a href="/subscribe">Subscribe</a>'
        + "</div></article>"
        + SCRIPTS
        + "</body></html>"
    )


TEMPLATES: dict[str, Callable[[StoryText, str, str], str]] = {
    "chinadaily.com.cn": china_daily,
    "globaltimes.cn": global_times,
    "cgtn.com": cgtn,
    "scmp.com": scmp,
    "japantimes.co.jp": japan_times,
    "english.kyodonews.net": kyodo,
    "asia.nikkei.com": nikkei,
}


@dataclass
class FakePage:
    """One URL's answer. `faults` are used one per request ("429", "500", "ok"...), the last one repeating;
    else `mode`: ok | bot-wall | 429 | slow | huge | pdf | 404 | 500. `encoding` is what the bytes
    are in; `declared` the charset the header and `<meta>` name."""

    story: StoryText
    mode: str = "ok"
    faults: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    declared: str = "utf-8"
    retry_after: str = "1"
    huge_bytes: int = 4 * 1024 * 1024
    weight: int = 0  # bytes of inline page state added (real pages weigh 100-500 kB, mostly scripts)

    def html(self, url: str) -> str:
        page = TEMPLATES[self.story.site](self.story, url, self.declared)
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
    """Pages by (host, path), robots.txt by host (text, or an HTTP status to answer with)."""

    pages: dict[tuple[str, str], FakePage] = field(default_factory=dict)
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
        host = request.host.split(":")[0].lower()
        with self._lock:
            self.hits.append(Hit(host, request.path, dict(request.headers), self.stamp(host) if self.stamp else 0.0))
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.max_hosts_at_once = max(self.max_hosts_at_once, sum(1 for n in self.in_flight.values() if n))
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            if request.path == "/robots.txt":
                robots = self.robots.get(host, "User-agent: *\nAllow: /\n")
                if isinstance(robots, int):
                    return web.Response(status=robots, text="unavailable")
                return web.Response(text=robots, content_type="text/plain")
            page = self.pages.get((host, request.path_qs)) or self.pages.get((host, request.path))
            if page is None:
                return web.Response(
                    status=404, text="<html><body><h1>404 Not Found</h1></body></html>", content_type="text/html"
                )
            return await self._answer(request, page)
        finally:
            with self._lock:
                self.in_flight[host] -= 1

    async def _answer(self, request: web.Request, page: FakePage) -> web.StreamResponse:
        mode = page.faults.pop(0) if len(page.faults) > 1 else page.faults[0] if page.faults else page.mode
        url = f"https://{request.host.split(':')[0]}{request.path}"
        if mode == "429":
            return web.Response(status=429, text="Too Many Requests", headers={"Retry-After": page.retry_after})
        if mode == "500":
            return web.Response(status=500, text="Internal Server Error")
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
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        headers = {"ETag": etag, "Last-Modified": format_datetime(page.story.published, usegmt=True)}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers={**headers, "Content-Type": f"text/html; charset={page.declared}"})

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


class ConnectToLoopback(httpx.AsyncBaseTransport):
    """Every request goes to 127.0.0.1:`port` over plain HTTP with its URL's `Host` kept (curl's --connect-to)."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self._port)
        inner = httpx.Request(
            request.method, url, headers=request.headers, stream=request.stream, extensions=request.extensions
        )
        return await self._inner.handle_async_request(inner)

    async def aclose(self) -> None:
        await self._inner.aclose()


def loopback_client(
    port: int, user_agent: str = "Digestbot/0.1 (+https://example.org/bot)", **kw: object
) -> httpx.AsyncClient:
    """An httpx client whose requests all reach the fake on `port`."""
    return httpx.AsyncClient(
        transport=ConnectToLoopback(port),
        headers={"User-Agent": user_agent},
        follow_redirects=True,
        **kw,  # type: ignore[arg-type]
    )
