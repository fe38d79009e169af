"""Updates of different chats are handled concurrently, each chat's in order, through the real PTB
Application polling the fake Bot API; archived digests are answered without a typing indicator."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from telegram import Chat, Message, Update
from telegram.ext import Application

from adapters.telegram.ratelimit import is_replying
from adapters.telegram.updates import PerChatUpdateProcessor
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.telegram import FakeTelegram, Sent, parse_telegram_html
from testkit.fakes.telegram_harness import ALICE, BOB, GROUP, PRIVATE, TelegramHarness, core_for_tests, running_bot

ARCHIVED = date(2026, 2, 25)
BOB_PRIVATE = {"id": BOB["id"], "type": "private", "first_name": "Bob"}


@pytest.fixture
async def tg(tmp_path: Path, google_news: tuple[GoogleNewsFake, str]) -> AsyncIterator[TelegramHarness]:
    fake = FakeTelegram()
    fake.add_chat(GROUP, {ALICE["id"]: "creator", BOB["id"]: "member"})
    async with core_for_tests(tmp_path, google_news[1]) as core, running_bot(fake, core) as harness:
        topic = core.topics.get("china-japan")
        await core.digests.get_or_build(topic, ARCHIVED)  # archived before any command
        yield harness


def processor(app: Application) -> PerChatUpdateProcessor:  # type: ignore[type-arg]
    found = app.update_processor
    assert isinstance(found, PerChatUpdateProcessor)
    return found


def texts(sent: list[Sent]) -> list[str]:
    return [parse_telegram_html(s.text).text for s in sent]


async def test_a_build_in_one_chat_does_not_hold_up_another_chat(
    tg: TelegramHarness, google_news: tuple[GoogleNewsFake, str]
) -> None:
    news, fake = google_news[0], tg.fake
    news.gate = threading.Event()  # the on-demand build waits on Google News until released
    building = fake.push(fake.command("/digest china-japan 2026-01-07", GROUP, ALICE))
    await fake.wait_for(lambda: news.in_flight > 0)

    answered = await tg.run(fake.command("/digest china-japan 2026-02-25", BOB_PRIVATE, BOB))

    assert answered and {s.chat_id for s in answered} == {str(BOB_PRIVATE["id"])}
    assert texts(answered)[0].startswith("China vs Japan — 2026-02-25")
    assert fake.sent_to(GROUP["id"]) == []  # the build is still waiting
    news.gate.set()
    await fake.wait_for(lambda: building in tg._done)
    assert texts(fake.sent_to(GROUP["id"]))[0].startswith("China vs Japan — 2026-01-07")


async def test_one_chats_commands_run_in_the_order_they_arrived(
    tg: TelegramHarness, google_news: tuple[GoogleNewsFake, str]
) -> None:
    news, fake = google_news[0], tg.fake
    news.gate = threading.Event()
    fake.push(fake.command("/digest china-japan 2026-01-07", GROUP, ALICE))
    then = fake.push(fake.command("/help", GROUP, BOB))
    updates = processor(tg.app)
    await fake.wait_for(lambda: updates.current_concurrent_updates == 2)  # both taken, /help waits its turn
    assert updates.active_chats == 1
    assert fake.sent_to(GROUP["id"]) == []

    news.gate.set()
    await fake.wait_for(lambda: then in tg._done)
    shown = texts(fake.sent_to(GROUP["id"]))
    assert shown[0].startswith("China vs Japan — 2026-01-07")
    assert shown[-1].startswith("Digestbot: one news topic")
    assert len(shown) >= 2  # the digest (one or more parts), then the help
    assert updates.active_chats == 0  # nothing kept for chats with nothing in progress


async def test_many_chats_at_once_each_get_their_archived_digest(tg: TelegramHarness) -> None:
    fake = tg.fake
    chats = [{"id": 9000 + i, "type": "private", "first_name": f"U{i}"} for i in range(20)]
    ids = [fake.push(fake.command("/digest china-japan 2026-02-25", c, {**ALICE, "id": c["id"]})) for c in chats]
    await fake.wait_for(lambda: all(i in tg._done for i in ids))
    expected = texts(fake.sent_to(chats[0]["id"]))
    assert expected[0].startswith("China vs Japan — 2026-02-25")
    assert all(texts(fake.sent_to(c["id"])) == expected for c in chats)


async def test_an_archived_digest_is_sent_without_a_typing_indicator(tg: TelegramHarness) -> None:
    sent = await tg.run(tg.fake.command("/digest china-japan 2026-02-25", PRIVATE, ALICE))
    assert texts(sent)[0].startswith("China vs Japan — 2026-02-25")
    assert tg.fake.methods("sendChatAction") == []


async def test_a_build_shows_the_typing_indicator(tg: TelegramHarness) -> None:
    await tg.run(tg.fake.command("/digest china-japan 2026-01-07", PRIVATE, ALICE))
    actions = [(c.params["chat_id"], c.params["action"]) for c in tg.fake.methods("sendChatAction")]
    assert actions and set(actions) == {(PRIVATE["id"], "typing")}


async def test_what_a_command_sends_is_a_reply_and_a_fan_out_is_not() -> None:
    seen: list[bool] = []

    async def handled() -> None:
        seen.append(is_replying())

    updates = PerChatUpdateProcessor()
    await updates.do_process_update(object(), handled())  # an update without a chat
    message = Message(1, datetime(2026, 2, 25, tzinfo=UTC), Chat(5, "private"))
    await updates.do_process_update(Update(1, message=message), handled())  # a chat's update
    seen.append(is_replying())  # outside any update: the deliverer's sends
    assert seen == [True, True, False]
