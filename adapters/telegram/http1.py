"""A lean HTTP/1.1 client for delivery sends: JSON POSTs on kept-alive connections to one API.

At the paid-broadcast rate (1,000 messages/s) aiohttp's client, general-purpose (redirects,
cookies, tracing, headers merged per call, a response object, streams), costs a large part of a
send's CPU. A delivery send needs only this: one POST of a body built beforehand, its status and
its body. Each connection is an asyncio `Protocol` that writes the request in one call and parses
the answer as it arrives (`Content-Length`, chunked, or up to the connection's end), at most
`size` connections at a time, each kept for the next request unless the server closes it.
Errors are `ConnectionError` (a connection refused, reset or closed before the whole answer) and
`TimeoutError`; TLS when the URL is https. Proxies are not followed: `AiohttpRequest` sends
through aiohttp when the environment names one.
"""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

_HEAD_END = b"\r\n\r\n"
_KEPT = 256  # request prefixes kept (a bot posts to a few methods)


class _Answer:
    """An HTTP answer parsed as its bytes arrive."""

    __slots__ = ("body", "buffer", "chunked", "close", "length", "status")

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.status = 0  # 0 until the head is parsed
        self.length: int | None = None
        self.chunked = False
        self.close = False
        self.body: bytes | None = None

    def feed(self, data: bytes) -> bool:
        """Take bytes; True once the answer is complete (`status`, `body`)."""
        self.buffer += data
        while not self.status:
            end = self.buffer.find(_HEAD_END)
            if end < 0:
                return False
            head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            del self.buffer[: end + 4]
            version, _, rest = head[0].partition(" ")
            if not version.startswith("HTTP/1.") or not rest[:3].isdigit():
                raise ConnectionError(f"not an HTTP/1.x answer: {head[0][:40]!r}")
            status = int(rest[:3])
            if 100 <= status < 200:  # an interim answer: the real one follows
                continue
            self.status = status
            self.close = version == "HTTP/1.0"
            for line in head[1:]:
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == "content-length":
                    self.length = int(value)
                elif name == "transfer-encoding":
                    self.chunked = "chunked" in value
                elif name == "connection":
                    self.close = "close" in value or (self.close and "keep-alive" not in value)
        if self.status in (204, 304):
            self.body = b""
            return True
        if self.chunked:
            return self._chunks()
        if self.length is not None:
            if len(self.buffer) < self.length:
                return False
            self.body = bytes(self.buffer[: self.length])
            return True
        self.close = True  # no length: the body ends with the connection
        return False

    def _chunks(self) -> bool:
        body, at = bytearray(), 0
        while True:
            line_end = self.buffer.find(b"\r\n", at)
            if line_end < 0:
                return False
            size = int(bytes(self.buffer[at:line_end]).split(b";")[0].strip() or b"0", 16)
            if size == 0:  # the last chunk, then trailers (rarely any) and an empty line
                if self.buffer[line_end + 2 : line_end + 4] != b"\r\n" and self.buffer.find(_HEAD_END, line_end) < 0:
                    return False
                self.body = bytes(body)
                return True
            start = line_end + 2
            if len(self.buffer) < start + size + 2:
                return False
            body += self.buffer[start : start + size]
            at = start + size + 2

    def ended(self) -> bool:
        """At the connection's end: True if that completes the answer (a body without a length)."""
        if self.status and not self.chunked and self.length is None:
            self.body = bytes(self.buffer)
            return True
        return False


class _Connection(asyncio.Protocol):
    """One kept-alive connection: one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.open = True
        self._answer: _Answer | None = None
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        answer, waiter = self._answer, self._waiter
        if answer is None or waiter is None or waiter.done():
            self._fail(ConnectionError("an answer no request asked for"))
            return
        try:
            complete = answer.feed(data)
        except (ValueError, ConnectionError) as exc:
            self._fail(exc if isinstance(exc, ConnectionError) else ConnectionError(f"bad answer: {exc}"))
            return
        if complete:
            self._answer = self._waiter = None
            if answer.close:
                self._abort()
            waiter.set_result((answer.status, answer.body or b""))

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        answer, waiter = self._answer, self._waiter
        self._answer = self._waiter = None
        if waiter is None or waiter.done():
            return
        if exc is None and answer is not None and answer.ended():
            waiter.set_result((answer.status, answer.body or b""))
        else:
            waiter.set_exception(ConnectionError(f"connection closed before the whole answer ({exc or 'EOF'})"))

    def _fail(self, exc: Exception) -> None:
        waiter = self._waiter
        self._answer = self._waiter = None
        self._abort()
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def _abort(self) -> None:
        self.open = False
        if self.transport is not None:
            self.transport.abort()

    def request(self, data: bytes) -> asyncio.Future[tuple[int, bytes]]:
        """Write one request; its answer's (status, body)."""
        assert self.transport is not None and self._waiter is None
        self._answer = _Answer()
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self._waiter


class Http1Client:
    """JSON POSTs to one or more origins, at most `size` connections each, kept alive."""

    def __init__(
        self, size: int = 64, user_agent: str = "digestbot", ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.size = size
        self._agent = user_agent
        self._ssl = ssl_context
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._slots: dict[tuple[str, str, int], asyncio.Semaphore] = {}
        self._prefixes: dict[str, tuple[tuple[str, str, int], bytes]] = {}
        self._all: set[_Connection] = set()

    def _target(self, url: str) -> tuple[tuple[str, str, int], bytes]:
        """The origin of `url` and its request's head up to the body's length (built once per URL)."""
        known = self._prefixes.get(url)
        if known is not None:
            return known
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {self._agent}\r\n"
            "Content-Type: application/json\r\nAccept: */*\r\nContent-Length: "
        ).encode("latin-1")
        if len(self._prefixes) >= _KEPT:
            self._prefixes.clear()
        known = self._prefixes[url] = ((parts.scheme, parts.hostname, port), head)
        return known

    async def _connect(self, origin: tuple[str, str, int]) -> _Connection:
        scheme, host, port = origin
        context = None
        if scheme == "https":
            if self._ssl is None:  # the system's CAs, loaded once
                self._ssl = ssl.create_default_context()
            context = self._ssl
        _, connection = await asyncio.get_running_loop().create_connection(
            _Connection, host, port, ssl=context, server_hostname=host if context else None
        )
        self._all.add(connection)
        return connection

    async def post_json(self, url: str, body: bytes, bound: float | None) -> tuple[int, bytes]:
        """POST `body` (JSON) to `url`; the answer's status and body. Within `bound` seconds in
        all (waiting for a connection, connecting, writing, reading), else `TimeoutError`."""
        origin, head = self._target(url)
        slots = self._slots.get(origin)
        if slots is None:
            slots = self._slots[origin] = asyncio.Semaphore(self.size)
            self._idle[origin] = []
        idle = self._idle[origin]
        async with asyncio.timeout(bound), slots:
            connection = None
            while idle and connection is None:
                candidate = idle.pop()
                if candidate.open:
                    connection = candidate
                else:
                    self._all.discard(candidate)
            if connection is None:
                connection = await self._connect(origin)
            try:
                answer = await connection.request(b"%s%d\r\n\r\n%s" % (head, len(body), body))
            except BaseException:  # cancelled, timed out or failed mid-answer: never reused
                connection.open = False
                connection._abort()
                self._all.discard(connection)
                raise
            if connection.open:
                idle.append(connection)
            else:
                self._all.discard(connection)
            return answer

    async def close(self) -> None:
        """Close every connection."""
        for connection in self._all:
            connection._abort()
        self._all.clear()
        self._idle.clear()
        self._slots.clear()
