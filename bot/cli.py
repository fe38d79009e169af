"""`digestbot` command line. Bad input: one line on stderr and exit status 2."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from adapters.json_format import render_json
from adapters.markdown_site import render_markdown
from bot.app import load_configured_topics, open_core
from bot.logs import setup_logging
from bot.settings import Settings
from digest_core.dates import DateInputError
from digest_core.pipeline import NoArticlesError
from digest_core.service import DigestResult
from digest_core.topics import Topics, TopicsFileError, UnknownTopicError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Multi-perspective daily news digests.")
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_BAD_INPUT = 2
EXIT_NOTHING = 1


class Format(StrEnum):
    markdown = "markdown"
    json = "json"


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"invalid setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}")
    setup_logging(settings.log_level, settings.secrets())
    return settings


def load_topics_or_fail(settings: Settings) -> Topics:
    try:
        return load_configured_topics(settings)
    except TopicsFileError as exc:
        fail(str(exc))


@app.command()
def topics() -> None:
    """List the configured topics, their perspectives and outlets."""
    settings = load_settings()
    for topic in load_topics_or_fail(settings):
        print(f"{topic.id}: {topic.name} (daily at {topic.publish_time:%H:%M} {topic.timezone})")
        for p in topic.perspectives:
            outlets = ", ".join(f"{o.name} ({' '.join(o.domains)})" for o in p.outlets)
            print(f"  {p.id} [{p.name}, up to {topic.quota_for(p)} articles]: {outlets}")


@app.command()
def build(
    topic: Annotated[str, typer.Argument(help="Topic id, e.g. china-japan (see `digestbot topics`).")],
    date: Annotated[
        str | None, typer.Option("--date", "-d", help="YYYY-MM-DD, today or yesterday; default: latest.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.markdown,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build again even if archived.")] = False,
) -> None:
    """Build (or load from the archive) a topic's digest and print or write it."""
    settings = load_settings()
    topics_ = load_topics_or_fail(settings)
    result = asyncio.run(_build(settings, topics_, topic, date, rebuild))
    digest = result.digest
    text = render_json(digest) if fmt is Format.json else render_markdown(digest)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    counts = ", ".join(f"{p.count} {p.name}" for p in digest.perspectives)
    origin = "built" if result.built else "from archive"
    err.print(
        f"{digest.topic} {digest.date}: {len(digest.articles)} articles ({counts}), "
        f"{len(digest.stories)} stories, summarizer {digest.summarizer}, {origin}"
        + (f", written to {output}" if output else "")
    )
    for failed in digest.failed_sources:
        err.print(f"[yellow]warning:[/yellow] {escape(failed.outlet)} failed: {escape(failed.error)}")


async def _build(settings: Settings, topics_: Topics, topic_id: str, date: str | None, rebuild: bool) -> DigestResult:
    async with open_core(settings, topics_) as core:
        service = core.digests
        try:
            topic = service.topic(topic_id)
            day = service.parse_date(topic, date)
        except (UnknownTopicError, DateInputError) as exc:
            fail(str(exc))
        err.print(f"Building {topic.id} for {day.isoformat()}...")
        try:
            return await service.get_or_build(topic, day, rebuild=rebuild)
        except NoArticlesError as exc:
            fail(str(exc), EXIT_NOTHING)


@app.command()
def telegram() -> None:
    """Run the Telegram bot alone (commands, replies) until Ctrl-C or SIGTERM."""
    settings = load_settings()
    if settings.telegram_bot_token is None:
        fail("TELEGRAM_BOT_TOKEN is not set: the Telegram bot does not start.", EXIT_NOTHING)
    asyncio.run(_telegram(settings, load_topics_or_fail(settings)))


async def _telegram(settings: Settings, topics_: Topics) -> None:
    from adapters.telegram.bot import run_until_stopped

    assert settings.telegram_bot_token is not None
    async with open_core(settings, topics_) as core:
        await run_until_stopped(
            settings.telegram_bot_token.get_secret_value(), core.digests, core.subscriptions, settings.telegram_base_url
        )


@app.command()
def discord() -> None:
    """Run the Discord bot alone (slash commands) until Ctrl-C or SIGTERM."""
    from adapters.discord.client import DiscordStartError
    from adapters.discord.runner import MISSING_TOKEN_MESSAGE, run_discord

    settings = load_settings()
    if settings.discord_bot_token is None:
        fail(MISSING_TOKEN_MESSAGE, EXIT_NOTHING)
    try:
        asyncio.run(run_discord(settings, load_topics_or_fail(settings)))
    except DiscordStartError as exc:
        fail(str(exc), EXIT_NOTHING)


import bot.cli_service  # noqa: E402 - registers the service commands on `app`


def main() -> None:
    app()
