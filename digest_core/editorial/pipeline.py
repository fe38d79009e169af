"""Building one digest: fetch, normalize, window, select, summarize."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from digest_core.dates import Window, digest_window
from digest_core.editorial.changes import annotate_changes
from digest_core.editorial.select import Selection, select_articles
from digest_core.models import Article, Digest, FailedSource, PerspectiveCount, Story, StoryNote
from digest_core.sources.google_news import GOOGLE_NEWS, FeedResult, FeedSource
from digest_core.sources.normalize import FeedParseError, parse_feed
from digest_core.summarize.base import Summarizer, SummaryRequest, story_note_errors
from digest_core.summarize.extractive import story_notes
from digest_core.topics import Topic
from digest_core.workers import run_cpu

log = logging.getLogger(__name__)


class NoArticlesError(Exception):
    """The window holds no on-topic article: there is nothing to digest (and nothing is stored)."""


@runtime_checkable
class ArticleSource(Protocol):
    """A source that turns its feeds into articles itself (to record per-source stats, add publisher
    links...). `collect` uses it instead of parsing a plain `FeedSource`'s results."""

    async def collect(self, topic: Topic, window: Window) -> tuple[list[Article], list[FailedSource]]: ...


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


def failed_source(result: FeedResult, error: str) -> FailedSource:
    """A failure as the digest records it; an outlet's own feed is named by its URL."""
    if result.kind == GOOGLE_NEWS:
        return FailedSource(outlet=result.outlet.name, error=error)
    return FailedSource(outlet=result.outlet.name, error=f"feed {result.url}: {error}")


async def collect(topic: Topic, source: FeedSource, day: date) -> tuple[list[Article], list[FailedSource]]:
    """Every outlet's articles, and the sources that failed (fetch or parse), for the date's window."""
    window = digest_window(topic, day)
    if isinstance(source, ArticleSource):
        return await source.collect(topic, window)
    return await run_cpu(parse_results, await source.fetch(topic, window), topic)


def parse_results(results: list[FeedResult], topic: Topic) -> tuple[list[Article], list[FailedSource]]:
    """Every fetched feed's articles and the sources that failed (CPU-bound: run it off the loop)."""
    articles: list[Article] = []
    failed: list[FailedSource] = []
    for result in results:
        parsed, error = parse_result(result, topic)
        articles.extend(parsed)
        if error is not None:
            failed.append(failed_source(result, error))
    return articles, failed


def _no_articles_message(topic: Topic, day: date, selection: Selection, failed: list[FailedSource]) -> str:
    msg = (
        f"no on-topic articles for {topic.id} on {day.isoformat()} "
        f"({selection.fetched} fetched, {selection.in_window} in the window, {selection.on_topic} on-topic)"
    )
    if failed:
        msg += "; failed sources: " + ", ".join(f"{f.outlet} ({f.error})" for f in failed)
    return msg


def frame_stories(request: SummaryRequest, notes: list[StoryNote]) -> list[Story]:
    """The request's stories with each one's framing and label: the summarizer's notes where valid,
    the offline reading (each side's own headline) for the rest."""
    by_story = {n.story: n for n in notes if not story_note_errors(n, request)}
    offline = {n.story: n for n in story_notes(request)}
    framed = []
    for k, story in enumerate(request.stories, start=1):
        note = by_story.get(k, offline[k])
        framed.append(story.model_copy(update={"framing": note.framing, "label": note.label}))
    return framed


async def build_digest(
    topic: Topic,
    day: date,
    source: FeedSource,
    summarizer: Summarizer,
    now: datetime,
    previous: Digest | None = None,
) -> Digest:
    """Build the digest of `topic` for `day` (`previous`: the digest of the day before, to tell what
    changed); `NoArticlesError` when nothing on-topic was found."""
    window = digest_window(topic, day)
    articles, failed = await collect(topic, source, day)
    selection = await run_cpu(select_articles, articles, topic, window)  # CPU-bound: off the loop
    log.info(
        "%s %s: %d fetched, %d in window, %d on-topic, %d repeats dropped, %d selected in %d stories",
        topic.id,
        day,
        selection.fetched,
        selection.in_window,
        selection.on_topic,
        selection.duplicates,
        len(selection.articles),
        len(selection.stories),
    )
    if not selection.articles:
        raise NoArticlesError(_no_articles_message(topic, day, selection, failed))
    request = SummaryRequest(topic, selection.articles, selection.stories)
    summary = await summarizer.summarize(request)
    titles = {a.n: a.title for a in selection.articles}
    stories, vanished = annotate_changes(frame_stories(request, summary.stories), titles, previous, topic)
    return Digest(
        topic=topic.id,
        topic_name=topic.name,
        date=day,
        language=topic.language,
        window_start=window.start,
        window_end=window.end,
        generated_at=now,
        summarizer=summary.summarizer,
        model=summary.model,
        usage=summary.usage,
        summary_note=summary.note,
        perspectives=[
            PerspectiveCount(id=p.id, name=p.name, count=sum(1 for a in selection.articles if a.perspective == p.id))
            for p in topic.perspectives
        ],
        highlights=summary.highlights,
        perspective_highlights=summary.perspective_highlights,
        articles=selection.articles,
        stories=stories,
        vanished=vanished,
        failed_sources=failed,
        side_by_side=topic.side_by_side,
        in_window=selection.in_window,
        on_topic=selection.on_topic,
    )
