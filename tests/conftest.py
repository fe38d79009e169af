"""Shared fixtures: a guard against real network access, fake servers, and the default topic."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from digest_core.topics import Topic, load_topics
from tests.fakes.gemini import GeminiFake
from tests.fakes.google_news import GoogleNewsFake
from tests.fakes.server import ThreadedServer

DATA = Path(__file__).resolve().parent / "data"
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(address: Any) -> None:
    if isinstance(address, tuple):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConnectionRefusedError(f"tests may not connect to {host}: real network access is blocked")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection to a non-loopback address."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the developer's environment or `.env`."""
    for name in (
        "GEMINI_API_KEY", "DATABASE_URL", "TOPICS_FILE", "GOOGLE_GEMINI_BASE_URL", "CONTENT_DIR",
        "TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "DISCORD_BOT_TOKEN", "DISCORD_GUILD_ID",
        "DISCORD_API_BASE_URL", "DISCORD_GATEWAY_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def topic() -> Topic:
    return load_topics().get("china-japan")


@pytest.fixture
def google_news() -> Iterator[tuple[GoogleNewsFake, str]]:
    fake = GoogleNewsFake()
    with ThreadedServer(fake.app()) as server:
        yield fake, server.base_url


@pytest.fixture
def gemini() -> Iterator[tuple[GeminiFake, str]]:
    fake = GeminiFake()
    with ThreadedServer(fake.app()) as server:
        yield fake, server.base_url


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, google_news: tuple[GoogleNewsFake, str]) -> Path:
    """Environment for running the CLI against the fake Google News, with a fresh data directory."""
    _, base = google_news
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GOOGLE_NEWS_BASE_URL", base)
    monkeypatch.setenv("FETCH_BACKOFF", "0.01")
    monkeypatch.setenv("FETCH_TIMEOUT", "2")
    return tmp_path / "data"
