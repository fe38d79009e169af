"""Secrets never leave the process: distinctive tokens are set, real `digestbot` processes run into
rejected tokens (the fake Bot API answering 401 and 404, or echoing the token in its errors), dead
databases, uncaught exceptions and feed URLs with a password, and everything they produce (stdout,
stderr, debug logs, the database file) is searched for them in any case and URL-encoding."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import RedactingStream, protect_process, secrets_from_environment
from digest_core.delivery.ports import Destination
from digest_core.delivery.subscriptions import SubscriptionStore
from digest_core.redaction import display_url, redact, register_secrets, secrets_scope, url_password
from digest_core.storage.db import create_engine, create_schema
from digest_core.topics import default_topics_path
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.outlet_feeds import FakeFeed, FeedItem, OutletFeedsFake
from testkit.fakes.server import ThreadedServer
from testkit.fakes.telegram import FakeTelegram

REPO = Path(__file__).resolve().parent.parent
TELEGRAM = "987654:AAH-tgSECRETxyzzy0123456789abcdefQ"
DISCORD = "MTIzNDU2.DISCORDsecretPLUGH.0123456789abcdef"
GEMINI = "AIzaGEMINIsecretFROBOZZ0123456789"
PG_PASSWORD = "PGpassQUUX9876543"
SECRETS = (TELEGRAM, TELEGRAM.split(":", 1)[1], DISCORD, GEMINI, PG_PASSWORD)


@pytest.fixture
def telegram_base() -> Iterator[str]:
    fake = FakeTelegram()  # its own token differs from TELEGRAM: every call answers 401
    with ThreadedServer(fake.app()) as server:
        yield f"{server.base_url}/bot"


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`digestbot ARGS` through its real entry point, in `tmp_path`, with every token set."""
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "DATA_DIR": str(tmp_path / "data"),
        "TELEGRAM_BOT_TOKEN": TELEGRAM,
        "DISCORD_BOT_TOKEN": DISCORD,
        "GEMINI_API_KEY": GEMINI,
        "GOOGLE_GEMINI_BASE_URL": "http://127.0.0.1:9/",
        "GOOGLE_NEWS_BASE_URL": "http://127.0.0.1:9",
        "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
        "FETCH_ATTEMPTS": "1",
        **env,
    }
    command = [sys.executable, "-c", "from bot.cli import main; main()", *args]
    return subprocess.run(command, cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=60, check=False)


def forms(secret: str) -> set[str]:
    """How a secret may appear, lower-cased: as is, and percent-encoded (once, twice)."""
    once = quote(secret, safe="")
    return {f.lower() for f in (secret, once, quote(once, safe=""), quote_plus(secret))}


def leaked(*texts: str, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    """The secrets found in `texts`, in any case or URL-encoding."""
    return [s for s in secrets for t in texts if any(f in t.lower() for f in forms(s))]


def files_leaking(root: Path, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            found += [f"{path.name}: {s[:6]}..." for s in secrets if any(f.encode() in data for f in forms(s))]
    return found


@pytest.mark.parametrize("path", ["/bot", "/wrong/bot"])  # 401 (token refused), 404 (wrong base path)
@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_a_rejected_telegram_token_is_one_line_without_the_token(
    tmp_path: Path, telegram_base: str, path: str, level: str
) -> None:
    base = telegram_base.removesuffix("/bot") + path
    result = run_cli(tmp_path, "telegram", TELEGRAM_BASE_URL=base, LOG_LEVEL=level)
    assert result.returncode == 2, result.stderr
    assert leaked(result.stdout, result.stderr) == []
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith("error: Telegram rejected TELEGRAM_BOT_TOKEN")
    assert "Unclosed" not in result.stderr  # both of the bot's HTTP sessions closed
    if level == "INFO":
        assert "Traceback" not in result.stderr
    else:
        assert "Traceback" in result.stderr  # the debug log has it, redacted
        assert "***" in result.stderr
    assert files_leaking(tmp_path) == []


def test_doctor_and_a_dead_database_show_no_secret(tmp_path: Path, telegram_base: str) -> None:
    doctor = run_cli(tmp_path, "doctor", TELEGRAM_BASE_URL=telegram_base, LOG_LEVEL="DEBUG")
    assert doctor.returncode == 1
    assert "FAIL telegram" in doctor.stdout
    dead = f"postgresql+asyncpg://digest:{PG_PASSWORD}@127.0.0.1:9/nope"
    build = run_cli(tmp_path, "build", "china-japan", DATABASE_URL=dead, LOG_LEVEL="DEBUG")
    assert build.returncode == 2
    errors = [line for line in build.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: database postgresql+asyncpg://digest:***@127.0.0.1:9/nope cannot be opened: "
        "[Errno 111] Connect call failed ('127.0.0.1', 9)"
    ]
    assert leaked(doctor.stdout, doctor.stderr, build.stdout, build.stderr) == []
    assert files_leaking(tmp_path) == []


def test_an_uncaught_exception_anywhere_is_redacted(tmp_path: Path) -> None:
    code = (
        "import threading\n"
        "from bot.logs import protect_process\n"
        "protect_process()\n"
        "from os import environ\n"
        "print('stdout ' + environ['TELEGRAM_BOT_TOKEN'])\n"
        "def fail(): raise ValueError(environ['GEMINI_API_KEY'])\n"
        "t = threading.Thread(target=fail)\n"
        "t.start(); t.join()\n"
        "raise RuntimeError('token ' + environ['DISCORD_BOT_TOKEN'])\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}
    env |= {"TELEGRAM_BOT_TOKEN": TELEGRAM, "DISCORD_BOT_TOKEN": DISCORD, "GEMINI_API_KEY": GEMINI}
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 1
    assert "RuntimeError: token ***" in result.stderr
    assert "ValueError: ***" in result.stderr
    assert result.stdout == "stdout ***\n"
    assert leaked(result.stdout, result.stderr) == []


def test_redaction_of_split_writes_and_token_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    with secrets_scope():
        monkeypatch.setenv("DATABASE_URL", f"postgresql://u:{PG_PASSWORD}@h/db")
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM)
        assert secrets_from_environment() == [TELEGRAM, PG_PASSWORD]
        register_secrets(secrets_from_environment())
        assert redact(f"bot{TELEGRAM}/getMe") == "bot***/getMe"
        assert redact("secret part " + TELEGRAM.split(":")[1]) == "secret part ***"
        out: list[str] = []

        class Sink:
            def write(self, text: str) -> int:
                out.append(text)
                return len(text)

            def flush(self) -> None:
                pass

        stream = RedactingStream(Sink())  # type: ignore[arg-type]
        stream.write("half " + PG_PASSWORD[:5])
        stream.write(PG_PASSWORD[5:] + " end\npartial")
        stream.flush()
        assert "".join(out) == "half *** end\npartial"
    assert protect_process  # the entry point's hook is exercised by the subprocess tests above


async def test_errors_stored_in_the_database_are_redacted(engine: AsyncEngine) -> None:
    from digest_core.delivery.ledger import DeliveryLedger
    from digest_core.storage.tables import DeliveryRow
    from tests.test_delivery import DAY, setup

    with secrets_scope():
        register_secrets([TELEGRAM])
        _, _, ids = await setup(engine, n=1)
        ledger = DeliveryLedger(engine)
        await ledger.create("china-japan", DAY, ids)
        [claimed] = await ledger.claim("w1", limit=1)
        error = f"InvalidToken: The token `{TELEGRAM}` was rejected by the server."
        await ledger.mark_retry(claimed.id, "w1", error, 1, 5, timedelta(0))
        async with engine.connect() as conn:
            stored = (await conn.execute(select(DeliveryRow.last_error))).scalar_one()
    assert stored == "InvalidToken: The token `***` was rejected by the server."


# --- any case, any encoding -------------------------------------------------------------------

TELEGRAM_TOKENS = st.from_regex(r"\A[1-9][0-9]{5,9}:[A-Za-z0-9_-]{35}\Z")
DISCORD_TOKENS = st.from_regex(r"\A[A-Za-z0-9_-]{24,26}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}\Z")
API_KEYS = st.from_regex(r"\AAIza[A-Za-z0-9_-]{35}\Z")
LIBRARY_FORMS: list[Callable[[str], str]] = [
    str.upper,
    str.lower,
    str.capitalize,  # python-telegram-bot, on "Bad Request: " and "Error: " descriptions
    str.swapcase,
    str.title,
    lambda t: quote(t, safe=""),
    quote_plus,
    lambda t: quote(quote(t, safe=""), safe=""),  # a URL inside a URL
    json.dumps,
    repr,
    lambda t: f"`{t}`",
]


@given(
    secret=st.one_of(TELEGRAM_TOKENS, DISCORD_TOKENS, API_KEYS),
    registered_with=st.sampled_from(["", "\n", " ", "\r\n", " \t"]),  # as the .env value may end
    before=st.text(max_size=30),
    after=st.text(max_size=30),
    space=st.sampled_from(["", " ", "\n", "\r\n", "\t"]),
    form=st.sampled_from(LIBRARY_FORMS),
)
@settings(max_examples=300, deadline=None)
def test_a_token_is_redacted_in_any_form_a_library_gives_it(
    secret: str, registered_with: str, before: str, after: str, space: str, form: Callable[[str], str]
) -> None:
    with secrets_scope():
        register_secrets([secret + registered_with])
        text = form(before + space + secret + space + after)
        out = redact(text)
    assert out.count("***") > text.count("***")
    parts = (secret, secret.split(":")[-1])  # a Telegram token's part after ':' is secret alone too
    assert leaked(out, secrets=parts) == []
    decoded = unquote(unquote(out)).lower()
    assert not any(p.lower() in decoded for p in parts)


@given(
    user=st.text(min_size=1, max_size=20),
    password=st.text(min_size=1, max_size=30),
    host=st.from_regex(r"\A[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){1,2}\Z"),
    port=st.sampled_from(["", ":8080", ":443"]),
    path=st.from_regex(r"\A(/[A-Za-z0-9@._~%-]{0,12}){0,3}(\?[a-z]=[a-z0-9@]{0,5})?\Z"),
)
def test_display_url_drops_any_credentials(user: str, password: str, host: str, port: str, path: str) -> None:
    url = f"https://{quote(user, safe='')}:{quote(password, safe='')}@{host}{port}{path}"
    shown = display_url(url)
    assert shown == f"https://{host}{port}{path}"
    assert display_url(shown) == shown  # a URL without credentials is shown as it is
    assert urlsplit(shown).hostname == urlsplit(url).hostname
    assert url_password(url) == password


def test_settings_strip_whitespace_around_secrets_and_say_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings

    (tmp_path / ".env").write_text(f'TELEGRAM_BOT_TOKEN="{TELEGRAM}\\n"\nDISCORD_BOT_TOKEN=" {DISCORD} "\n')
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "GEMINI_API_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", f"{GEMINI}\r\n")
    settings = Settings()
    assert settings.telegram_bot_token and settings.telegram_bot_token.get_secret_value() == TELEGRAM
    assert settings.discord_bot_token and settings.discord_bot_token.get_secret_value() == DISCORD
    assert settings.gemini_api_key and settings.gemini_api_key.get_secret_value() == GEMINI
    warnings = settings.whitespace_warnings()
    assert sorted(w.split()[0] for w in warnings) == ["DISCORD_BOT_TOKEN", "GEMINI_API_KEY", "TELEGRAM_BOT_TOKEN"]
    assert all(w.endswith("had spaces or line breaks around it (in .env?): they were removed") for w in warnings)
    assert leaked(*warnings) == []
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI)
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TELEGRAM}\n")
    assert Settings().whitespace_warnings() == []


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "TELEGRAM_BOT_TOKEN",
            TELEGRAM[:20] + "\n" + TELEGRAM[20:],
            "FAIL telegram: TELEGRAM_BOT_TOKEN is not a token: "
            "it contains a line break that no token has: copy it again from @BotFather",
        ),
        (
            "DISCORD_BOT_TOKEN",
            DISCORD[:9] + " " + DISCORD[9:],
            "FAIL discord: DISCORD_BOT_TOKEN is not a token: "
            "it contains a space that no token has: copy it again from the Developer Portal (Bot, Reset Token)",
        ),
        (
            "GEMINI_API_KEY",
            GEMINI[:5] + "\x7f" + GEMINI[5:],
            "FAIL gemini: GEMINI_API_KEY is not a key: "
            "it contains a character that no token has: copy it again from Google AI Studio",
        ),
    ],
)
def test_doctor_names_a_token_with_a_bad_character(tmp_path: Path, variable: str, value: str, line: str) -> None:
    result = run_cli(tmp_path, "doctor", **{variable: value, "LOG_LEVEL": "DEBUG"})
    assert result.returncode == 1, result.stderr
    assert line in result.stdout.splitlines()
    assert "Traceback" not in result.stderr
    parts = tuple(p for chunk in value.split() for p in chunk.split(":") if len(p) >= 6)
    assert leaked(result.stdout, result.stderr, secrets=parts) == []


# --- a Bot API that echoes the token ----------------------------------------------------------


async def _subscribe(database: Path, chats: list[str]) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await create_schema(engine)
        store = SubscriptionStore(engine)
        for chat in chats:
            await store.subscribe(Destination("telegram", chat), "china-japan")
    finally:
        await engine.dispose()


def _rows(database: Path, query: str) -> list[Any]:
    with sqlite3.connect(database) as conn:
        return [row[0] for row in conn.execute(query)]


@pytest.mark.timeout(240)  # three real `digestbot` processes, each building or reading
def test_a_token_echoed_by_the_bot_api_is_stored_and_shown_nowhere(
    tmp_path: Path, google_news: tuple[GoogleNewsFake, str]
) -> None:
    _, news = google_news
    data = tmp_path / "data"
    data.mkdir()
    asyncio.run(_subscribe(data / "digestbot.db", ["111", "222", "333", "444"]))
    (tmp_path / ".env").write_text(f'TELEGRAM_BOT_TOKEN="{TELEGRAM} \\n"\n')  # a trailing space and line break
    fake = FakeTelegram(token=TELEGRAM)
    for chat, fault in (("111", "echo_403"), ("222", "echo_400"), ("333", "echo_500")):
        fake.inject(chat, *[fault] * 3)
    with ThreadedServer(fake.app()) as server:
        env = {
            "TELEGRAM_BOT_TOKEN": "",  # from .env only
            "DISCORD_BOT_TOKEN": "",
            "TELEGRAM_BASE_URL": f"{server.base_url}/bot",
            "GOOGLE_NEWS_BASE_URL": news,
            "GEMINI_ATTEMPTS": "1",
            "LOG_LEVEL": "DEBUG",
            # No politeness pauses against the loopback fakes (1 s per request by default: 13 s of
            # the publish's wall time was spent asleep between Google link lookups).
            "PUBLISHER_LINKS_INTERVAL": "0",
            "ARTICLE_PAGES_INTERVAL": "0",
        }
        publish = run_cli(tmp_path, "publish", "china-japan", "--date", "2026-02-25", **env)
        status = run_cli(tmp_path, "status", **env)
        subscriptions = run_cli(tmp_path, "subscriptions", **env)
    assert publish.returncode == 0, publish.stderr
    assert "TELEGRAM_BOT_TOKEN had spaces or line breaks around it" in publish.stderr
    assert fake.sent_to("444"), "the stripped token works"
    assert {c.status for c in fake.methods("sendMessage")} >= {200, 400, 403, 500}
    database = data / "digestbot.db"
    reasons = _rows(database, "select deactivated_reason from subscriptions where not active")
    assert len(reasons) == 2 and all("***" in r for r in reasons), reasons
    errors = _rows(database, "select last_error from deliveries where last_error is not null")
    assert sorted(errors) == [
        "SendFailed: telegram:333: NetworkError: Upstream failed for /bot***/sendmessage",  # lower-cased by PTB
        "telegram:111: Forbidden: bot *** was blocked by the user",
        "telegram:222: BadRequest: Chat not found for /bot***/sendmessage",
    ]
    assert "inactive (telegram:222: BadRequest: Chat not found for /bot***/sendmessage)" in subscriptions.stdout
    assert "***" in status.stdout
    outputs = [publish.stdout, publish.stderr, status.stdout, status.stderr, subscriptions.stdout, subscriptions.stderr]
    assert leaked(*outputs) == []
    assert files_leaking(data) == []


async def test_every_stored_text_is_redacted_and_every_stored_url_without_credentials(engine: AsyncEngine) -> None:
    from digest_core.delivery.ledger import DeliveryLedger
    from digest_core.fetch.feed_state import FeedState, SqlFeedStateStore
    from digest_core.fetch.stats import SourceStat, SqlSourceStats
    from digest_core.models import FailedSource
    from digest_core.storage.db import Base
    from digest_core.storage.digests import SqlDigestStore
    from tests.test_delivery import DAY, setup
    from tests.test_store import digest

    feed = f"https://{FEED_USER}:{FEED_PASSWORD}@news.example.org/rss.xml"
    error = f"Chat not found for /bot{TELEGRAM}/sendMessage".capitalize()  # as PTB gives it
    with secrets_scope():
        register_secrets([TELEGRAM, url_password(feed)])
        _, subs, ids = await setup(engine, n=2)
        ledger = DeliveryLedger(engine)
        await ledger.create("china-japan", DAY, ids)
        gone, retried = await ledger.claim("w1", limit=2)
        await ledger.mark_gone(gone.id, "w1", error)
        await subs.deactivate_destination(gone.destination, error)
        await ledger.close_destination(gone.destination, error)
        await ledger.mark_retry(retried.id, "w1", f"NetworkError: {quote(error)}", 1, 5, timedelta(0))
        assert await ledger.claim_publication("china-japan", DAY, "w1", timedelta(hours=1))
        await ledger.finish_publication("china-japan", DAY, "w1", error=f"{error} ({feed})")
        failed = [FailedSource(outlet="China Daily", error=f"feed {feed}: {error}")]
        await SqlDigestStore(engine).save(digest(DAY).model_copy(update={"failed_sources": failed}))
        at = datetime(2026, 2, 25, 4, tzinfo=UTC)
        await SqlSourceStats(engine).record([SourceStat("china-japan", "China Daily", feed, at, error.upper())])
        await SqlFeedStateStore(engine).put(FeedState(feed, b"<rss/>", at, etag='"v1"'))
        assert (await SqlFeedStateStore(engine).get(feed)) is not None
        async with engine.connect() as conn:
            rows = {t.name: (await conn.execute(select(t))).all() for t in Base.metadata.sorted_tables}
    masked = "Chat not found for /bot***/sendmessage"
    assert [r.deactivated_reason for r in rows["subscriptions"] if not r.active] == [masked]
    assert sorted(r.last_error for r in rows["deliveries"]) == [
        masked,
        f"NetworkError: {quote(masked).replace('%2A', '*')}",
    ]
    assert [r.error for r in rows["publications"]] == [f"{masked} (https://news.example.org/rss.xml)"]
    assert [r.error for r in rows["digest_failed_sources"]] == [f"feed https://news.example.org/rss.xml: {masked}"]
    assert [r.status for r in rows["source_fetches"]] == [masked.upper()]
    assert leaked(repr(rows), secrets=(TELEGRAM, TELEGRAM.split(":")[1], FEED_PASSWORD, FEED_USER)) == []
    assert [r.url for r in rows["feed_states"]] == ["https://news.example.org/rss.xml"]
    assert [r.source for r in rows["source_fetches"]] == ["https://news.example.org/rss.xml"]


# --- credentials in feed URLs -----------------------------------------------------------------

FEED_USER = "feeduserQUUX"
FEED_PASSWORD = "FEEDpass:XYZZY42"


@pytest.mark.timeout(240)  # three real `digestbot` processes, each building or reading
def test_feed_credentials_reach_the_feed_server_and_nothing_else(
    tmp_path: Path, google_news: tuple[GoogleNewsFake, str]
) -> None:
    _, news = google_news
    fake = OutletFeedsFake()
    fake.feeds["cd/rss.xml"] = FakeFeed(
        items=[
            FeedItem(
                "China, Japan trade barbs over Taiwan", "/a/202602/24/WS1.html", datetime(2026, 2, 24, 9, tzinfo=UTC)
            )
        ]
    )
    userinfo = f"{FEED_USER}:{quote(FEED_PASSWORD, safe='')}@"
    with ThreadedServer(fake.app()) as server:
        base = server.base_url
        with_credentials = base.replace("://", f"://{userinfo}")
        text = default_topics_path().read_text()
        text = text.replace(
            'domains = ["chinadaily.com.cn"]',
            f'domains = ["chinadaily.com.cn"]\n    feeds = ["{with_credentials}/cd/rss.xml"]',
        )
        text = text.replace(
            'domains = ["cgtn.com"]', f'domains = ["cgtn.com"]\n    feeds = ["{with_credentials}/cgtn/missing.xml"]'
        )
        (tmp_path / "topics.toml").write_text(text)
        env = {"TOPICS_FILE": str(tmp_path / "topics.toml"), "GOOGLE_NEWS_BASE_URL": news, "LOG_LEVEL": "DEBUG"}
        env |= {"TELEGRAM_BOT_TOKEN": "", "DISCORD_BOT_TOKEN": "", "GEMINI_API_KEY": ""}
        build = run_cli(tmp_path, "build", "china-japan", "-d", "2026-02-25", "-f", "json", **env)
        feeds = run_cli(tmp_path, "feeds", "china-japan", **env)
        doctor = run_cli(tmp_path, "doctor", **env)
    assert build.returncode == 0, build.stderr
    basic = "Basic " + base64.b64encode(f"{FEED_USER}:{FEED_PASSWORD}".encode()).decode()
    assert {h.get("authorization") for h in fake.headers_of("cd/rss.xml")} == {basic}
    doc = json.loads(build.stdout)
    assert doc["failed_sources"] == [{"outlet": "CGTN", "error": f"feed {base}/cgtn/missing.xml: HTTP 404"}]
    assert f"{base}/a/202602/24/WS1.html" in [a["url"] for a in doc["articles"]]  # resolved without credentials
    assert f"CGTN feed {base}/cgtn/missing.xml: HTTP 404" in build.stderr
    [row] = [line.split() for line in feeds.stdout.splitlines() if f"{base}/cd/rss.xml" in line]
    assert (row[:3], row[-1]) == (["China", "Daily", f"{base}/cd/rss.xml"], "ok")
    host = base.removeprefix("http://")
    assert f"ok   feed host 127.0.0.1: {host} answered (HTTP 200" in doctor.stdout
    outputs = (build.stdout, build.stderr, feeds.stdout, feeds.stderr, doctor.stdout, doctor.stderr)
    assert leaked(*outputs, secrets=(FEED_PASSWORD, FEED_USER)) == []
    assert files_leaking(tmp_path / "data", secrets=(FEED_PASSWORD, FEED_USER)) == []
