"""Operator commands of the running service: run, publish, subscriptions, status, backfill, doctor.

They are added to the one Typer app of `bot.cli_io`; `bot.cli` imports this module, not the reverse."""

from __future__ import annotations

import asyncio
import re
import signal
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from bot.cli_io import EXIT_NOTHING, app, err, fail, fail_user_error, load_settings, load_topics_or_fail
from bot.failures import with_demo_hint
from bot.interrupts import EXIT_SIGINT, quiet_signals
from digest_core.delivery.senders import split_sender
from digest_core.errors import NoArticlesError, SourcesUnreachable, UserError
from digest_core.plural import plural

if TYPE_CHECKING:  # imported where used, so that `--help` and start-up load only what they need
    from bot.settings import Settings
    from digest_core.delivery.ports import Destination

if TYPE_CHECKING:
    import httpx

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
    # lazy: start-up (bench/startup.py)
    from digest_core.delivery.ports import Destination

    platform = platform.lower()
    if platform not in PLATFORMS:
        fail(f"unknown platform {platform!r}; use one of: {', '.join(PLATFORMS)}")
    if not _DESTINATION[platform].match(dest):
        fail(f"{dest!r} is not a {platform} destination: use {_DESTINATION_HELP[platform]}")
    if thread is not None and not re.fullmatch(r"\d{1,21}", thread):
        fail(f"thread {thread!r} must be a number")
    return Destination(platform, dest, thread)


@app.command()
def run() -> None:
    """Run the service: every configured platform, the daily schedule and delivery (Ctrl-C stops)."""
    # lazy: start-up (bench/startup.py)
    from bot.runner import run_service

    settings = load_settings()
    topics_ = load_topics_or_fail(settings)
    received: list[int] = []

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def stop_on(sig: int) -> None:
            received.append(sig)
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop_on, sig)
        await run_service(settings, stop, topics_)

    asyncio.run(main())
    quiet_signals()  # the loop's handlers are gone with it
    if received[:1] == [signal.SIGINT]:
        raise typer.Exit(EXIT_SIGINT)  # "digestbot stopped" was the one line


@app.command()
def publish(
    topic: Annotated[str, typer.Argument(help="Topic id.")],
    date_: Annotated[str | None, typer.Option("--date", "-d", help="YYYY-MM-DD, today, yesterday.")] = None,
) -> None:
    """Build if needed and deliver now through the ledger: nothing already delivered is sent again."""
    settings = load_settings()
    asyncio.run(_publish(settings, topic, date_))


async def _publish(settings: Settings, topic_id: str, date_text: str | None) -> None:

    # lazy: start-up (bench/startup.py)
    from bot.runner import assemble, configured_platforms
    from bot.wiring import open_core

    async with open_core(settings, load_topics_or_fail(settings)) as core:
        usecases = core.usecases
        platforms = configured_platforms(core)
        service = assemble(core, platforms)
        try:
            usecases.topic(topic_id, "digestbot publish TOPIC")  # bad input fails before any connection
            for platform in platforms:
                await platform.start(listen=False)
            report = await usecases.publish(
                service.publication, service.deliverer, [topic_id, date_text], "digestbot publish TOPIC"
            )
        except UserError as exc:
            fail_user_error(exc)
        finally:
            await service.deliverer.release()
            for platform in platforms:
                await platform.stop()
        queued = plural(report.deliveries_created, "new delivery", "new deliveries")
        err.print(f"{report.topic.id} {report.day}: {report.status}, {queued} queued")
        for name, holder in report.elsewhere.items():
            err.print(f"{name}: the running service {holder} is delivering (queued for it)")
        err.print("deliveries: " + ", ".join(f"{n} {state}" for state, n in report.deliveries.by_state.items()))
        if report.waiting:
            verb = "waits" if report.waiting == 1 else "wait"
            waiting = plural(report.waiting, "delivery", "deliveries")
            err.print(f"{waiting} {verb} for a retry or for a platform not configured here")


# Telegram group and channel ids are negative numbers: let `-1001234` through as an argument.
NEGATIVE_IDS = {"ignore_unknown_options": True}


PlatformArg = Annotated[str, typer.Argument(help="telegram, discord or console.")]
DestinationArg = Annotated[str, typer.Argument(help="Chat or channel id (see README).")]
TopicArg = Annotated[str, typer.Argument(help="Topic id.")]
ThreadOpt = Annotated[str | None, typer.Option("--thread", help="Forum topic / thread id.")]
BotOpt = Annotated[
    str | None,
    typer.Option(
        "--bot",
        help="With several Telegram bot tokens: the bot that posts there (its id, the digits before "
        "its token's colon); default: the primary bot.",
    ),
]


def _shard(settings: Settings, platform: str, bot: str | None) -> str:
    """The shard a `--bot` names ("" for the primary bot), or a one-line error."""
    if bot is None:
        return ""
    if platform.lower() != "telegram":
        fail("--bot is for Telegram destinations only")
    # lazy: start-up (bench/startup.py)
    from bot.telegram_platform import telegram_senders, token_shard

    shards = {token_shard(token): split_sender(name)[1] for name, token in telegram_senders(settings).items()}
    if bot not in shards:
        fail(f"no configured Telegram bot has the id {bot!r}; configured: {', '.join(shards) or 'none'}")
    return shards[bot]


def _change_subscription(
    platform: str, destination: str, topic: str, thread: str | None, on: bool, bot: str | None = None
) -> None:

    # lazy: start-up (bench/startup.py)
    from bot.wiring import open_core

    settings = load_settings()
    dest = replace(_destination(platform, destination, thread), via=_shard(settings, platform, bot))

    async def go() -> None:
        async with open_core(settings, load_topics_or_fail(settings)) as core:
            usage = f"digestbot {'subscribe' if on else 'unsubscribe'} PLATFORM DESTINATION TOPIC"
            try:
                if on:
                    change = await core.usecases.subscribe(dest, topic, usage)
                else:
                    change = await core.usecases.unsubscribe(dest, topic, usage)
            except UserError as exc:
                fail_user_error(exc)
        if on:
            print(f"{dest} {'subscribed to' if change.changed else 'was already subscribed to'} {change.topic.id}")
        else:
            print(f"{dest} {'unsubscribed from' if change.changed else 'was not subscribed to'} {change.topic.id}")

    asyncio.run(go())


@app.command(context_settings=NEGATIVE_IDS)
def subscribe(
    platform: PlatformArg, destination: DestinationArg, topic: TopicArg, thread: ThreadOpt = None, bot: BotOpt = None
) -> None:
    """Send a topic's daily digest to a destination."""
    _change_subscription(platform, destination, topic, thread, on=True, bot=bot)


@app.command(context_settings=NEGATIVE_IDS)
def unsubscribe(platform: PlatformArg, destination: DestinationArg, topic: TopicArg, thread: ThreadOpt = None) -> None:
    """Stop sending a topic's digest to a destination."""
    _change_subscription(platform, destination, topic, thread, on=False)


@app.command()
def subscriptions() -> None:
    """List every subscription."""
    # lazy: start-up (bench/startup.py)
    from bot.wiring import open_core
    from digest_core.usecases.commands import no_subscriptions

    settings = load_settings()

    async def go() -> None:
        async with open_core(settings, load_topics_or_fail(settings)) as core:
            subs = await core.usecases.subscriptions()
        if not subs:
            print(no_subscriptions("this service", "`digestbot subscribe PLATFORM DESTINATION TOPIC`"))
        for s in subs:
            state = "active" if s.active else f"inactive ({s.deactivated_reason})"
            via = f"\tvia bot {s.destination.via}" if s.destination.via else ""  # a shard's, not the primary
            print(f"{s.destination}\t{s.topic}\t{state}{via}")

    asyncio.run(go())


@app.command()
def status() -> None:
    """Last digest per topic, deliveries by state, and recent failures."""
    # lazy: start-up (bench/startup.py)
    from bot.wiring import open_core

    settings = load_settings()

    async def go() -> None:
        async with open_core(settings, load_topics_or_fail(settings)) as core:
            report = await core.usecases.status()
        table = Table("topic", "last digest", "articles", "summarizer", "next publish (UTC)")
        for row in report.topics:
            table.add_row(
                row.topic.id,
                str(row.latest or "none"),
                str(row.articles) if row.articles is not None else "-",
                Text(row.summarizer or "-"),
                row.next_publish.strftime("%Y-%m-%d %H:%M"),
            )
        console = Console(file=typer.get_text_stream("stdout"), highlight=False, soft_wrap=True)
        console.print(table)
        counts = report.deliveries
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
    # lazy: start-up (bench/startup.py)
    from bot.wiring import open_core
    from digest_core.usecases.arguments import parse_date

    settings = load_settings()

    async def go() -> None:
        async with open_core(settings, load_topics_or_fail(settings)) as core:
            usecases = core.usecases
            usage = "digestbot backfill TOPIC --from DATE --to DATE"
            try:
                t = usecases.topic(topic, usage)
                first, last = parse_date(from_, t, usecases.now()), parse_date(to, t, usecases.now())
            except UserError as exc:
                fail_user_error(exc)
            if first > last:
                fail(f"--from {first} is after --to {last}")
            days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
            tally = {"built": 0, "archived already": 0, "empty": 0, "unreachable": 0}
            cause = ""
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=err) as progress:
                task = progress.add_task(f"backfill {t.id}", total=len(days))
                for day in days:
                    try:
                        result = await usecases.digest([t.id, day.isoformat()], usage)
                        tally["built" if result.built else "archived already"] += 1
                    except SourcesUnreachable as exc:  # the network, not the news: not an empty day
                        tally["unreachable"] += 1
                        cause = exc.detail
                    except NoArticlesError:
                        tally["empty"] += 1
                    progress.advance(task)
            err.print(", ".join(f"{n} {what}" for what, n in tally.items() if n or what != "unreachable"))
            if tally["unreachable"] == len(days):
                fail(with_demo_hint(f"nothing could be fetched: {cause}"), EXIT_NOTHING)
            if tally["unreachable"]:
                err.print(f"[yellow]warning:[/yellow] {plural(tally['unreachable'], 'day')} unreachable: {cause}")

    asyncio.run(go())


@app.command()
def doctor() -> None:
    """Check settings, topics, database, feed hosts, Google link decoding, platform tokens, Hugo and the
    Gemini key, one line each."""
    settings = load_settings()
    checks = asyncio.run(_doctor(settings))
    for ok, line in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {line}")
    if not all(ok for ok, _ in checks):
        raise typer.Exit(EXIT_NOTHING)


async def _doctor(settings: Settings) -> list[tuple[bool, str]]:
    # lazy: start-up (bench/startup.py)
    from sqlalchemy import text

    from bot.checks import check_feed_hosts, check_google_links, check_hugo, first_google_link
    from bot.outbound import make_outbound_client
    from bot.wiring import make_link_decoder, open_core

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
        first = str(exc).splitlines()[0][:200] if str(exc) else ""
        checks.append(
            (False, f"database: {type(exc).__name__}: {first}: check DATABASE_URL, or that DATA_DIR is writable")
        )
    async with make_outbound_client(settings, topics_, timeout=10) as client:
        checks += await check_feed_hosts(client, settings, topics_)
        decoder = make_link_decoder(settings, client) if settings.publisher_links else None
        checks.append(await check_google_links(decoder, await first_google_link(client, settings, topics_)))
        checks.append(await _check_telegram(client, settings))
        checks.append(await _check_discord(client, settings))
    checks.append(check_hugo(settings))
    checks.append(_check_gemini_key(settings))
    return checks


def _check_gemini_key(settings: Settings) -> tuple[bool, str]:
    # lazy: start-up (bench/startup.py)
    from bot.settings import token_problem

    if settings.gemini_api_key is None:
        return True, "gemini: no GEMINI_API_KEY, the offline summarizer writes digests"
    if problem := token_problem(settings.gemini_api_key.get_secret_value()):
        return False, f"gemini: GEMINI_API_KEY is not a key: {problem}: copy it again from Google AI Studio"
    return True, f"gemini: key set, model {settings.gemini_model}"


async def _check_telegram(client: httpx.AsyncClient, settings: Settings) -> tuple[bool, str]:
    # lazy: start-up (bench/startup.py)
    import httpx

    from bot.settings import token_problem

    if settings.telegram_bot_token is None:
        return True, "telegram: no TELEGRAM_BOT_TOKEN, adapter off"
    token = settings.telegram_bot_token.get_secret_value()
    if problem := token_problem(token):
        return False, f"telegram: TELEGRAM_BOT_TOKEN is not a token: {problem}: copy it again from @BotFather"
    url = f"{settings.telegram_base_url}{token}/getMe"
    try:
        reply = (await client.get(url)).json()
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return False, f"telegram: getMe failed ({type(exc).__name__}): check the network or TELEGRAM_BASE_URL"
    if reply.get("ok"):
        return True, f"telegram: token valid, bot @{reply['result'].get('username')}"
    refused = reply.get("description", "no description")
    return False, f"telegram: token refused ({refused}): check TELEGRAM_BOT_TOKEN (from @BotFather)"


async def _check_discord(client: httpx.AsyncClient, settings: Settings) -> tuple[bool, str]:
    # lazy: start-up (bench/startup.py)
    import httpx

    from bot.settings import token_problem

    if settings.discord_bot_token is None:
        return True, "discord: no DISCORD_BOT_TOKEN, adapter off"
    token = settings.discord_bot_token.get_secret_value()
    if problem := token_problem(token):
        where = "the Developer Portal (Bot, Reset Token)"
        return False, f"discord: DISCORD_BOT_TOKEN is not a token: {problem}: copy it again from {where}"
    headers = {"Authorization": f"Bot {token}"}
    try:
        response = await client.get(f"{settings.discord_api_base_url}/users/@me", headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return False, f"discord: /users/@me failed ({type(exc).__name__}): check the network or DISCORD_API_BASE_URL"
    if response.status_code == 200:
        return True, f"discord: token valid, bot {response.json().get('username')}"
    status = response.status_code
    return False, f"discord: token refused (HTTP {status}): check DISCORD_BOT_TOKEN (Developer Portal, Bot)"
