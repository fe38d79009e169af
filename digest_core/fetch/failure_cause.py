"""Why a fetch failed, in the few words an operator acts on, and one line per kind of source.

`cause_of` names a failed request's cause from the exception httpx (or a client built on it, such
as google-genai's) raised: "DNS lookup failed for news.google.com", "connection refused by
127.0.0.1:8080", "timed out after 15 s (news.google.com)", "TLS failed with news.google.com:
certificate verify failed", "HTTP 503". `kind_line` sums up one kind of source ("Google News
feeds: 7 of 7 failed: ..."), for the log.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections import Counter
from collections.abc import Iterator, Sequence

import httpx

CONSENT_WALL = "consent wall (redirected to consent.google.com)"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and those it was raised from or during, nearest first (each once)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _url(exc: BaseException) -> httpx.URL | None:
    """The URL of the request an httpx error belongs to (a redirect's target when that failed)."""
    try:
        return exc.request.url if isinstance(exc, httpx.RequestError | httpx.HTTPStatusError) else None
    except RuntimeError:  # an httpx error raised without its request
        return None


def _where(exc: BaseException, url: httpx.URL | None) -> str:
    """`host`, or `host:port` when the URL names a port; from aiohttp's connection errors (google-genai's
    transport when aiohttp is installed), their `host` and `port`."""
    if url is not None:
        return f"{url.host}:{url.port}" if url.port is not None else url.host
    host, port = getattr(exc, "host", None), getattr(exc, "port", None)
    if not isinstance(host, str) or not host:
        return ""
    return f"{host}:{port}" if isinstance(port, int) and port not in (80, 443) else host


def is_consent_wall(url: str | httpx.URL) -> bool:
    """Whether a URL is Google's consent page (where Google sends EU visitors before any content)."""
    try:
        host = httpx.URL(str(url)).host
    except httpx.InvalidURL:
        return False
    return host.startswith("consent.") and (host.endswith(".google.com") or ".google." in host)


def cause_of(exc: BaseException, timeout: float | None = None) -> str:
    """A failed request's cause in a few words: DNS, refused, timeout (after `timeout` seconds, when
    given), TLS, HTTP status, a consent wall; else the exception's type and message."""
    url = _url(exc)
    if url is not None and is_consent_wall(url):  # a redirect to the consent page that could not be read
        return CONSENT_WALL
    where = _where(exc, url)
    at = f" ({where})" if where else ""
    if isinstance(exc, httpx.HTTPStatusError):
        if exc.response.has_redirect_location and is_consent_wall(exc.response.headers["location"]):
            return CONSENT_WALL
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return f"timed out after {timeout:g} s{at}" if timeout else f"timed out{at}"
    for link in _chain(exc):
        if isinstance(link, socket.gaierror):
            return f"DNS lookup failed for {where or 'the host'}"
        if isinstance(link, ssl.SSLCertVerificationError):
            return f"TLS failed with {where or 'the host'}: {link.verify_message or link.reason}"
        if isinstance(link, ssl.SSLError):
            return f"TLS failed with {where or 'the host'}: {(link.reason or str(link)).lower().replace('_', ' ')}"
        if isinstance(link, ConnectionRefusedError) or getattr(link, "errno", None) == errno.ECONNREFUSED:
            return f"connection refused{' by ' + where if where else ''}"
        if isinstance(link, OSError) and link.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return f"network unreachable{at}"
        if isinstance(link, TimeoutError):
            return f"timed out after {timeout:g} s{at}" if timeout else f"timed out{at}"
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def kind_line(kind: str, errors: Sequence[str | None]) -> str | None:
    """One line on one kind of source, None when none of them failed: how many of how many failed
    and the most common cause ("Google News feeds: 7 of 7 failed: DNS lookup failed for
    news.google.com after 3 attempts"), with the number of other causes if there are any."""
    failed = Counter(error for error in errors if error)
    if not failed:
        return None
    (cause, _), others = failed.most_common(1)[0], len(failed) - 1
    more = f" (and {others} other cause{'s' if others > 1 else ''})" if others else ""
    return f"{kind}: {sum(failed.values())} of {len(errors)} failed: {cause}{more}"
