"""Feeds to articles: each fetched feed parsed (off the event loop), its failure recorded in words the
digest shows, and `SourcesUnreachable` when no source answered at all."""

from __future__ import annotations

import logging
from datetime import date

from digest_core.dates import digest_window
from digest_core.errors import SourcesUnreachable
from digest_core.fetch.normalize import FeedParseError, parse_feed
from digest_core.fetch.ports import GOOGLE_NEWS, ArticleSource, FeedResult, FeedSource
from digest_core.models import Article, FailedSource
from digest_core.redaction import redact
from digest_core.topics import Topic
from digest_core.workers import run_cpu

log = logging.getLogger(__name__)


def check_reachable(results: list[FeedResult], failed: list[FailedSource]) -> None:
    """`SourcesUnreachable` when there were sources and not one of them gave an HTTP answer."""
    if results and all(r.body is None and r.status is None for r in results):
        count = len(results)
        which = "the only source did not answer" if count == 1 else f"none of the {count} sources answered"
        cause = f" ({failed[0].outlet}: {failed[0].error})" if failed else ""
        raise SourcesUnreachable(f"{which}: check the network{cause}")


def parse_result(result: FeedResult, topic: Topic) -> tuple[list[Article], str | None]:
    """One fetched feed's articles, or the reason it gave none (fetch or parse error)."""
    if result.body is None:
        return [], result.error or "no response"
    try:
        return parse_feed(result, topic), None
    except FeedParseError as exc:
        where = f"feed {result.url}" if result.kind != GOOGLE_NEWS else "Google News"
        log.warning("%s (%s): %s", result.outlet.name, where, exc)
        return [], str(exc)
    except Exception as exc:  # a parser failure on hostile bytes fails this source only
        where = f"feed {result.url}" if result.kind != GOOGLE_NEWS else "Google News"
        log.warning("%s (%s): unreadable: %s", result.outlet.name, where, exc, exc_info=True)
        return [], f"not a readable feed ({type(exc).__name__})"


def failed_source(result: FeedResult, error: str) -> FailedSource:
    """A failure as the digest records it; an outlet's own feed is named by its URL."""
    if result.kind == GOOGLE_NEWS:
        return FailedSource(outlet=result.outlet.name, error=redact(error))
    return FailedSource(outlet=result.outlet.name, error=redact(f"feed {result.url}: {error}"))


async def collect(topic: Topic, source: FeedSource, day: date) -> tuple[list[Article], list[FailedSource]]:
    """Every outlet's articles, and the sources that failed (fetch or parse), for the date's window;
    `SourcesUnreachable` when no source answered at all."""
    window = digest_window(topic, day)
    if isinstance(source, ArticleSource):
        return await source.collect(topic, window)
    results = await source.fetch(topic, window)
    if nothing_to_parse(results):  # every source failed: no worker started to parse nothing
        return parse_results(results, topic)
    return await run_cpu(parse_results, results, topic)


def nothing_to_parse(results: list[FeedResult]) -> bool:
    """Whether no fetched feed has a body (every source failed): parsing is then cheap bookkeeping,
    done in the caller's process, with no worker process started and no relevance rule built."""
    return all(r.body is None for r in results)


def parse_results(results: list[FeedResult], topic: Topic) -> tuple[list[Article], list[FailedSource]]:
    """Every fetched feed's articles and the sources that failed (CPU-bound: run it off the loop)."""
    articles: list[Article] = []
    failed: list[FailedSource] = []
    for result in results:
        parsed, error = parse_result(result, topic)
        articles.extend(parsed)
        if error is not None:
            failed.append(failed_source(result, error))
    check_reachable(results, failed)
    return articles, failed
