"""docs/platforms.md's table of commands per front end is what each front end registers: Telegram's
handlers, the slash commands Discord is sent, the CLI's typer commands; every chat command of
`digest_core.usecases.commands` has a row."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from telegram.ext import CommandHandler

from adapters.discord.client import DigestBot
from adapters.telegram.bot import build_application
from bot.cli import app as cli_app
from bot.wiring import Core
from digest_core.usecases.commands import COMMANDS, usage
from testkit.fakes.discord import GUILD_ID, FakeDiscord
from testkit.fakes.discord_harness import bot, core, discord_endpoints, fake_discord

__all__ = ["bot", "core", "discord_endpoints", "fake_discord"]
DOC = Path(__file__).resolve().parent.parent / "docs" / "platforms.md"
FRONT_ENDS = ("Telegram", "Discord", "CLI")


def table() -> dict[str, dict[str, str]]:
    """Row name -> front end -> cell, from the table under "Commands on each front end"."""
    section = DOC.read_text(encoding="utf-8").split("## Commands on each front end", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    assert header == ["command", *FRONT_ENDS]
    found = {}
    for line in rows[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        found[cells[0]] = dict(zip(FRONT_ENDS, cells[1:], strict=True))
    return found


def named(cell: str) -> set[str]:
    """The commands a cell names (its backticked words before any explanation), none for a dash."""
    if cell.startswith("—"):
        return set()
    names = set(re.findall(r"`([^`]+)`", cell.split("(", 1)[0]))
    return {n.removeprefix("/") for n in names}


def documented(front_end: str) -> set[str]:
    return set().union(*(named(cells[front_end]) for cells in table().values()))


def cli_commands() -> set[str]:
    group = typer.main.get_group(cli_app)
    names = set()
    for name, command in group.commands.items():
        sub = getattr(command, "commands", None)
        names |= {f"{name} {s}" for s in sub} if sub else {name}
    return names


def test_every_chat_command_has_a_row_and_every_dash_a_reason() -> None:
    rows = table()
    assert set(COMMANDS) <= set(rows)
    for cells in rows.values():
        for cell in cells.values():
            assert named(cell) or len(cell) > len("— operator"), cell


def test_the_cli_column_is_the_cli() -> None:
    assert documented("CLI") - {"--help"} == cli_commands()


async def test_the_chat_columns_are_what_telegram_and_discord_register(
    bot: DigestBot, fake_discord: FakeDiscord, core: Core
) -> None:
    app, _ = build_application("123:not-a-token", core.usecases, "http://127.0.0.1:9/bot")
    telegram = {name for h in app.handlers[0] if isinstance(h, CommandHandler) for name in h.commands}
    assert documented("Telegram") == telegram
    discord = {c["name"] for c in fake_discord.commands[str(GUILD_ID)]}
    assert documented("Discord") == discord
    assert {"digest", "latest", "sources"} <= discord & telegram


def test_usage_lines_are_spelled_per_front_end() -> None:
    assert usage("digest", "telegram") == "/digest TOPIC [DATE]"
    assert usage("digest", "discord") == "/digest topic [date]"
    assert usage("subscribe", "telegram") == "/subscribe TOPIC [@channel]"
    assert usage("subscribe", "discord") == "/subscribe topic [channel]"
    assert usage("topics", "telegram") == "/topics"
