"""The offline summarizer's sentences come from the leads: the sentence the story's articles agree
on, never a copy of a headline, citing the articles that support it; without leads, headlines."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from digest_core.dates import digest_window
from digest_core.editorial.headline_words import content_words
from digest_core.editorial.outline import post_outline
from digest_core.editorial.pipeline import frame_stories
from digest_core.editorial.select import select_articles
from digest_core.editorial.sentences import sentences
from digest_core.models import Article, Digest, PerspectiveCount, Summary
from digest_core.summarize.base import SummaryRequest, validate_summary
from digest_core.summarize.extractive import ExtractiveSummarizer
from digest_core.summarize.lead_sentences import best_sentence, copies_headline
from digest_core.topics import load_topics
from tests.labels import article_at

TOPIC = load_topics().get("china-japan")
DAY = date(2026, 2, 25)
EVENT = (
    "China added 40 Japanese entities, including Mitsubishi Heavy Industries, to its export control list "
    "on Tuesday, citing military ties."
)
SCENE = "On a grey morning in Beijing, traders sipped tea as the markets opened quietly."


def read(title: str, outlet: str, side: str, hour: float, lead: str) -> Article:
    return article_at(title, outlet, side, hour).model_copy(update={"lead": lead})


STORY = [
    read(
        "China puts 40 Japanese firms on export control list",
        "China Daily",
        "china",
        1,
        # the first sentence copies the headline; the second states the event in the lead's words
        "China puts 40 Japanese firms on export control list. "
        "The Ministry of Commerce said the 40 Japanese entities, including Mitsubishi Heavy Industries, "
        "were added to the export control list over military ties.",
    ),
    read(
        "Beijing's export list targets Japan's defense industry",
        "Global Times",
        "china",
        2,
        f"{SCENE} {EVENT}",
    ),
    read(
        "Japan protests Chinese export curbs on Mitsubishi Heavy, 39 other firms",
        "Kyodo News",
        "japan",
        3,
        "Japan protested on Wednesday after China placed 40 Japanese companies including Mitsubishi Heavy "
        "Industries on its export control list. Chief Cabinet Secretary Minoru Kihara called it regrettable.",
    ),
]


def summarize(articles: list[Article]) -> tuple[SummaryRequest, Summary]:
    window = digest_window(TOPIC, DAY)
    selection = select_articles(articles, TOPIC, window)
    request = SummaryRequest(TOPIC, selection.articles, selection.stories)
    return request, ExtractiveSummarizer().summarize_now(request)


def digest_of(request: SummaryRequest, summary: Summary) -> Digest:
    return Digest(
        topic=TOPIC.id,
        topic_name=TOPIC.name,
        date=DAY,
        language=TOPIC.language,
        window_start=datetime(2026, 2, 24, 4, tzinfo=UTC),
        window_end=datetime(2026, 2, 25, 4, tzinfo=UTC),
        generated_at=datetime(2026, 2, 25, 4, tzinfo=UTC),
        summarizer=summary.summarizer,
        perspectives=[
            PerspectiveCount(id=p.id, name=p.name, count=len(request.perspective_articles(p.id)))
            for p in TOPIC.perspectives
        ],
        highlights=summary.highlights,
        perspective_highlights=summary.perspective_highlights,
        articles=request.articles,
        stories=frame_stories(request, summary.stories),
    )


def lead_sentences(articles: list[Article]) -> set[str]:
    return {s for a in articles for s in sentences(a.lead)}


def test_the_highlight_is_a_sentence_the_articles_agree_on() -> None:
    request, summary = summarize(STORY)
    assert len(request.stories) == 1 and validate_summary(summary, request) == []
    (highlight,) = summary.highlights
    assert highlight.text in lead_sentences(STORY) - {SCENE}  # not the scene-setting sentence
    assert not copies_headline(highlight.text, [a.title for a in STORY])
    assert set(highlight.citations) == {a.n for a in request.articles}  # every lead reports the listing


def test_each_side_frames_the_story_with_its_own_leads_and_cites_only_itself() -> None:
    request, summary = summarize(STORY)
    framing = {f.perspective: f for f in summary.stories[0].framing}
    sides = {a.n: a.perspective for a in request.articles}
    for side, f in framing.items():
        own = [a for a in STORY if a.perspective == side]
        others = [a for a in STORY if a.perspective != side]
        assert f.quote and f.text in lead_sentences(own) | {a.title for a in own}  # the side's own words
        assert f.text != SCENE  # scene-setting is not the side's account of the event
        theirs = set().union(*(content_words(a.text, frozenset()) for a in others))
        assert content_words(f.text, frozenset()) - theirs  # something the other side does not say
        assert sorted(f.citations) == sorted(a.n for a in request.articles if a.perspective == side)
    assert framing["china"].text.startswith("The Ministry of Commerce said the 40 Japanese entities")
    assert "39 other firms" in framing["japan"].text  # Kyodo's figure, which China's outlets do not give
    assert all(sides[n] == side for side, f in framing.items() for n in f.citations)


def test_the_post_shows_the_headline_once_and_then_what_each_side_said() -> None:
    request, summary = summarize(STORY)
    outline = post_outline(digest_of(request, summary))
    (story,) = outline.top_stories
    assert story.title  # the headline, once
    framing = {f.perspective: f for f in summary.stories[0].framing}
    for line, side in zip(story.lines, ("china", "japan"), strict=True):
        named, quoted = line.text.split(": “", 1)  # `China Daily and Global Times: “...”`
        outlets = [a.outlet for a in request.articles if a.n in framing[side].citations]
        assert all(o in named for o in outlets)  # the side's outlets, by name
        assert framing[side].text.startswith(quoted.rstrip("”").rstrip("…"))  # cut to the post's line limit
    assert not copies_headline(story.title, [a.title for a in STORY])
    assert story.happened and story.happened[0].text in lead_sentences(STORY)  # what happened, from the leads


def test_without_leads_the_headlines_are_used_as_before() -> None:
    plain = [a.model_copy(update={"lead": ""}) for a in STORY]
    request, summary = summarize(plain)
    titles = {a.title.rstrip(".") for a in plain}
    framing = summary.stories[0].framing
    assert all(f.text.rstrip(".") in titles for f in framing)
    assert best_sentence(request.articles) is None


def test_a_lead_that_only_repeats_the_headline_falls_back_to_the_headline() -> None:
    echo = read("Japan protests export curbs", "Kyodo News", "japan", 3, "Japan protests export curbs.")
    echo = echo.model_copy(update={"n": 1})
    assert best_sentence([echo]) is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=400), min_size=1, max_size=4))
def test_any_leads_give_a_valid_summary_quoting_them(leads: list[str]) -> None:
    articles = [
        read(f"Japan and China talks round {k} in Tokyo", "Kyodo News", "japan", 1 + k, lead)
        for k, lead in enumerate(leads)
    ]
    request, summary = summarize(articles)
    assert validate_summary(summary, request) == []
    quoted = lead_sentences(request.articles)
    for bullet in summary.highlights:
        headline_based = any(bullet.text.startswith(a.title) for a in request.articles)
        assert bullet.text in quoted or bullet.text.rstrip(".") in quoted or headline_based
