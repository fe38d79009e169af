"""`digestbot demo`: the whole path of a digest, offline, on a shipped sample of real feeds.

The sample (`bot/demo_feeds/`), Google's link decoding and the outlets' article pages are served
on loopback over TLS by `bot.demo_hosts`; everything else is production code: `open_core`, the
real HTTP fetch, link decoding, page reading, parse, pipeline, archive, site pages, Hugo and the
Telegram and Discord renderers. The client asks `https://news.google.com` and the outlets' own
URLs as in production; the documented `FETCH_CONNECT_TO` sends its connections to the loopback
hosts and `FETCH_CA_FILE` trusts the CA the demo made at start. The data directory, the clock
(NOW, just after the sample's last day) and a fast pace (no wait between requests to Google, 0.1 s
between pages of one outlet) are the demo's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from adapters.site_builder import HUGO_CONFIG, build_site, find_hugo, serve_command
from bot.logs import setup_logging
from digest_core.errors import NoArticlesError, SiteError
from digest_core.plural import plural

if TYPE_CHECKING:  # imported where used, so that `--help` and start-up load only what they need
    from bot.demo_hosts import DemoHosts
    from bot.settings import Settings
    from digest_core.models import Digest
    from digest_core.topics import Topics

RULE = "=" * 72
PAGE_INTERVAL = 0.1  # seconds between two pages of one outlet in the demo (production: 1 s)


def demo_settings(data_dir: Path, hosts: DemoHosts, site_dir: Path | None, topics: Topics, last_day: date) -> Settings:
    """Production settings (Google News at https://news.google.com, links decoded, pages read) with
    the demo's data directory, clock and pace, every host reached on loopback through
    FETCH_CONNECT_TO and the demo's CA trusted through FETCH_CA_FILE; nothing from the environment
    that could reach the network or another database (tokens, keys, DATABASE_URL). `site_dir` None:
    the Hugo site shipped in the package."""
    # lazy: start-up (bench/startup.py)
    from bot.settings import Settings
    from digest_core.dates import digest_window

    now = max(digest_window(t, last_day).end for t in topics) + timedelta(hours=1)
    return Settings(
        data_dir=data_dir,
        database_url=None,
        topics_file=None,
        content_dir=data_dir / "site" / "content",
        site_dir=site_dir,
        site_base_url=None,
        google_news_base_url="https://news.google.com",
        fetch_connect_to=hosts.connect_to,
        fetch_ca_file=hosts.ca_file,
        publisher_links=True,
        publisher_links_interval=0,
        article_pages=True,
        article_pages_interval=PAGE_INTERVAL,
        fetch_attempts=1,
        gemini_api_key=None,
        telegram_bot_token=None,
        telegram_bot_tokens=None,
        discord_bot_token=None,
        now=now,
    )


def default_site_dir() -> Path | None:
    """SITE_DIR when it holds a Hugo site, else None: the site shipped in the package."""
    # lazy: start-up (bench/startup.py)
    from bot.settings import Settings

    configured = Settings().site_dir
    return configured if configured and (configured / HUGO_CONFIG).is_file() else None


@dataclass(frozen=True)
class Built:
    digest: Digest
    page: Path


async def build_sample(settings: Settings, days: list[date]) -> list[Built]:
    """Every topic's digest of every sample day, built and archived, with its site page written."""
    # lazy: start-up (bench/startup.py)
    from adapters.site_pages import publish_page
    from bot.wiring import load_configured_topics, open_core

    built: list[Built] = []
    # lazy: start-up (bench/startup.py)
    from bot.demo_languages import demo_topics

    async with open_core(settings, demo_topics(load_configured_topics(settings))) as core:
        for topic in core.topics:
            for day in days:
                try:
                    result = await core.digests.get_or_build(topic, day, rebuild=True)
                except NoArticlesError as exc:
                    print(f"{topic.id} {day}: {exc}")
                    continue
                digest = result.digest
                page = await publish_page(settings.content_path, core.digests.store, topic, digest)
                counts = ", ".join(f"{p.count} {p.name}" for p in digest.perspectives)
                print(
                    f"{topic.id} {day}: {plural(len(digest.articles), 'article')} ({counts}), "
                    f"{plural(len(digest.stories), 'story', 'stories')}, summarizer {digest.summarizer} "
                    f"-> {page}"
                )
                built.append(Built(digest, page))
    return built


def write_website(settings: Settings) -> Path | None:
    """Hugo's build of the pages into DATA_DIR/public; None (and why, printed) when it cannot run."""
    destination = settings.data_dir / "public"
    try:
        build_site(settings.hugo_site, settings.content_path, destination)
    except SiteError as exc:
        print(f"Website: not built ({exc}); the Markdown pages are in {settings.content_path}")
        return None
    print(f"Website: built by Hugo into {destination} (open {destination / 'index.html'})")
    return destination


def print_posts(digest: Digest, web_page: str | None) -> None:
    """The digest as Telegram and Discord would show it, from their real renderers."""
    # lazy: start-up (bench/startup.py)
    from adapters.discord.embeds import render_digest as discord_messages
    from adapters.discord.preview import message_text
    from adapters.telegram.render import html_to_text
    from adapters.telegram.render import render_digest as telegram_parts

    parts = telegram_parts(digest, web_page)
    for i, part in enumerate(parts, start=1):
        print(f"\n{RULE}\nTelegram: {digest.topic} {digest.date}, message {i} of {len(parts)} (HTML shown as text)")
        print(RULE)
        print(html_to_text(part))
    messages = discord_messages(digest, web_page)
    for i, embeds in enumerate(messages, start=1):
        heading = f"Discord: {digest.topic} {digest.date}, message {i} of {len(messages)}"
        print(f"\n{RULE}\n{heading} ({plural(len(embeds), 'embed')} shown as text)\n{RULE}")
        print(message_text(embeds))


def print_sources(digest: Digest) -> None:
    """The digest's numbered sources: outlet, the page's language, whether its lead was read, its link."""
    # lazy: start-up (bench/startup.py)
    from digest_core.editorial.captions import reading_caption

    command = f"digestbot sources {digest.topic} --date {digest.date}"
    print(f"\n{RULE}\nSources: {digest.topic} {digest.date} (as `{command}` lists them)\n{RULE}")
    for a in digest.articles:
        print(f"{a.n:>2}. {digest.outlet_name(a.outlet)} · {reading_caption(digest, a)}\n    {a.link}")


def free_port(preferred: int) -> int:
    """`preferred` when it is free on loopback, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError("no free port on 127.0.0.1")


async def serve_until_stopped(settings: Settings, port: int, stop: asyncio.Event) -> None:
    """`hugo server` over the pages until `stop` is set (or Hugo exits); Hugo is ended on the way out."""
    command = serve_command(find_hugo(), settings.hugo_site, settings.content_path, "127.0.0.1", port)
    log = settings.data_dir / "hugo-server.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(*command, stdout=out, stderr=subprocess.STDOUT)
        try:
            exited = asyncio.ensure_future(proc.wait())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({exited, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if exited.done():
                print(f"hugo server stopped by itself (exit {proc.returncode}): see {log}")
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 10)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def run_demo(data_dir: Path, site_dir: Path | None, once: bool, port: int) -> int:
    """Build, print and (without `once`) serve until SIGINT/SIGTERM; the exit status."""
    # lazy: start-up (bench/startup.py)
    from adapters.markdown_site import page_url
    from bot.demo_hosts import serve_demo_hosts
    from bot.demo_languages import DEMO_LANGUAGES
    from bot.demo_server import sample_days
    from bot.settings import Settings
    from bot.wiring import load_configured_topics

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    topics = load_configured_topics(Settings(topics_file=None))
    days = sample_days()
    async with serve_demo_hosts(data_dir) as hosts:
        settings = demo_settings(data_dir, hosts, site_dir, topics, days[-1])
        print(
            f"Digestbot demo: sample Google News feeds of {plural(len(days), 'day')}, Google's link decoding"
            f" ({plural(hosts.links, 'link')}) and {plural(len(hosts.publisher_hosts), 'outlet site')}"
            " served over TLS on 127.0.0.1"
        )
        print(
            f"FETCH_CONNECT_TO sends news.google.com and {', '.join(hosts.publisher_hosts)} (port 443) there;"
            f" FETCH_CA_FILE={hosts.ca_file} (a CA made at start)"
        )
        if hosts.pageless_hosts:
            print(
                f"and {', '.join(hosts.pageless_hosts)}, which have no pages in the sample (404):"
                " their articles are shown from their feed titles"
            )
        print(f"Data in {data_dir}, clock set to {settings.clock()():%Y-%m-%d %H:%M} UTC, offline summarizer")
        print(f"Languages read: {', '.join(DEMO_LANGUAGES)} (the shipped topics file: en only)")
        built = await build_sample(settings, days)
        if not built:
            print("no digest could be built from the sample")
            return 1
        website = await asyncio.to_thread(write_website, settings)
        latest = max(built, key=lambda b: b.digest.date)
        preview = f"http://127.0.0.1:{free_port(port)}/" if website is not None and not once else None
        print_posts(latest.digest, page_url(preview, latest.digest) if preview else None)
        print_sources(latest.digest)
        print(f"\n{RULE}\nWhere to look:")
        print(f"  pages (Markdown): {settings.content_path}")
        if website is not None:
            print(f"  website (HTML):   {website}")
        if preview:
            print(f"  preview:          {preview} (hugo server; Ctrl-C stops the demo)")
        print(f"  archive:          {settings.database.removeprefix('sqlite+aiosqlite:///')}")
        if once or not preview:
            return 0
        await serve_until_stopped(settings, int(preview.rsplit(":", 1)[1].rstrip("/")), stop)
    print("demo stopped")
    return 0


def demo_command(
    once: Annotated[bool, typer.Option("--once", help="Build, print and exit (no preview server).")] = False,
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Where the demo keeps its data.")] = Path("demo"),
    site_dir: Annotated[
        Path | None, typer.Option("--site-dir", help="The Hugo site; default: SITE_DIR or the shipped one.")
    ] = None,
    port: Annotated[int, typer.Option("--port", "-p", help="Preview port (another if busy).")] = 1313,
) -> None:
    """Offline demo: build the shipped sample days, write the website, print the posts, serve the preview."""
    setup_logging("WARNING", [])
    data_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(KeyboardInterrupt):
        raise typer.Exit(asyncio.run(run_demo(data_dir, site_dir or default_site_dir(), once, port)))
