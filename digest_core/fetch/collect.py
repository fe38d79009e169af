"""All of a topic's sources at once: Google News and outlets' own feeds, parsed, counted and linked.

`NewsSources` is the `FeedSource` (and `ArticleSource`) the bot wires: it fetches every source
concurrently, parses each into articles, records per-source stats (items, on-topic, status,
latency) and, when configured, adds publisher links to the Google News items and reads the
articles' own pages (`article_pages`): those in the window that are on-topic by their headline
first, then those whose headline or description names a side or an issue (their lead may make
them on-topic: "Tokyo stocks close higher" whose lead says Beijing curbed exports to Japan).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from digest_core.clock import utc_now
from digest_core.dates import Window
from digest_core.editorial.relevance import RelevanceRule
from digest_core.fetch.article_pages import ArticlePages
from digest_core.fetch.failure_cause import kind_line
from digest_core.fetch.feed_parsing import check_reachable, failed_source, nothing_to_parse, parse_result
from digest_core.fetch.polite import host_of
from digest_core.fetch.ports import GOOGLE_NEWS, FeedResult, FeedSource
from digest_core.fetch.publisher_links import PublisherLinks
from digest_core.fetch.stats import SourceStat, SourceStatsStore
from digest_core.models import Article, FailedSource
from digest_core.redaction import redact
from digest_core.topics import Topic
from digest_core.workers import run_cpu

log = logging.getLogger(__name__)


def source_name(result: FeedResult) -> str:
    """How stats name a source: "google-news" for an outlet's query, else the feed URL."""
    return GOOGLE_NEWS if result.kind == GOOGLE_NEWS else result.url


def _status(result: FeedResult, error: str | None) -> str:
    if error is not None:
        return redact(error)
    return "not modified" if result.not_modified else "ok"


class NewsSources:
    """Every configured source of a topic, as one `FeedSource` that also collects articles itself."""

    def __init__(
        self,
        sources: Sequence[FeedSource],
        stats: SourceStatsStore | None = None,
        links: PublisherLinks | None = None,
        clock: Callable[[], datetime] = utc_now,
        pages: ArticlePages | None = None,
    ) -> None:
        self._sources = list(sources)
        self._stats = stats
        self._links = links
        self._pages = pages
        self._clock = clock

    async def fetch(self, topic: Topic, window: Window) -> list[FeedResult]:
        batches = await asyncio.gather(*(s.fetch(topic, window) for s in self._sources))
        return [r for batch in batches for r in batch]

    async def collect(self, topic: Topic, window: Window) -> tuple[list[Article], list[FailedSource]]:
        """Articles from every source, the failed sources, stats recorded, publisher links added;
        `SourcesUnreachable` (after recording the stats) when no source answered at all.

        Parsing is CPU-bound (feedparser): it runs off the event loop (`run_cpu`), which keeps serving.
        So does making the topic's relevance rule (its first one reads the gazetteer: some 250 ms).
        """
        fetched_at = self._clock()
        results = await self.fetch(topic, window)
        if nothing_to_parse(results):  # every source failed: no worker started, no relevance rule built
            articles, failed, stats, rule = _parse_all(results, topic, window, fetched_at)
        else:
            articles, failed, stats, rule = await run_cpu(_parse_all, results, topic, window, fetched_at)
        for line in failure_lines(stats):
            log.warning("%s: %s", topic.id, line)
        if self._links is not None and rule is not None:
            wanted, first = worth_reading(articles, rule, window)
            articles = await self._links.attach(
                articles, wanted, accept=lambda a, url: _owned_by_outlet(topic, a, url), first=first
            )
        if self._pages is not None and rule is not None:
            wanted, first = worth_reading(articles, rule, window)
            articles = await self._pages.enrich(
                articles, wanted, accept=lambda a, url: _owned_by_outlet(topic, a, url), first=first
            )
        if self._stats is not None:
            try:
                await self._stats.record(stats)
            except Exception:  # stats must never cost a digest
                log.warning("%s: could not record source stats", topic.id, exc_info=True)
        check_reachable(results, failed)
        return articles, failed


def failure_lines(stats: Sequence[SourceStat]) -> list[str]:
    """One line per kind of feed some of which failed (Google News feeds, outlets' own feeds): how
    many of how many, and the cause."""
    lines = []
    for kind, google in (("Google News feeds", True), ("outlet feeds", False)):
        errors = [
            None if s.status in ("ok", "not modified") else s.status
            for s in stats
            if (s.source == GOOGLE_NEWS) == google
        ]
        line = kind_line(kind, errors)
        if line is not None:
            lines.append(line)
    return lines


def worth_reading(
    articles: list[Article], rule: RelevanceRule, window: Window
) -> tuple[Callable[[Article], bool], Callable[[Article], bool]]:
    """Whose links to decode and pages to read: the articles in the window that are on-topic or name
    a side or an issue (their lead may make them on-topic); and which come first under the caps:
    those on-topic already."""
    dated = [a for a in articles if a.published in window]
    on_topic = {a.url for a in dated if rule.judge(a).on_topic}
    worth = on_topic | {a.url for a in dated if rule.names_a_side_or_issue(a)}
    return (lambda a: a.url in worth), (lambda a: a.url in on_topic)


def _parse_all(
    results: list[FeedResult], topic: Topic, window: Window, fetched_at: datetime
) -> tuple[list[Article], list[FailedSource], list[SourceStat], RelevanceRule | None]:
    """Every fetched feed parsed into articles, its failure if any, and its stats, with the topic's
    relevance rule that counted the on-topic ones, None when no feed gave an article (the rule is
    built only then: its first one reads the gazetteer). Pure CPU, no I/O."""
    rule: RelevanceRule | None = None
    articles: list[Article] = []
    failed: list[FailedSource] = []
    stats: list[SourceStat] = []
    for result in results:
        parsed, error = parse_result(result, topic)
        articles.extend(parsed)
        if error is not None:
            failed.append(failed_source(result, error))
        if parsed and rule is None:
            rule = RelevanceRule(topic)
        judge = rule.judge if rule is not None else None
        stats.append(
            SourceStat(
                topic=topic.id,
                outlet=result.outlet.name,
                source=source_name(result),
                fetched_at=fetched_at,
                status=_status(result, error),
                http_status=result.status,
                items=len(parsed),
                on_topic=sum(1 for a in parsed if judge is not None and a.published in window and judge(a).on_topic),
                latency_ms=round(result.latency * 1000) if result.latency is not None else None,
            )
        )
    return articles, failed, stats, rule


def _owned_by_outlet(topic: Topic, article: Article, url: str) -> bool:
    """A publisher URL is trusted only on the article's own outlet's domains (not a consent page)."""
    owner = topic.outlet_for_host(host_of(url).removeprefix("www."))
    return owner is not None and owner[1].name == article.outlet
