"""Articles that were read (publisher link, language, lead) in every source list and citation:
the Markdown page, JSON, Telegram, Discord and `digestbot sources` (text and JSON)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from adapters.discord.embeds import escape_text
from adapters.discord.embeds import render_digest as discord_digest
from adapters.discord.embeds import render_sources as discord_sources
from adapters.json_format import digest_to_dict
from adapters.markdown_site import render_markdown
from adapters.telegram.render import render_digest as telegram_digest
from adapters.telegram.render import render_sources as telegram_sources
from bot.cli import app
from digest_core.models import Digest
from digest_core.storage.db import create_engine, create_schema
from digest_core.storage.digests import SqlDigestStore
from digest_core.topics import Topic, load_topics
from testkit.fakes.telegram import parse_telegram_html
from tests.digests import fixture_digest

runner = CliRunner()
DAY = "2026-02-25"
READ = "https://www.chinadaily.com.cn/a/202602/25/WS699e.html"
PAYWALLED = "https://www.globaltimes.cn/page/202602/1355.shtml"


def read_digest(topic: Topic) -> Digest:
    """The fixture day with article 1 read (publisher link, en-GB, a lead), article 2's page behind a
    paywall (publisher link known, no lead) and the rest never read."""
    digest = fixture_digest(topic, DAY)
    articles = list(digest.articles)
    articles[0] = articles[0].model_copy(
        update={"publisher_url": READ, "language": "en-GB", "lead": "Beijing said on Tuesday it would curb exports."}
    )
    articles[1] = articles[1].model_copy(update={"publisher_url": PAYWALLED, "lead_missing": "paywall"})
    return digest.model_copy(update={"articles": articles})


def cited_links(markdown: str) -> set[str]:
    return set(re.findall(r"\[\d+\]\(([^)]+)\)", markdown))


def test_fixture_pages_without_leads_keep_the_topic_language_and_google_links(topic: Topic) -> None:
    digest = fixture_digest(topic, DAY)
    sources = [line for line in render_markdown(digest).splitlines() if re.match(r"\d+\. \[", line)]
    assert len(sources) == len(digest.articles)
    assert all(line.split()[1] == "[en-US]" for line in sources)
    assert all("news.google.com" in line for line in sources)


def test_the_page_links_and_tags_each_source_with_what_its_page_said(topic: Topic) -> None:
    digest = read_digest(topic)
    page = render_markdown(digest)
    assert f"1. [en-GB] [{digest.article(1).title.split(' ')[0]}" in page
    assert f"]({READ}) - " in page
    assert re.search(r"^2\. \[en-US\] .*\(" + re.escape(PAYWALLED) + r"\)", page, re.MULTILINE)
    assert re.search(r"^3\. \[en-US\] .*news\.google\.com", page, re.MULTILINE)
    cited = cited_links(page)
    assert READ in cited  # citations of article 1 go to the publisher, not to Google
    assert digest.article(1).url not in cited


def test_the_posts_cite_the_publisher_link(topic: Topic) -> None:
    digest = read_digest(topic)
    hrefs = {href for part in telegram_digest(digest) for href, _ in parse_telegram_html(part).links}
    assert READ in hrefs and digest.article(1).url not in hrefs
    embeds = json.dumps([[e.to_dict() for e in m] for m in discord_digest(digest)])
    assert f"({READ})" in embeds and digest.article(1).url not in embeds


def test_json_says_which_language_and_lead_each_article_has(topic: Topic) -> None:
    rows = digest_to_dict(read_digest(topic))["articles"]
    assert rows[0]["link"] == READ and rows[0]["url"] != READ
    assert (rows[0]["language"], rows[0]["language_from_page"], rows[0]["lead_read"]) == ("en-GB", True, True)
    assert (rows[1]["language"], rows[1]["lead_read"], rows[1]["lead_missing"]) == ("en-US", False, "paywall")
    assert (rows[2]["link"], rows[2]["language_from_page"], rows[2]["lead_missing"]) == (rows[2]["url"], False, None)


def test_chat_source_lists_say_language_and_lead(topic: Topic) -> None:
    digest = read_digest(topic)
    parsed = parse_telegram_html("".join(telegram_sources(digest)))
    assert parsed.links[0][0] == READ and parsed.links[1][0] == PAYWALLED
    lines = [line for line in parsed.text.splitlines() if re.match(r"\d+\. ", line)]
    assert lines[0].endswith("· en-GB · lead read")
    assert lines[1].endswith("· en-US (topic) · no lead: paywall")
    assert all(line.endswith("· en-US (topic) · page not read") for line in lines[2:])
    described = "\n".join(e.description or "" for m in discord_sources(digest) for e in m)
    rows = [line for line in described.splitlines() if line.startswith("**")]
    assert f"]({READ})" in rows[0] and rows[0].endswith(escape_text("· en-GB · lead read"))
    assert rows[1].endswith(escape_text("· en-US (topic) · no lead: paywall"))


@given(reason=st.text(min_size=1, max_size=300), language=st.text(min_size=1, max_size=60))
def test_hostile_page_metadata_stays_one_escaped_line(reason: str, language: str) -> None:
    digest = _HOSTILE_BASE.model_copy(
        update={
            "articles": [
                _HOSTILE_BASE.articles[0].model_copy(update={"lead_missing": reason, "language": language}),
                *_HOSTILE_BASE.articles[1:],
            ]
        }
    )
    parts = telegram_sources(digest)
    parsed = parse_telegram_html("".join(parts))  # raises when page text became markup
    assert len([line for line in parsed.text.splitlines() if re.match(r"\d+\. ", line)]) == len(digest.articles)
    page = render_markdown(digest)
    assert len([line for line in page.splitlines() if re.match(r"\d+\. \[", line)]) == len(digest.articles)


_HOSTILE_BASE: Digest = fixture_digest(load_topics().get("china-japan"), DAY)  # built once, not per example


async def _archive(data_dir: Path, digest: Digest) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{data_dir / 'digestbot.db'}")
    try:
        await create_schema(engine)
        await SqlDigestStore(engine).save(digest)
    finally:
        await engine.dispose()


def test_sources_command_text_and_json(cli_env: Path, topic: Topic) -> None:
    digest = read_digest(topic)
    asyncio.run(_archive(cli_env, digest))
    result = runner.invoke(app, ["sources", "china-japan", "--date", DAY])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"China vs Japan — {DAY}: {len(digest.articles)} sources"
    assert re.split(r"\s{2,}", lines[1].strip()) == ["#", "SIDE", "OUTLET", "LANG", "LEAD", "TITLE", "LINK"]
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[2:]]
    assert rows[0][3:5] == ["en-GB", "lead read"] and rows[0][-1] == READ
    assert rows[1][3:5] == ["en-US (topic)", "no lead: paywall"] and rows[1][-1] == PAYWALLED
    assert rows[2][3:5] == ["en-US (topic)", "page not read"] and "news.google.com" in rows[2][-1]

    as_json = runner.invoke(app, ["sources", "china-japan", "--date", DAY, "--json"])
    assert as_json.exit_code == 0, as_json.stderr
    doc = json.loads(as_json.stdout)
    assert (doc["topic"], doc["date"], doc["language"]) == ("china-japan", DAY, "en-US")
    first, second = doc["articles"][:2]
    assert (first["link"], first["language"], first["lead_read"], first["lead_missing"]) == (READ, "en-GB", True, None)
    assert (second["link"], second["lead_read"], second["lead_missing"]) == (PAYWALLED, False, "paywall")
    assert [a["n"] for a in doc["articles"]] == list(range(1, len(digest.articles) + 1))
