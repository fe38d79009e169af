"""PTB's HTTP transport on aiohttp instead of httpx.

Every `/digest` answer costs a getUpdates and a sendMessage. aiohttp's client, which the service
loads anyway (discord.py), costs about a quarter of httpx's per call (a loopback round trip: the
client's overhead, `python -m bench.http_clients`). Calls without files go out as a JSON
body (PTB's form encoding is pure Python), calls with files as a multipart form with the same
fields as PTB's `HTTPXRequest` sends; bodies and answers are encoded and parsed by orjson, in C.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

import aiohttp
import orjson
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from adapters.telegram.http1 import Http1Client

_JSON_HEADERS = {"Content-Type": "application/json"}
_KEPT = 256  # parsed URLs and timeouts kept (a bot calls a few methods, each with a few timeouts)

# PTB passes a timeout as a number, `None` (no timeout), or its marker object for "this request's
# default" (`BaseRequest.DEFAULT_NONE`; the marker's class is private to PTB, so only numbers and
# `None` are told apart here).
Timeout = float | None | object


class AiohttpRequest(BaseRequest):
    """One `aiohttp.ClientSession` with at most `connection_pool_size` connections.

    Timeouts (seconds, `None` for none) are the defaults of `HTTPXRequest`; `media_write_timeout`
    replaces `write_timeout` for uploads. aiohttp has no pool or write timeout of its own: waiting for
    a connection shares aiohttp's `connect` bound (`pool_timeout + connect_timeout`), and the whole
    call is bounded by the sum of the four timeouts, so a stalled upload still ends.

    A request whose body is JSON built beforehand (a `json_body`: delivery sends, `lean.py`) goes
    through `Http1Client` instead, on connections of its own (at most `connection_pool_size` too),
    within the same overall bound: a fraction of aiohttp's CPU per call. With a proxy in the
    environment, every request goes through aiohttp.
    """

    __slots__ = ("_connect", "_lean", "_media_write", "_pool", "_pool_size", "_read", "_session", "_urls", "_write")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read, self._write, self._media_write = read_timeout, write_timeout, media_write_timeout
        self._connect, self._pool = connect_timeout, pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._lean: Http1Client | None = None
        # Parsed once, not per call (a paid broadcast makes 1,000 calls a second).
        self._urls: dict[str, URL] = {}

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Telegram's answer parsed by orjson (in C); an answer it refuses (invalid UTF-8 or JSON)
        goes to PTB's parser, which replaces bad bytes or raises its `TelegramError`."""
        try:
            parsed: dict[str, Any] = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return BaseRequest.parse_json_payload(payload)
        return parsed

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets no cookies: none is stored or looked up
                trust_env=bool(getproxies()),  # HTTPS_PROXY and the like, as httpx (PTB's default) follows them
            )
        if self._lean is None and not getproxies():
            self._lean = Http1Client(self._pool_size, self.USER_AGENT)

    async def shutdown(self) -> None:
        if self._lean is not None:
            await self._lean.close()
            self._lean = None
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        json_body: bytes | None = getattr(request_data, "json_body", None)
        if json_body is not None and self._lean is not None:
            return await self._post_lean(url, json_body, read_timeout, write_timeout, connect_timeout, pool_timeout)
        files = request_data is not None and request_data.contains_files
        timeout = _timeout(
            read=_given(read_timeout, self._read),
            write=_given(write_timeout, self._media_write if files else self._write),
            connect=_given(connect_timeout, self._connect),
            pool=_given(pool_timeout, self._pool),
        )
        body: bytes | aiohttp.FormData | None = None
        headers: dict[str, str] | None = None
        if request_data is not None and files:
            body = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                body.add_field(name, value)
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                body.add_field(name, content, filename=filename, content_type=mimetype)
        elif request_data is not None:
            body = orjson.dumps(request_data.parameters)
            headers = _JSON_HEADERS
        target = self._urls.get(url)
        if target is None:
            if len(self._urls) >= _KEPT:
                self._urls.clear()
            target = self._urls[url] = URL(url)
        try:
            async with self._session.request(method, target, data=body, headers=headers, timeout=timeout) as res:
                return res.status, await res.read()
        # No chained cause: aiohttp's messages may hold the URL, and with it the token.
        except TimeoutError as err:  # connecting or waiting for the pool, reading, or the whole call's bound
            raise TimedOut(f"Timed out: {_describe(err, url)}") from None
        except aiohttp.ClientError as err:
            raise NetworkError(_describe(err, url)) from None

    async def _post_lean(
        self, url: str, body: bytes, read: Timeout, write: Timeout, connect: Timeout, pool: Timeout
    ) -> tuple[int, bytes]:
        """A prebuilt JSON body through `Http1Client`, with the errors PTB expects of a transport."""
        assert self._lean is not None
        bound = _timeout(
            read=_given(read, self._read),
            write=_given(write, self._write),
            connect=_given(connect, self._connect),
            pool=_given(pool, self._pool),
        ).total
        try:
            return await self._lean.post_json(url, body, bound)
        except TimeoutError as err:
            raise TimedOut(f"Timed out: {_describe(err, url)}") from None
        except OSError as err:  # ConnectionError, TLS errors, a refused or unreachable host
            raise NetworkError(_describe(err, url)) from None


@lru_cache(maxsize=_KEPT)
def _timeout(
    read: float | None, write: float | None, connect: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    """PTB's four timeouts as an aiohttp timeout (built once per combination: a send is hot)."""
    parts = (pool, connect, write, read)
    return aiohttp.ClientTimeout(
        total=None if None in parts else sum(p for p in parts if p is not None),
        connect=None if pool is None or connect is None else pool + connect,
        sock_connect=connect,
        sock_read=read,
    )


def _given(value: Timeout, default: float | None) -> float | None:
    """A timeout the caller gave (seconds, or `None` for none), else `default` (PTB's marker)."""
    if value is None or isinstance(value, int | float):
        return value
    return default


def _describe(err: BaseException, url: str) -> str:
    """The error's class and message on one line, without the URL's path (it holds the bot token)."""
    text = " ".join(str(err).split())
    path = urlsplit(url).path
    if len(path) > 1:
        text = text.replace(path, "/…")
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
