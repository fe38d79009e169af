"""discord.py runs each interaction in its own task: an on-demand build in one channel does not
hold up another channel's answer (the real client against the fake gateway and REST API)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import date

from adapters.discord.client import DigestBot
from adapters.discord.embeds import render_digest
from bot.wiring import Core
from testkit.fakes.discord import GENERAL, NEWS, FakeDiscord
from testkit.fakes.discord_harness import bot, core, discord_endpoints, fake_discord, run_interaction
from testkit.fakes.google_news import GoogleNewsFake

__all__ = ["bot", "core", "discord_endpoints", "fake_discord"]


async def until(condition: Callable[[], bool]) -> None:
    """Poll `condition` (set from another thread); a guard against hangs, not a timing assertion."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def test_a_build_in_one_channel_does_not_hold_up_another(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core, google_news: tuple[GoogleNewsFake, str]
) -> None:
    news = google_news[0]
    archived = (await core.digests.get_or_build(core.topics.get("china-japan"), date(2026, 2, 25))).digest
    news.gate = threading.Event()
    building = fake_discord.command("digest", {"topic": "china-japan", "date": "2026-01-07"}, channel_id=GENERAL)
    await fake_discord.dispatch("INTERACTION_CREATE", building)
    await until(lambda: news.in_flight > 0)

    parts = len(render_digest(archived))
    asked = fake_discord.command("digest", {"topic": "china-japan", "date": "2026-02-25"}, channel_id=NEWS)
    await run_interaction(fake_discord, asked, answers=parts)

    titles = [e.get("title") for body in fake_discord.answers_for(asked) for e in body["embeds"]]
    assert titles == [e.title for message in render_digest(archived) for e in message]  # the whole archived post
    assert fake_discord.followups_for(building) == []  # still building
    news.gate.set()
    await fake_discord.wait_for(lambda: fake_discord.followups_for(building))
    assert fake_discord.followups_for(building)[0]["body"]["embeds"]  # the built day's post, once its build ends
