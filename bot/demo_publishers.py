"""The outlets' own sites for the demo and the tests: each sample article's page in the shape of
its outlet's real template (navigation, bylines, related links, cookie banners, scripts; Nikkei
Asia's behind its paywall), robots.txt per host, and `PublisherSites`, the aiohttp app that serves
them by `Host` header and path (reached through FETCH_CONNECT_TO, so URLs and hosts are the real
ones). Each page carries an ETag and answers `If-None-Match` with 304.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from aiohttp import web

from bot.demo_articles import STORIES, StoryText

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


ALLOW_ALL = "User-agent: *\nAllow: /\n"
NOT_FOUND = "<html><body><h1>404 Not Found</h1></body></html>"


def site_key(url: str) -> tuple[str, str]:
    """(host, path) of a page URL: how the sites find a page."""
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.path or "/"


def request_host(request: web.Request) -> str:
    """The request's `Host` header without its port: the outlet asked for."""
    return (urlsplit(f"//{request.host}").hostname or "").lower()


def robots_answer(robots: str | int) -> web.Response:
    """robots.txt: its text, or an error status with no rules."""
    if isinstance(robots, int):
        return web.Response(status=robots, text="unavailable")
    return web.Response(text=robots, content_type="text/plain")


def not_found() -> web.Response:
    return web.Response(status=404, text=NOT_FOUND, content_type="text/html")


def html_answer(request: web.Request, body: bytes, published: datetime, charset: str = "utf-8") -> web.Response:
    """A page with its ETag and Last-Modified; 304 when the client already holds this ETag."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
    headers = {"ETag": etag, "Last-Modified": format_datetime(published, usegmt=True)}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, headers={**headers, "Content-Type": f"text/html; charset={charset}"})


def render_page(story: StoryText, url: str, charset: str = "utf-8") -> str:
    """The story's page as its outlet's template renders it at `url`."""
    return TEMPLATES[story.site](story, url, charset)


@dataclass
class PublisherSites:
    """Every story's page at `page_url(story)`, and robots.txt per host (default: everything allowed)."""

    stories: dict[tuple[str, str], StoryText] = field(default_factory=dict)
    robots: dict[str, str | int] = field(default_factory=dict)

    @classmethod
    def of(cls, stories: tuple[StoryText, ...] = STORIES) -> PublisherSites:
        sites = cls()
        for story in stories:
            sites.add(story)
        return sites

    def add(self, story: StoryText) -> str:
        """Serve the story's page; its URL."""
        url = page_url(story)
        self.stories[site_key(url)] = story
        return url

    @property
    def hosts(self) -> list[str]:
        """The hosts the sites answer for, sorted."""
        return sorted({host for host, _ in self.stories})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        host = request_host(request)
        if request.path == "/robots.txt":
            return robots_answer(self.robots.get(host, ALLOW_ALL))
        story = self.stories.get((host, request.path))
        if story is None:
            return not_found()
        body = render_page(story, f"https://{host}{request.path}").encode()
        return html_answer(request, body, story.published)
