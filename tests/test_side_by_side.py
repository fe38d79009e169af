"""Stories side by side: framing per side, labels, blindspots, what changed, and the prompt's size."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from digest_core.dates import digest_window
from digest_core.editorial.changes import annotate_changes
from digest_core.editorial.pipeline import frame_stories
from digest_core.editorial.select import select_articles
from digest_core.gemini.summarizer import GeminiSummarizer, build_prompt
from digest_core.models import Article, Framing, Story, StoryNote
from digest_core.summarize import ExtractiveSummarizer, SummaryRequest
from digest_core.summarize.base import story_note_errors
from digest_core.topics import Topic
from testkit.fakes.gemini import GeminiFake
from tests.labels import day_articles
from tests.test_store import digest as stored_digest


@pytest.fixture
def request_(topic: Topic) -> SummaryRequest:
    selection = select_articles(day_articles(topic, "2026-01-07"), topic, digest_window(topic, date(2026, 1, 7)))
    return SummaryRequest(topic, selection.articles, selection.stories)


def test_offline_framing_is_each_sides_own_headline_and_never_guesses_agreement(request_: SummaryRequest) -> None:
    summary = ExtractiveSummarizer().summarize_now(request_)
    by_n = {a.n: a for a in request_.articles}
    for note in summary.stories:
        story = request_.stories[note.story - 1]
        assert story_note_errors(note, request_) == []
        assert note.label in {"one-sided", "covered by both"}
        for f in note.framing:
            assert {by_n[n].perspective for n in f.citations} == {f.perspective}
            assert f.text.rstrip(".") in {by_n[n].title for n in story.articles}
    ban = summary.stories[0]
    assert (ban.label, [f.perspective for f in ban.framing]) == ("covered by both", ["china", "japan"])


def test_notes_that_cite_the_other_side_or_mislabel_are_refused(request_: SummaryRequest) -> None:
    ban = request_.stories[0]
    china = [n for n in ban.articles if request_.articles[n - 1].perspective == "china"]
    japan = [n for n in ban.articles if request_.articles[n - 1].perspective == "japan"]
    good = StoryNote(
        story=1,
        label="dispute",
        framing=[
            Framing(perspective="china", text="a", citations=china),
            Framing(perspective="japan", text="b", citations=japan),
        ],
    )
    assert story_note_errors(good, request_) == []
    crossed = good.model_copy(
        update={"framing": [good.framing[0].model_copy(update={"citations": japan}), good.framing[1]]}
    )
    assert "the china framing must cite only" in story_note_errors(crossed, request_)[0]
    single = next(
        k
        for k, s in enumerate(request_.stories, 1)
        if len({request_.articles[n - 1].perspective for n in s.articles}) == 1
    )
    side = request_.articles[request_.stories[single - 1].articles[0] - 1].perspective
    agreeing = StoryNote(
        story=single,
        label="agree",
        framing=[Framing(perspective=side, text="x", citations=request_.stories[single - 1].articles)],
    )
    assert "its label must be 'one-sided'" in story_note_errors(agreeing, request_)[0]


def test_invalid_notes_fall_back_to_the_offline_reading_story_by_story(request_: SummaryRequest) -> None:
    bogus = StoryNote(story=1, label="agree", framing=[])
    framed = frame_stories(request_, [bogus])
    assert framed[0].label == "covered by both" and len(framed[0].framing) == 2


async def test_gemini_frames_stories_in_the_same_single_call(
    gemini: tuple[GeminiFake, str], request_: SummaryRequest
) -> None:
    fake, base = gemini
    summary = await GeminiSummarizer(api_key="k", model="m", base_url=base, backoff=0).summarize(request_)
    assert len(fake.requests) == 1
    assert [n.label for n in summary.stories][:1] == ["dispute"]
    assert all(story_note_errors(n, request_) == [] for n in summary.stories)


def test_prompt_for_40_articles_stays_under_4000_tokens(topic: Topic) -> None:
    start = datetime(2026, 2, 24, 5, tzinfo=UTC)
    long_title = "China and Japan trade accusations over export controls, seafood and Taiwan as tensions deepen"
    articles = [
        Article(
            title=f"{long_title} ({i})",
            url=f"https://news.google.com/rss/articles/{'x' * 150}{i}",
            outlet="South China Morning Post" if i % 2 else "Nikkei Asia",
            domain="scmp.com",
            perspective="china" if i % 2 else "japan",
            published=start + timedelta(minutes=i),
            n=i + 1,
        )
        for i in range(40)
    ]
    stories = [Story(title=long_title, articles=[a.n for a in articles[k::8]]) for k in range(8)]
    prompt = build_prompt(SummaryRequest(topic, articles, stories))
    from digest_core.gemini.summarizer import SYSTEM_INSTRUCTION

    estimated_tokens = (len(prompt) + len(SYSTEM_INSTRUCTION)) / 4  # ~4 characters per token in English
    assert estimated_tokens < 4000
    assert "news.google.com" not in prompt  # links are not sent: they cost tokens and tell nothing
    data = json.loads(prompt.split("<<<DATA\n")[1].split("\nDATA>>>")[0])
    assert len(data["articles"]) == 40 and len(data["stories"]) == 8


def story(title: str, *ns: int, day: int = 1) -> Story:
    return Story(title=title, articles=list(ns), day=day)


def test_what_changed_since_the_previous_digest(topic: Topic) -> None:
    previous = stored_digest(date(2026, 2, 24))
    previous = previous.model_copy(
        update={
            "articles": [
                previous.articles[0].model_copy(update={"title": "China bans dual-use exports to Japan", "n": 1}),
                previous.articles[0].model_copy(update={"title": "Japan and China hold fisheries talks", "n": 2}),
            ],
            "stories": [story("China bans dual-use exports to Japan", 1, day=2), story("Fisheries talks", 2)],
        }
    )
    base = previous.articles[0]
    articles = [
        base.model_copy(update={"title": "Japan protests China's dual-use export ban", "n": 1}),
        base.model_copy(update={"title": "Panda loan to Tokyo zoo extended", "n": 2}),
    ]
    stories, vanished = annotate_changes([story("ban", 1), story("pandas", 2)], articles, previous, topic)
    assert [(s.status, s.day) for s in stories] == [("continuing", 3), ("new", 1)]
    assert vanished == []  # the fisheries talks were one outlet's story: not worth a "no longer" line
    first_day, none_gone = annotate_changes([story("ban", 1)], articles, None, topic)
    assert (first_day[0].status, none_gone) == ("", [])  # nothing to compare with: no status at all


async def test_stories_still_invalid_after_repair_keep_the_gemini_prose(
    gemini: tuple[GeminiFake, str], request_: SummaryRequest
) -> None:
    fake, base = gemini
    fake.default = "bad_stories"
    summary = await GeminiSummarizer(api_key="k", model="m", base_url=base, backoff=0).summarize(request_)
    assert summary.summarizer == "gemini"  # highlights and sections are kept ...
    assert len(fake.requests) == 2  # ... after one repair request
    framed = frame_stories(request_, summary.stories)
    assert all(s.label in {"one-sided", "covered by both"} for s in framed)  # ... stories read offline
