"""Rendering digests as Discord embeds: limits, order, escaping, on real and worst-case digests."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from adapters.discord.embeds import escape_text, masked_link, render_digest, render_sources, thread_name
from bot.wiring import Core
from digest_core.editorial.outline import post_outline
from digest_core.models import Digest
from testkit.fakes.discord_harness import (
    assert_within_limits,
    core,
    discord_endpoints,
    fake_discord,
    hostile_digest,
)

__all__ = ["core", "discord_endpoints", "fake_discord"]
FIXTURE_DAYS = [date(2026, 1, 7), date(2026, 2, 25)]


def as_json(messages: list[list[Any]]) -> list[list[dict[str, Any]]]:
    return [[e.to_dict() for e in embeds] for embeds in messages]


def source_numbers(messages: list[list[dict[str, Any]]]) -> list[int]:
    text = "\n".join(e.get("description") or "" for m in messages for e in m if e["title"].startswith("Sources"))
    return [int(n) for n in re.findall(r"^\*\*(\d+)\.\*\*", text, re.MULTILINE)]


@pytest.fixture
async def fixture_digests(core: Core) -> list[Digest]:
    topic = core.digests.topic("china-japan")
    return [(await core.digests.get_or_build(topic, day)).digest for day in FIXTURE_DAYS]


async def test_fixture_digests_are_one_message_stories_first_every_citation_a_link(
    fixture_digests: list[Digest],
) -> None:
    for digest in fixture_digests:
        messages = as_json(render_digest(digest, "https://digest.example/china-japan/x/"))
        assert_within_limits(messages)
        assert len(messages) == 1
        embeds = messages[0]
        titles = [e.get("title") for e in embeds]
        assert titles[0] == "Top stories"
        sides = [g.name for g in post_outline(digest).one_sided]
        assert [t.split(" outlets")[0] for t in titles[1:-1]] == [f"Only {name}" for name in sides]
        assert embeds[0]["author"]["name"] == f"China vs Japan — {digest.date.isoformat()}"
        last = embeds[-1]
        counts = " · ".join(f"{p.count} {p.name}" for p in digest.perspectives)
        assert last["description"].startswith(f"{len(digest.articles)} articles\\: {counts}.")
        assert "[Full digest and sources](https://digest.example/china-japan/x/)" in last["description"]
        assert last["footer"]["text"] == "Summarized by extractive"
        text = "\n".join(e.get("description") or "" for e in embeds)
        for a in digest.articles:  # every article cited, as a link (they fit one message)
            assert f"[{a.n}]({a.link})" in text


async def test_worst_case_splits_in_order_within_every_limit() -> None:
    digest = hostile_digest()
    messages = as_json(render_digest(digest))
    assert_within_limits(messages)
    assert len(messages) > 1
    embeds = [e for m in messages for e in m]
    sections = [(e.get("title") or "").removesuffix(" (continued)") for e in embeds]
    assert sections[0] == "Highlights"
    assert [s.split(" ")[:2] for s in sections[1:31:1] if s.startswith("Side")][:3] == [
        ["Side", "0"],
        ["Side", "1"],
        ["Side", "2"],
    ]
    assert "Not reached: Down 0" in embeds[-1]["footer"]["text"]


def test_hostile_text_is_escaped_and_mentions_are_inert() -> None:
    messages = as_json(render_digest(hostile_digest(articles=3, perspectives=2)))
    text = "\n".join(
        str(value)
        for m in messages
        for e in m
        for value in [e.get("title"), e.get("description")] + [f["name"] for f in e.get("fields", [])]
    )
    assert "@everyone" not in text
    assert "@here" not in text
    assert "@\u200beveryone" in text
    assert "@\u200bhere" in text
    for raw in ("**BREAKING**", "_now_", "~~gone~~", "||spoiler||", "[click]", "<@&1234>", "`code`"):
        assert raw not in text
    assert r"\*\*BREAKING\*\*" in text
    assert r"\[click\]\(https\://evil.example/x\)" in text


def test_escape_text_and_masked_links() -> None:
    assert escape_text("a*b_c~d|e`f\\g\nh") == r"a\*b\_c\~d\|e\`f\\g h"
    assert escape_text("@everyone and @HERE") == "@\u200beveryone and @\u200bHERE"
    link = masked_link("1", "https://x.example/a (b) [c]")
    assert link == "[1](https://x.example/a%20%28b%29%20%5Bc%5D)"
    assert masked_link("1", "javascript:alert(1)") == "1"
    assert masked_link("1", "https://x.example/" + "y" * 2000) == "1"


def test_sources_only_and_thread_name() -> None:
    digest = hostile_digest(articles=45)
    messages = as_json(render_sources(digest))
    assert_within_limits(messages)
    assert all(e["title"].startswith("Sources") for m in messages for e in m)
    assert source_numbers(messages) == list(range(1, 46))
    name = thread_name(digest)
    assert len(name) <= 100
    assert name.startswith("Worst")
