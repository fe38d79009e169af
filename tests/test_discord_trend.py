"""`/trend topic days` on Discord: the coverage chart from the archive as a file attachment."""

from __future__ import annotations

import io
from datetime import date, timedelta

from matplotlib.image import imread

from adapters.discord.client import DigestBot
from bot.wiring import Core
from testkit.fakes.discord import FakeDiscord
from testkit.fakes.discord_harness import bot, core, discord_endpoints, fake_discord, run_interaction
from testkit.fakes.google_news import GoogleNewsFake
from tests.test_discord_commands import refusal
from tests.test_trend import archived, png_size

__all__ = ["bot", "core", "discord_endpoints", "fake_discord"]
END = date(2026, 2, 25)  # the harness's clock: the latest complete date


async def test_trend_defers_then_attaches_the_chart(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core, google_news: tuple[GoogleNewsFake, str]
) -> None:
    for k in (0, 2, 3, 6):
        await core.digests.store.save(archived(END - timedelta(days=k), 2 + k, 5))
    i = fake_discord.command("trend", {"topic": "china-japan", "days": 7})
    await run_interaction(fake_discord, i, followups=1)
    assert [c["type"] for c in fake_discord.callbacks_for(i)] == [5]
    (followup,) = fake_discord.followups_for(i)
    (upload,) = followup["files"]
    assert upload.filename == "china-japan-trend.png"
    assert png_size(upload.data) == (1200, 900)
    assert imread(io.BytesIO(upload.data)).shape[:2] == (900, 1200)
    assert [a["filename"] for a in followup["body"]["attachments"]] == ["china-japan-trend.png"]
    assert followup["body"]["content"] == (
        "**China vs Japan**: articles per side per day, 2026-02-19 to 2026-02-25 (4 of 7 days archived)"
    )
    assert followup["body"]["allowed_mentions"] == {"parse": []}
    assert google_news[0].requests == []  # from the archive: nothing fetched or built


async def test_trend_refuses_bad_input_at_once(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    unknown = await run_interaction(fake_discord, fake_discord.command("trend", {"topic": "korea-japan"}))
    assert "korea-japan" in refusal(fake_discord, unknown)
    too_many = await run_interaction(fake_discord, fake_discord.command("trend", {"topic": "china-japan", "days": 91}))
    assert refusal(fake_discord, too_many) == "days must be between 1 and 90, not 91. Usage: /trend topic [days]"


async def test_trend_of_an_empty_archive_is_an_ephemeral_answer(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    i = await run_interaction(fake_discord, fake_discord.command("trend", {"topic": "china-japan"}))
    assert refusal(fake_discord, i).startswith("no archived digests of china-japan in the 14 days to 2026-02-25")
    assert fake_discord.followups_for(i) == []  # answered at once, privately: nothing was deferred
