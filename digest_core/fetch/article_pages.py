"""Kept articles' own pages, read politely: robots.txt, per-host pacing, conditional GET, limits.

`ArticlePages.enrich` reads the page of each wanted article that has a publisher URL (de-duplicated;
at most `max_per_build` pages asked per build, the `first` ones first) and fills the article's
`lead`, `language`, `section`, `opinion` and `lead_missing`, and its `publisher_url` with the
page's canonical URL when the outlet owns it. Hosts (host and port) are read in parallel, each one
page at a time, and every request (robots.txt, retries and redirect hops included) waits for its
host's turn: at most one per `interval` seconds (or the host's robots.txt `Crawl-delay`).
Redirects are followed here, at most `MAX_HOPS`, each hop's host with its own robots.txt, pace and
slot. robots.txt is fetched once per host per build (4xx: everything allowed; 5xx or no answer: the
host is not read this build). A host that answers 429 (never retried) or with a bot wall is not
asked again this build. What a page gave is stored (`page_store`) and reused without a request for `reread_after`;
after that a stored lead is re-read with `If-None-Match` / `If-Modified-Since`, and a 304 keeps
it. Any failure costs that article's lead only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from protego import Protego

from digest_core.clock import utc_now
from digest_core.editorial.select import drop_repeats
from digest_core.fetch.article_text import BOT_WALL, PageText, bot_wall, cut_lead, is_opinion, read_page
from digest_core.fetch.failure_cause import kind_line
from digest_core.fetch.fair import in_turn
from digest_core.fetch.guard import DIGEST_DEADLINE, deadline_in, guarded
from digest_core.fetch.page_store import PageRecord, PageStore
from digest_core.fetch.polite import Fetched, PoliteClient, host_key
from digest_core.models import Article
from digest_core.pacing import RateLimiter
from digest_core.workers import run_cpu

log = logging.getLogger(__name__)

REREAD_AFTER = timedelta(hours=24)  # a page read (or refused for good) is not asked again for this long
MAX_CRAWL_DELAY = 60.0  # a longer robots.txt Crawl-delay is treated as this (the build deadline still applies)
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
WALL_STATUSES = (401, 402, 403, 429, 503)  # answers that may be a challenge page rather than an error
FROM_FEED = "the lead is the outlet feed's description"
MAX_HOPS = 5  # redirects followed from one article page

Paces = Callable[[str, float], RateLimiter]  # (host:port, interval) -> that host's pace


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
    """URLs grouped by host and port (`host_key`), each group in the given order."""
    groups: dict[str, list[str]] = {}
    for url in urls:
        groups.setdefault(host_key(url), []).append(url)
    return groups


def agent_token(user_agent: str) -> str:
    """The product token robots.txt rules name ("Digestbot" of "Digestbot/0.1 (+https://...)")."""
    return user_agent.split("/")[0].split()[0] if user_agent.strip() else "*"


@dataclass
class _Build:
    """One build's pages: what was stored, robots.txt per host, and the hosts not to ask again (why)."""

    stored: dict[str, PageRecord]
    robots: dict[str, Robots] = field(default_factory=dict)
    robots_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)


class ArticlePages:
    """Reads the pages of the kept articles and fills their lead and page metadata (see the module doc).

    `http` is used `paced` by this reader's per-host paces (made by `pacer`, shared by every build of
    this process)."""

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
        pacer: Paces | None = None,
    ) -> None:
        self._http = http.paced(self._wait_turn)
        self._store = store
        self._agent = agent_token(user_agent)
        self._interval = max(0.0, interval)
        self._max = max_per_build
        self._deadline = deadline
        self._reread_after = reread_after
        self._clock = clock
        self._pacer: Paces = pacer or (lambda host, interval: RateLimiter(interval))
        self._paces: dict[str, RateLimiter] = {}  # per host and port, shared by every build of this process
        self.requests = 0  # requests made, robots.txt, retries and redirect hops included (for logs, tests, benchmarks)

    async def enrich(
        self,
        articles: list[Article],
        wanted: Callable[[Article], bool],
        accept: Callable[[Article, str], bool] = lambda article, url: True,
        first: Callable[[Article], bool] | None = None,
    ) -> list[Article]:
        """The articles, the wanted ones with what their pages say. `accept(article, url)` vets a
        page's canonical URL before it becomes the article's publisher URL; the pages of the articles
        `first` picks come first under the per-build cap."""
        candidates = [a for a in articles if a.publisher_url and wanted(a)]
        kept = {id(a) for a in drop_repeats(candidates)}
        urls = list(dict.fromkeys(a.publisher_url for a in candidates if id(a) in kept and a.publisher_url))
        if not urls:
            return articles
        firsts = {a.publisher_url for a in candidates if first is None or first(a)}
        stored = await self._stored(urls)
        now = self._clock()
        records = {u: r for u, r in stored.items() if r.expires_at > now}
        due = in_turn([u for u in urls if u not in records], host_key, lambda u: u in firsts)
        ask, later = due[: self._max], due[self._max :]
        for url in later:
            records[url] = stored.get(url) or self._failure(url, f"not read: over the {self._max} pages read per build")
        if ask:
            records.update(await self._read_all(ask, _Build(stored)))
            read = sum(1 for u in ask if records[u].lead)
            log.info(
                "article pages: %d stored, %d asked, %d read, %d requests",
                len(urls) - len(due),
                len(ask),
                read,
                self.requests,
            )
            failures = kind_line(
                "publisher article pages", [records[u].error if not records[u].lead else None for u in ask]
            )
            if failures is not None:
                log.log(logging.WARNING if read == 0 else logging.INFO, "%s", failures)
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

    async def _read_all(self, urls: list[str], build: _Build) -> dict[str, PageRecord]:
        out: dict[str, PageRecord] = {}
        until = deadline_in(self._deadline)

        def gave_up(_: str) -> None:
            return None

        jobs = [
            guarded(self._read_host(group, build, out), until, gave_up, f"article pages of {host}")
            for host, group in by_host(urls).items()
        ]
        await asyncio.gather(*jobs)
        late = "not read within the digest's fetch deadline"
        return {u: out.get(u) or self._failure(u, late, build.stored.get(u)) for u in urls}

    def _pace(self, key: str) -> RateLimiter:
        if key not in self._paces:
            self._paces[key] = self._pacer(key, self._interval)
        return self._paces[key]

    async def _wait_turn(self, url: str) -> None:
        """Every request's wait for its host's turn (the `PoliteClient` pacer)."""
        await self._pace(host_key(url)).wait()

    async def _read_host(self, urls: list[str], build: _Build, out: dict[str, PageRecord]) -> None:
        """One host's pages, one at a time."""
        for url in urls:
            out[url], keep = await self._read(url, build)
            if keep:
                await self._put(out[url])

    async def _read(self, url: str, build: _Build) -> tuple[PageRecord, bool]:
        """The page's record (redirects followed) and whether to store it."""
        stale = build.stored.get(url)
        headers = {"Accept": ACCEPT}
        if stale is not None and stale.lead:
            if stale.etag:
                headers["If-None-Match"] = stale.etag
            if stale.last_modified:
                headers["If-Modified-Since"] = stale.last_modified
        target = url
        for _ in range(MAX_HOPS + 1):
            refused = await self._refusal(url, target, build)
            if refused is not None:
                return refused
            got = await self._http.get(target, headers, label=f"article page {target}")
            self.requests += got.attempts
            hop = redirect_target(got)
            if hop is None:
                return await self._page(url, target, got, build), True
            target = hop
        return self._failure(url, f"over {MAX_HOPS} redirects", stale, final=True), True

    async def _refusal(self, url: str, target: str, build: _Build) -> tuple[PageRecord, bool] | None:
        """Why `target` (the page `url` or a hop of its redirects) is not asked, if it is not."""
        stale = build.stored.get(url)
        stop = build.stopped.get(host_key(target))
        if stop is not None:
            return self._failure(url, f"not asked: {stop} earlier in this build", stale), False
        robots = await self._robots_of(target, build)
        if robots.unavailable is not None:
            return self._failure(url, f"robots.txt unavailable ({robots.unavailable})", stale), False
        if not robots.allows(target, self._agent):
            return self._failure(url, "robots.txt disallows", final=True), True
        return None

    async def _robots_of(self, url: str, build: _Build) -> Robots:
        """The host's robots.txt, read once per build (its Crawl-delay sets the host's pace)."""
        key = host_key(url)
        async with build.robots_locks.setdefault(key, asyncio.Lock()):
            if key not in build.robots:
                build.robots[key] = robots = await self._robots(url)
                self._pace(key).interval = max(self._interval, robots.crawl_delay(self._agent))
        return build.robots[key]

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

    async def _page(self, url: str, target: str, got: Fetched, build: _Build) -> PageRecord:
        """The record of page `url` from the answer of `target` (itself or where it redirects); a 429
        or a bot wall stops `target`'s host for this build."""
        stale = build.stored.get(url)
        record, stop = await self._record(url, target, got, stale)
        if stop is not None:
            build.stopped[host_key(target)] = stop
        return record

    async def _record(
        self, url: str, target: str, got: Fetched, stale: PageRecord | None
    ) -> tuple[PageRecord, str | None]:
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
        page: PageText = await run_cpu(read_page, got.body, target, content_type, now.date())
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


def redirect_target(got: Fetched) -> str | None:
    """Where an answer redirects (absolute), None when it does not (or names no usable place)."""
    response = got.response
    if response is None or not response.has_redirect_location:
        return None
    try:
        return str(response.url.join(response.headers["location"]))
    except (httpx.InvalidURL, ValueError):
        return None
