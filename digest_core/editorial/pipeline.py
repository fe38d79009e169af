"""Building one digest: fetch, normalize, window, select, summarize."""

from __future__ import annotations

import logging
from datetime import date, datetime

from digest_core.dates import digest_window
from digest_core.editorial.audiences import by_audience
from digest_core.editorial.changes import annotate_changes
from digest_core.editorial.disagreements import story_differences
from digest_core.editorial.editor import Editor, Judgement, choose_candidates
from digest_core.editorial.explain import Verdict
from digest_core.editorial.select import Selection, in_window, select_articles
from digest_core.errors import EditorError, NoArticlesError
from digest_core.fetch.feed_parsing import collect
from digest_core.fetch.ports import FeedSource
from digest_core.models import Article, Digest, FailedSource, PerspectiveCount, Story, StoryNote, TokenUsage
from digest_core.summarize.base import Summarizer, SummaryRequest, bounded_summary, story_note_errors
from digest_core.summarize.extractive import story_notes
from digest_core.summarize.translations import translated
from digest_core.topics import Topic
from digest_core.workers import run_cpu

log = logging.getLogger(__name__)


async def consult(editor: Editor | None, topic: Topic, windowed: list[Article]) -> Judgement | None:
    """The editor's validated judgement of the window's candidates, or None (no editor, or it failed)."""
    if editor is None:
        return None
    try:
        return await editor.judge(topic, choose_candidates(windowed, topic))
    except EditorError as exc:
        log.warning("%s: editor step failed, the rules decide: %s", topic.id, exc)
        return None


def add_usage(a: TokenUsage | None, b: TokenUsage) -> TokenUsage:
    a = a or TokenUsage()
    return TokenUsage(
        prompt_tokens=a.prompt_tokens + b.prompt_tokens,
        output_tokens=a.output_tokens + b.output_tokens,
        total_tokens=a.total_tokens + b.total_tokens,
    )


def _no_articles_message(topic: Topic, day: date, selection: Selection, failed: list[FailedSource]) -> str:
    msg = f"{selection.fetched} fetched, {selection.in_window} in the window, {selection.on_topic} on-topic"
    if failed:
        msg += "; failed sources: " + ", ".join(f"{f.outlet} ({f.error})" for f in failed)
    return msg


def frame_stories(request: SummaryRequest, notes: list[StoryNote]) -> list[Story]:
    """The request's stories with each one's framing, label, title and what happened: the
    summarizer's notes where valid, the offline reading for the rest (and for a title or a
    what-happened a valid note leaves empty); and the figures, dates and names the sides give
    differently."""
    by_story = {n.story: n for n in notes if not story_note_errors(n, request)}
    offline = {n.story: n for n in story_notes(request)}
    by_n = {a.n: a for a in request.articles}
    framed = []
    for k, story in enumerate(request.stories, start=1):
        note = by_story.get(k, offline[k])
        members = [by_n[n] for n in story.articles]
        sides = [p.id for p in request.topic.perspectives if any(a.perspective == p.id for a in members)]
        update = {
            "framing": note.framing,
            "label": note.label,
            "title": note.title or story.title,
            "happened": note.happened or offline[k].happened,
            "differences": story_differences(members, sides, request.topic),
        }
        framed.append(by_audience(story.model_copy(update=update), members, request.topic.language))
    return framed


async def build_digest(
    topic: Topic,
    day: date,
    source: FeedSource,
    summarizer: Summarizer,
    now: datetime,
    previous: Digest | None = None,
    editor: Editor | None = None,
) -> Digest:
    """Build the digest of `topic` for `day` (`previous`: the digest of the day before, to tell what
    changed; `editor`: a model that judges relevance and stories, the rules deciding when it
    fails); `NoArticlesError` when nothing on-topic was found, `SourcesUnreachable` (one of those)
    when no source answered at all."""
    window = digest_window(topic, day)
    articles, failed = await collect(topic, source, day)
    judgement = await consult(editor, topic, in_window(articles, window))
    selection = await run_cpu(select_articles, articles, topic, window, judgement)  # CPU-bound: off the loop
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
        raise NoArticlesError(topic.name, day, _no_articles_message(topic, day, selection, failed))
    request = SummaryRequest(topic, selection.articles, selection.stories)
    summary = bounded_summary(await summarizer.summarize(request))
    usage = summary.usage
    if judgement is not None and judgement.calls:
        usage = add_usage(summary.usage, judgement.usage)
    stories, vanished = annotate_changes(frame_stories(request, summary.stories), selection.articles, previous, topic)
    articles = translated(selection.articles, summary.translations)
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
        usage=usage,
        summary_note=summary.note,
        grounding=summary.grounding,
        perspectives=[
            PerspectiveCount(id=p.id, name=p.name, count=sum(1 for a in selection.articles if a.perspective == p.id))
            for p in topic.perspectives
        ],
        highlights=summary.highlights,
        perspective_highlights=summary.perspective_highlights,
        articles=articles,
        stories=stories,
        vanished=vanished,
        failed_sources=failed,
        source_labels={o.name: o.source_label for _, o in topic.all_outlets if o.source_label},
        side_by_side=topic.side_by_side,
        in_window=selection.in_window,
        on_topic=selection.on_topic,
    )


async def explain_day(topic: Topic, day: date, source: FeedSource, editor: Editor | None = None) -> list[Verdict]:
    """Every fetched article of the day with why it was kept or dropped: the rule, and the editor
    model's reason when there is an editor and it answered."""
    window = digest_window(topic, day)
    articles, _ = await collect(topic, source, day)
    judgement = await consult(editor, topic, in_window(articles, window))
    return select_articles(articles, topic, window, judgement).verdicts
