"""`digestbot` command line: reading commands (build, sources, feeds, trend, topics, site) and the
single-platform bots. Each command passes its arguments to a use case and prints the result.
Bad input: one line on stderr and exit status 2; nothing to show: exit status 1."""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from adapters.site_builder import build_site, check_site, count_pages, serve_site
from bot import cli_service  # registers the service's commands on the one app
from bot.cli_io import (
    EXIT_BAD_INPUT,
    EXIT_NOTHING,
    app,
    err,
    fail,
    fail_user_error,
    load_settings,
    load_topics_or_fail,
)
from bot.demo import demo_command
from bot.failures import explain as describe_failure
from bot.help_text import hide_flag_types
from bot.interrupts import ended_by_ctrl_c, exit_status, quiet_signals
from bot.logs import protect_process
from digest_core.errors import (
    DiscordStartError,
    HugoFailed,
    NoDigestsInRange,
    SiteError,
    Terminated,
    UnknownTopicError,
    UserError,
)
from digest_core.plural import plural
from digest_core.text import controls_blanked

if TYPE_CHECKING:  # imported where used, so that `--help` and start-up load only what they need
    from bot.settings import Settings
    from digest_core.editorial.explain import Verdict
    from digest_core.editorial.trend import Trend
    from digest_core.fetch.stats import SourceRow
    from digest_core.models import Digest
    from digest_core.topics import Topics
    from digest_core.usecases.service import DigestResult
    from digest_core.usecases.usecases import TopicSources

hide_flag_types()

__all__ = ["EXIT_BAD_INPUT", "EXIT_NOTHING", "app", "main"]


class Format(StrEnum):
    markdown = "markdown"
    json = "json"


@app.command()
def topics() -> None:
    """List the configured topics, their perspectives and outlets."""
    settings = load_settings()
    for topic in load_topics_or_fail(settings):
        print(f"{topic.id}: {topic.name} (daily at {topic.publish_time:%H:%M} {topic.timezone})")
        for p in topic.perspectives:
            outlets = ", ".join(
                f"{o.name} ({'; '.join(filter(None, [' '.join(o.domains), o.source_label]))})"
                for o in p.outlets
                if topic.reads(o)
            )
            print(f"  {p.id} [{p.name}, up to {plural(topic.quota_for(p), 'article')}]: {outlets}")
            off = ", ".join(f"{o.name} ({topic.outlet_language(o)})" for o in p.outlets if not topic.reads(o))
            if off:
                print(f"    not read (the topic's languages are {', '.join(topic.languages)}): {off}")


@app.command()
def sources(
    topic: Annotated[str, typer.Argument(help="Topic id, e.g. china-japan (see `digestbot topics`).")],
    date: Annotated[
        str | None, typer.Option("--date", "-d", help="YYYY-MM-DD, today or yesterday; default: latest.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (see docs/json-format.md).")] = False,
) -> None:
    """The numbered articles a digest is built on (built now if not archived), as in chat: each
    with its publisher link (Google's when unknown), language, and whether its lead was read."""
    settings = load_settings()
    result = asyncio.run(_digest(settings, load_topics_or_fail(settings), [topic, date], "digestbot sources TOPIC"))
    digest = result.digest
    if as_json:
        # lazy: start-up (bench/startup.py)
        from adapters.json_format import render_sources_json

        print(render_sources_json(digest), end="")
        return
    print(f"{digest.topic_name} — {digest.date}: {plural(len(digest.articles), 'source')}")
    _stdout().print(sources_table(digest))


def sources_table(digest: Digest) -> Table:
    """The `sources` table: number, side, outlet (and its label), language, lead, title (opinion
    tagged) and link, one row each."""
    # lazy: start-up (bench/startup.py)
    from digest_core.editorial.captions import language_caption, lead_state
    from digest_core.editorial.opinion import opinion_label

    table = Table("#", "SIDE", "OUTLET", "LANG", "LEAD", "TITLE", "LINK", box=None, pad_edge=False, header_style="bold")
    for a in digest.articles:
        tag = opinion_label(a)
        title = f"{tag}: {a.title}" if tag else a.title
        cells = (a.perspective, digest.outlet_name(a.outlet), language_caption(digest, a), lead_state(a), title, a.link)
        table.add_row(str(a.n), *(Text(controls_blanked(c)) for c in cells))
    return table


async def _digest(settings: Settings, topics_: Topics, args: list[str | None], usage: str) -> DigestResult:
    # lazy: start-up (bench/startup.py)
    from bot.wiring import open_core

    async with open_core(settings, topics_) as core:
        try:
            return await core.usecases.sources(args, usage)
        except UserError as exc:
            fail_user_error(exc)


@app.command()
def feeds(
    topic: Annotated[str, typer.Argument(help="Topic id, e.g. china-japan (see `digestbot topics`).")],
) -> None:
    """Each outlet's sources (Google News, own feeds) with their last fetch, from the database."""
    settings = load_settings()
    found = asyncio.run(_feed_stats(settings, load_topics_or_fail(settings), topic))
    print(f"{found.topic.id}: {len(found.rows)} sources; latest fetch of each (times UTC)")
    _stdout().print(feeds_table(found.rows))


async def _feed_stats(settings: Settings, topics_: Topics, topic_id: str) -> TopicSources:
    # lazy: start-up (bench/startup.py)
    from bot.wiring import open_core

    async with open_core(settings, topics_) as core:
        try:
            return await core.usecases.feed_stats(topic_id, "digestbot feeds TOPIC")
        except UserError as exc:
            fail_user_error(exc)


def _stdout() -> Console:
    """Rich output on stdout, wide enough that table rows never wrap (they are read by scripts)."""
    return Console(file=typer.get_text_stream("stdout"), highlight=False, width=10_000)


def feeds_table(rows: list[SourceRow]) -> Table:
    """One row per source with its latest fetch; cells are plain text, control characters blanked."""
    table = Table(
        "OUTLET",
        "SOURCE",
        "LAST FETCH",
        "ITEMS",
        "ON-TOPIC",
        "LATENCY",
        "STATUS",
        box=None,
        pad_edge=False,
        header_style="bold",
    )
    for column in (3, 4, 5):
        table.columns[column].justify = "right"
    for row in rows:
        s = row.last
        source = "Google News" if row.source == "google-news" else row.source
        if s is None:
            cells = [row.outlet, source, "never", "-", "-", "-", "-"]
        else:
            latency = f"{s.latency_ms} ms" if s.latency_ms is not None else "-"
            when = f"{s.fetched_at:%Y-%m-%d %H:%M}"
            cells = [row.outlet, source, when, str(s.items), str(s.on_topic), latency, s.status]
        table.add_row(*(Text(controls_blanked(c)) for c in cells))
    return table


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
    # lazy: start-up (bench/startup.py)
    from adapters.markdown_site import write_page
    from adapters.site_pages import write_topic_section
    from bot.wiring import open_core

    written = 0
    async with open_core(settings, topics_) as core:
        try:
            selected = [topics_.get(topic_id)] if topic_id else list(topics_)
        except UnknownTopicError as exc:
            fail(str(exc))
        store = core.digests.store  # the archive itself: the site is written from it
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
    # lazy: start-up (bench/startup.py)
    from bot.settings import absolute_http_url

    settings = load_settings()
    if base_url is not None:
        try:
            base_url = absolute_http_url(base_url)
        except ValueError as exc:
            fail(f"--base-url: {exc}")
    content = settings.content_path
    destination = output or settings.site_output
    try:
        check_site(settings.hugo_site)  # before any warning about the pages: one line for one mistake
    except SiteError as exc:
        fail(str(exc))
    if count_pages(content) == 0:
        err.print(
            f"[yellow]warning:[/yellow] no digest pages in {escape(str(content))} yet: "
            "run `digestbot build TOPIC` or `digestbot site publish` first"
        )
    try:
        built = build_site(settings.hugo_site, content, destination, base_url or settings.site_base_url)
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
        code = serve_site(settings.hugo_site, settings.content_path, bind, port)
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
    explain: Annotated[
        bool, typer.Option("--explain", help="Say why each fetched article was kept or dropped.")
    ] = False,
) -> None:
    """Build (or load from the archive) a topic's digest, print or write it, and write its site page."""
    # lazy: start-up (bench/startup.py)
    from adapters.json_format import render_json
    from adapters.markdown_site import page_url, render_markdown
    from adapters.output_files import check_output_file, write_file_atomically

    settings = load_settings()
    topics_ = load_topics_or_fail(settings)
    if output:
        check_output_file(output)  # before anything is built or archived
    if explain:
        for verdict in asyncio.run(_explain(settings, topics_, topic, date)):
            err.print(escape(verdict.line()), highlight=False)
    result, page_path = asyncio.run(_build(settings, topics_, topic, date, rebuild, page))
    digest = result.digest
    text = render_json(digest) if fmt is Format.json else render_markdown(digest)
    if output:
        write_file_atomically(output, text.encode("utf-8"))
    else:
        print(text, end="")
    counts = ", ".join(f"{p.count} {p.name}" for p in digest.perspectives)
    origin = "built" if result.built else "from archive"
    err.print(
        f"{digest.topic} {digest.date}: {plural(len(digest.articles), 'article')} ({counts}), "
        f"{plural(len(digest.stories), 'story', 'stories')}, summarizer {digest.summarizer}"
        + (f" ({digest.grounding.text})" if digest.grounding else "")
        + f", {origin}"
        + (f", written to {output}" if output else "")
    )
    if explain and digest.grounding:
        err.print(f"grounding: {digest.grounding.text} (names and figures checked against the cited articles)")
    for failed in digest.failed_sources:
        err.print(f"[yellow]warning:[/yellow] {escape(failed.outlet)} failed: {escape(failed.error)}")
    if page and not result.stored:
        err.print("site page not written: the digest's window is still open, so it is not archived yet")
    elif page_path is not None:
        url = f" ({page_url(settings.site_base_url, digest)})" if settings.site_base_url else ""
        err.print(f"site page: {escape(str(page_path))}{escape(url)}")


async def _explain(settings: Settings, topics_: Topics, topic_id: str, date: str | None) -> list[Verdict]:
    # lazy: start-up (bench/startup.py)
    from bot.wiring import open_core

    async with open_core(settings, topics_) as core:
        try:
            return await core.usecases.explain([topic_id, date], "digestbot build TOPIC --explain")
        except UserError as exc:
            fail_user_error(exc)


async def _build(
    settings: Settings, topics_: Topics, topic_id: str, date: str | None, rebuild: bool, page: bool
) -> tuple[DigestResult, Path | None]:
    """The digest, and the path of its site page when `page` and it is archived."""
    # lazy: start-up (bench/startup.py)
    from adapters.site_pages import publish_page
    from bot.wiring import open_core
    from digest_core.usecases.arguments import parse_date

    async with open_core(settings, topics_) as core:
        usecases = core.usecases
        try:
            topic = usecases.topic(topic_id, "digestbot build TOPIC")
            err.print(f"Building {topic.id} for {parse_date(date, topic, usecases.now()).isoformat()}...")
            result = await usecases.digest([topic_id, date], "digestbot build TOPIC", rebuild=rebuild)
        except UserError as exc:
            fail_user_error(exc)
        if not (page and result.stored):
            return result, None
        return result, await publish_page(settings.content_path, core.digests.store, topic, result.digest)


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
    # lazy: start-up (bench/startup.py)
    from adapters.chart import write_trend_png
    from adapters.output_files import check_output_file

    settings = load_settings()
    topics_ = load_topics_or_fail(settings)
    check_output_file(output)
    chart = asyncio.run(_trend(settings, topics_, topic, days, end))
    write_trend_png(chart, output)
    err.print(
        f"{chart.topic_id}: {chart.archived} of {days} days archived ({chart.start} to {chart.end}), "
        f"chart written to {escape(str(output))}"
    )


async def _trend(settings: Settings, topics_: Topics, topic_id: str, days: int, end_text: str | None) -> Trend:
    # lazy: start-up (bench/startup.py)
    from bot.wiring import open_core

    async with open_core(settings, topics_) as core:
        try:
            return await core.usecases.trend(topic_id, str(days), "digestbot trend TOPIC --days N", end_text)
        except NoDigestsInRange as exc:
            if exc.latest is None:
                fail_user_error(exc)
            see = f"digestbot trend {topic_id} --date {exc.latest.isoformat()}"
            fail(f"{exc.where}; the latest is {exc.latest.isoformat()}: see them with `{see}`", EXIT_NOTHING)
        except UserError as exc:
            fail_user_error(exc)


@app.command()
def telegram() -> None:
    """Run the Telegram bot alone (commands, replies) until Ctrl-C or SIGTERM."""
    settings = load_settings()
    if settings.telegram_bot_token is None:
        fail("TELEGRAM_BOT_TOKEN is not set: the Telegram bot does not start.", EXIT_NOTHING)
    asyncio.run(_telegram(settings, load_topics_or_fail(settings)))


async def _telegram(settings: Settings, topics_: Topics) -> None:
    # lazy: start-up (bench/startup.py)
    from adapters.telegram.bot import run_until_stopped
    from bot.wiring import open_core

    assert settings.telegram_bot_token is not None
    async with open_core(settings, topics_) as core:
        await run_until_stopped(
            settings.telegram_bot_token.get_secret_value(),
            core.usecases,
            settings.telegram_base_url,
            settings.site_base_url,
        )


@app.command()
def discord() -> None:
    """Run the Discord bot alone (slash commands) until Ctrl-C or SIGTERM."""
    # lazy: start-up (bench/startup.py)
    from bot.discord_runner import MISSING_TOKEN_MESSAGE, run_discord

    settings = load_settings()
    if settings.discord_bot_token is None:
        fail(MISSING_TOKEN_MESSAGE, EXIT_NOTHING)
    try:
        asyncio.run(run_discord(settings, load_topics_or_fail(settings)))
    except DiscordStartError as exc:
        fail(str(exc), describe_failure(exc)[0])  # a rejected token is a configuration error: exit 2, like the others


app.command("demo")(demo_command)


def main() -> None:
    """The `digestbot` entry point: these commands and the service's (`bot.cli_service`); secrets
    redacted from everything written, and any error nothing else handled reported in one line (exit
    2: bad setting, database or path; 1: failure at run time)."""
    assert cli_service.app is app  # both modules add their commands to the one Typer app of cli_io
    quiet_signals()
    protect_process()
    try:
        app()
    except (KeyboardInterrupt, Terminated) as exc:  # Ctrl-C or SIGTERM at any moment: one line
        code, line = exit_status(exc)
        err.print(line)
        raise SystemExit(code) from None
    except SystemExit as exc:
        if ended_by_ctrl_c(exc):  # Typer's own exit 130 on Ctrl-C, without a word
            err.print(exit_status(KeyboardInterrupt())[1])
        raise
    except Exception as exc:
        code, line = describe_failure(exc)
        logging.getLogger("digestbot").debug("unhandled error", exc_info=True)
        err.print(f"[red]error:[/red] {escape(line)}")
        raise SystemExit(code) from None
