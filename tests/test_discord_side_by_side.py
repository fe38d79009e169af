"""Stories on Discord: a "Top stories" embed with one line per side, one embed per side for the stories
only it covered, within every limit; and message nonces that make a repeated part one message."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from adapters.discord.client import DigestBot
from adapters.discord.embeds import escape_text, render_digest
from adapters.discord.publisher import destination_for
from bot.wiring import Core
from digest_core.delivery.ports import send_digest
from digest_core.models import Digest, Framing, PerspectiveCount, Story
from testkit.fakes.discord import GENERAL, NEWS, THREAD, FakeDiscord
from testkit.fakes.discord_harness import (
    HOSTILE,
    assert_within_limits,
    bot,
    core,
    discord_endpoints,
    fake_discord,
    hostile_digest,
)

__all__ = ["bot", "core", "discord_endpoints", "fake_discord"]


def as_json(messages: list[list[Any]]) -> list[list[dict[str, Any]]]:
    return [[e.to_dict() for e in embeds] for embeds in messages]


def top_stories(digest: Digest) -> str:
    embeds = [e for m in as_json(render_digest(digest)) for e in m]
    return "\n".join(e["description"] for e in embeds if (e.get("title") or "").startswith("Top stories"))


def with_stories(digest: Digest, stories: int = 3, text: str = "{side} frames story {k}") -> Digest:
    """Stories over the digest's sides: all but the last covered by every side, the last by one."""
    sides = [p.id for p in digest.perspectives]
    by_side = {s: [a.n for a in digest.articles if a.perspective == s] for s in sides}
    items = []
    for k in range(1, stories + 1):
        covering = sides if k < stories else sides[:1]
        framing = [Framing(perspective=s, text=text.format(side=s, k=k), citations=by_side[s][:40]) for s in covering]
        articles = sorted(n for s in covering for n in by_side[s][:40])
        items.append(
            Story(
                title=f"Story {k}",
                articles=articles,
                framing=framing,
                label="dispute" if k < stories else "one-sided",
                status="new",
            )
        )
    return digest.model_copy(update={"stories": items, "vanished": ["Yesterday's *story*"]})


async def fixture_digest(core: Core, day: date) -> Digest:
    return (await core.digests.get_or_build(core.digests.topic("china-japan"), day)).digest


async def test_fixture_day_has_one_line_per_side_for_the_story_both_covered(core: Core) -> None:
    digest = await fixture_digest(core, date(2026, 1, 7))
    messages = as_json(render_digest(digest))
    assert_within_limits(messages)
    lines = top_stories(digest).splitlines()
    ban = next(s for s in digest.stories if len(digest.sides(s)) == 2)
    assert lines[0] == f"**1. {escape_text(ban.title)}**"  # a neutral title, never a status line
    assert lines[1] == "*Covered by both*"  # the first digest: nothing to compare with, no status
    assert [line.split(":**")[0] for line in lines[2:4]] == ["**China", "**Japan"]
    for line, framing in zip(lines[2:4], ban.framing, strict=True):
        assert re.findall(r"\[(\d+)\]\(", line) == [str(n) for n in framing.citations]
    titles = [e.get("title") for m in messages for e in m]
    assert "Only Japan outlets (1 story)" in titles


async def test_one_sided_stories_by_side_and_the_setting_turns_stories_off(core: Core) -> None:
    digest = with_stories(await fixture_digest(core, date(2026, 2, 25)))
    embeds = [e for m in as_json(render_digest(digest)) for e in m]
    only = next(e for e in embeds if e.get("title") == "Only China outlets (1 story)")
    assert only["description"].startswith("• Story 3 (")
    off = digest.model_copy(update={"side_by_side": False})
    titles = [e.get("title") for m in as_json(render_digest(off)) for e in m]
    assert titles[0] == "Highlights"
    assert not any((t or "").startswith(("Top stories", "Only")) for t in titles)


async def test_worst_case_stories_keep_every_limit_and_stay_inert(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    worst = with_stories(hostile_digest(), stories=12, text=HOSTILE + " {side} " + "long framing " * 150 + "{k}")
    worst = worst.model_copy(
        update={"stories": [s.model_copy(update={"title": HOSTILE + " " + "title " * 80}) for s in worst.stories]}
    )
    await send_digest(bot.publisher, worst, destination_for(NEWS))
    sent = [m["embeds"] for m in fake_discord.messages[NEWS]]
    assert_within_limits(sent)
    text = " ".join(e.get("description") or "" for m in sent for e in m)
    assert text.count(":** ") >= 2 * 12  # each story's two side lines, cut to fit
    assert "@everyone" not in text and "@here" not in text
    assert "\\*\\*BREAKING\\*\\*" in text
    assert "[click]" not in text.replace("\\[click\\]", "")


async def test_the_same_part_sent_twice_with_the_same_key_is_one_message(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core
) -> None:
    digest = await fixture_digest(core, date(2026, 2, 25))
    destination = destination_for(GENERAL)
    part = bot.publisher.render(digest, destination)[0]
    first = await bot.publisher.send_part(destination, part, [], key="d12p0")
    again = await bot.publisher.send_part(destination, part, [], key="d12p0")
    assert first == again
    assert [m["id"] for m in fake_discord.messages[GENERAL]] == [first]
    posts = [r.body for r in fake_discord.requests if r.path == f"/api/v10/channels/{GENERAL}/messages"]
    assert [(b["nonce"], b["enforce_nonce"]) for b in posts] == [("d12p0", True), ("d12p0", True)]
    other = await bot.publisher.send_part(destination, part, [], key="d12p1")
    assert other != first
    assert len(fake_discord.messages[GENERAL]) == 2


async def test_nonces_are_per_channel_and_long_keys_still_fit(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    part = bot.publisher.render(hostile_digest(articles=2, perspectives=2), destination_for(NEWS))[0]
    in_thread = await bot.publisher.send_part(destination_for(GENERAL, THREAD), part, [], key="d1p0")
    in_news = await bot.publisher.send_part(destination_for(NEWS), part, [], key="d1p0")
    assert in_thread != in_news
    long_key = "delivery-" + "9" * 40
    await bot.publisher.send_part(destination_for(NEWS), part, [], key=long_key)
    await bot.publisher.send_part(destination_for(NEWS), part, [], key=long_key)
    nonces = [m["nonce"] for m in fake_discord.messages[NEWS]]
    assert len(nonces) == 2 and len(nonces[1]) <= 25 and nonces[1] != "d1p0"


def test_two_sides_named_by_the_topic() -> None:
    digest = with_stories(hostile_digest(articles=6, perspectives=2), stories=2)
    digest = digest.model_copy(
        update={
            "perspectives": [
                PerspectiveCount(id="side-0", name="Left <b>", count=3),
                PerspectiveCount(id="side-1", name="Right", count=3),
            ]
        }
    )
    lines = top_stories(digest).splitlines()
    assert lines[1] == "*Sides dispute · new*"
    assert [line.split(":**")[0] for line in lines[2:4]] == ["**Left \\<b\\>", "**Right"]
