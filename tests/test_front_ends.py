"""One table of cases through all three front ends: the CLI (in-process, typer's CliRunner), Telegram
(the real PTB Application against the fake Bot API) and Discord (the real client against the fake
gateway and REST API). Each answers in its own format, but with the same outcome and the same words:
they all call the same use case."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.discord.client import DigestBot
from adapters.discord.embeds import render_digest, render_sources
from bot.cli import app
from testkit.fakes.discord import FakeDiscord
from testkit.fakes.discord_harness import bot, core, discord_endpoints, fake_discord, run_interaction
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.telegram import FakeTelegram, parse_telegram_html
from testkit.fakes.telegram_harness import ALICE, PRIVATE, TelegramHarness, core_for_tests, running_bot

__all__ = ["bot", "core", "discord_endpoints", "fake_discord"]
EPHEMERAL = 64
DIGEST, SOURCES, BAD_INPUT, NOTHING = "digest", "sources", "bad input", "nothing to show"


@dataclass(frozen=True)
class Case:
    command: str  # "digest" or "sources"
    topic: str
    day: str
    outcome: str
    says: str  # what every front end's answer contains


CASES = [
    Case("digest", "china-japan", "2026-02-25", DIGEST, "China vs Japan"),
    Case("sources", "china-japan", "2026-02-25", SOURCES, "China vs Japan"),
    Case("digest", "korea-japan", "2026-02-25", BAD_INPUT, "Unknown topic 'korea-japan'. Topics: china-japan"),
    Case("sources", "korea-japan", "2026-02-25", BAD_INPUT, "Unknown topic 'korea-japan'. Topics: china-japan"),
    Case("digest", "china-japan", "25/02/2026", BAD_INPUT, "Malformed date '25/02/2026': use YYYY-MM-DD"),
    Case("digest", "china-japan", "2026-02-30", BAD_INPUT, "No such date '2026-02-30'"),
    Case("digest", "china-japan", "2999-01-01", BAD_INPUT, "2999-01-01 is in the future; the latest date is"),
    Case("digest", "china-japan", "2025-06-01", NOTHING, "No on-topic articles for China vs Japan on 2025-06-01."),
    Case("sources", "china-japan", "2025-06-01", NOTHING, "No on-topic articles for China vs Japan on 2025-06-01."),
]
IDS = [f"{c.command}-{c.topic}-{c.day}" for c in CASES]


@dataclass(frozen=True)
class Answer:
    outcome: str
    text: str  # everything the user was shown, as plain text


def check(case: Case, answer: Answer, outlets: set[str]) -> None:
    """The same outcome and key content, whatever the front end; a listing names every outlet cited."""
    assert answer.outcome == case.outcome, answer.text[:500]
    assert case.says in answer.text
    if case.outcome == SOURCES:
        assert outlets and all(outlet in answer.text for outlet in outlets)
    if case.outcome in (BAD_INPUT, NOTHING):
        assert "Traceback" not in answer.text and "Error" not in answer.text  # never raw exception text
        assert len(answer.text) < 200  # brief


# --- CLI ------------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli(cli_env: Path, case: Case) -> None:
    args = (
        ["build", case.topic, "--date", case.day, "--no-page"]
        if case.command == "digest"
        else ["sources", case.topic, "--date", case.day]
    )
    result = runner.invoke(app, args)
    errors = [line.removeprefix("error: ") for line in result.stderr.splitlines() if line.startswith("error: ")]
    kinds = {0: case.command, 1: NOTHING, 2: BAD_INPUT}
    outlets: set[str] = set()
    if result.exit_code == 0:
        built = runner.invoke(app, ["build", case.topic, "--date", case.day, "-f", "json", "--no-page"])
        outlets = {a["outlet"] for a in json.loads(built.stdout)["articles"]}
        check(case, Answer(kinds[0], result.stdout), outlets)
    else:
        assert len(errors) == 1, result.stderr
        check(case, Answer(kinds[result.exit_code], errors[0]), outlets)


# --- Telegram -------------------------------------------------------------------------------------


@pytest.fixture
async def tg(tmp_path: Path, google_news: tuple[GoogleNewsFake, str]) -> AsyncIterator[TelegramHarness]:
    async with core_for_tests(tmp_path / "telegram", google_news[1]) as core_, running_bot(FakeTelegram(), core_) as h:
        yield h


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_telegram(tg: TelegramHarness, case: Case, google_news: tuple[GoogleNewsFake, str]) -> None:
    sent = await tg.run(tg.fake.command(f"/{case.command} {case.topic} {case.day}", PRIVATE, ALICE))
    text = "\n".join(parse_telegram_html(s.text).text if s.parse_mode == "HTML" else s.text for s in sent)
    stored = await tg.core.digests.store.get(case.topic, _day(case.day))
    if stored is not None:
        answer = Answer(case.command, text)
    else:
        assert len(sent) == 1  # one brief reply
        tried = bool(google_news[0].requests)  # bad input is refused before anything is fetched
        answer = Answer(NOTHING if tried else BAD_INPUT, text)
    check(case, answer, {a.outlet for a in stored.articles} if stored else set())


# --- Discord --------------------------------------------------------------------------------------


def _discord_text(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [(embed.get("author") or {}).get("name") or "", embed.get("title") or ""]
        parts += [embed.get("description") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields") or []]
    return "\n".join(p for p in parts if p).replace("\\", "")  # markdown escapes removed, as a reader sees it


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_discord(bot: DigestBot, fake_discord: FakeDiscord, core: Any, case: Case) -> None:
    i = fake_discord.command(case.command, {"topic": case.topic, "date": case.day})
    await run_interaction(fake_discord, i)
    [callback] = fake_discord.callbacks_for(i)
    if callback["type"] == 4:  # answered at once, privately: bad input
        assert callback["data"]["flags"] & EPHEMERAL
        answer = Answer(BAD_INPUT, _discord_text(callback["data"]))
        check(case, answer, set())
        return
    assert callback["type"] == 5  # deferred, then followed up
    await fake_discord.wait_for(lambda: bool(fake_discord.followups_for(i)))
    stored = await core.digests.store.get(case.topic, _day(case.day))
    followups = [f["body"] for f in fake_discord.followups_for(i)]
    if stored is None:  # deferred for a build that found nothing
        [only] = followups
        assert only["flags"] & EPHEMERAL  # never public
        assert [d["token"] for d in fake_discord.deleted] == [i["token"]]
        check(case, Answer(NOTHING, _discord_text(only)), set())
        return
    expected = len(render_digest(stored) if case.command == DIGEST else render_sources(stored))
    await fake_discord.wait_for(lambda: len(fake_discord.followups_for(i)) == expected)
    text = "\n".join(_discord_text(f["body"]) for f in fake_discord.followups_for(i))
    check(case, Answer(case.command, text), {a.outlet for a in stored.articles})


def _day(text: str) -> date:
    """The date a case asks for, or a day nothing is archived for when the text is not a date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return date(1970, 1, 1)
