"""What changed since the previous digest, by event: people, places and numbers, not one shared word."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from digest_core.editorial.changes import MAX_VANISHED, annotate_changes, reannotate
from digest_core.models import Article, Digest, Story
from digest_core.topics import Topic
from tests.test_store import digest as stored_digest

END = datetime(2026, 2, 25, 4, tzinfo=UTC)
OUTLETS = {"china": ["China Daily", "Global Times", "CGTN"], "japan": ["Kyodo News", "The Japan Times", "Nikkei Asia"]}


def article(n: int, title: str, side: str = "china", k: int = 0, lead: str = "", hours: float = 2) -> Article:
    return Article(
        title=title,
        url=f"https://example.com/{n}",
        outlet=OUTLETS[side][k],
        domain="example.com",
        perspective=side,
        published=END - timedelta(hours=hours),
        n=n,
        lead=lead,
    )


def previous_digest(stories: list[tuple[str, list[Article]]]) -> Digest:
    """A digest of the day before holding these stories (articles renumbered in order)."""
    numbered: list[Article] = []
    items = []
    for title, articles in stories:
        start = len(numbered) + 1
        numbered += [
            a.model_copy(update={"n": start + i, "published": a.published - timedelta(days=1)})
            for i, a in enumerate(articles)
        ]
        items.append(Story(title=title, articles=list(range(start, len(numbered) + 1)), day=1, status="new"))
    base = stored_digest(date(2026, 2, 24))
    return base.model_copy(update={"articles": numbered, "stories": items, "window_end": END - timedelta(days=1)})


def annotate(today: list[Article], previous: Digest | None, topic: Topic) -> tuple[list[Story], list[str]]:
    stories = [Story(title=a.title, articles=[a.n]) for a in today]
    return annotate_changes(stories, today, previous, topic)


def test_two_headlines_sharing_one_word_are_not_the_same_event(topic: Topic) -> None:
    before = previous_digest([("Yonaguni", [article(1, "Japan to deploy missiles to Yonaguni by 2030")])])
    today = [article(1, "Typhoon closes Yonaguni airport, strands tourists", side="japan")]
    [story], _ = annotate(today, before, topic)
    assert story.status == "new"
    words = previous_digest([("Talks", [article(1, "Japan and China hold fisheries talks in Tokyo")])])
    [story], _ = annotate([article(1, "US and Japan hold tariff talks")], words, topic)
    assert story.status == "new"


def test_the_same_event_in_other_words_with_the_same_people_places_and_numbers_continues(topic: Topic) -> None:
    before = previous_digest([("Blacklist", [article(1, "MOFCOM adds 20 Japanese firms to export control list")])])
    today = [article(1, "Tokyo protests after Ministry of Commerce blacklists 20 companies", side="japan")]
    [story], _ = annotate(today, before, topic)
    assert (story.status, story.day) == ("continuing", 2)
    # a person and a place, told differently, with nothing else in common
    before = previous_digest([("Visit", [article(1, "Takaichi will travel to Okinawa on Saturday", side="japan")])])
    today = [article(1, "Takaichi lands in Okinawa amid protests by islanders", side="japan")]
    [story], _ = annotate(today, before, topic)
    assert story.status == "continuing"


def test_leads_count_once_articles_carry_them(topic: Topic) -> None:
    lead = "Prime Minister Sanae Takaichi met Governor Denny Tamaki in Naha on Friday."
    before = previous_digest([("Meeting", [article(1, "A governor's plea", side="japan", lead=lead)])])
    told = "At the meeting, Tamaki told Takaichi the base must go."
    today = [article(1, "What the islands asked for", side="japan", lead=told)]
    [story], _ = annotate(today, before, topic)
    assert story.status == "continuing"
    [alone], _ = annotate([article(1, "What the islands asked for", side="japan")], before, topic)
    assert alone.status == "new"  # the headlines alone share nothing


def test_the_first_digest_shows_no_status_at_all(topic: Topic) -> None:
    stories, vanished = annotate([article(1, "China bans dual-use exports to Japan")], None, topic)
    assert [s.status for s in stories] == [""] and vanished == []
    digest = stored_digest(date(2026, 2, 25))
    assert [s.status for s in reannotate(digest, None, topic).stories] == [""]


def test_at_most_three_vanished_stories_the_most_important(topic: Topic) -> None:
    subjects = [
        "Senkaku patrol boats",
        "Yasukuni shrine offering",
        "rare earth magnet quota",
        "Fukushima seafood import",
        "Nanjing memorial ceremony",
    ]
    stories = []
    for k, subject in enumerate(subjects):  # story k: k+1 outlets on one side, then both sides for the last
        articles = [
            article(10 * k + i, f"{subject} story {i}", k=i % 3, side="china" if i < 3 else "japan")
            for i in range(k + 1)
        ]
        stories.append((subject, articles))
    stories.append(("One outlet only", [article(99, "Panda loan extended")]))
    before = previous_digest(stories)
    _, vanished = annotate([article(1, "Typhoon hits Kyushu", side="japan")], before, topic)
    assert len(vanished) == MAX_VANISHED
    assert vanished == ["Nanjing memorial ceremony", "Fukushima seafood import", "rare earth magnet quota"]
    assert "One outlet only" not in vanished
