"""Joining Chinese and Japanese articles to the English story of their event (issue #30): numbers
and dates in one form in every language, the CJK news glossary, the cross-language pair rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digest_core.editorial.editor import Candidate
from digest_core.editorial.names import english_reading
from digest_core.editorial.select import editor_groups
from digest_core.editorial.stories import group_stories
from digest_core.editorial.story_numbers import number_keys
from digest_core.gemini.editor import GeminiEditor
from digest_core.models import Article
from testkit.fakes.gemini import GeminiFake, prompt_data
from testkit.native_eval import NATIVE, SETS, joined_right, joined_right_by_day, load_items

DAY = datetime(2025, 11, 19, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("native", "english", "key"),
    [
        ("管制清单多达1005项", "a list of 1,005 items", "#1005"),
        ("一千零五项", "1005 items", "#1005"),
        ("3万人", "30,000 people", "#30000"),
        ("3萬人", "30 thousand people", "#30000"),
        ("损失14亿元", "a loss of 1.4 billion yuan", "#1400000000"),
        ("1.4億円", "140 million yen", "#140000000"),
        ("百分之十", "10%", "#10%"),
        ("１０％", "10 percent", "#10%"),
        ("三十架战机", "30 fighter jets", "#30"),
        ("1月7日", "Jan. 7", "@01-07"),
        ("十一月十九日", "November 19", "@11-19"),
    ],
)
def test_a_figure_has_one_key_in_every_language(native: str, english: str, key: str) -> None:
    assert key in number_keys(native)
    assert key in number_keys(english)


def test_words_that_hold_a_numeral_are_not_numbers() -> None:
    assert number_keys("统一 一些 十分 千叶 第三国 百姓") == set()
    assert number_keys("3 ships, 5%") == {"#5%"}  # below 10 only as a percentage
    assert number_keys("2026年1月7日") == {"#2026", "@01-07"}  # the date is not also the numbers 1 and 7


def test_the_english_reading_gives_things_acts_and_latin_words() -> None:
    reading = english_reading("中国暂停进口日本水产 APEC会晤", NATIVE)
    assert {"seafood", "suspend", "APEC", "meet"} <= set(reading.split())
    assert "visit" in english_reading("李在明访华", NATIVE).split()  # a side's name and an act at once
    assert "Lee" in english_reading("李在明访华", NATIVE).split()
    assert english_reading("China halts seafood imports", NATIVE) == "China halts seafood imports"


def _article(n: int, title: str, language: str | None, when: datetime) -> Article:
    return Article(
        title=title,
        url=f"https://example.com/{n}",
        outlet=f"Outlet {n}",
        domain="example.com",
        perspective="china" if language else "japan",
        published=when,
        language=language,
        n=n,
    )


def _day(when_native: datetime) -> list[Article]:
    return [
        _article(1, "China suspends imports of Japanese seafood over Takaichi's Taiwan remarks", None, DAY),
        _article(2, "Japan's Nikkei index falls as yen strengthens", None, DAY),
        _article(3, "Toyota to build new plant in Kyushu", None, DAY),
        _article(4, "中国暂停进口日本水产品 回应高市涉台言论", "zh-CN", when_native),
        _article(5, "中国、日本産水産物の輸入停止を通知 高市首相の台湾発言受け", "ja-JP", when_native),
    ]


def test_chinese_and_japanese_reports_join_the_english_story_of_their_event() -> None:
    groups = group_stories(_day(DAY + timedelta(hours=3)), NATIVE)
    story = next(g for g in groups if 0 in g)
    assert {0, 3, 4} <= set(story) and 1 not in story and 2 not in story


def test_reports_days_apart_are_not_joined_across_languages() -> None:
    groups = group_stories(_day(DAY + timedelta(days=5)), NATIVE)
    story = next(g for g in groups if 0 in g)
    assert 3 not in story and 4 not in story


# The figures on the labelled set's dev split (docs/languages.md): 26 of 35 (0.74) one item at a
# time, 29 of 35 (0.83) a day at a time, 3 and 4 of 18 joined with no English report of their
# event nearby; before the glossary, the number keys and the pair scale, 12 of 35 (0.34). The
# floors are those minus about two items (0.60 is test_native_figures' floor, by its rule).


def test_the_dev_join_share_and_false_joins_hold_their_floors() -> None:
    items = load_items(SETS[0])
    joins, missed = joined_right(items, NATIVE)
    assert joins.asked >= 30 and joins.share >= 0.65, [m.title for m in missed]
    assert joins.false_joins <= 5, joins
    day = joined_right_by_day(items, NATIVE)
    assert day.asked == joins.asked and day.share >= 0.75 and day.false_joins <= 6, day


# --- with Gemini as the editor, the model groups them ---

PANDAS = [
    "Twin pandas depart Ueno Zoo, leaving Japan without pandas for the first time since 1972",
    "大熊猫“晓晓”和“蕾蕾”今将从日本返回中国",  # the pandas by their names only: no shared English key
    "Japan's Nikkei index falls as yen strengthens",
]


async def test_with_gemini_the_model_groups_a_story_across_languages(gemini: tuple[GeminiFake, str]) -> None:
    fake, base = gemini
    articles = [_article(n, t, "zh-CN" if n == 2 else None, DAY) for n, t in enumerate(PANDAS, start=1)]
    assert [0, 1] not in group_stories(articles, NATIVE)  # offline, the rules cannot tell
    fake.editor = lambda data: {
        "articles": [
            {"id": c["id"], "on_topic": True, "story": 1 if "language" in c or "Ueno" in c["title"] else 2}
            | {"reason": "r"}
            for c in data["candidates"]
        ]
    }
    candidates = [Candidate(k, a, rule_on_topic=True) for k, a in enumerate(articles, start=1)]
    judgement = await GeminiEditor(api_key="k", model="m", base_url=base, timeout=5).judge(NATIVE, candidates)
    sent = prompt_data(fake.requests[0]["body"])["candidates"]
    assert [c.get("language") for c in sent] == [None, "zh-CN", None]  # the model is told which is Chinese
    assert editor_groups(articles, judgement) == [[0, 1], [2]]


def test_every_glossary_form_has_two_characters_or_more() -> None:
    from digest_core.editorial.cjk_terms import GLOSSARY

    short = [f for forms in GLOSSARY.values() for f in forms if len(f) < 2]
    assert short == []  # one character is in too many words (as in the topics file's names)
