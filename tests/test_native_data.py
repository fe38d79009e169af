"""Integrity of the native-language data (issue #30): the labelled Chinese and Japanese headline set
(tests/data/native_headlines) and the Google News feeds written from it
(tests/data/google-news-native). The data is what the language code is measured on, so its shape,
split, counts, scripts and feed-to-label agreement are checked here; nothing in it is tuned."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest

from digest_core.fetch.google_links import embedded_url

DATA = Path(__file__).parent / "data"
SET = DATA / "native_headlines"
FEEDS = DATA / "google-news-native"
FIELDS = ["id", "outlet", "language", "date", "url", "title", "lead", "on_topic", "story", "kind", "reason"]
LANGUAGES = {"zh-CN", "zh-TW", "ja-JP", "en"}
KINDS = {"bilateral", "editorial", "ministry-statement", "sports", "third-party", "domestic", "lifestyle", "other"}
EDITIONS = {  # Google News edition of a feed: hl, gl, ceid -> the set's language tag
    ("zh-CN", "CN", "CN:zh-Hans"): "zh-CN",
    ("zh-TW", "TW", "TW:zh-Hant"): "zh-TW",
    ("ja", "JP", "JP:ja"): "ja-JP",
}
FEED_DAY = "2026-01-07"
WINDOW_END = datetime(2026, 1, 7, 4, tzinfo=UTC)  # digests are built at 04:00 UTC (topics.toml)

KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]")
HAN = re.compile(r"[\u4e00-\u9fff]")
# characters whose form differs between the scripts (each pair is one word's two spellings)
TRADITIONAL_ONLY = set("國對與們這說會關為門車東經發時開長問現進華灣戰總報習強陸")
SIMPLIFIED_ONLY = set("国对与们这说会关为门车东经发时开长问现进华湾战总报习强陆")


def rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (SET / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line]


DEV, HOLDOUT = rows("headlines"), rows("holdout")
ALL = DEV + HOLDOUT


def in_holdout(title: str) -> bool:
    """The split rule, fixed before any rule ran on the rows: a third of the titles by hash."""
    return int(hashlib.sha256(f"digestbot-30:{title}".encode()).hexdigest(), 16) % 3 == 0


def side(language: object) -> str:
    return str(language)[:2]


def test_every_row_has_exactly_the_fields_with_their_types() -> None:
    for row in ALL:
        assert list(row) == FIELDS, row["id"]
        assert isinstance(row["id"], int) and isinstance(row["on_topic"], bool)
        assert row["language"] in LANGUAGES and row["kind"] in KINDS, row["id"]
        assert re.fullmatch(r"(\d{4}-\d{2}-\d{2})?", str(row["date"])), row["id"]
        if row["date"]:
            datetime.strptime(str(row["date"]), "%Y-%m-%d").replace(tzinfo=UTC)
        assert str(row["url"]).startswith(("http://", "https://")), row["id"]
        assert str(row["title"]).strip() == row["title"] and row["title"], row["id"]
        assert str(row["outlet"]).strip() and str(row["reason"]).strip(), row["id"]
        assert re.fullmatch(r"([a-z0-9]+(-[a-z0-9]+)*)?", str(row["story"])), row["id"]


def test_ids_and_rows_are_unique() -> None:
    assert sorted(int(r["id"]) for r in ALL) == list(range(1, len(ALL) + 1))  # type: ignore[call-overload]
    pages = Counter((r["url"], r["title"]) for r in ALL)
    assert [k for k, v in pages.items() if v > 1] == []  # a listing page gives several rows, never one twice
    per_outlet = Counter((r["outlet"], r["title"]) for r in ALL)
    assert [k for k, v in per_outlet.items() if v > 1] == []


def test_the_split_rule_reproduces_both_files() -> None:
    assert [r["id"] for r in DEV if in_holdout(str(r["title"]))] == []
    assert [r["id"] for r in HOLDOUT if not in_holdout(str(r["title"]))] == []
    assert 0.25 < len(HOLDOUT) / len(ALL) < 0.42


def test_the_language_tag_matches_the_script_of_the_title() -> None:
    for row in ALL:
        title, language = str(row["title"]), row["language"]
        if language == "ja-JP":
            assert KANA.search(title), (row["id"], title)
        elif language == "en":
            assert not HAN.search(title) and not KANA.search(title), (row["id"], title)
        else:
            assert HAN.search(title) and not KANA.search(title), (row["id"], title)
            wrong = SIMPLIFIED_ONLY if language == "zh-TW" else TRADITIONAL_ONLY
            assert not wrong & set(title), (row["id"], title, wrong & set(title))


def test_the_script_check_sees_a_mislabelled_title() -> None:
    simplified, traditional = "中国商务部加强两用物项对日本出口管制", "中國商務部加強兩用物項對日本出口管制"
    assert SIMPLIFIED_ONLY & set(simplified) and not TRADITIONAL_ONLY & set(simplified)
    assert TRADITIONAL_ONLY & set(traditional) and not SIMPLIFIED_ONLY & set(traditional)
    assert not KANA.search(simplified) and KANA.search("中国、日本渡航自粛を呼びかけ")


def test_counts_per_language_and_label() -> None:
    count = Counter(side(r["language"]) for r in ALL)
    assert count["zh"] >= 120 and count["ja"] >= 120  # the target per language
    # Simplified rows, so that mainland outlets are not drowned by Hong Kong and Taiwan ones
    assert sum(1 for r in ALL if r["language"] == "zh-CN") >= 80
    for language in ("zh", "ja"):
        off = sum(1 for r in ALL if side(r["language"]) == language and not r["on_topic"])
        assert 0.25 <= off / count[language] <= 0.5, language
    kinds = {str(r["kind"]) for r in ALL if not r["on_topic"]}
    assert {"sports", "third-party", "domestic", "lifestyle"} <= kinds


def test_stories_span_languages() -> None:
    languages: dict[str, set[str]] = defaultdict(set)
    for row in ALL:
        if row["story"]:
            languages[str(row["story"])].add(side(row["language"]))
    assert sum(1 for found in languages.values() if len(found) >= 2) >= 25
    assert sum(1 for found in languages.values() if len(found) == 3) >= 3


def test_the_readme_counts_are_the_data_s() -> None:
    readme = (SET / "README.md").read_text(encoding="utf-8")
    count = Counter(str(r["language"]) for r in ALL)
    for language in sorted(LANGUAGES):
        on = sum(1 for r in ALL if r["language"] == language and r["on_topic"])
        assert f"| {language} | {count[language]} | {on} | {count[language] - on} |" in readme, language
    assert f"{len(ALL)} rows" in readme and f"{len(HOLDOUT)} in `holdout.jsonl`" in readme


def feed_items() -> list[tuple[str, str, Any]]:
    items = []
    for path in sorted((FEEDS / FEED_DAY).glob("*.xml")):
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, path.name
        query = dict(p.split("=", 1) for p in feed.feed.link.split("?", 1)[1].split("&"))
        assert query["q"] == f"site:{path.stem}"
        edition = EDITIONS[(query["hl"], query["gl"], query["ceid"])]
        assert feed.feed.language == query["hl"]
        assert feed.feed.title == f"site:{path.stem} - Google News"
        items += [(path.stem, edition, entry) for entry in feed.entries]
    return items


def test_every_feed_item_agrees_with_its_label_and_its_row() -> None:
    labels = json.loads((FEEDS / FEED_DAY / "labels.json").read_text(encoding="utf-8"))
    assert labels["date"] == FEED_DAY and labels["topic"] == "china-japan"
    by_link = {a["link"]: a for a in labels["articles"]}
    by_id = {r["id"]: r for r in ALL}
    items = feed_items()
    assert len(items) == len(by_link) == len(labels["articles"])
    assert sorted(a["n"] for a in labels["articles"]) == list(range(1, len(items) + 1))
    for site, edition, entry in items:
        label = by_link[entry.link]
        row = by_id[label["native_id"]]
        article_id = re.fullmatch(r"https://news\.google\.com/rss/articles/(CBMi[\w-]+)\?oc=5", entry.link)
        assert article_id and entry.id == article_id[1]
        assert embedded_url(entry.id) == row["url"]
        assert entry.title == f"{row['title']} - {label['source']}" and label["title"] == row["title"]
        assert entry.source.title == label["source"] and label["site"] == site
        assert label["outlet"] == row["outlet"] and label["on_topic"] == row["on_topic"]
        assert label["language"] == row["language"] == edition
        published = datetime(*entry.published_parsed[:6]).replace(tzinfo=UTC)
        assert WINDOW_END - timedelta(days=1) < published <= WINDOW_END, entry.title
    assert {edition for _, edition, _ in items} == set(EDITIONS.values())
    assert {label["on_topic"] for label in labels["articles"]} == {True, False}


def test_the_feed_day_s_story_has_all_three_languages() -> None:
    labels = json.loads((FEEDS / FEED_DAY / "labels.json").read_text(encoding="utf-8"))["articles"]
    by_id = {r["id"]: r for r in ALL}
    stories = {by_id[a["native_id"]]["story"] for a in labels if a["on_topic"]}
    english = json.loads((DATA / "google-news" / FEED_DAY / "labels.json").read_text())["articles"]
    assert any(
        story and {side(r["language"]) for r in ALL if r["story"] == story} == {"zh", "ja", "en"} for story in stories
    )
    assert english, "the English feeds of the day are the project's existing fixtures"


@pytest.mark.parametrize("broken", ["<rss><channel><item><title>x</item>", ""])
def test_the_feed_check_sees_a_broken_feed(broken: str) -> None:
    assert feedparser.parse(broken.encode()).bozo or not feedparser.parse(broken.encode()).entries
