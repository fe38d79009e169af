"""Every command through the real PTB Application polling the fake Bot API: private, group,
forum-topic and channel contexts, bad input, and who may change subscriptions."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from adapters.telegram.handlers import DESCRIPTIONS
from digest_core.delivery.ports import Destination
from digest_core.fetch.google_news import GoogleNewsSource
from digest_core.usecases.service import BuildLimiter
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.telegram import FakeTelegram, Sent, parse_telegram_html
from testkit.fakes.telegram_harness import (
    ALICE,
    BOB,
    CHANNEL,
    FORUM,
    GROUP,
    PRIVATE,
    TelegramHarness,
    core_for_tests,
    running_bot,
)


@pytest.fixture
async def tg(tmp_path: Path, google_news: tuple[GoogleNewsFake, str]) -> AsyncIterator[TelegramHarness]:
    fake = FakeTelegram()
    fake.add_chat(GROUP, {ALICE["id"]: "creator", BOB["id"]: "member"})
    fake.add_chat(FORUM, {ALICE["id"]: "administrator"})
    async with core_for_tests(tmp_path, google_news[1]) as core, running_bot(fake, core) as harness:
        yield harness


def texts(sent: list[Sent]) -> list[str]:
    return [parse_telegram_html(s.text).text if s.parse_mode == "HTML" else s.text for s in sent]


def one_reply(sent: list[Sent]) -> str:
    assert len(sent) == 1, [s.text for s in sent]
    return texts(sent)[0]


async def test_start_up_registers_every_command_with_a_description(tg: TelegramHarness) -> None:
    fake = tg.fake
    assert [c.method for c in fake.calls[:2]] == ["getMe", "setMyCommands"]
    await fake.wait_for(lambda: bool(fake.methods("getUpdates")))
    assert fake.methods("deleteWebhook")
    commands = fake.methods("setMyCommands")[0].params["commands"]
    assert {c["command"] for c in commands} == set(DESCRIPTIONS) - {"start"}
    assert all(1 <= len(c["description"]) <= 256 for c in commands)


@pytest.mark.parametrize("text", ["/help", "/start", "/help@digest_test_bot"])
async def test_help(tg: TelegramHarness, text: str) -> None:
    reply = one_reply(await tg.run(tg.fake.command(text, PRIVATE, ALICE)))
    for usage in ("/digest TOPIC [DATE]", "/subscribe TOPIC [@channel]", "/sources TOPIC [DATE]", "china-japan"):
        assert usage in reply


async def test_commands_for_another_bot_are_ignored(tg: TelegramHarness) -> None:
    assert await tg.run(tg.fake.command("/help@some_other_bot", GROUP, ALICE)) == []


async def test_topics_in_a_group(tg: TelegramHarness) -> None:
    reply = one_reply(await tg.run(tg.fake.command("/topics", GROUP, BOB)))
    assert "china-japan — China vs Japan (China, Japan); daily at 04:00 UTC" in reply


def assert_digest(sent: list[Sent], day: str = "2026-02-25") -> list[str]:
    assert sent, "no digest was sent"
    assert all(s.parse_mode == "HTML" for s in sent)
    shown = texts(sent)  # each part parses as Telegram HTML
    assert shown[0].startswith(f"China vs Japan — {day}")
    assert "Top stories" in shown[0]
    assert "articles: " in shown[-1]  # the counts per side close the post
    return shown


async def test_digest_in_private_chat(tg: TelegramHarness) -> None:
    sent = await tg.run(tg.fake.command("/digest china-japan 2026-02-25", PRIVATE, ALICE))
    assert_digest(sent)
    send_calls = tg.fake.methods("sendMessage")
    assert all(json.loads(json.dumps(c.params["link_preview_options"]))["is_disabled"] for c in send_calls)
    action = tg.fake.methods("sendChatAction")[0].params
    assert (action["chat_id"], action["action"]) == (PRIVATE["id"], "typing")


async def test_digest_in_a_forum_topic_replies_in_that_topic(tg: TelegramHarness) -> None:
    sent = await tg.run(tg.fake.command("/digest@digest_test_bot china-japan 2026-02-25", FORUM, ALICE, thread_id=7))
    assert_digest(sent)
    assert {(s.chat_id, s.thread_id) for s in sent} == {(str(FORUM["id"]), 7)}


async def test_digest_posted_in_a_channel(tg: TelegramHarness) -> None:
    sent = await tg.run(tg.fake.command("/digest china-japan 2026-02-25", CHANNEL))
    assert_digest(sent)
    assert {s.chat_id for s in sent} == {str(CHANNEL["id"])}


async def test_latest_defaults_to_the_latest_complete_day_and_comes_from_the_archive(
    tg: TelegramHarness, google_news: tuple[GoogleNewsFake, str]
) -> None:
    assert_digest(await tg.run(tg.fake.command("/latest china-japan", GROUP, BOB)))
    fetches = len(google_news[0].requests)
    assert fetches > 0
    assert_digest(await tg.run(tg.fake.command("/digest china-japan", GROUP, BOB)))
    assert len(google_news[0].requests) == fetches  # stored, not built again


async def test_sources_lists_every_article_numbered(tg: TelegramHarness) -> None:
    sent = await tg.run(tg.fake.command("/sources china-japan 2026-02-25", PRIVATE, ALICE))
    shown = "\n".join(texts(sent))
    digest = await tg.core.digests.store.get("china-japan", date(2026, 2, 25))
    assert digest is not None
    lines = [line for line in shown.splitlines() if line[:1].isdigit()]
    assert len(lines) == len(digest.articles)
    assert all(line.startswith(f"{n}. ") for n, line in enumerate(lines, start=1))
    assert "Overall Highlights" not in shown


async def test_a_day_without_articles_gets_a_short_reply(tg: TelegramHarness) -> None:
    reply = one_reply(await tg.run(tg.fake.command("/digest china-japan 2025-06-01", PRIVATE, ALICE)))
    assert reply == "No on-topic articles for China vs Japan on 2025-06-01."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/digest", "Usage: /digest TOPIC [DATE]"),
        ("/digest nope", "Unknown topic 'nope'. Topics: china-japan"),
        ("/digest <b>x&y</b>", "Unknown topic '<b>x&y</b>'"),
        ("/digest china-japan 2026-13-45", "YYYY-MM-DD"),
        ("/digest china-japan 25/02/2026", "YYYY-MM-DD"),
        ("/digest china-japan 2030-01-01", "2030-01-01 is in the future"),
        ("/digest china-japan 2026-02-25 extra", "Too many arguments"),
        ("/digest " + "x" * 500, "too long"),
        ("/latest", "Usage: /latest TOPIC"),
        ("/sources china-japan tomorrow", "YYYY-MM-DD"),
        ("/subscribe", "Usage: /subscribe TOPIC [@channel]"),
        ("/unsubscribe nope", "Unknown topic"),
    ],
)
async def test_bad_input_gets_one_short_reply_and_changes_nothing(
    tg: TelegramHarness, google_news: tuple[GoogleNewsFake, str], text: str, expected: str
) -> None:
    reply = one_reply(await tg.run(tg.fake.command(text, PRIVATE, ALICE)))
    assert expected in reply
    assert len(reply) < 300
    assert google_news[0].requests == []
    assert await tg.core.subscriptions.all() == []


async def test_private_chat_subscribe_list_unsubscribe(tg: TelegramHarness) -> None:
    run, me = tg.run, Destination("telegram", str(PRIVATE["id"]))
    assert "Subscribed this chat to China vs Japan" in one_reply(
        await run(tg.fake.command("/subscribe china-japan", PRIVATE, ALICE))
    )
    assert "already subscribed" in one_reply(await run(tg.fake.command("/subscribe China-Japan", PRIVATE, ALICE)))
    assert [s.destination for s in await tg.core.subscriptions.active_for_topic("china-japan")] == [me]
    assert "• china-japan" in one_reply(await run(tg.fake.command("/subscriptions", PRIVATE, ALICE)))
    assert "Unsubscribed" in one_reply(await run(tg.fake.command("/unsubscribe china-japan", PRIVATE, ALICE)))
    assert "was not subscribed" in one_reply(await run(tg.fake.command("/unsubscribe china-japan", PRIVATE, ALICE)))
    assert "No subscriptions" in one_reply(await run(tg.fake.command("/subscriptions", PRIVATE, ALICE)))
    assert await tg.core.subscriptions.active_for_topic("china-japan") == []


async def test_in_a_group_only_administrators_change_subscriptions(tg: TelegramHarness) -> None:
    reply = one_reply(await tg.run(tg.fake.command("/subscribe china-japan", GROUP, BOB)))
    assert reply == "Only the group's administrators can change its subscriptions."
    assert await tg.core.subscriptions.all() == []
    checked = tg.fake.methods("getChatMember")[-1].params
    assert (checked["chat_id"], checked["user_id"]) == (GROUP["id"], BOB["id"])

    assert "Subscribed this group" in one_reply(await tg.run(tg.fake.command("/subscribe china-japan", GROUP, ALICE)))
    subs = await tg.core.subscriptions.active_for_topic("china-japan")
    assert [s.destination for s in subs] == [Destination("telegram", str(GROUP["id"]))]

    assert "Only the group's administrators" in one_reply(
        await tg.run(tg.fake.command("/unsubscribe china-japan", GROUP, BOB))
    )
    assert len(await tg.core.subscriptions.active_for_topic("china-japan")) == 1


async def test_anonymous_group_admin_may_subscribe(tg: TelegramHarness) -> None:
    update = tg.fake.command("/subscribe china-japan", GROUP, {**BOB, "id": 1087968824}, sender_chat=GROUP)
    assert "Subscribed this group" in one_reply(await tg.run(update))


async def test_subscription_in_a_forum_topic_is_for_that_topic(tg: TelegramHarness) -> None:
    reply = one_reply(await tg.run(tg.fake.command("/subscribe china-japan", FORUM, ALICE, thread_id=7)))
    assert "Subscribed this forum topic" in reply
    subs = await tg.core.subscriptions.active_for_topic("china-japan")
    assert [s.destination for s in subs] == [Destination("telegram", str(FORUM["id"]), "7")]
    listed = one_reply(await tg.run(tg.fake.command("/subscriptions", FORUM, ALICE, thread_id=7)))
    assert "china-japan (forum topic 7)" in listed


async def test_a_channel_subscribes_itself_by_posting_the_command(tg: TelegramHarness) -> None:
    reply = one_reply(await tg.run(tg.fake.command("/subscribe china-japan", CHANNEL)))
    assert "Subscribed this channel" in reply
    subs = await tg.core.subscriptions.active_for_topic("china-japan")
    assert [s.destination.id for s in subs] == [str(CHANNEL["id"])]


@pytest.mark.parametrize(
    ("user_status", "bot_status", "expected"),
    [
        ("member", "administrator", "Only administrators of Daily Digest can change its subscriptions."),
        ("administrator", "member", "Make me an administrator of Daily Digest who may post messages"),
        ("creator", "left", "Make me an administrator of Daily Digest"),
        ("creator", "administrator", "Subscribed channel -100900 to China vs Japan"),
    ],
)
async def test_subscribing_a_channel_from_a_private_chat_checks_both_admins(
    tg: TelegramHarness, user_status: str, bot_status: str, expected: str
) -> None:
    tg.fake.add_chat(CHANNEL, {ALICE["id"]: user_status, tg.fake.bot_id: bot_status})
    reply = one_reply(await tg.run(tg.fake.command("/subscribe china-japan @DailyDigest", PRIVATE, ALICE)))
    assert expected in reply
    subs = await tg.core.subscriptions.active_for_topic("china-japan")
    ok = expected.startswith("Subscribed")
    assert [s.destination.id for s in subs] == ([str(CHANNEL["id"])] if ok else [])


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("@unknownchannel", "I cannot see @unknownchannel. Add me to it as an administrator"),
        ("<b>hi</b>", "<b>hi</b> is not a channel"),
        ("-100900", "I cannot see -100900"),
    ],
)
async def test_unusable_channel_arguments(tg: TelegramHarness, argument: str, expected: str) -> None:
    reply = one_reply(await tg.run(tg.fake.command(f"/subscribe china-japan {argument}", PRIVATE, ALICE)))
    assert expected in reply
    assert await tg.core.subscriptions.all() == []


async def test_a_channel_argument_in_a_group_is_refused(tg: TelegramHarness) -> None:
    reply = one_reply(await tg.run(tg.fake.command("/subscribe china-japan @dailydigest", GROUP, ALICE)))
    assert "in a private chat" in reply
    assert await tg.core.subscriptions.all() == []


async def test_new_dates_beyond_the_users_build_limit_are_refused_with_the_wait(tg: TelegramHarness) -> None:
    tg.core.digests.limiter = BuildLimiter(per_user=1, overall=10)
    first = texts(await tg.run(tg.fake.command("/digest china-japan 2026-02-25", PRIVATE, ALICE)))
    assert first[0].startswith("China vs Japan — 2026-02-25")
    refused = one_reply(await tg.run(tg.fake.command("/digest china-japan 2026-01-07", PRIVATE, ALICE)))
    assert refused.startswith("Too many new digests requested by you; try again in ")
    assert await tg.core.digests.store.get("china-japan", date(2026, 1, 7)) is None
    again = texts(await tg.run(tg.fake.command("/sources china-japan 2026-02-25", PRIVATE, ALICE)))
    assert again[0].startswith("China vs Japan — 2026-02-25")  # archived dates are never limited
    other = texts(await tg.run(tg.fake.command("/digest china-japan 2026-01-07", GROUP, BOB)))
    assert other[0].startswith("China vs Japan — 2026-01-07")  # the limit is per user


async def test_unreachable_sources_get_a_try_later_reply_not_an_empty_day(tg: TelegramHarness) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    async with httpx.AsyncClient() as client:
        tg.core.digests.source = GoogleNewsSource(client, closed, attempts=1)
        reply = one_reply(await tg.run(tg.fake.command("/digest china-japan 2026-02-25", PRIVATE, ALICE)))
    assert reply == "The news sources could not be reached just now. Please try again later."


async def test_subscriptions_list_paused_ones_with_the_reason_as_discord_does(tg: TelegramHarness) -> None:
    me = Destination("telegram", str(PRIVATE["id"]))
    await tg.run(tg.fake.command("/subscribe china-japan", PRIVATE, ALICE))
    await tg.core.subscriptions.deactivate_destination(me, "Forbidden: <bot was blocked>")
    listed = one_reply(await tg.run(tg.fake.command("/subscriptions", PRIVATE, ALICE)))
    assert "• china-japan (paused: Forbidden: <bot was blocked>)" in listed  # escaped in HTML, shown as typed


async def test_latest_takes_no_date(tg: TelegramHarness, google_news: tuple[GoogleNewsFake, str]) -> None:
    reply = one_reply(await tg.run(tg.fake.command("/latest china-japan 2026-02-20", PRIVATE, ALICE)))
    assert reply == "Too many arguments. Usage: /latest TOPIC"
    assert google_news[0].requests == []
