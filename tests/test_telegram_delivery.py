"""Posting digests to subscribed chats through the real bot and the fake Bot API: destinations,
flood limits, gone chats, refused HTML, network errors, and the token kept out of logs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from adapters.telegram.ratelimit import TelegramRateLimiter
from adapters.telegram.render import html_to_text
from digest_core.delivery.deliverer import Deliverer
from digest_core.delivery.ledger import DeliveryLedger
from digest_core.delivery.ports import Destination, send_digest
from digest_core.errors import SendFailed
from digest_core.models import Digest
from digest_core.storage.digests import SqlDigestStore
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.telegram import TOKEN, FakeTelegram, parse_telegram_html
from testkit.fakes.telegram_harness import (
    ALICE,
    CHANNEL,
    FORUM,
    GROUP,
    PRIVATE,
    TelegramHarness,
    core_for_tests,
    running_bot,
)

DAY = date(2026, 2, 25)
CHATS = {
    "private": Destination("telegram", str(PRIVATE["id"])),
    "group": Destination("telegram", str(GROUP["id"])),
    "forum": Destination("telegram", str(FORUM["id"]), "7"),
    "channel": Destination("telegram", str(CHANNEL["id"])),
}


@pytest.fixture
async def tg(tmp_path: Path, google_news: tuple[GoogleNewsFake, str]) -> AsyncIterator[TelegramHarness]:
    fake = FakeTelegram()
    limiter = TelegramRateLimiter(chat_interval=0.01, margin=0.0, max_retries=2)
    async with core_for_tests(tmp_path, google_news[1]) as core, running_bot(fake, core, limiter) as harness:
        topic = core.digests.topic("china-japan")
        await core.digests.get_or_build(topic, DAY)  # archived: the deliverer reads it from the store
        yield harness


async def digest_of(tg: TelegramHarness) -> Digest:
    digest = await tg.core.digests.store.get("china-japan", DAY)
    assert digest is not None
    return digest


async def deliver(tg: TelegramHarness, *names: str) -> None:
    """Subscribe the named chats, queue the day's deliveries and send them all."""
    for name in names:
        await tg.core.subscriptions.subscribe(CHATS[name], "china-japan")
    store = tg.core.digests.store
    assert isinstance(store, SqlDigestStore)
    ledger = DeliveryLedger(store.engine)
    subs = await tg.core.subscriptions.active_for_topic("china-japan")
    await ledger.create("china-japan", DAY, [s.id for s in subs])
    deliverer = Deliverer(ledger, store, tg.core.subscriptions, {"telegram": tg.publisher}, "w1", backoff=timedelta(0))
    await deliverer.drain()


async def test_digest_reaches_chat_group_forum_topic_and_channel_once_in_order(tg: TelegramHarness) -> None:
    await deliver(tg, *CHATS)
    parts = tg.publisher.render(await digest_of(tg), CHATS["private"])
    for name, destination in CHATS.items():
        got = tg.fake.sent_to(destination.id)
        assert [s.text for s in got] == parts, name  # every part once, in order
        assert all(s.parse_mode == "HTML" for s in got)
        assert {s.thread_id for s in got} == ({7} if name == "forum" else {None})
    for part in parts:
        assert parse_telegram_html(part).length <= 4096
    assert all(c.params["link_preview_options"] == {"is_disabled": True} for c in tg.fake.methods("sendMessage"))


async def test_forbidden_deactivates_only_that_chat_and_is_logged_once(
    tg: TelegramHarness, caplog: pytest.LogCaptureFixture
) -> None:
    tg.fake.gone.add(CHATS["group"].id)
    with caplog.at_level(logging.INFO):
        await deliver(tg, "private", "group", "channel")
        await deliver(tg)  # nothing new is due; the gone chat is not tried again
    active = {s.destination for s in await tg.core.subscriptions.active_for_topic("china-japan")}
    assert active == {CHATS["private"], CHATS["channel"]}
    assert tg.fake.sent_to(CHATS["private"].id)
    assert tg.fake.sent_to(CHATS["channel"].id)
    assert len([c for c in tg.fake.methods("sendMessage") if str(c.params["chat_id"]) == CHATS["group"].id]) == 1
    gone_logs = [r for r in caplog.records if CHATS["group"].id in r.getMessage() and "gone" in r.getMessage()]
    assert len(gone_logs) == 1
    assert "Forbidden" in gone_logs[0].getMessage()


async def test_chat_not_found_deactivates(tg: TelegramHarness) -> None:
    tg.fake.inject(CHATS["private"].id, "not_found")
    await deliver(tg, "private", "group")
    subs = await tg.core.subscriptions.all()
    assert {s.destination: s.active for s in subs} == {CHATS["private"]: False, CHATS["group"]: True}
    assert "chat not found" in (subs[0].deactivated_reason or "").lower()


async def test_retry_after_pauses_and_retries_without_duplicates(tg: TelegramHarness) -> None:
    tg.fake.inject(CHATS["group"].id, "429")
    await deliver(tg, "group", "private")
    parts = tg.publisher.render(await digest_of(tg), CHATS["group"])
    assert [s.text for s in tg.fake.sent_to(CHATS["group"].id)] == parts
    assert [s.text for s in tg.fake.sent_to(CHATS["private"].id)] == parts
    assert tg.fake.too_many == 1
    limiter = tg.app.bot.rate_limiter
    assert isinstance(limiter, TelegramRateLimiter)
    assert limiter.retry_afters == 1


async def test_flood_limit_beyond_retries_is_a_send_failure_to_retry_later(tg: TelegramHarness) -> None:
    tg.fake.inject(CHATS["private"].id, "429", "429", "429")  # the limiter retries twice
    digest = await digest_of(tg)
    with pytest.raises(SendFailed) as failure:
        await send_digest(tg.publisher, digest, CHATS["private"])
    assert "flood" in str(failure.value)
    assert TOKEN not in str(failure.value)
    assert tg.fake.sent_to(CHATS["private"].id) == []


async def test_refused_html_falls_back_to_plain_text_once(tg: TelegramHarness) -> None:
    tg.fake.inject(CHATS["private"].id, "bad_html")
    digest = await digest_of(tg)
    ids = await send_digest(tg.publisher, digest, CHATS["private"])
    parts = tg.publisher.render(digest, CHATS["private"])
    got = tg.fake.sent_to(CHATS["private"].id)
    assert len(ids) == len(got) == len(parts)
    assert (got[0].parse_mode, got[0].text) == (None, html_to_text(parts[0]))
    assert "<a href" not in got[0].text
    assert [s.text for s in got[1:]] == parts[1:]


async def test_network_errors_are_retried(tg: TelegramHarness) -> None:
    tg.fake.inject(CHATS["private"].id, "disconnect")
    digest = await digest_of(tg)
    await send_digest(tg.publisher, digest, CHATS["private"])
    assert [s.text for s in tg.fake.sent_to(CHATS["private"].id)] == tg.publisher.render(digest, CHATS["private"])


class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, logging.Formatter().format(record)))


async def test_the_token_never_appears_in_logs_or_errors(
    capfd: pytest.CaptureFixture[str], tg: TelegramHarness, production_logging: Callable[[str, list[str]], object]
) -> None:
    production_logging("DEBUG", [TOKEN])
    raw = _Everything()  # no redaction: what our code and PTB write before bot.logs filters it
    logging.getLogger().addHandler(raw)
    try:
        tg.fake.gone.add(CHATS["group"].id)
        tg.fake.inject(CHATS["private"].id, "429", "bad_html", "disconnect")
        tg.fake.inject(CHATS["channel"].id, "429", "429", "429")
        await deliver(tg, "private", "group", "channel")
        await tg.run(tg.fake.command("/digest china-japan 2030-01-01", PRIVATE, ALICE))
    finally:
        logging.getLogger().removeHandler(raw)
    stderr = capfd.readouterr().err
    assert "is gone" in stderr
    assert "flood" in stderr
    assert TOKEN not in stderr
    ours = [line for name, line in raw.lines if name.startswith(("adapters", "bot", "digest_core", "telegram"))]
    assert ours
    assert not [line for line in ours if TOKEN in line]
    subs = await tg.core.subscriptions.all()
    assert all(TOKEN not in (s.deactivated_reason or "") for s in subs)


async def test_a_group_that_became_a_supergroup_is_followed_and_its_subscription_moves(
    tg: TelegramHarness,
) -> None:
    supergroup = "-1009990001"
    tg.fake.inject(GROUP["id"], f"migrate:{supergroup}")
    await deliver(tg, "group")
    parts = tg.publisher.render(await digest_of(tg), CHATS["group"])
    assert [s.text for s in tg.fake.sent_to(supergroup)] == parts  # sent to the new id
    assert tg.fake.sent_to(GROUP["id"]) == []
    [moved] = await tg.core.subscriptions.active_for_topic("china-japan")
    assert moved.destination == Destination("telegram", supergroup)  # tomorrow goes there directly
