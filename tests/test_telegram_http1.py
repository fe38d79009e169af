"""`Http1Client` (delivery sends' HTTP) against real HTTP servers on 127.0.0.1: aiohttp's server
for well-formed answers, a raw asyncio server for the answers aiohttp never writes."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from telegram.error import NetworkError, TimedOut

from adapters.telegram.aiohttp_request import AiohttpRequest
from adapters.telegram.http1 import Http1Client
from adapters.telegram.lean import JsonRequestData, message_payload, message_request
from bot.demo_tls import LocalCA
from testkit.fakes.server import serve

PEERS: list[object] = []  # the client's address of each request the echo server saw


@pytest.fixture
async def echo() -> AsyncIterator[tuple[str, list[web.Request], list[bytes]]]:
    """An aiohttp server that answers each POST with its JSON body and counts connections."""
    seen: list[web.Request] = []
    bodies: list[bytes] = []
    peers = PEERS
    peers.clear()

    async def handle(request: web.Request) -> web.StreamResponse:
        seen.append(request)
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        body = await request.read()
        bodies.append(body)
        if request.path.endswith("/chunked"):
            response = web.StreamResponse(status=200)
            response.enable_chunked_encoding()
            await response.prepare(request)
            for piece in (b'{"ok":', b"true,", b'"result":1}'):
                await response.write(piece)
            await response.write_eof()
            return response
        if request.path.endswith("/slow"):
            await asyncio.sleep(5)
        status = 400 if request.path.endswith("/bad") else 200
        return web.Response(status=status, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    runner, port = await serve(app)
    try:
        yield f"http://127.0.0.1:{port}", seen, bodies
    finally:
        await runner.cleanup()


async def raw_server(answer: bytes) -> tuple[asyncio.Server, int]:
    """A server that reads one request's head and writes `answer` as it is, then closes."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_posts_the_body_and_reads_the_answer_on_one_kept_connection(
    echo: tuple[str, list[web.Request], list[bytes]],
) -> None:
    base, seen, bodies = echo
    client = Http1Client(size=4, user_agent="ua-test")
    try:
        answers = [await client.post_json(f"{base}/bot1/sendMessage", b'{"n":%d}' % k, 5.0) for k in range(3)]
    finally:
        await client.close()
    assert answers == [(200, b'{"n":0}'), (200, b'{"n":1}'), (200, b'{"n":2}')]
    assert bodies == [b'{"n":0}', b'{"n":1}', b'{"n":2}']
    assert seen[0].headers["Content-Type"] == "application/json"
    assert seen[0].headers["User-Agent"] == "ua-test"
    assert seen[0].path == "/bot1/sendMessage"
    assert len(set(PEERS)) == 1 and None not in PEERS  # one connection, kept alive


async def test_at_most_size_connections_at_once(echo: tuple[str, list[web.Request], list[bytes]]) -> None:
    base, seen, _ = echo
    client = Http1Client(size=3)
    try:
        answers = await asyncio.gather(*(client.post_json(f"{base}/x", b"{}", 5.0) for _ in range(12)))
    finally:
        await client.close()
    assert all(a == (200, b"{}") for a in answers)
    assert len(seen) == 12
    assert 1 <= len(set(PEERS)) <= 3


async def test_a_chunked_answer(echo: tuple[str, list[web.Request], list[bytes]]) -> None:
    base, _, _ = echo
    client = Http1Client()
    try:
        assert await client.post_json(f"{base}/chunked", b"{}", 5.0) == (200, b'{"ok":true,"result":1}')
        assert await client.post_json(f"{base}/again", b"[1]", 5.0) == (200, b"[1]")  # the connection is reusable
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", (200, b"{}")),
        (
            b"HTTP/1.0 502 Bad Gateway\r\n\r\nno length, ends with the connection",
            (502, b"no length, ends with the connection"),
        ),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx", (201, b"x")),
    ],
)
async def test_answers_aiohttp_does_not_write(answer: bytes, expected: tuple[int, bytes]) -> None:
    server, port = await raw_server(answer)
    client = Http1Client()
    try:
        assert await client.post_json(f"http://127.0.0.1:{port}/m", b"{}", 5.0) == expected
    finally:
        await client.close()
        server.close()


async def test_a_connection_closed_mid_answer_is_a_connection_error() -> None:
    server, port = await raw_server(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"cut')
    client = Http1Client()
    try:
        with pytest.raises(ConnectionError):
            await client.post_json(f"http://127.0.0.1:{port}/m", b"{}", 5.0)
    finally:
        await client.close()
        server.close()


async def test_through_the_bot_transport_with_ptb_errors(echo: tuple[str, list[web.Request], list[bytes]]) -> None:
    """`AiohttpRequest` sends a prebuilt JSON body through `Http1Client`; a timeout is PTB's
    `TimedOut`, a refused connection its `NetworkError` without the URL's path (the token)."""
    base, _, bodies = echo
    request = AiohttpRequest(connection_pool_size=2, read_timeout=0.2, write_timeout=0.1, connect_timeout=0.1)
    await request.initialize()
    try:
        data = message_request(-100, "<b>é</b>", True, 7, True)
        code, body = await request.do_request(f"{base}/botSECRET/sendMessage", "POST", data)  # type: ignore[arg-type]
        assert (code, body) == (200, bodies[-1])
        assert orjson.loads(body) == message_payload(-100, "<b>é</b>", True, 7, True)
        with pytest.raises(TimedOut):
            await request.do_request(f"{base}/botSECRET/slow", "POST", data, pool_timeout=0.1)  # type: ignore[arg-type]
        server, port = await raw_server(b"")
        server.close()
        await server.wait_closed()
        with pytest.raises(NetworkError) as refused:
            await request.do_request(f"http://127.0.0.1:{port}/botSECRET/m", "POST", data)  # type: ignore[arg-type]
        assert "SECRET" not in str(refused.value)
    finally:
        await request.shutdown()


def test_the_prebuilt_body_is_the_payload_as_json() -> None:
    cases: list[tuple[int | str, bool, int | None, bool]] = [
        (5, False, None, False),
        ("@chan", True, 3, True),
        (-1001, True, None, True),
    ]
    for chat, html, thread, paid in cases:
        built = message_request(chat, 'a "quoted" part\n', html, thread, paid)
        assert orjson.loads(built.json_body) == message_payload(chat, 'a "quoted" part\n', html, thread, paid)
        assert built.parameters == {"chat_id": chat}
    assert JsonRequestData({"a": [1]}).json_body == b'{"a":[1]}'


async def test_https_verifies_the_servers_certificate(tmp_path: Path) -> None:
    authority = LocalCA("Digestbot test CA")
    pem = authority.write_certificate(tmp_path / "ca.pem")
    app = web.Application()

    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=await request.read(), content_type="application/json")

    app.router.add_post("/{tail:.*}", answer)
    runner, port = await serve(app, authority.server_context(["localhost"]))
    trusting = Http1Client(ssl_context=ssl.create_default_context(cafile=str(pem)))
    untrusting = Http1Client()  # the system's CAs: the local CA is not among them
    try:
        assert await trusting.post_json(f"https://localhost:{port}/m", b"[2]", 5.0) == (200, b"[2]")
        with pytest.raises(ssl.SSLError):
            await untrusting.post_json(f"https://localhost:{port}/m", b"[2]", 5.0)
    finally:
        await trusting.close()
        await untrusting.close()
        await runner.cleanup()
