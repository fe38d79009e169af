"""Failing sources say why in one line per kind: DNS, refused, timeout, HTTP status, TLS, consent
wall, from the real exceptions of the real client against servers on 127.0.0.1 (issue #27)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest_core.dates import digest_window
from digest_core.errors import SourcesUnreachable
from digest_core.fetch.collect import NewsSources
from digest_core.fetch.failure_cause import CONSENT_WALL, cause_of, is_consent_wall, kind_line
from digest_core.fetch.google_news import GoogleNewsSource
from digest_core.fetch.outbound import OutboundPolicy, parse_connect_to
from digest_core.fetch.outbound_client import outbound_client
from digest_core.topics import Topic
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.server import ThreadedServer

DAY = date(2026, 2, 25)
NEWS = "http://news.google.com"


@pytest.fixture
def closed_port() -> int:
    """A loopback port where nothing listens: every connection is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def fake() -> Iterator[tuple[GoogleNewsFake, int]]:
    news = GoogleNewsFake(timeout_sleep=3.0)
    with ThreadedServer(news.app()) as server:
        yield news, server.port


def client_to(port: int, base: str = NEWS, timeout: float = 2.0) -> httpx.AsyncClient:
    """The production outbound client, news.google.com (and its consent host) sent to `port` on loopback."""
    rules = ",".join(
        f"{host}:127.0.0.1:{port}" for host in ("news.google.com:80", "consent.google.com:80", "news.google.com:443")
    )
    return outbound_client(OutboundPolicy([base], parse_connect_to(rules)), timeout, "test")


async def failures(topic: Topic, client: httpx.AsyncClient, base: str = NEWS) -> list[str | None]:
    async with client:
        results = await GoogleNewsSource(client, base, attempts=1).fetch(topic, digest_window(topic, DAY))
    return [r.error for r in results]


async def test_refused(topic: Topic, closed_port: int) -> None:
    errors = await failures(topic, client_to(closed_port))
    assert set(errors) == {"connection refused by news.google.com after 1 attempt"}


async def test_dns(topic: Topic, closed_port: int) -> None:
    """A `.invalid` name never resolves (RFC 6761): the system resolver's own failure."""
    base = "http://news.digestbot.invalid"
    errors = await failures(topic, client_to(closed_port, base), base)
    assert set(errors) == {"DNS lookup failed for news.digestbot.invalid after 1 attempt"}


async def test_timeout(topic: Topic, fake: tuple[GoogleNewsFake, int]) -> None:
    news, port = fake
    news.faults = {o.domains[0]: ["timeout"] for _, o in topic.all_outlets}
    errors = await failures(topic, client_to(port, timeout=0.2))
    assert set(errors) == {"timed out after 0.2 s (news.google.com) after 1 attempt"}


async def test_http_status(topic: Topic, fake: tuple[GoogleNewsFake, int]) -> None:
    news, port = fake
    news.faults = {o.domains[0]: ["503"] for _, o in topic.all_outlets}
    assert set(await failures(topic, client_to(port))) == {"HTTP 503 after 1 attempt"}


async def test_consent_wall(topic: Topic, fake: tuple[GoogleNewsFake, int]) -> None:
    news, port = fake
    news.faults = {o.domains[0]: ["consent"] for _, o in topic.all_outlets}
    assert set(await failures(topic, client_to(port))) == {CONSENT_WALL}


async def test_tls(topic: Topic, fake: tuple[GoogleNewsFake, int]) -> None:
    """HTTPS to a server that speaks plain HTTP: the handshake fails, and says so."""
    _, port = fake
    base = "https://news.google.com"
    [error] = set(await failures(topic, client_to(port, base), base))
    assert error is not None
    assert error.startswith("TLS failed with news.google.com: ")
    assert error.endswith(" after 1 attempt")


async def test_one_line_per_kind_then_unreachable(
    topic: Topic, closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "digest_core.fetch.collect")
    async with client_to(closed_port) as client:
        sources = NewsSources([GoogleNewsSource(client, NEWS, attempts=1)])
        with pytest.raises(SourcesUnreachable) as caught:
            await sources.collect(topic, digest_window(topic, DAY))
    lines = [r.getMessage() for r in caplog.records if r.name == "digest_core.fetch.collect"]
    assert lines == [
        "china-japan: Google News feeds: 7 of 7 failed: connection refused by news.google.com after 1 attempt"
    ]
    assert caught.value.detail.endswith("connection refused by news.google.com after 1 attempt)")
    assert str(caught.value) == "The news sources could not be reached just now. Please try again later."


async def test_some_failing_are_counted(
    topic: Topic, fake: tuple[GoogleNewsFake, int], caplog: pytest.LogCaptureFixture
) -> None:
    news, port = fake
    outlets = [o for _, o in topic.all_outlets]
    news.faults = {outlets[0].domains[0]: ["503"], outlets[1].domains[0]: ["404"]}
    caplog.set_level(logging.WARNING, "digest_core.fetch.collect")
    async with client_to(port) as client:
        await NewsSources([GoogleNewsSource(client, NEWS, attempts=1)]).collect(topic, digest_window(topic, DAY))
    lines = [r.getMessage() for r in caplog.records if r.name == "digest_core.fetch.collect"]
    # equal counts: the first outlet's cause
    assert lines == ["china-japan: Google News feeds: 2 of 7 failed: HTTP 503 after 1 attempt (and 1 other cause)"]


def test_causes_of_errors_raised_without_a_request() -> None:
    assert cause_of(TimeoutError(), 15) == "timed out after 15 s"
    assert cause_of(ValueError("bad\n value")) == "ValueError: bad value"
    refused = httpx.ConnectError("All connection attempts failed")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    assert cause_of(refused) == "connection refused"


def test_consent_hosts() -> None:
    assert is_consent_wall("https://consent.google.com/ml?continue=x")
    assert is_consent_wall("https://consent.google.de/")
    assert not is_consent_wall("https://news.google.com/consent")
    assert not is_consent_wall("https://consent.example.com/")
    assert not is_consent_wall("not a url ::")


@given(st.lists(st.one_of(st.none(), st.text(min_size=1, max_size=40)), min_size=1, max_size=30))
def test_kind_line_counts_what_failed(errors: list[str | None]) -> None:
    line = kind_line("feeds", errors)
    failed = [e for e in errors if e]
    if not failed:
        assert line is None
        return
    assert line is not None
    assert line.startswith(f"feeds: {len(failed)} of {len(errors)} failed: ")
    assert any(line[len(f"feeds: {len(failed)} of {len(errors)} failed: ") :].startswith(e) for e in failed)
