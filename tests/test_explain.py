"""`digestbot build --explain` and the verdicts behind it: every fetched article, kept or dropped, and why."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from digest_core.dates import digest_window
from digest_core.editorial.select import select_articles
from digest_core.topics import Topic
from tests.labels import DAYS, article_at, day_articles


def test_every_article_gets_one_verdict_with_its_rule(topic: Topic) -> None:
    articles = [
        article_at("Beijing bans dual-use exports to Japan.", "CGTN", "china", 2),
        article_at("Beijing bans dual-use exports to Japan", "CGTN", "china", 1),  # the same outlet, earlier
        article_at("Takaichi's approval rating slides amid funding scandal", "China Daily", "china", 3),
        article_at("Cherry blossoms bloom early in Japan's Kyushu", "CGTN", "china", 4),
        article_at("South China Sea: Manila protests water cannon attack", "The Japan Times", "japan", 5),
        article_at("China and Japan agree to talks", "Kyodo News", "japan", -2),
    ]
    selection = select_articles(articles, topic, digest_window(topic, date(2026, 2, 25)))
    verdicts = {v.title + v.outlet: v for v in selection.verdicts}
    assert len(selection.verdicts) == len(articles)
    ban = verdicts["Beijing bans dual-use exports to Japan.CGTN"]
    assert ban.kept and ban.n is not None and "names both sides" in ban.reason
    repeat = verdicts["Beijing bans dual-use exports to JapanCGTN"]
    assert not repeat.kept and repeat.reason == "repeat of CGTN's 'Beijing bans dual-use exports to Japan.'"
    assert (
        "a China-side outlet names only Japan's 'Takaichi': its home news"
        in verdicts[articles[2].title + "China Daily"].reason
    )
    blossoms = verdicts[articles[3].title + "CGTN"]
    assert not blossoms.kept and "a lifestyle piece ('blossoms')" in blossoms.reason
    sea = verdicts[articles[4].title + "The Japan Times"]
    assert not sea.kept and "'South China Sea' name no side" in sea.reason
    assert verdicts[articles[5].title + "Kyodo News"].reason.startswith("outside the window")


def test_build_explain_prints_a_line_per_fetched_article(cli_env: Path, topic: Topic) -> None:
    result = CliRunner().invoke(app, ["build", "china-japan", "--date", "2026-02-25", "--explain"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith(("KEPT [", "DROP "))]
    assert len(lines) == sum(len(day_articles(topic, d)) for d in DAYS)  # the fake serves both fixture days
    assert sum(line.startswith("KEPT [") for line in lines) == 8
    assert any("off-topic: names no side" in line for line in lines)
