"""Publishing digests to channels, forums and threads of the fake Discord; faults and deactivation."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pytest

from adapters.discord.client import DigestBot
from adapters.discord.embeds import render_digest
from adapters.discord.publisher import destination_for
from bot.wiring import Core
from digest_core.delivery.deliverer import Deliverer
from digest_core.delivery.ports import Destination, send_digest
from digest_core.errors import DestinationGone
from digest_core.models import Digest
from testkit.fakes.discord import FORUM, GENERAL, NEWS, THREAD, FakeDiscord
from testkit.fakes.discord_harness import (
    TOKEN,
    assert_within_limits,
    bot,
    core,
    discord_endpoints,
    fake_discord,
    hostile_digest,
)

__all__ = ["bot", "core", "discord_endpoints", "fake_discord"]


@pytest.fixture
async def digest(core: Core) -> Digest:
    topic = core.digests.topic("china-japan")
    return (await core.digests.get_or_build(topic, date(2026, 2, 25))).digest


def sent_embeds(fake: FakeDiscord, channel: int) -> list[list[dict[str, Any]]]:
    return [m["embeds"] for m in fake.messages[channel]]


def posts_to(fake: FakeDiscord, channel: int) -> list[dict[str, Any]]:
    return [r.body for r in fake.requests if r.method == "POST" and r.path.startswith(f"/api/v10/channels/{channel}/")]


async def test_channel_gets_the_digest_in_order_without_pings(
    bot: DigestBot, fake_discord: FakeDiscord, digest: Digest
) -> None:
    ids = await send_digest(bot.publisher, digest, destination_for(GENERAL))
    expected = [[e.to_dict() for e in m] for m in render_digest(digest)]
    assert sent_embeds(fake_discord, GENERAL) == expected
    assert ids == [m["id"] for m in fake_discord.messages[GENERAL]]
    assert all(body["allowed_mentions"] == {"parse": []} for body in posts_to(fake_discord, GENERAL))


async def test_worst_case_digest_is_split_across_messages_in_order(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    ids = await send_digest(bot.publisher, hostile_digest(), destination_for(NEWS))
    messages = sent_embeds(fake_discord, NEWS)
    assert len(ids) == len(messages) > 3
    assert_within_limits(messages)
    text = "\n".join(e.get("description") or "" for m in messages for e in m)
    assert "@everyone" not in text
    assert "@\u200beveryone" in text
    assert all(body["allowed_mentions"] == {"parse": []} for body in posts_to(fake_discord, NEWS))


async def test_forum_gets_a_new_thread_per_digest_and_threads_are_destinations(
    bot: DigestBot, fake_discord: FakeDiscord, digest: Digest
) -> None:
    ids = await send_digest(bot.publisher, digest, destination_for(FORUM))
    (thread,) = fake_discord.threads
    assert thread["parent_id"] == FORUM
    assert thread["name"] == "China vs Japan — 2026-02-25"
    expected = [[e.to_dict() for e in m] for m in render_digest(digest)]
    assert sent_embeds(fake_discord, thread["id"]) == expected
    assert ids[0] == thread["message"]["id"]
    (create,) = posts_to(fake_discord, FORUM)
    assert create["message"]["allowed_mentions"] == {"parse": []}

    await send_digest(bot.publisher, digest, destination_for(GENERAL, THREAD))
    assert sent_embeds(fake_discord, THREAD) == expected
    assert GENERAL not in fake_discord.messages


async def test_gone_destinations_are_deactivated_and_logged_once(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core, digest: Digest, caplog: pytest.LogCaptureFixture
) -> None:
    missing = 900000000000000999
    for channel in (GENERAL, NEWS, missing):
        await core.subscriptions.subscribe(destination_for(channel), "china-japan")
    fake_discord.faults[NEWS] = [403]

    async def deliver(day: date) -> None:
        """Queue the digest for `day` to every active subscription and send it through the ledger."""
        await core.digests.store.save(digest.model_copy(update={"date": day}))
        subs = await core.subscriptions.active_for_topic("china-japan")
        await core.ledger.create("china-japan", day, [s.id for s in subs])
        await Deliverer(core.ledger, core.digests.store, core.subscriptions, {"discord": bot.publisher}, "w").drain()

    with caplog.at_level(logging.WARNING, logger="digest_core.delivery.deliverer"):
        await deliver(digest.date)
        assert posts_to(fake_discord, GENERAL)
        subs = {s.destination: s for s in await core.subscriptions.all()}
        assert not subs[destination_for(NEWS)].active
        assert "403" in (subs[destination_for(NEWS)].deactivated_reason or "")
        assert not subs[destination_for(missing)].active
        assert "404" in (subs[destination_for(missing)].deactivated_reason or "")
        requests_before = len(fake_discord.requests)
        await deliver(digest.date + timedelta(days=1))
    assert len(posts_to(fake_discord, GENERAL)) == 2 * len(render_digest(digest))
    assert all(str(NEWS) not in r.path and str(missing) not in r.path for r in fake_discord.requests[requests_before:])
    deactivations = [r for r in caplog.records if "subscription deactivated" in r.getMessage()]
    assert len(deactivations) == 2
    assert TOKEN not in caplog.text


async def test_403_on_send_raises_destination_gone(bot: DigestBot, fake_discord: FakeDiscord, digest: Digest) -> None:
    fake_discord.faults[GENERAL] = [403]
    with pytest.raises(DestinationGone, match="403"):
        await send_digest(bot.publisher, digest, destination_for(GENERAL))
    with pytest.raises(DestinationGone, match="not a Discord channel id"):
        await send_digest(bot.publisher, digest, Destination("discord", "general"))


async def test_429_is_retried_by_discord_py(bot: DigestBot, fake_discord: FakeDiscord, digest: Digest) -> None:
    fake_discord.faults[GENERAL] = [429]
    ids = await send_digest(bot.publisher, digest, destination_for(GENERAL))
    assert len(ids) == len(render_digest(digest))
    assert len(posts_to(fake_discord, GENERAL)) == len(ids) + 1  # the rate-limited attempt, then each message


async def test_parts_resume_in_the_forum_post_opened_by_the_first(bot: DigestBot, fake_discord: FakeDiscord) -> None:
    digest = hostile_digest()
    destination = destination_for(FORUM)
    parts = bot.publisher.render(digest, destination)
    assert len(parts) > 2
    assert bot.publisher.render(digest, destination) == parts  # pure: the ledger may render again on resume
    first = await bot.publisher.send_part(destination, parts[0], [], "d1p0")
    (thread,) = fake_discord.threads
    assert first == str(thread["id"])
    second = await bot.publisher.send_part(destination, parts[1], [first], "d1p1")
    assert len(fake_discord.threads) == 1  # no second post: the resumed part went into the first one
    assert [m["id"] for m in fake_discord.messages[thread["id"]]] == [first, second]
    assert sent_embeds(fake_discord, thread["id"])[1] == [e.to_dict() for e in parts[1].embeds]
