"""Operator commands of the running service: run, publish, subscriptions, status, backfill, doctor."""

from __future__ import annotations

import asyncio
import re
import signal
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli import EXIT_NOTHING, app, err, fail, load_settings, load_topics_or_fail

if TYPE_CHECKING:  # each command imports what it uses: `--help` loads no database, HTTP or model library
    import httpx

    from bot.app import Core
    from bot.settings import Settings
    from digest_core.delivery.ports import Destination
    from digest_core.topics import Topic

PLATFORMS = ("telegram", "discord", "console")
_DESTINATION = {
    "telegram": re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$"),
    "discord": re.compile(r"^\d{15,21}$"),
    "console": re.compile(r"^stdout$"),
}
_DESTINATION_HELP = {
    "telegram": "a chat id like -1001234567890 or a channel @username",
    "discord": "a channel or thread id (a snowflake like 123456789012345678)",
    "console": "stdout",
}


def _destination(platform: str, dest: str, thread: str | None) -> Destination:
    from digest_core.delivery.ports import Destination

    platform = platform.lower()
    if platform not in PLATFORMS:
        fail(f"unknown platform {platform!r}; use one of: {', '.join(PLATFORMS)}")
    if not _DESTINATION[platform].match(dest):
        fail(f"{dest!r} is not a {platform} destination: use {_DESTINATION_HELP[platform]}")
    if thread is not None and not re.fullmatch(r"\d{1,21}", thread):
        fail(f"thread {thread!r} must be a number")
    return Destination(platform, dest, thread)


def _topic(core: Core, topic_id: str) -> Topic:
    from digest_core.topics import UnknownTopicError

    try:
        return core.digests.topic(topic_id)
    except UnknownTopicError as exc:
        fail(str(exc))


def _day(topic: Topic, text_: str) -> date:
    from digest_core.clock import utc_now
    from digest_core.dates import DateInputError, parse_digest_date

    try:
        return parse_digest_date(text_, topic, utc_now())
    except DateInputError as exc:
        fail(str(exc))


@app.command()
def run() -> None:
    """Run the service: every configured platform, the daily schedule and delivery (Ctrl-C stops)."""
    from bot.runner import run_service

    settings = load_settings()
    topics_ = load_topics_or_fail(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_service(settings, stop, topics_)

    asyncio.run(main())


@app.command()
def publish(
    topic: Annotated[str, typer.Argument(help="Topic id.")],
    date_: Annotated[str | None, typer.Option("--date", "-d", help="YYYY-MM-DD, today, yesterday.")] = None,
) -> None:
    """Build if needed and deliver now through the ledger: nothing already delivered is sent again."""
    settings = load_settings()
    asyncio.run(_publish(settings, topic, date_))


async def _publish(settings: Settings, topic_id: str, date_text: str | None) -> None:
    from bot.app import open_core
    from bot.runner import assemble, configured_platforms

    async with open_core(settings, load_topics_or_fail(settings)) as core:
        topic = _topic(core, topic_id)
        day = core.digests.parse_date(topic, None) if date_text is None else _day(topic, date_text)
        platforms = configured_platforms(core)
        service = assemble(core, platforms)
        for platform in platforms:
            await platform.start(listen=False)
        try:
            result = await service.publication.publish(topic, day)
            err.print(f"{topic.id} {day}: {result.status}, {result.deliveries_created} new deliveries queued")
            if result.status == "nothing to publish":
                fail(result.detail, EXIT_NOTHING)
            await service.deliverer.drain(topic.id)
        finally:
            for platform in platforms:
                await platform.stop()
        counts = await core.ledger.counts(topic.id)
        err.print("deliveries: " + ", ".join(f"{n} {state}" for state, n in counts.by_state.items()))
        waiting = await core.ledger.pending_count(topic.id, day)
        if waiting:
            err.print(f"{waiting} deliveries wait for a retry or for a platform that is not configured here")


# Telegram group and channel ids are negative numbers: let `-1001234` through as an argument.
NEGATIVE_IDS = {"ignore_unknown_options": True}


PlatformArg = Annotated[str, typer.Argument(help="telegram, discord or console.")]
DestinationArg = Annotated[str, typer.Argument(help="Chat or channel id (see README).")]
TopicArg = Annotated[str, typer.Argument(help="Topic id.")]
ThreadOpt = Annotated[str | None, typer.Option("--thread", help="Forum topic / thread id.")]


def _change_subscription(platform: str, destination: str, topic: str, thread: str | None, on: bool) -> None:
    from bot.app import open_core

    settings = load_settings()
    dest = _destination(platform, destination, thread)

    async def go() -> None:
        async with open_core(settings, load_topics_or_fail(settings)) as core:
            t = _topic(core, topic)
            if on:
                done = await core.subscriptions.subscribe(dest, t.id)
                print(f"{dest} {'subscribed to' if done else 'was already subscribed to'} {t.id}")
            else:
                done = await core.subscriptions.unsubscribe(dest, t.id)
                print(f"{dest} {'unsubscribed from' if done else 'was not subscribed to'} {t.id}")

    asyncio.run(go())


@app.command(context_settings=NEGATIVE_IDS)
def subscribe(platform: PlatformArg, destination: DestinationArg, topic: TopicArg, thread: ThreadOpt = None) -> None:
    """Send a topic's daily digest to a destination."""
    _change_subscription(platform, destination, topic, thread, on=True)


@app.command(context_settings=NEGATIVE_IDS)
def unsubscribe(platform: PlatformArg, destination: DestinationArg, topic: TopicArg, thread: ThreadOpt = None) -> None:
    """Stop sending a topic's digest to a destination."""
    _change_subscription(platform, destination, topic, thread, on=False)


@app.command()
def subscriptions() -> None:
    """List every subscription."""
    from bot.app import open_core

    settings = load_settings()

    async def go() -> None:
        async with open_core(settings, load_topics_or_fail(settings)) as core:
            subs = await core.subscriptions.all()
        if not subs:
            print("no subscriptions (add one with `digestbot subscribe PLATFORM DEST TOPIC`)")
        for s in subs:
            state = "active" if s.active else f"inactive ({s.deactivated_reason})"
            print(f"{s.destination}\t{s.topic}\t{state}")

    asyncio.run(go())


@app.command()
def status() -> None:
    """Last digest per topic, deliveries by state, and recent failures."""
    from rich.table import Table

    from bot.app import open_core
    from digest_core.clock import utc_now
    from digest_core.dates import digest_window

    settings = load_settings()

    async def go() -> None:
        async with open_core(settings, load_topics_or_fail(settings)) as core:
            table = Table("topic", "last digest", "articles", "summarizer", "next publish (UTC)")
            now = utc_now()
            for topic in core.topics:
                latest = await core.digests.store.latest_date(topic.id)
                digest = await core.digests.store.get(topic.id, latest) if latest else None
                next_end = digest_window(topic, now.astimezone(topic.tz).date()).end
                if next_end <= now:
                    next_end += timedelta(days=1)
                table.add_row(
                    topic.id,
                    str(latest or "none"),
                    str(len(digest.articles)) if digest else "-",
                    (digest.summarizer + (f" ({digest.model})" if digest.model else "")) if digest else "-",
                    next_end.strftime("%Y-%m-%d %H:%M"),
                )
            counts = await core.ledger.counts()
        out = typer.get_text_stream("stdout")
        from rich.console import Console

        console = Console(file=out, highlight=False, soft_wrap=True)
        console.print(table)
        console.print("deliveries: " + ", ".join(f"{n} {state}" for state, n in counts.by_state.items()))
        for dest, topic_id, day, error in counts.failures:
            console.print(f"  failed: {dest} {topic_id} {day}: {error}", markup=False)

    asyncio.run(go())


@app.command()
def backfill(
    topic: Annotated[str, typer.Argument(help="Topic id.")],
    from_: Annotated[str, typer.Option("--from", help="First date, YYYY-MM-DD.")],
    to: Annotated[str, typer.Option("--to", help="Last date, YYYY-MM-DD.")],
) -> None:
    """Build and archive every missing digest between two dates (nothing is posted)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bot.app import open_core
    from digest_core.editorial.pipeline import NoArticlesError

    settings = load_settings()

    async def go() -> None:
        async with open_core(settings, load_topics_or_fail(settings)) as core:
            t = _topic(core, topic)
            first, last = _day(t, from_), _day(t, to)
            if first > last:
                fail(f"--from {first} is after --to {last}")
            days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
            tally = {"built": 0, "archived already": 0, "empty": 0}
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=err) as progress:
                task = progress.add_task(f"backfill {t.id}", total=len(days))
                for day in days:
                    try:
                        result = await core.digests.get_or_build(t, day)
                        tally["built" if result.built else "archived already"] += 1
                    except NoArticlesError:
                        tally["empty"] += 1
                    progress.advance(task)
            err.print(", ".join(f"{n} {what}" for what, n in tally.items()))

    asyncio.run(go())


@app.command()
def doctor() -> None:
    """Check settings, topics, database, platform tokens and the Gemini key, one line each."""
    settings = load_settings()
    checks = asyncio.run(_doctor(settings))
    for ok, line in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {line}")
    if not all(ok for ok, _ in checks):
        raise typer.Exit(EXIT_NOTHING)


async def _doctor(settings: Settings) -> list[tuple[bool, str]]:
    import httpx
    from sqlalchemy import text

    from bot.app import open_core

    checks: list[tuple[bool, str]] = [(True, "settings: loaded")]
    try:
        topics_ = load_topics_or_fail(settings)
        checks.append((True, f"topics: {len(topics_)} from {settings.topics_file or 'the shipped default'}"))
    except typer.Exit:
        return [*checks, (False, "topics: the topics file is broken (see the error above)")]
    try:
        async with open_core(settings, topics_) as core, core.engine.connect() as conn:
            await conn.execute(text("select 1"))
        checks.append((True, f"database: {core.engine.url.render_as_string(hide_password=True)} reachable"))
    except Exception as exc:  # any failure is the verdict
        checks.append((False, f"database: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"))
    async with httpx.AsyncClient(timeout=10) as client:
        checks.append(await _check_telegram(client, settings))
        checks.append(await _check_discord(client, settings))
    key = settings.gemini_api_key
    checks.append(
        (True, f"gemini: key set, model {settings.gemini_model}")
        if key
        else (True, "gemini: no GEMINI_API_KEY, the offline summarizer writes digests")
    )
    return checks


async def _check_telegram(client: httpx.AsyncClient, settings: Settings) -> tuple[bool, str]:
    import httpx

    if settings.telegram_bot_token is None:
        return True, "telegram: no TELEGRAM_BOT_TOKEN, adapter off"
    url = f"{settings.telegram_base_url}{settings.telegram_bot_token.get_secret_value()}/getMe"
    try:
        reply = (await client.get(url)).json()
    except (httpx.HTTPError, ValueError) as exc:
        return False, f"telegram: getMe failed ({type(exc).__name__})"
    if reply.get("ok"):
        return True, f"telegram: token valid, bot @{reply['result'].get('username')}"
    return False, f"telegram: token refused ({reply.get('description', 'no description')})"


async def _check_discord(client: httpx.AsyncClient, settings: Settings) -> tuple[bool, str]:
    import httpx

    if settings.discord_bot_token is None:
        return True, "discord: no DISCORD_BOT_TOKEN, adapter off"
    headers = {"Authorization": f"Bot {settings.discord_bot_token.get_secret_value()}"}
    try:
        response = await client.get(f"{settings.discord_api_base_url}/users/@me", headers=headers)
    except httpx.HTTPError as exc:
        return False, f"discord: /users/@me failed ({type(exc).__name__})"
    if response.status_code == 200:
        return True, f"discord: token valid, bot {response.json().get('username')}"
    return False, f"discord: token refused (HTTP {response.status_code})"
