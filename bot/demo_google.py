"""Google News's link decoding as the demo serves it: the article page (signature and timestamp)
and `batchexecute`, in the shapes of Google's (docs/sources.md), answering each sample link with
the URL the demo's publisher sites serve for that article.

`GoogleDecoding.add_routes` mounts `/rss/articles/{id}`, `/articles/{id}` and
`/_/DotsSplashUi/data/batchexecute` beside the search feed, on one host as news.google.com has
them. The tests' fake (`testkit/fakes/google_links.py`) adds faults and counters to this class.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

from aiohttp import web

from bot.demo_articles import STORIES, StoryText
from bot.demo_publishers import page_url
from bot.demo_server import PUB_DATE, SampleFeeds
from digest_core.fetch.google_links import article_id

TIMESTAMP = 1771988880  # the data-n-a-ts the pages carry
_LINK = re.compile(rb"<link>([^<]+)</link>")


def signature_of(aid: str) -> str:
    """The data-n-a-sg for an id (Google's are opaque tokens of this look)."""
    return "AU_yqL" + hashlib.sha256(f"sg:{aid}".encode()).hexdigest()[:40]


def article_page(aid: str, with_signature: bool = True) -> str:
    """An article page in the shape of Google's: scripts, a c-wiz with the attributes on its div."""
    attrs = (
        f'data-n-a-id="{aid}" data-n-a-sg="{signature_of(aid)}" data-n-a-ts="{TIMESTAMP}"'
        if with_signature
        else f'data-n-a-id="{aid}"'
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


@dataclass(frozen=True)
class BatchCall:
    """One call of a batchexecute POST: the RPC's name, the article id, its timestamp and signature."""

    rpc: str
    aid: str
    ts: object
    sg: object
    number: str

    @property
    def signed(self) -> bool:
        """Whether it carries the signature and timestamp the article page gave."""
        return self.rpc == "Fbv4je" and self.ts == TIMESTAMP and self.sg == signature_of(self.aid)


def batch_calls(f_req: str) -> list[BatchCall]:
    """The calls of a POST's `f.req` field; ValueError (or a JSON error) for another shape."""
    calls = []
    for rpc, inner, _, number in json.loads(f_req)[0]:
        _, _, aid, ts, sg = json.loads(inner)
        calls.append(BatchCall(rpc, aid, ts, sg, number))
    return calls


def batch_text(rows: list[list[object]]) -> str:
    """The answer's text: Google's `)]}'` guard, a blank line, then the rows and trailer as JSON."""
    envelope = [*rows, ["di", 48], ["af.httprm", 47, "-5049812331464571813", 21]]
    return f")]}}'\n\n{json.dumps(envelope)}"


@dataclass
class GoogleDecoding:
    """The two decoding steps, answering every signed call with `targets[id]` (unknown ids refused)."""

    targets: dict[str, str] = field(default_factory=dict)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/rss/articles/{id}", self.page)
        app.router.add_get("/articles/{id}", self.page)
        app.router.add_post("/_/DotsSplashUi/data/batchexecute", self.batch)

    async def page(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=article_page(request.match_info["id"]), content_type="text/html")

    async def batch(self, request: web.Request) -> web.StreamResponse:
        try:
            calls = batch_calls(str((await request.post())["f.req"]))
        except (KeyError, TypeError, ValueError):
            return web.Response(status=400, text="bad request")
        rows = [batch_row(self.targets.get(c.aid) if c.signed else None, c.number) for c in calls]
        return web.Response(text=batch_text(rows), content_type="application/json")


def _published(item: bytes) -> datetime | None:
    found = PUB_DATE.search(item)
    try:
        return parsedate_to_datetime(found.group(1).decode()) if found else None
    except (TypeError, ValueError):
        return None


def publisher_targets(feeds: SampleFeeds, stories: tuple[StoryText, ...] = STORIES) -> dict[str, str]:
    """Each sample item's Google article id -> the page URL of the story of its outlet and time."""
    by_key = {(s.site, s.published): s for s in stories}
    targets: dict[str, str] = {}
    for site, items in feeds.items.items():
        for item in items:
            link, when = _LINK.search(item), _published(item)
            aid = article_id(html.unescape(link.group(1).decode())) if link else None
            story = by_key.get((site, when)) if when else None
            if aid and story:
                targets[aid] = page_url(story)
    return targets
