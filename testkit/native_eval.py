"""The evaluation of Chinese- and Japanese-language headlines (issue #30): relevance precision and
recall per language, and the share of non-English articles joined to the right English story.

It reads a labelled set of JSON lines (id, outlet, language "zh-CN" | "zh-TW" | "ja-JP" | "en",
date, url, title, lead, on_topic, story: an event key shared across languages or "", kind,
reason): `tests/data/native_headlines/{headlines,holdout}.jsonl` when they exist, and the small
set of real headlines shipped with the tests (`tests/data/native_small/headlines.jsonl`).

    .venv/bin/python -m testkit.native_eval [FILE.jsonl ...]

An item's side is its outlet's in the topics file, else its language's (Chinese: China, Japanese:
Japan; English from an unknown outlet: none). The rules judge the title and lead with the topic's
Chinese and Japanese names on (`languages = ["en", "zh", "ja"]`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from digest_core.dates import Window
from digest_core.editorial.relevance import RelevanceRule
from digest_core.editorial.stories import group_stories
from digest_core.models import Article, FailedSource
from digest_core.topics import Topic, load_topics, primary_language

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SETS = [DATA / "native_headlines" / "headlines.jsonl", DATA / "native_headlines" / "holdout.jsonl"]
SMALL = DATA / "native_small" / "headlines.jsonl"
SIDE_OF_LANGUAGE = {"zh": "china", "ja": "japan"}
NEAR_DAYS = 1  # English articles within this many days of a non-English one are its candidates
UNDATED = date(2025, 11, 18)  # the publication day given to an undated item (relevance reads no date)


@dataclass(frozen=True)
class Item:
    id: str
    outlet: str
    language: str
    day: date | None  # None: the page printed no date
    url: str
    title: str
    lead: str
    on_topic: bool
    story: str


def load_items(path: Path) -> list[Item]:
    """The labelled items of one JSON-lines file (blank lines skipped)."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        items.append(
            Item(
                id=str(row["id"]),
                outlet=row.get("outlet", ""),
                language=row["language"],
                day=date.fromisoformat(row["date"][:10]) if row.get("date") else None,
                url=row.get("url", ""),
                title=row["title"],
                lead=row.get("lead", "") or "",
                on_topic=bool(row["on_topic"]),
                story=row.get("story", "") or "",
            )
        )
    return items


def native_topic(topic_id: str = "china-japan") -> Topic:
    """The shipped topic with its Chinese- and Japanese-language outlets and names on."""
    topic = load_topics().get(topic_id)
    return Topic.model_validate(topic.model_dump() | {"languages": ["en", "zh", "ja"]})


def _side(item: Item, topic: Topic) -> str:
    for p, o in topic.all_outlets:
        if o.name.casefold() == item.outlet.casefold():
            return p.id
    return SIDE_OF_LANGUAGE.get(primary_language(item.language), "")


def as_article(item: Item, topic: Topic, n: int = 0) -> Article:
    """The item as the pipeline sees an article: its title, its lead as read, its side, its tag."""
    day = item.day or UNDATED
    when = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return Article(
        title=item.title,
        url=item.url or f"https://example.com/{item.id}",
        outlet=item.outlet or "unknown",
        domain="example.com",
        perspective=_side(item, topic),
        published=when,
        lead=item.lead,
        language=item.language,
        n=n,
    )


@dataclass(frozen=True)
class Scores:
    language: str
    items: int
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        kept = self.true_positives + self.false_positives
        return self.true_positives / kept if kept else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


def relevance_scores(items: Sequence[Item], topic: Topic) -> dict[str, Scores]:
    """Precision and recall of the on-topic rules per language tag (zh-CN, zh-TW, ja-JP, en)."""
    rule = RelevanceRule(topic)
    counts: dict[str, list[int]] = {}
    for item in items:
        kept = rule.judge(as_article(item, topic)).on_topic
        c = counts.setdefault(item.language, [0, 0, 0, 0])
        c[0] += 1
        c[1] += kept and item.on_topic
        c[2] += kept and not item.on_topic
        c[3] += item.on_topic and not kept
    return {lang: Scores(lang, *c) for lang, c in sorted(counts.items())}


def misjudged(items: Sequence[Item], topic: Topic) -> list[tuple[Item, str]]:
    """The items the rules judge against their label, with the rule's reason."""
    rule = RelevanceRule(topic)
    out = []
    for item in items:
        verdict = rule.judge(as_article(item, topic))
        if verdict.on_topic != item.on_topic:
            out.append((item, verdict.reason))
    return out


@dataclass(frozen=True)
class Joins:
    asked: int  # non-English items whose story has English items nearby
    right: int  # ... grouped with an English item of their story, and mostly with those
    unasked: int = 0  # dated non-English items whose story has no English item nearby (or no story)
    false_joins: int = 0  # ... grouped with an English item all the same

    @property
    def share(self) -> float:
        return self.right / self.asked if self.asked else 1.0


def joined_right(items: Sequence[Item], topic: Topic) -> tuple[Joins, list[Item]]:
    """For each dated non-English item with a story told in English within `NEAR_DAYS`: is it grouped
    (with every on-topic English item of those days) into a story holding an English item of its
    event, English items of its event being at least half of the group's English ones? Returns the
    figures and the items that were not."""
    english = [i for i in items if primary_language(i.language) == "en" and i.on_topic and i.story and i.day]
    asked = right = unasked = false_joins = 0
    missed = []
    for item in items:
        if primary_language(item.language) == "en" or item.day is None:
            continue
        near = [e for e in english if e.day and abs((e.day - item.day).days) <= NEAR_DAYS]
        articles = [as_article(x, topic, n) for n, x in enumerate([item, *near], start=1)]
        if not item.story or not any(e.story == item.story for e in near):
            if near:
                unasked += 1
                group = next(g for g in group_stories(articles, topic) if 0 in g)
                false_joins += len(group) > 1
            continue
        asked += 1
        group = next(g for g in group_stories(articles, topic) if 0 in g)
        stories = [near[k - 1].story for k in group if k != 0]
        if stories and stories.count(item.story) * 2 >= len(stories):
            right += 1
        else:
            missed.append(item)
    return Joins(asked, right, unasked, false_joins), missed


def joined_right_by_day(items: Sequence[Item], topic: Topic) -> Joins:
    """As `joined_right`, but as a digest sees a day: every dated non-English item of day D grouped
    at once with the on-topic English items within `NEAR_DAYS` of D, so that reports in other
    languages can first form a story of their own and then join the English one."""
    english = [i for i in items if primary_language(i.language) == "en" and i.on_topic and i.story and i.day]
    foreign = [i for i in items if primary_language(i.language) != "en" and i.day]
    asked = right = unasked = false_joins = 0
    for day in sorted({i.day for i in foreign if i.day}):
        today = [i for i in foreign if i.day == day]
        near = [e for e in english if e.day and abs((e.day - day).days) <= NEAR_DAYS]
        if not near:
            continue
        everything = [*today, *near]
        articles = [as_article(x, topic, n) for n, x in enumerate(everything, start=1)]
        groups = group_stories(articles, topic)
        for k, item in enumerate(today):
            group = next(g for g in groups if k in g)
            stories = [everything[j].story for j in group if j >= len(today)]
            if item.story and any(e.story == item.story for e in near):
                asked += 1
                right += bool(stories) and stories.count(item.story) * 2 >= len(stories)
            else:
                unasked += 1
                false_joins += bool(stories)
    return Joins(asked, right, unasked, false_joins)


NATIVE = native_topic()
ITEMS = {i.id: i for i in load_items(SMALL)}
WHEN = datetime(2025, 11, 18, 12, tzinfo=UTC)


def article(item_id: str, n: int, topic: Topic | None = None) -> Article:
    """An item of the small set as an article published on the day of the Kanai-Liu talks."""
    return as_article(ITEMS[item_id], topic or NATIVE, n).model_copy(update={"published": WHEN})


class Articles:
    """An `ArticleSource` giving a fixed list of articles."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles

    async def collect(self, topic: Topic, window: Window) -> tuple[list[Article], list[FailedSource]]:
        return list(self.articles), []


def day_of_talks() -> list[Article]:
    """The Kanai-Liu talks told in English (both sides) and in Chinese and Japanese."""
    english = [article("en1", 0), article("en4", 0), article("en5", 0), article("en7", 0)]
    english[3] = english[3].model_copy(update={"outlet": "Global Times", "perspective": "china"})
    english[0] = english[0].model_copy(update={"outlet": "Nikkei Asia", "perspective": "japan"})
    native = [article("tw5", 0), article("ja5", 0)]
    native[0] = native[0].model_copy(update={"outlet": "People's Daily", "perspective": "china"})
    native[1] = native[1].model_copy(update={"outlet": "NHK", "perspective": "japan"})
    return english + native


def report(path: Path, topic: Topic) -> str:
    """The figures of one labelled file, as lines of text."""
    items = load_items(path)
    lines = [f"{path} ({len(items)} items)"]
    for s in relevance_scores(items, topic).values():
        lines.append(
            f"  {s.language}: {s.items} items, precision {s.precision:.2f}, recall {s.recall:.2f}"
            f" (tp {s.true_positives}, fp {s.false_positives}, fn {s.false_negatives})"
        )
    joins, missed = joined_right(items, topic)
    lines.append(f"  joined to the right English story: {joins.right}/{joins.asked} ({joins.share:.0%})")
    lines.append(f"  joined to an English story with none of theirs nearby: {joins.false_joins}/{joins.unasked}")
    day = joined_right_by_day(items, topic)
    lines.append(
        f"  grouped a day at a time: right {day.right}/{day.asked} ({day.share:.0%}),"
        f" false {day.false_joins}/{day.unasked}"
    )
    lines += [f"    not joined: {i.id} {i.title}" for i in missed]
    lines += [f"    misjudged: {i.id} ({'on' if i.on_topic else 'off'}-topic) {i.title} — {why}"
              for i, why in misjudged(items, topic)]  # fmt: skip
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    paths = [Path(a) for a in argv] or [p for p in [*SETS, SMALL] if p.exists()]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"error: no labelled set at {missing[0]}", file=sys.stderr)
        return 2
    topic = native_topic()
    for path in paths:
        print(report(path, topic))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
