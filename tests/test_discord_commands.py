"""Slash commands driven through the fake gateway as INTERACTION_CREATE, answered through the fake REST API."""

from __future__ import annotations

import asyncio
import socket
from datetime import date
from typing import Any

import httpx
import pytest

from adapters.discord import commands
from adapters.discord.client import DigestBot
from adapters.discord.embeds import render_digest, render_sources
from bot.wiring import Core
from digest_core.delivery.ports import Destination
from digest_core.fetch.google_news import GoogleNewsSource
from digest_core.usecases.service import BuildLimiter
from testkit.fakes.discord import (
    FORUM,
    GENERAL,
    GUILD_ID,
    MEMBER_PERMISSIONS,
    NEWS,
    THREAD,
    VOICE,
    FakeDiscord,
)
from testkit.fakes.discord_harness import (
    TOKEN,
    assert_within_limits,
    bot,
    core,
    discord_endpoints,
    fake_discord,
    run_interaction,
)
from testkit.fakes.google_news import GoogleNewsFake

__all__ = ["bot", "core", "discord_endpoints", "fake_discord"]
EPHEMERAL = 64
NO_PINGS = {"parse": []}


def only_callback(fake: FakeDiscord, interaction: dict[str, Any]) -> dict[str, Any]:
    callbacks = fake.callbacks_for(interaction)
    assert len(callbacks) == 1
    return callbacks[0]


def refusal(fake: FakeDiscord, interaction: dict[str, Any]) -> str:
    """The text of an ephemeral, immediate refusal (nothing deferred, nothing followed up)."""
    cb = only_callback(fake, interaction)
    assert cb["type"] == 4
    assert cb["data"]["flags"] & EPHEMERAL
    assert cb["data"]["allowed_mentions"] == NO_PINGS
    assert fake.followups_for(interaction) == []
    return str(cb["data"]["content"])


async def test_login_ready_and_commands_synced_to_the_guild(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    identify = [p for p in fake_discord.gateway_received if p["op"] == 2]
    assert identify[0]["d"]["token"] == TOKEN
    assert [r.path for r in fake_discord.requests[:2]] == ["/api/v10/users/@me", "/api/v10/oauth2/applications/@me"]
    names = sorted(c["name"] for c in fake_discord.commands[str(GUILD_ID)])
    assert names == ["digest", "latest", "sources", "subscribe", "subscriptions", "topics", "trend", "unsubscribe"]
    assert "global" not in fake_discord.commands
    assert bot.get_channel(FORUM) is not None  # GUILD_CREATE was processed


async def test_digest_defers_before_building_then_follows_up_with_embeds(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core, google_news: tuple[GoogleNewsFake, str]
) -> None:
    news, _ = google_news
    fetches_at_callback: list[int] = []
    fake_discord.on_callback = lambda _: fetches_at_callback.append(len(news.requests))
    i = fake_discord.command("digest", {"topic": "china-japan", "date": "2026-02-25"})
    await run_interaction(fake_discord, i, followups=1)
    cb = only_callback(fake_discord, i)
    assert cb["type"] == 5  # deferred: "thinking" within Discord's 3 s, whatever the build takes
    assert fetches_at_callback == [0]
    assert news.requests  # the digest was then built
    stored = await core.digests.store.get("china-japan", date(2026, 2, 25))
    assert stored is not None
    expected = len(render_digest(stored))
    await fake_discord.wait_for(lambda: len(fake_discord.followups_for(i)) == expected)
    followups = fake_discord.followups_for(i)
    assert all(f["body"]["allowed_mentions"] == NO_PINGS for f in followups)
    messages = [f["body"]["embeds"] for f in followups]
    assert_within_limits(messages)
    titles = [e.get("title") for m in messages for e in m]
    assert titles[0] == "Top stories"
    assert messages[-1][-1]["footer"]["text"].startswith("Summarized by")
    assert messages[0][0]["author"]["name"] == "China vs Japan — 2026-02-25"


@pytest.mark.parametrize("command", ["digest", "sources"])
async def test_an_archived_digest_is_the_answer_itself_without_deferral(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core, command: str
) -> None:
    stored = (await core.digests.get_or_build(core.topics.get("china-japan"), date(2026, 2, 25))).digest
    expected = render_digest(stored) if command == "digest" else render_sources(stored)
    i = fake_discord.command(command, {"topic": "china-japan", "date": "2026-02-25"})
    await run_interaction(fake_discord, i, answers=len(expected))
    cb = only_callback(fake_discord, i)
    assert cb["type"] == 4  # the first message is the response: no "thinking" round trip
    assert not (cb["data"].get("flags") or 0) & EPHEMERAL  # public, like a deferred answer
    answers = fake_discord.answers_for(i)
    assert [[e.get("title") for e in a["embeds"]] for a in answers] == [[e.title for e in m] for m in expected]
    assert all(a["allowed_mentions"] == NO_PINGS for a in answers)
    assert fake_discord.deleted == []


async def test_a_slow_archive_read_defers_rather_than_miss_discords_deadline(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = (await core.digests.get_or_build(core.topics.get("china-japan"), date(2026, 2, 25))).digest
    read = core.digests.archived

    async def slow_read(topic: Any, day: date) -> Any:
        await asyncio.sleep(0.2)  # e.g. every database connection busy with a fan-out
        return await read(topic, day)

    monkeypatch.setattr(commands, "ARCHIVE_READ_LIMIT", 0.05)
    monkeypatch.setattr(core.digests, "archived", slow_read)
    i = fake_discord.command("digest", {"topic": "china-japan", "date": "2026-02-25"})
    await run_interaction(fake_discord, i, followups=len(render_digest(stored)))
    assert only_callback(fake_discord, i)["type"] == 5  # deferred in time
    assert fake_discord.answers_for(i)[0]["embeds"][0]["title"] == "Top stories"


async def test_latest_is_the_latest_complete_days_digest_from_the_archive(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core
) -> None:
    stored = (await core.digests.get_or_build(core.topics.get("china-japan"), date(2026, 2, 25))).digest
    expected = render_digest(stored)
    i = fake_discord.command("latest", {"topic": "china-japan"})
    await run_interaction(fake_discord, i, answers=len(expected))
    cb = only_callback(fake_discord, i)
    assert cb["type"] == 4  # archived: the answer itself, public
    assert not (cb["data"].get("flags") or 0) & EPHEMERAL
    answers = fake_discord.answers_for(i)
    assert [[e.get("title") for e in a["embeds"]] for a in answers] == [[e.title for e in m] for m in expected]
    assert answers[0]["embeds"][0]["author"]["name"] == "China vs Japan — 2026-02-25"


async def test_latest_builds_the_latest_day_after_deferring(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core, google_news: tuple[GoogleNewsFake, str]
) -> None:
    news, _ = google_news
    i = fake_discord.command("latest", {"topic": "china-japan"})
    await run_interaction(fake_discord, i, followups=1)
    assert only_callback(fake_discord, i)["type"] == 5  # deferred before the build
    assert news.requests
    stored = await core.digests.store.get("china-japan", date(2026, 2, 25))
    assert stored is not None
    await fake_discord.wait_for(lambda: len(fake_discord.followups_for(i)) == len(render_digest(stored)))
    assert fake_discord.answers_for(i)[0]["embeds"][0]["title"] == "Top stories"


async def test_latest_refuses_an_unknown_topic_ephemerally(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    i = await run_interaction(fake_discord, fake_discord.command("latest", {"topic": "nope"}))
    assert refusal(fake_discord, i).startswith("Unknown topic 'nope'. Topics: china")


async def test_digest_refuses_bad_input_ephemerally(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    cases = {
        ("nope", None): "Unknown topic 'nope'. Topics: china-japan",
        ("china-japan", "25/02/2026"): "Malformed date '25/02/2026'",
        ("china-japan", "2026-02-26"): "2026-02-26 is in the future; the latest date is 2026-02-25",
        ("china-japan", "2026-02-30"): "No such date '2026-02-30'",
    }
    for (topic, day), expected in cases.items():
        options = {"topic": topic} | ({"date": day} if day else {})
        i = await run_interaction(fake_discord, fake_discord.command("digest", options))
        assert refusal(fake_discord, i).startswith(expected)


async def test_digest_of_an_empty_day_says_so(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    i = await run_interaction(
        fake_discord, fake_discord.command("digest", {"topic": "china-japan", "date": "2025-06-01"}), followups=1
    )
    assert only_callback(fake_discord, i)["type"] == 5
    (followup,) = fake_discord.followups_for(i)
    assert "embeds" not in followup["body"] or not followup["body"]["embeds"]
    assert followup["body"]["content"] == "No on-topic articles for China vs Japan on 2025-06-01."
    assert followup["body"]["flags"] & EPHEMERAL  # never public, never the raw exception text
    assert [d["token"] for d in fake_discord.deleted] == [i["token"]]  # the public "thinking" is removed


async def test_sources_lists_numbered_articles(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    i = fake_discord.command("sources", {"topic": "china-japan", "date": "2026-01-07"})
    await run_interaction(fake_discord, i, followups=1)
    messages = [f["body"]["embeds"] for f in fake_discord.followups_for(i)]
    assert_within_limits(messages)
    embeds = [e for m in messages for e in m]
    assert all(e["title"].startswith("Sources (") for e in embeds)
    assert embeds[0]["description"].startswith("**1.** [")


async def test_topics_lists_configured_topics(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    i = await run_interaction(fake_discord, fake_discord.command("topics"))
    cb = only_callback(fake_discord, i)
    assert cb["type"] == 4
    assert cb["data"]["allowed_mentions"] == NO_PINGS
    (field,) = cb["data"]["embeds"][0]["fields"]
    assert field["name"] == "China vs Japan"
    assert field["value"].startswith("`china-japan` · daily at 04:00 UTC")


async def test_autocomplete_topics_and_recent_stored_dates(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core
) -> None:
    def choices(i: dict[str, Any]) -> list[str]:
        cb = only_callback(fake_discord, i)
        assert cb["type"] == 8
        return [c["value"] for c in cb["data"]["choices"]]

    i = await run_interaction(fake_discord, fake_discord.autocomplete("digest", {"topic": "japan"}, "topic"))
    assert choices(i) == ["china-japan"]
    i = await run_interaction(fake_discord, fake_discord.autocomplete("digest", {"topic": "zzz"}, "topic"))
    assert choices(i) == []
    i = await run_interaction(
        fake_discord, fake_discord.autocomplete("digest", {"topic": "china-japan", "date": ""}, "date")
    )
    assert choices(i) == ["2026-02-25"]  # nothing stored yet: the latest complete day
    topic = core.digests.topic("china-japan")
    for day in ("2026-01-07", "2026-02-25"):
        await core.digests.get_or_build(topic, core.digests.parse_date(topic, day))
    i = await run_interaction(
        fake_discord, fake_discord.autocomplete("digest", {"topic": "china-japan", "date": ""}, "date")
    )
    assert choices(i) == ["2026-02-25", "2026-01-07"]
    i = await run_interaction(
        fake_discord, fake_discord.autocomplete("sources", {"topic": "china-japan", "date": "2026-01"}, "date")
    )
    assert choices(i) == ["2026-01-07"]
    i = await run_interaction(fake_discord, fake_discord.autocomplete("digest", {"topic": "nope", "date": ""}, "date"))
    assert choices(i) == []


async def test_subscribe_requires_manage_channels(bot: DigestBot, fake_discord: FakeDiscord, core: Core) -> None:
    for name in ("subscribe", "unsubscribe"):
        i = fake_discord.command(name, {"topic": "china-japan"}, permissions=MEMBER_PERMISSIONS)
        await run_interaction(fake_discord, i)
        assert "Manage Channels" in refusal(fake_discord, i)
    i = fake_discord.command(
        "subscribe", {"topic": "china-japan", "channel": NEWS}, channel_permissions={NEWS: MEMBER_PERMISSIONS}
    )
    await run_interaction(fake_discord, i)
    assert refusal(fake_discord, i) == f"You need the **Manage Channels** permission in <#{NEWS}>."
    assert await core.subscriptions.all() == []
    synced = {c["name"]: c for c in next(iter(fake_discord.commands.values()))}
    assert synced["subscribe"]["default_member_permissions"] == 1 << 4


async def test_subscribe_here_needs_the_bot_to_be_able_to_post(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core
) -> None:
    fake_discord.app_permissions = MEMBER_PERMISSIONS  # the bot may send, but not embed links
    i = await run_interaction(fake_discord, fake_discord.command("subscribe", {"topic": "china-japan"}))
    assert refusal(fake_discord, i) == (
        "I cannot post digests here: give me **Send Messages** and **Embed Links** in this channel."
    )
    assert await core.subscriptions.all() == []


async def test_subscribe_rejects_unknown_topics_and_voice_channels(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core
) -> None:
    i = await run_interaction(fake_discord, fake_discord.command("subscribe", {"topic": "nope"}))
    assert refusal(fake_discord, i).startswith("Unknown topic 'nope'")
    i = await run_interaction(
        fake_discord, fake_discord.command("subscribe", {"topic": "china-japan", "channel": VOICE})
    )
    assert refusal(fake_discord, i) == "Pick a text channel, announcement channel, forum or thread."
    assert await core.subscriptions.all() == []


async def test_subscribe_list_and_unsubscribe(bot: DigestBot, fake_discord: FakeDiscord, core: Core) -> None:
    for options in ({}, {"channel": FORUM}, {"channel": THREAD}):
        i = fake_discord.command("subscribe", {"topic": "china-japan", **options})
        await run_interaction(fake_discord, i)
        cb = only_callback(fake_discord, i)
        assert cb["type"] == 4
        assert not cb["data"].get("flags")
        assert cb["data"]["content"].endswith("will receive the daily **China vs Japan** digest.")
    subs = {s.destination for s in await core.subscriptions.active_for_topic("china-japan")}
    assert subs == {
        Destination("discord", str(GENERAL)),
        Destination("discord", str(FORUM)),
        Destination("discord", str(GENERAL), str(THREAD)),
    }
    i = await run_interaction(fake_discord, fake_discord.command("subscribe", {"topic": "china-japan"}))
    assert refusal(fake_discord, i) == f"<#{GENERAL}> already receives the **China vs Japan** digest."

    i = await run_interaction(fake_discord, fake_discord.command("subscriptions"))
    listing = refusal(fake_discord, i)
    assert sorted(listing.splitlines()) == sorted(f"• `china-japan` → <#{c}>" for c in (GENERAL, FORUM, THREAD))

    i = await run_interaction(
        fake_discord, fake_discord.command("unsubscribe", {"topic": "china-japan", "channel": FORUM})
    )
    assert (
        only_callback(fake_discord, i)["data"]["content"]
        == f"<#{FORUM}> will no longer receive the **China vs Japan** digest."
    )
    i = await run_interaction(
        fake_discord, fake_discord.command("unsubscribe", {"topic": "china-japan", "channel": FORUM})
    )
    assert refusal(fake_discord, i) == f"<#{FORUM}> was not subscribed to **China vs Japan**."
    assert len(await core.subscriptions.active_for_topic("china-japan")) == 2


async def test_subscriptions_when_there_are_none(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    i = await run_interaction(fake_discord, fake_discord.command("subscriptions"))
    assert refusal(fake_discord, i) == "No subscriptions for this server. Add one with `/subscribe topic [channel]`."


async def test_new_dates_beyond_the_users_build_limit_get_an_ephemeral_refusal(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core
) -> None:
    core.digests.limiter = BuildLimiter(per_user=1, overall=10)
    first = fake_discord.command("digest", {"topic": "china-japan", "date": "2026-02-25"})
    await run_interaction(fake_discord, first, followups=1)
    refused = fake_discord.command("digest", {"topic": "china-japan", "date": "2026-01-07"})
    await run_interaction(fake_discord, refused, followups=1)
    (followup,) = fake_discord.followups_for(refused)
    assert followup["body"]["content"].startswith("Too many new digests requested by you; try again in ")
    assert followup["body"]["flags"] & EPHEMERAL
    assert [d["token"] for d in fake_discord.deleted] == [refused["token"]]  # the public "thinking" is gone
    assert await core.digests.store.get("china-japan", date(2026, 1, 7)) is None


async def test_a_refusal_quoting_the_user_is_inert_markdown(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    i = await run_interaction(fake_discord, fake_discord.command("digest", {"topic": "**x**_@everyone"}))
    text = refusal(fake_discord, i)
    assert text.startswith("Unknown topic '\\*\\*x\\*\\*\\_@\u200beveryone'")


async def test_unreachable_sources_get_a_try_later_reply(bot: DigestBot, fake_discord: FakeDiscord, core: Core) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    async with httpx.AsyncClient() as client:
        core.digests.source = GoogleNewsSource(client, closed, attempts=1)
        command = fake_discord.command("digest", {"topic": "china-japan", "date": "2026-02-25"})
        i = await run_interaction(fake_discord, command, followups=1)
    (followup,) = fake_discord.followups_for(i)
    assert followup["body"]["content"] == "The news sources could not be reached just now. Please try again later."
