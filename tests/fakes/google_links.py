"""A fake of Google News's link decoding: the article page (signature and timestamp) and batchexecute.

`GoogleLinksFake.add_routes` mounts `/rss/articles/{id}`, `/articles/{id}` and
`/_/DotsSplashUi/data/batchexecute` on an aiohttp app (the Google News RSS fake mounts them too,
so one base URL serves both, as news.google.com does). `fixture_targets` maps every fixture
link's id to a plausible URL on its outlet's real domain. Faults are lists of modes consumed one
per request, the last repeating; `page_gets`, `posts` and `posted` count what the client asked.
"""

from __future__ import annotations

import asyncio
import hashlib
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

_ITEM = re.compile(r"<item>(.*?)</item>", re.DOTALL)
_TAG = {name: re.compile(rf"<{name}>([^<]*)</{name}>") for name in ("title", "link", "pubDate")}
TIMESTAMP = 1771988880  # the data-n-a-ts the fake's pages carry
CONSENT = "https://consent.google.com/ml?continue=https://news.google.com/&gl=DE&hl=en-US&pc=n&src=1"
PAGE_MODES = {"ok", "429", "consent", "missing", "404", "500", "sorry"}
BATCH_MODES = {"ok", "429", "consent", "garbage", "shape", "chunked", "500"}


def _number(key: str, digits: int) -> str:
    return str(int(hashlib.sha256(key.encode()).hexdigest(), 16))[:digits]


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80].rstrip("-")


def publisher_url(site: str, title: str, day: str, key: str) -> str:
    """A plausible article URL on the outlet's own domain, in the shape of its real URLs (deterministic)."""
    y, m, d = day.split("-")
    slug = _slug(title.rsplit(" - ", 1)[0])
    templates = {
        "chinadaily.com.cn": f"https://www.chinadaily.com.cn/a/{y}{m}/{d}/WS{_number(key, 12)}.html",
        "globaltimes.cn": f"https://www.globaltimes.cn/page/{y}{m}/{_number(key, 7)}.shtml",
        "cgtn.com": f"https://news.cgtn.com/news/{y}-{m}-{d}/{slug[:50]}-{_number(key, 6)}/p.html",
        "scmp.com": f"https://www.scmp.com/news/china/diplomacy/article/{_number(key, 7)}/{slug}",
        "japantimes.co.jp": f"https://www.japantimes.co.jp/news/{y}/{m}/{d}/japan/politics/{slug}/",
        "english.kyodonews.net": f"https://english.kyodonews.net/articles/-/{_number(key, 5)}",
        "asia.nikkei.com": f"https://asia.nikkei.com/politics/international-relations/{slug}",
    }
    return templates.get(site, f"https://www.{site}/{y}/{m}/{d}/{slug}")


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
    """Each fixture link's id -> its publisher URL (on the outlet's real domain)."""
    return {f.id: publisher_url(f.site, f.title, f.day, f.id) for f in fixture_links(fixtures)}


def signature_of(article_id: str) -> str:
    """The fake's data-n-a-sg for an id (Google's are opaque tokens of this look)."""
    return "AU_yqL" + hashlib.sha256(f"sg:{article_id}".encode()).hexdigest()[:40]


def article_page(article_id: str, with_signature: bool = True) -> str:
    """An article page in the shape of Google's: scripts, a c-wiz with the attributes on its div."""
    attrs = (
        f'data-n-a-id="{article_id}" data-n-a-sg="{signature_of(article_id)}" data-n-a-ts="{TIMESTAMP}"'
        if with_signature
        else f'data-n-a-id="{article_id}"'
    )
    return f"""<!doctype html><html lang="en-US" dir="ltr"><head><base href="https://news.google.com/">
<meta name="referrer" content="origin"><title>Google News</title>
<script nonce="x">window.WIZ_global_data = {{"FdrFJe":"-1","GWsdKe":"en-US"}};</script>
<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Google+Sans:400,500"></head>
<body jscontroller="ndJb1e" jsaction="rcuQ6b:npT2md" class="EIlDfe">
<div class="n3GXRc"><a href="./" aria-label="Google News">Google News</a></div>
<c-wiz jsrenderer="nO8Ck" class="T4LgNb" jsdata="deferred-i1" data-p="%.@.null,1]">
<div jscontroller="aLI87" jsaction="JIbuQc:qzSRCc" class="Ai2Dz" {attrs}>
<div class="m2L3rb"><span>Opening the article...</span></div>
<noscript><a href="https://news.google.com/">Continue</a></noscript></div></c-wiz>
<script nonce="x">AF_initDataCallback({{key: 'ds:0', hash: '1', data:[null], sideChannel: {{}}}});</script>
</body></html>"""


def batch_row(url: str | None, number: str) -> list[object]:
    """One `wrb.fr` row: the URL for one call, or Google's empty payload for an id it refuses."""
    payload = json.dumps(["garturlres", url, 1]) if url is not None else None
    return ["wrb.fr", "Fbv4je", payload, None, None, None if url else [3], number]


@dataclass
class GoogleLinksFake:
    """Google News's decoding steps with the fixture mapping; faults per step, counted requests."""

    targets: dict[str, str] = field(default_factory=dict)
    page_faults: list[str] = field(default_factory=list)
    batch_faults: list[str] = field(default_factory=list)
    retry_after: str = "7"
    page_gets: int = 0
    posts: int = 0
    posted: list[list[str]] = field(default_factory=list)  # the ids of each POST
    user_agents: set[str] = field(default_factory=set)
    in_flight: int = 0
    max_in_flight: int = 0
    latency: float = 0.0  # seconds each answer takes (to show requests never overlap)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/rss/articles/{id}", self.page)
        app.router.add_get("/articles/{id}", self.page)
        app.router.add_post("/_/DotsSplashUi/data/batchexecute", self.batch)

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
        form = await request.post()
        mode = self._mode(self.batch_faults)
        refusal = self._refusal(mode)
        if refusal is not None:
            return refusal
        if mode == "garbage":
            return web.Response(text="<html><body>Something went wrong</body></html>", content_type="text/html")
        calls = json.loads(str(form["f.req"]))[0]
        ids: list[str] = []
        rows: list[list[object]] = []
        for rpc, inner, _, number in calls:
            _, _, aid, ts, sg = json.loads(inner)
            ids.append(aid)
            valid = rpc == "Fbv4je" and ts == TIMESTAMP and sg == signature_of(aid)
            rows.append(batch_row(self.targets.get(aid) if valid else None, number))
        self.posted.append(ids)
        if mode == "shape":  # a new answer shape: the URL moved into an object
            rows = [["wrb.fr", "Fbv4je", json.dumps({"url": self.targets.get(i)}), None, None, None, "1"] for i in ids]
        envelope = [*rows, ["di", 48], ["af.httprm", 47, "-5049812331464571813", 21]]
        text = json.dumps(envelope)
        if mode == "chunked":  # the length-prefixed form (rt=c)
            return web.Response(text=f')]}}\'\n\n{len(text)}\n{text}\n25\n[["e",4,null,null,{len(text)}]]\n')
        return web.Response(text=f")]}}'\n\n{text}", content_type="application/json")
