"""https through FETCH_CONNECT_TO: the production client (`make_outbound_client` from real Settings)
reaches TLS fakes on loopback for production host names, trusting a local CA through FETCH_CA_FILE.
Verification stays on: SNI and the certificate check use the URL's host name, a certificate for
another name is refused, and without FETCH_CA_FILE the local CA is not trusted."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from pydantic import ValidationError

from bot.demo_tls import LocalCA, connect_to
from bot.outbound import make_outbound_client
from bot.settings import Settings
from digest_core.topics import load_topics
from testkit.fakes.server import ThreadedServer

HOST = "www.chinadaily.com.cn"


class Recorder:
    """An https app that answers every GET with the Host header and SNI name it saw."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self.sni: list[str | None] = []

    def app(self) -> web.Application:
        async def answer(request: web.Request) -> web.Response:
            self.hosts.append(request.host)
            return web.Response(text=f"hello from {request.host}")

        app = web.Application()
        app.router.add_get("/{tail:.*}", answer)
        return app

    def context(self, ca: LocalCA, names: list[str]) -> ssl.SSLContext:
        context = ca.server_context(names)
        context.sni_callback = lambda _sock, name, _ctx: self.sni.append(name)  # type: ignore[assignment]
        return context


@pytest.fixture
def ca(tmp_path: Path) -> tuple[LocalCA, Path]:
    authority = LocalCA("Digestbot test CA")
    return authority, authority.write_certificate(tmp_path / "ca.pem")


async def fetch(settings: Settings, url: str) -> httpx.Response:
    async with make_outbound_client(settings, load_topics(), timeout=5) as client:
        return await client.get(url)


async def test_https_reaches_the_loopback_host_with_the_urls_host_name(ca: tuple[LocalCA, Path]) -> None:
    authority, pem = ca
    recorder = Recorder()
    with ThreadedServer(recorder.app(), recorder.context(authority, [HOST])) as server:
        settings = Settings(fetch_connect_to=connect_to({HOST: server.port}), fetch_ca_file=pem)
        response = await fetch(settings, f"https://{HOST}/robots.txt")
    assert (response.status_code, response.text) == (200, f"hello from {HOST}")
    assert recorder.hosts == [HOST]  # the production Host header
    assert recorder.sni == [HOST]  # SNI names the URL's host, not 127.0.0.1


async def test_a_certificate_for_another_name_is_refused(ca: tuple[LocalCA, Path]) -> None:
    authority, pem = ca
    recorder = Recorder()
    with ThreadedServer(recorder.app(), recorder.context(authority, ["news.google.com"])) as server:
        settings = Settings(fetch_connect_to=connect_to({HOST: server.port}), fetch_ca_file=pem)
        with pytest.raises(httpx.ConnectError, match=f"(?i)hostname mismatch.*{HOST}"):
            await fetch(settings, f"https://{HOST}/")
    assert recorder.hosts == []


async def test_without_the_ca_file_the_local_ca_is_not_trusted(ca: tuple[LocalCA, Path]) -> None:
    authority, _ = ca
    recorder = Recorder()
    with ThreadedServer(recorder.app(), recorder.context(authority, [HOST])) as server:
        settings = Settings(fetch_connect_to=connect_to({HOST: server.port}))
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            await fetch(settings, f"https://{HOST}/")
    assert recorder.hosts == []


async def test_the_ca_file_adds_trust_for_its_own_authority_only(tmp_path: Path, ca: tuple[LocalCA, Path]) -> None:
    """A server signed by another local CA stays untrusted with FETCH_CA_FILE set."""
    _, pem = ca
    other = LocalCA("Someone else's CA")
    recorder = Recorder()
    with ThreadedServer(recorder.app(), recorder.context(other, [HOST])) as server:
        settings = Settings(fetch_connect_to=connect_to({HOST: server.port}), fetch_ca_file=pem)
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            await fetch(settings, f"https://{HOST}/")
    assert recorder.hosts == []


def test_a_missing_or_unusable_ca_file_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    empty = tmp_path / "empty.pem"
    empty.write_text("no certificate here\n")
    cases = ((missing, "does not exist"), (garbage, "holds no usable PEM certificate"), (empty, "holds no usable"))
    for path, reason in cases:
        with pytest.raises(ValidationError) as error:
            Settings(fetch_ca_file=path)
        message = error.value.errors()[0]["msg"]
        assert reason in message and str(path) in message and "\n" not in message


def test_an_empty_ca_file_setting_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FETCH_CA_FILE", "")
    assert Settings().fetch_ca_file is None
