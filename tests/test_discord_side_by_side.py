"""Side by Side on Discord: an embed per story with a field per side, blindspots and vanished stories
last, within every limit; and message nonces that make a repeated part one message."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from adapters.discord.client import DigestBot
from adapters.discord.embeds import render_digest
from adapters.discord.publisher import destination_for
from bot.app import Core
from digest_core.delivery.ports import send_digest
from digest_core.models import Digest, Framing, PerspectiveCount, Story
from tests.fakes.discord import GENERAL, NEWS, THREAD, FakeDiscord
from tests.fakes.discord_harness import (
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


def story_embeds(digest: Digest) -> list[dict[str, Any]]:
    embeds = [e for m in as_json(render_digest(digest)) for e in m]
    return [e for e in embeds if e["title"][:1].isdigit()]


def cited(value: str) -> list[str]:
    """The citation numbers at the end of a field value, linked (`[3](url)`) or, where links did not fit, plain."""
    tail = value[value.rindex(" (") + 2 : -1]
    return [re.sub(r"^\[(\d+)\]\(.*\)$", r"\1", c) for c in tail.split(", ")]


def with_stories(digest: Digest, stories: int = 3, text: str = "{side} frames story {k}") -> Digest:
    """Stories over the digest's sides: all but the last covered by every side, the last by one."""
    sides = [p.id for p in digest.perspectives]
    by_side = {s: [a.n for a in digest.articles if a.perspective == s] for s in sides}
    items = []
    for k in range(1, stories + 1):
        covering = sides if k < stories else sides[:1]
        framing = [Framing(perspective=s, text=text.format(side=s, k=k), citations=by_side[s][:40]) for s in covering]
        articles = sorted(n for s in covering for n in by_side[s][:40])
        items.append(Story(title=f"Story {k}", articles=articles, framing=framing,
                           label="dispute" if k < stories else "one-sided", status="new"))
    return digest.model_copy(update={"stories": items, "vanished": ["Yesterday's *story*"]})


async def fixture_digest(core: Core, day: date) -> Digest:
    return (await core.digests.get_or_build(core.digests.topic("china-japan"), day)).digest


async def test_fixture_day_has_an_embed_per_story_with_a_field_per_side(core: Core) -> None:
    digest = await fixture_digest(core, date(2026, 1, 7))
    messages = as_json(render_digest(digest))
    assert_within_limits(messages)
    embeds = [e for m in messages for e in m]
    titles = [e["title"] for e in embeds]
    stories = story_embeds(digest)
    assert len(stories) == len(digest.stories) > 1
    assert stories[0]["author"]["name"] == f"Side by Side ({len(digest.stories)} stories)"
    first = titles.index(stories[0]["title"])
    assert titles[first - 1].startswith("Japan Perspective")  # after the perspectives, before the sources
    assert titles[-1].startswith("Sources")
    for embed, story in zip(stories, digest.stories, strict=True):
        assert [f["name"] for f in embed["fields"]] == [
            {"china": "China", "japan": "Japan"}[f.perspective] for f in story.framing
        ]
        assert embed["description"].startswith("*") and "new" in embed["description"]
        for field, framing in zip(embed["fields"], story.framing, strict=True):
            assert cited(field["value"]) == [str(n) for n in framing.citations]
            first = framing.citations[0]
            assert f"[{first}]({digest.article(first).link})" in field["value"]
    ban = next(e for e in stories if "export" in e["title"].lower())
    assert len(ban["fields"]) == 2
    assert "Covered by both" in ban["description"]
    if digest.blindspots:
        assert any("**Blindspots:**" in (e.get("description") or "") for e in embeds)


async def test_blindspots_and_vanished_in_a_final_embed_and_the_setting_turns_it_off(core: Core) -> None:
    digest = with_stories(await fixture_digest(core, date(2026, 2, 25)))
    embeds = [e for m in as_json(render_digest(digest)) for e in m]
    final = next(e for e in embeds if e["title"] == "Blindspots and changes")
    assert "**Blindspots:** Story 3 \\(China only," in final["description"]
    assert "**No longer in the news:** Yesterday's \\*story\\*." in final["description"]
    assert embeds.index(final) == len(embeds) - 2  # just before the sources
    off = digest.model_copy(update={"side_by_side": False})
    titles = [e["title"] for m in as_json(render_digest(off)) for e in m]
    assert not any(t[:1].isdigit() or t.startswith("Blindspots") for t in titles)


async def test_worst_case_stories_keep_every_limit_and_stay_inert(
    bot: DigestBot, fake_discord: FakeDiscord
) -> None:
    worst = with_stories(hostile_digest(), stories=12, text=HOSTILE + " {side} " + "long framing " * 150 + "{k}")
    worst = worst.model_copy(update={"stories": [
        s.model_copy(update={"title": HOSTILE + " " + "title " * 80}) for s in worst.stories
    ]})
    stories = story_embeds(worst)
    assert len(stories) == 12
    assert all(len(e["fields"]) == 25 for e in stories[:-1])  # 30 sides: 24 shown and "More sides"
    assert stories[0]["fields"][-1] == {"name": "More sides", "value": "6 more", "inline": False}
    await send_digest(bot.publisher, worst, destination_for(NEWS))
    sent = [m["embeds"] for m in fake_discord.messages[NEWS]]
    assert_within_limits(sent)
    text = " ".join(f["value"] for m in sent for e in m for f in e.get("fields") or [])
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
    digest = digest.model_copy(update={"perspectives": [PerspectiveCount(id="side-0", name="Left <b>", count=3),
                                                        PerspectiveCount(id="side-1", name="Right", count=3)]})
    first = story_embeds(digest)[0]
    assert [f["name"] for f in first["fields"]] == ["Left \\<b\\>", "Right"]
    assert first["description"] == "*Sides dispute · new*"
