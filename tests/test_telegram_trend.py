"""`/trend TOPIC [DAYS]` on Telegram: the coverage chart from the archive, uploaded as a photo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from matplotlib.image import imread

from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.telegram import FakeTelegram, parse_telegram_html
from testkit.fakes.telegram_harness import ALICE, FORUM, PRIVATE, TelegramHarness, core_for_tests, running_bot
from tests.test_trend import archived

END = date(2026, 2, 25)  # the harness's clock: the latest complete date


@pytest.fixture
async def tg(tmp_path: Path, google_news: tuple[GoogleNewsFake, str]) -> AsyncIterator[TelegramHarness]:
    fake = FakeTelegram()
    fake.add_chat(FORUM, {ALICE["id"]: "administrator"})
    async with core_for_tests(tmp_path, google_news[1]) as core, running_bot(fake, core) as harness:
        yield harness


async def test_trend_sends_the_chart_as_a_photo_with_a_caption(
    tg: TelegramHarness, tmp_path: Path, google_news: tuple[GoogleNewsFake, str]
) -> None:
    for k in (0, 1, 4):
        await tg.core.digests.store.save(archived(END - timedelta(days=k), 3, 4 + k))
    sent = await tg.run(tg.fake.command("/trend china-japan 7", FORUM, ALICE, thread_id=9))
    assert sent == []  # no text message, only the photo
    (photo,) = tg.fake.photos
    assert (photo.chat_id, photo.thread_id) == (str(FORUM["id"]), 9)
    assert photo.filename == "china-japan-trend.png"
    assert (photo.width, photo.height) == (1200, 900)
    path = tmp_path / "received.png"
    path.write_bytes(photo.data)
    assert imread(path).shape[:2] == (900, 1200)
    caption = parse_telegram_html(photo.caption).text
    assert caption == "China vs Japan: articles per side per day, 2026-02-19 to 2026-02-25 (3 of 7 days archived)"
    assert not tg.fake.methods("sendMessage")
    assert google_news[0].requests == []  # charted from the archive: nothing fetched, nothing built


async def test_trend_defaults_to_14_days(tg: TelegramHarness) -> None:
    await tg.core.digests.store.save(archived(END - timedelta(days=13), 1, 1))
    await tg.run(tg.fake.command("/trend china-japan", PRIVATE, ALICE))
    (photo,) = tg.fake.photos
    assert "2026-02-12 to 2026-02-25 (1 of 14 days archived)" in photo.caption


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("/trend china-japan 0", "days must be between 1 and 90, not 0. Usage: /trend TOPIC [DAYS]"),
        ("/trend china-japan lots", "days must be a whole number between 1 and 90, not 'lots'"),
        ("/trend korea-japan", "korea-japan"),
        ("/trend china-japan 7 extra", "Too many arguments. Usage: /trend TOPIC [DAYS]"),
        ("/trend china-japan 30", "no archived digests of china-japan in the 30 days to 2026-02-25"),
    ],
)
async def test_trend_refusals(tg: TelegramHarness, text: str, reply: str) -> None:
    sent = await tg.run(tg.fake.command(text, PRIVATE, ALICE))
    assert len(sent) == 1
    assert reply in parse_telegram_html(sent[0].text).text
    assert tg.fake.photos == []
    assert not tg.fake.methods("sendPhoto")
