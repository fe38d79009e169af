"""Kept articles' own pages, read politely: robots.txt, per-host pacing, conditional GET, limits.

`ArticlePages.enrich` reads the page of each wanted article that has a publisher URL (in-window,
on-topic, de-duplicated; at most `max_per_build` pages asked per build) and fills the article's
`lead`, `language`, `section`, `opinion` and `lead_missing`, and its `publisher_url` with the
page's canonical URL when the outlet owns it. Hosts are read in parallel, each one page at a
time, at most one request per `interval` seconds (or the host's robots.txt `Crawl-delay`).
robots.txt is fetched once per host per build (4xx: everything allowed; 5xx or no answer: the
host is not read this build). A host that answers 429 or with a bot wall is not asked again this
build. What a page gave is stored (`page_store`) and reused without a request for `reread_after`;
after that a stored lead is re-read with `If-None-Match` / `If-Modified-Since`, and a 304 keeps
it. Any failure costs that article's lead only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import zip_longest
from urllib.parse import urlsplit

import httpx
from protego import Protego

from digest_core.clock import utc_now
from digest_core.editorial.select import drop_repeats
from digest_core.models import Article
from digest_core.sources.article_text import BOT_WALL, PageText, bot_wall, cut_lead, is_opinion, read_page
from digest_core.sources.guard import DIGEST_DEADLINE, deadline_in, guarded
from digest_core.sources.page_store import PageRecord, PageStore
from digest_core.sources.polite import Fetched, PoliteClient, RateLimiter, host_of
from digest_core.workers import run_cpu

log = logging.getLogger(__name__)

REREAD_AFTER = timedelta(hours=24)  # a page read (or refused for good) is not asked again for this long
MAX_CRAWL_DELAY = 60.0  # a longer robots.txt Crawl-delay is treated as this (the build deadline still applies)
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
WALL_STATUSES = (401, 402, 403, 429, 503)  # answers that may be a challenge page rather than an error
FROM_FEED = "the lead is the outlet feed's description"

Pacer = Callable[[str, float], RateLimiter]  # (host, interval) -> that host's pace


@dataclass(frozen=True)
class Robots:
    """A host's robots.txt for this build: its rules (None: everything allowed), or why it could not be read."""

    rules: Protego | None = None
    unavailable: str | None = None

    def allows(self, url: str, agent: str) -> bool:
        return self.rules is None or self.rules.can_fetch(url, agent)

    def crawl_delay(self, agent: str) -> float:
        delay = self.rules.crawl_delay(agent) if self.rules is not None else None
        return min(float(delay), MAX_CRAWL_DELAY) if delay else 0.0


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


def by_host(urls: Sequence[str]) -> dict[str, list[str]]:
    """URLs grouped by host, each group in the given order."""
    groups: dict[str, list[str]] = {}
    for url in urls:
        groups.setdefault(host_of(url), []).append(url)
    return groups


def fair_order(urls: Sequence[str]) -> list[str]:
    """URLs taken one per host in turn, so that a per-build cap leaves no host out."""
    rounds = zip_longest(*by_host(urls).values())
    return [url for batch in rounds for url in batch if url is not None]


def agent_token(user_agent: str) -> str:
    """The product token robots.txt rules name ("Digestbot" of "Digestbot/0.1 (+https://...)")."""
    return user_agent.split("/")[0].split()[0] if user_agent.strip() else "*"


class ArticlePages:
    """Reads the pages of the kept articles and fills their lead and page metadata (see the module doc)."""

    def __init__(
        self,
        http: PoliteClient,
        store: PageStore,
        user_agent: str,
        interval: float = 1.0,
        max_per_build: int = 60,
        deadline: float = DIGEST_DEADLINE,
        reread_after: timedelta = REREAD_AFTER,
        clock: Callable[[], datetime] = utc_now,
        pacer: Pacer | None = None,
    ) -> None:
        self._http = http
        self._store = store
        self._agent = agent_token(user_agent)
        self._interval = max(0.0, interval)
        self._max = max_per_build
        self._deadline = deadline
        self._reread_after = reread_after
        self._clock = clock
        self._pacer: Pacer = pacer or (lambda host, interval: RateLimiter(interval))
        self._paces: dict[str, RateLimiter] = {}  # per host, shared by every build of this process
        self.requests = 0  # requests made, robots.txt and retries included (for logs, tests and benchmarks)

    async def enrich(
        self,
        articles: list[Article],
        wanted: Callable[[Article], bool],
        accept: Callable[[Article, str], bool] = lambda article, url: True,
    ) -> list[Article]:
        """The articles, the wanted ones with what their pages say. `accept(article, url)` vets a
        page's canonical URL before it becomes the article's publisher URL."""
        candidates = [a for a in articles if a.publisher_url and wanted(a)]
        kept = {id(a) for a in drop_repeats(candidates)}
        urls = list(dict.fromkeys(a.publisher_url for a in candidates if id(a) in kept and a.publisher_url))
        if not urls:
            return articles
        stored = await self._stored(urls)
        now = self._clock()
        records = {u: r for u, r in stored.items() if r.expires_at > now}
        due = fair_order([u for u in urls if u not in records])
        ask, later = due[: self._max], due[self._max :]
        for url in later:
            records[url] = stored.get(url) or self._failure(url, f"not read: over the {self._max} pages read per build")
        if ask:
            records.update(await self._read_all(ask, stored))
            read = sum(1 for u in ask if records[u].lead)
            log.info(
                "article pages: %d stored, %d asked, %d read, %d requests",
                len(urls) - len(due),
                len(ask),
                read,
                self.requests,
            )
        return [self._apply(a, records[a.publisher_url], accept) if a.publisher_url in records else a for a in articles]

    async def _stored(self, urls: Sequence[str]) -> dict[str, PageRecord]:
        try:
            return await self._store.get_many(urls)
        except Exception:  # the store is a cache: without it every page is simply read again
            log.warning("article pages: could not read the stored pages", exc_info=True)
            return {}

    def _apply(self, article: Article, record: PageRecord, accept: Callable[[Article, str], bool]) -> Article:
        update: dict[str, object] = {
            "lead": record.lead,
            "language": record.language or article.language,
            "section": record.section,
            "opinion": record.opinion or is_opinion(article.title, article.link, record.section),
            "lead_missing": None if record.lead else record.error or "no article text found",
        }
        if not record.lead and article.summary:
            update["lead"] = cut_lead([article.summary])
            update["lead_missing"] = f"{update['lead_missing']}; {FROM_FEED}"
        if (
            record.canonical_url
            and record.canonical_url != article.publisher_url
            and accept(article, record.canonical_url)
        ):
            update["publisher_url"] = record.canonical_url
        return article.model_copy(update=update)

    def _failure(self, url: str, reason: str, stale: PageRecord | None = None, final: bool = False) -> PageRecord:
        """A page not read this time: its stored lead if it had one (asked again next build), else the reason."""
        now = self._clock()
        if stale is not None and stale.lead:
            return replace(stale, expires_at=now)
        return PageRecord(url, now, now + self._reread_after if final else now, error=reason)

    async def _read_all(self, urls: list[str], stored: dict[str, PageRecord]) -> dict[str, PageRecord]:
        out: dict[str, PageRecord] = {}
        until = deadline_in(self._deadline)

        def gave_up(_: str) -> None:
            return None

        jobs = [
            guarded(self._read_host(group, stored, out), until, gave_up, f"article pages of {host}")
            for host, group in by_host(urls).items()
        ]
        await asyncio.gather(*jobs)
        late = "not read within the digest's fetch deadline"
        return {u: out.get(u) or self._failure(u, late, stored.get(u)) for u in urls}

    def _pace(self, host: str) -> RateLimiter:
        if host not in self._paces:
            self._paces[host] = self._pacer(host, self._interval)
        return self._paces[host]

    async def _read_host(self, urls: list[str], stored: dict[str, PageRecord], out: dict[str, PageRecord]) -> None:
        """One host's pages, one at a time, paced; robots.txt first."""
        pace = self._pace(host_of(urls[0]))
        await pace.wait()
        robots = await self._robots(urls[0])
        if robots.unavailable is not None:
            for url in urls:
                out[url] = self._failure(url, f"robots.txt unavailable ({robots.unavailable})", stored.get(url))
            return
        pace.interval = max(self._interval, robots.crawl_delay(self._agent))
        stop: str | None = None
        for url in urls:
            if stop is not None:
                out[url] = self._failure(url, f"not asked: {stop} earlier in this build", stored.get(url))
                continue
            if not robots.allows(url, self._agent):
                out[url] = self._failure(url, "robots.txt disallows", final=True)
                await self._put(out[url])
                continue
            await pace.wait()
            out[url], stop = await self._read_page(url, stored.get(url))
            await self._put(out[url])

    async def _robots(self, page_url: str) -> Robots:
        url = robots_url(page_url)
        got = await self._http.get(url, {"Accept": "text/plain, */*;q=0.5"}, label=f"robots.txt {url}")
        self.requests += got.attempts
        if got.response is None:
            return Robots(unavailable=got.error or "no answer")
        status = got.response.status_code
        if 400 <= status < 500:
            return Robots()  # no robots.txt (or not for us): everything is allowed, as is customary
        if status != 200:
            return Robots(unavailable=f"HTTP {status}")
        return Robots(Protego.parse(got.body.decode("utf-8", errors="replace")))

    async def _read_page(self, url: str, stale: PageRecord | None) -> tuple[PageRecord, str | None]:
        """The page's record, and why the rest of its host should not be asked this build (429, bot wall)."""
        headers = {"Accept": ACCEPT}
        if stale is not None and stale.lead:
            if stale.etag:
                headers["If-None-Match"] = stale.etag
            if stale.last_modified:
                headers["If-Modified-Since"] = stale.last_modified
        got = await self._http.get(url, headers, label=f"article page {url}")
        self.requests += got.attempts
        response = got.response
        if response is None:
            reason, final = self._why(got)
            return self._failure(url, reason, stale, final), reason if got.status == 429 else None
        status = response.status_code
        now = self._clock()
        if status == 304 and stale is not None and stale.lead:
            return replace(stale, fetched_at=now, expires_at=now + self._reread_after, error=None), None
        if status in WALL_STATUSES:
            wall = bot_wall(got.body.decode("utf-8", errors="replace"))
            reason = (
                f"{BOT_WALL} (HTTP {status})" if wall else "paywall (HTTP 402)" if status == 402 else f"HTTP {status}"
            )
            return self._failure(url, reason, stale, final=True), reason if wall else None
        if status != 200:
            return self._failure(url, f"HTTP {status}", stale, final=400 <= status < 500), None
        content_type = response.headers.get("content-type")
        page: PageText = await run_cpu(read_page, got.body, url, content_type, now.date())
        if page.problem is not None and stale is not None and stale.lead:
            return self._failure(url, page.problem, stale), None
        kept = response.headers if page.lead else httpx.Headers()  # a 304 is only useful with a lead to reuse
        record = PageRecord.from_page(
            url,
            page,
            fetched_at=now,
            expires_at=now + self._reread_after,
            etag=kept.get("etag", "")[:1024] or None,
            last_modified=kept.get("last-modified", "")[:100] or None,
        )
        return record, page.problem if page.problem == BOT_WALL else None

    def _why(self, got: Fetched) -> tuple[str, bool]:
        """A failed fetch's reason in a few words, and whether it is final (not worth asking again soon)."""
        error = got.error or "no answer"
        if "body over" in error:
            return f"over {self._http.max_body // 1024} kB", True
        if "timed out" in error or "no complete answer" in error or "Timeout" in error:
            return "timed out", False
        if got.status == 429:
            return "rate limited (HTTP 429)", False
        return error, False

    async def _put(self, record: PageRecord) -> None:
        try:
            await self._store.put(record)
        except Exception:  # the lead is still used in this build; it is read again next time
            log.warning("article page %s: could not store it", record.url, exc_info=True)
