"""`digestbot` command line. Bad input: one line on stderr and exit status 2."""

from __future__ import annotations

import asyncio
import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from adapters.site_builder import HugoFailed, SiteError, build_site, count_pages, serve_site
from bot.logs import setup_logging

if TYPE_CHECKING:  # the commands import what they use, so that `--help` loads no database, model or feed library
    from bot.settings import Settings
    from digest_core.app.service import DigestResult
    from digest_core.editorial.trend import Trend
    from digest_core.sources.stats import SourceRow
    from digest_core.topics import Topic, Topics

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
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"invalid setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}")
    setup_logging(settings.log_level, settings.secrets())
    return settings


def load_topics_or_fail(settings: Settings) -> Topics:
    from bot.app import load_configured_topics
    from digest_core.topics import TopicsFileError

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
def sources(
    topic: Annotated[str, typer.Argument(help="Topic id, e.g. china-japan (see `digestbot topics`).")],
) -> None:
    """Each outlet's sources (Google News, own feeds) with their last fetch, from the database."""
    settings = load_settings()
    topics_ = load_topics_or_fail(settings)
    topic_ = _topic_or_fail(topics_, topic)
    rows = asyncio.run(_source_rows(settings, topics_, topic_))
    print(f"{topic_.id}: {len(rows)} sources; latest fetch of each (times UTC)")
    print(format_source_rows(rows), end="")


def _topic_or_fail(topics_: Topics, topic_id: str) -> Topic:
    from digest_core.topics import UnknownTopicError

    try:
        return topics_.get(topic_id)
    except UnknownTopicError as exc:
        fail(str(exc))


async def _source_rows(settings: Settings, topics_: Topics, topic: Topic) -> list[SourceRow]:
    from bot.app import open_core
    from digest_core.sources.stats import SqlSourceStats, source_rows

    async with open_core(settings, topics_) as core:
        return source_rows(topic, await SqlSourceStats(core.engine).latest(topic.id))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def format_source_rows(rows: list[SourceRow]) -> str:
    """A plain-text table, control characters (from servers' error text) blanked."""
    header = ("OUTLET", "SOURCE", "LAST FETCH", "ITEMS", "ON-TOPIC", "LATENCY", "STATUS")
    table = [header]
    for row in rows:
        s = row.last
        source = "Google News" if row.source == "google-news" else row.source
        if s is None:
            table.append((row.outlet, source, "never", "-", "-", "-", "-"))
            continue
        latency = f"{s.latency_ms} ms" if s.latency_ms is not None else "-"
        when = f"{s.fetched_at:%Y-%m-%d %H:%M}"
        table.append((row.outlet, source, when, str(s.items), str(s.on_topic), latency, s.status))
    cells = [[_CONTROL.sub(" ", c) for c in line] for line in table]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header) - 1)]
    right = {3, 4, 5}
    out = []
    for line in cells:
        padded = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=False))]
        out.append("  ".join([*padded, line[-1]]).rstrip())
    return "\n".join(out) + "\n"


site_app = typer.Typer(no_args_is_help=True, help="The digest archive as a Hugo website (site/).")
app.add_typer(site_app, name="site")


@site_app.command("publish")
def site_publish(
    topic: Annotated[str | None, typer.Argument(help="Only this topic; default: every topic.")] = None,
) -> None:
    """Write the page of every archived digest into the content directory (CONTENT_DIR)."""
    settings = load_settings()
    written = asyncio.run(_publish_archive(settings, load_topics_or_fail(settings), topic))
    err.print(f"{written} site {'page' if written == 1 else 'pages'} written to {escape(str(settings.content_path))}")


async def _publish_archive(settings: Settings, topics_: Topics, topic_id: str | None) -> int:
    from adapters.markdown_site import write_page
    from adapters.site_pages import write_topic_section
    from bot.app import open_core
    from digest_core.topics import UnknownTopicError

    written = 0
    async with open_core(settings, topics_) as core:
        try:
            selected = [core.digests.topic(topic_id)] if topic_id else list(topics_)
        except UnknownTopicError as exc:
            fail(str(exc))
        store = core.digests.store
        for topic in selected:
            days = await store.recent_dates(topic.id, limit=100_000)
            for day in days:
                digest = await store.get(topic.id, day)
                if digest is not None:
                    write_page(settings.content_path, digest)
                    written += 1
            if days:
                await write_topic_section(settings.content_path, store, topic, max(days))
    return written


@site_app.command("build")
def site_build(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where the HTML goes; default: SITE_DIR/public.")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Hugo's baseURL; default: SITE_BASE_URL, else relative.")
    ] = None,
) -> None:
    """Run Hugo over the site and the digest pages: static HTML, ready to publish."""
    settings = load_settings()
    content = settings.content_path
    destination = output or settings.site_dir / "public"
    if count_pages(content) == 0:
        err.print(
            f"[yellow]warning:[/yellow] no digest pages in {escape(str(content))} yet: "
            "run `digestbot build TOPIC` or `digestbot site publish` first"
        )
    try:
        built = build_site(settings.site_dir, content, destination, base_url or settings.site_base_url)
    except HugoFailed as exc:
        err.print(escape(exc.output.rstrip()))
        fail(str(exc), EXIT_NOTHING)
    except SiteError as exc:
        fail(str(exc))
    for line in built.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(line)}")
    err.print(f"site built from {count_pages(content)} digest pages into {escape(str(destination))}")


@site_app.command("serve")
def site_serve(
    port: Annotated[int, typer.Option("--port", "-p", help="Port to serve on.")] = 1313,
    bind: Annotated[str, typer.Option("--bind", help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Preview the site locally with `hugo server` (rebuilds when pages change; Ctrl-C stops)."""
    settings = load_settings()
    try:
        code = serve_site(settings.site_dir, settings.content_path, bind, port)
    except SiteError as exc:
        fail(str(exc))
    raise typer.Exit(code)


@app.command()
def build(
    topic: Annotated[str, typer.Argument(help="Topic id, e.g. china-japan (see `digestbot topics`).")],
    date: Annotated[
        str | None, typer.Option("--date", "-d", help="YYYY-MM-DD, today or yesterday; default: latest.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.markdown,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build again even if archived.")] = False,
    page: Annotated[
        bool, typer.Option("--page/--no-page", help="Also write the site page (CONTENT_DIR/TOPIC/DATE.md).")
    ] = True,
) -> None:
    """Build (or load from the archive) a topic's digest, print or write it, and write its site page."""
    from adapters.json_format import render_json
    from adapters.markdown_site import page_url, render_markdown

    settings = load_settings()
    topics_ = load_topics_or_fail(settings)
    result, page_path = asyncio.run(_build(settings, topics_, topic, date, rebuild, page))
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
    if page and not result.stored:
        err.print("site page not written: the digest's window is still open, so it is not archived yet")
    elif page_path is not None:
        url = f" ({page_url(settings.site_base_url, digest)})" if settings.site_base_url else ""
        err.print(f"site page: {escape(str(page_path))}{escape(url)}")


async def _build(
    settings: Settings, topics_: Topics, topic_id: str, date: str | None, rebuild: bool, page: bool
) -> tuple[DigestResult, Path | None]:
    """The digest, and the path of its site page when `page` and it is archived."""
    from adapters.site_pages import publish_page
    from bot.app import open_core
    from digest_core.dates import DateInputError
    from digest_core.editorial.pipeline import NoArticlesError
    from digest_core.topics import UnknownTopicError

    async with open_core(settings, topics_) as core:
        service = core.digests
        try:
            topic = service.topic(topic_id)
            day = service.parse_date(topic, date)
        except (UnknownTopicError, DateInputError) as exc:
            fail(str(exc))
        err.print(f"Building {topic.id} for {day.isoformat()}...")
        try:
            result = await service.get_or_build(topic, day, rebuild=rebuild)
        except NoArticlesError as exc:
            fail(str(exc), EXIT_NOTHING)
        if not (page and result.stored):
            return result, None
        return result, await publish_page(settings.content_path, service.store, topic, result.digest)


@app.command()
def trend(
    topic: Annotated[str, typer.Argument(help="Topic id, e.g. china-japan (see `digestbot topics`).")],
    days: Annotated[int, typer.Option("--days", "-n", help="How many days, ending with the latest (1-90).")] = 14,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the PNG.")] = Path("chart.png"),
    end: Annotated[
        str | None, typer.Option("--date", "-d", help="Last day (YYYY-MM-DD, today, yesterday); default: latest.")
    ] = None,
) -> None:
    """Draw the coverage chart (articles per side per day, on-topic share) from the archive as a PNG."""
    from adapters.chart import write_trend_png
    from digest_core.editorial.trend import TrendError, check_days

    try:
        check_days(days)
    except TrendError as exc:
        fail(str(exc))
    settings = load_settings()
    topics_ = load_topics_or_fail(settings)
    chart = asyncio.run(_trend(settings, topics_, topic, days, end))
    write_trend_png(chart, output)
    err.print(
        f"{chart.topic_id}: {chart.archived} of {days} days archived ({chart.start} to {chart.end}), "
        f"chart written to {escape(str(output))}"
    )


async def _trend(settings: Settings, topics_: Topics, topic_id: str, days: int, end_text: str | None) -> Trend:
    from bot.app import open_core
    from digest_core.dates import DateInputError
    from digest_core.editorial.trend import TrendError, coverage_store, coverage_trend

    topic_ = _topic_or_fail(topics_, topic_id)
    async with open_core(settings, topics_) as core:
        try:
            end = core.digests.parse_date(topic_, end_text)
        except DateInputError as exc:
            fail(str(exc))
        try:
            return await coverage_trend(coverage_store(core.digests.store), topic_, end, days)
        except TrendError as exc:
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
    from bot.app import open_core

    assert settings.telegram_bot_token is not None
    async with open_core(settings, topics_) as core:
        await run_until_stopped(
            settings.telegram_bot_token.get_secret_value(),
            core.digests,
            core.subscriptions,
            settings.telegram_base_url,
            settings.site_base_url,
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


import bot.cli_service  # noqa: E402, F401 - registers the service commands on `app`


def main() -> None:
    app()
