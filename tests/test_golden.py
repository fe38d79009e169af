"""Golden tests: the fixture days built end to end give pages in the seeds' format, clean and cited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from digest_core.topics import Topic, default_topics_path
from testkit.fakes.google_links import fixture_links, fixture_targets
from testkit.fakes.google_news import FIXTURES
from tests.labels import labelled

SEEDS = Path(__file__).parent / "data" / "seeds"
# The seeds' source line, with deliberate changes: the publisher's link (the fake decodes each
# fixture link; the labels know the Google link), an opinion tag before the headline
# (`*Editorial:* `) and the outlet's source label after its name (`(state-owned, China Media Group)`).
GOOGLE_LINK = {fixture_targets(FIXTURES)[f.id]: f.link for f in fixture_links(FIXTURES)}
SOURCE_LINE = re.compile(
    r"^(\d+)\. \[en-US\] (?:\*(?:Editorial|Opinion):\* )?\[(.+)\]\((https://(?!news\.google\.com/)\S+)\) - "
    r"(China Daily|Global Times|CGTN|South China Morning Post|The Japan Times|Kyodo News|Nikkei Asia) "
    r"(?:\((state-owned|party-owned|public broadcaster|private|news agency|cooperative news agency)(?:, [^()]+)?\) )?"
    r"\((\d{1,2})/(\d{1,2})/(\d{4})\)$"
)
LABELS = {
    "China Daily": "state-owned",
    "Global Times": "party-owned, People's Daily",
    "CGTN": "state-owned, China Media Group",
    "South China Morning Post": "private, Alibaba Group",
    "The Japan Times": "private, News2u Holdings",
    "Kyodo News": "cooperative news agency",
    "Nikkei Asia": "private, Nikkei Inc.",
}
CITATION = re.compile(r"\[(\d+)\]\((\S+?)\)")
MOJIBAKE = re.compile("â€|Ã.|Â")


def front_matter(page: str) -> tuple[dict, list[str], str]:
    _, front, body = page.split("---\n", 2)
    keys = [line.split(":")[0] for line in front.splitlines() if line and not line.startswith(" ")]
    return yaml.safe_load(front), keys, body


def headings(body: str) -> list[str]:
    return [line for line in body.splitlines() if line.startswith("## ") or line == "<!--more-->"]


@pytest.fixture
def seed_format(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The default topic with `side_by_side = false`: the seeds' page exactly."""
    text = default_topics_path().read_text().replace("quota = 10 ", "side_by_side = false\nquota = 10 ", 1)
    assert "side_by_side = false" in text
    (tmp_path / "topics.toml").write_text(text)
    monkeypatch.setenv("TOPICS_FILE", str(tmp_path / "topics.toml"))


@pytest.mark.parametrize("day", ["2026-01-07", "2026-02-25"])
def test_page_has_the_seed_structure_and_only_clean_cited_on_topic_articles(
    cli_env: Path, seed_format: None, topic: Topic, day: str
) -> None:
    result = CliRunner().invoke(app, ["build", "china-japan", "--date", day])
    assert result.exit_code == 0, result.output
    page = result.stdout
    seed = (SEEDS / f"china-japan-{day}.md").read_text()

    meta, keys, body = front_matter(page)
    seed_meta, seed_keys, seed_body = front_matter(seed)
    assert keys == seed_keys
    assert headings(body) == headings(seed_body)
    assert meta["title"] == seed_meta["title"]
    assert meta["topic"] == "china-japan"
    assert meta["topicName"] == "China vs Japan"
    assert meta["draft"] is False
    assert [p["id"] for p in meta["perspectives"]] == ["china", "japan"]
    assert all(not s.startswith(("news.", "newsus.")) and s != "Global Edition" for s in meta["sources"])

    lines = [line for line in body.splitlines() if re.match(r"^\d+\. ", line)]
    matches = [SOURCE_LINE.match(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches, strict=True) if not m]
    urls = {int(m.group(1)): m.group(3) for m in matches if m}
    assert sorted(urls) == list(range(1, len(urls) + 1))
    for line, m in zip(lines, matches, strict=True):  # every outlet named with who owns it
        assert m and f"- {m.group(4)} ({LABELS[m.group(4)]}) (" in line, line
    assert meta["articleCount"] == len(urls) == meta["chinaSources"] + meta["japanSources"]
    assert [p["count"] for p in meta["perspectives"]] == [meta["chinaSources"], meta["japanSources"]]
    assert f"This summary is based on {len(urls)} articles from the following sources:" in body

    labels = {r.article.url: r for r in labelled(topic) if r.day == day}
    for url in map(GOOGLE_LINK.__getitem__, urls.values()):
        assert labels[url].on_topic or labels[url].borderline, labels[url].article.title
        assert labels[url].duplicate_of is None
    titles = [m.group(2) for m in matches if m]
    assert len(titles) == len(set(titles)), "a headline is listed twice"

    summary = body.split("## Sources")[0]
    bullets = [line for line in summary.splitlines() if line.startswith("- ")]
    assert bullets
    assert all(CITATION.search(b) for b in bullets), "every bullet cites its sources"
    for n, url in CITATION.findall(summary):
        assert urls[int(n)] == url
    assert not MOJIBAKE.search(page)


def test_seed_day_2026_01_07_repeated_china_daily_headline_is_listed_once(cli_env: Path) -> None:
    result = CliRunner().invoke(app, ["build", "china-japan", "--date", "2026-01-07"])
    assert result.stdout.count("[China curbs dual-use item exports to Japan]") == 1
    assert "Trump’s" not in result.stdout  # the mojibake article is off-topic anyway


def test_side_by_side_section_by_default(cli_env: Path) -> None:
    page = CliRunner().invoke(app, ["build", "china-japan", "--date", "2026-01-07"]).stdout
    _, _, body = front_matter(page)
    assert [h for h in headings(body) if h.startswith("## ")][-2:] == ["## Side by Side", "## Sources"]
    section = body.split("## Side by Side")[1].split("## Sources")[0]
    first = section.split("### 2.")[0]
    assert first.startswith("\n\n### 1. ")
    # the dual-use ban, offline: never agree/dispute; the first digest: nothing to compare with, no status
    assert first.startswith("\n\n### 1. China bans exports of dual-use items\n\n*Covered by both*\n")  # neutral title
    assert "- **China:** " in first
    # the one-sided story is named once, in the highlights; nothing points back at it
    assert "quoted above" not in body and "highlights above" not in body
    assert body.split("## Sources")[0].count("China travel curbs hit Japan duty-free sales in December") == 1
    urls = {int(m.group(1)): m.group(3) for m in map(SOURCE_LINE.match, body.splitlines()) if m}
    for n, url in CITATION.findall(section):
        assert urls[int(n)] == url
