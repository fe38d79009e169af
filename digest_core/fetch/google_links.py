"""Google News article links decoded to the publisher's URL, on the caller's httpx client.

A link is `https://news.google.com/rss/articles/<id>` (also `/articles/<id>`, `/read/<id>`). Old ids
embed the URL in their protobuf bytes: `embedded_url` reads it with no request. Current ids are
opaque (bytes `AU_yqL...`) and take Google's two steps: the article page's `data-n-a-sg`
(signature) and `data-n-a-ts` (timestamp) attributes, then one `batchexecute` POST for up to
`BATCH_SIZE` ids. Requests go one at a time, `interval` seconds apart; 429 is waited out
(`Retry-After`, capped) by every request of the decoder, whichever build makes it, and repeated
429s, a consent wall, a changed answer or an unreachable Google end decoding for the run
(`DecodingStopped`, one line in the log): links stay Google links.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx

from digest_core.errors import AnswerShapeError, BodyTooLarge, DecodingStopped, UnsupportedEncoding
from digest_core.fetch.failure_cause import cause_of
from digest_core.fetch.normalize import MAX_URL
from digest_core.fetch.polite import ACCEPT_ENCODING, describe_error, host_of, read_capped
from digest_core.fetch.polite import retry_after as retry_after_seconds
from digest_core.pacing import RateLimiter, Sleep

log = logging.getLogger(__name__)

GOOGLE_NEWS_HOST = "news.google.com"
BATCH_SIZE = 40  # ids per batchexecute POST (~25 kB of form body)
MAX_429 = 3  # 429 answers in one run after which decoding stops for that run
MAX_UNSIGNED_IN_A_ROW = 3  # article pages in a row without the attributes: the page changed, stop
DEFAULT_429_WAIT = 10.0  # seconds waited after a 429 without a usable Retry-After
MAX_ANSWER = 2 * 1024 * 1024  # decoded bytes of one page or batchexecute answer
MAX_HOPS = 3  # redirects followed on Google News's own host
BATCH_PATH = "/_/DotsSplashUi/data/batchexecute"
LOCALE = {"hl": "en-US", "gl": "US", "ceid": "US:en"}
CONSENT_LINE = (
    "Google News asks for consent (EU consent wall): links stay Google links; decode from an address "
    "outside the EU, or set PUBLISHER_LINKS=false to stop asking"
)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,2000}$")
_HOSTNAME = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$|^\[[0-9a-f:.]+\]$|^[0-9.]+$")
_GARTURLREQ_CONTEXT = [
    ["X", "X", ["X", "X"], None, None, 1, 1, "US:en", None, 1, None, None, None, None, None, 0, 1],
    *["X", "X", 1, [1, 1, 1], 1, 1, None, 0, 0, None, 0],
]


@dataclass(frozen=True)
class Resolution:
    """What became of one link: the publisher's URL, or why there is none (cached either way)."""

    publisher_url: str | None
    error: str | None = None


@dataclass(frozen=True)
class Signature:
    """An article page's decoding attributes: `data-n-a-sg` and `data-n-a-ts`."""

    signature: str
    timestamp: int


Answered = Callable[[Mapping[str, Resolution]], Awaitable[None]]  # called with each batch's answers as they come


def web_url(text: object) -> str | None:
    """`text` if it is an absolute http(s) URL with a plausible host, no spaces or control characters."""
    if not isinstance(text, str) or not 0 < len(text) <= MAX_URL or any(c.isspace() or ord(c) < 32 for c in text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not _HOSTNAME.match(host) or "\\" in parts.netloc:
        return None
    return text


def article_id(url: str, google_hosts: frozenset[str] = frozenset({GOOGLE_NEWS_HOST})) -> str | None:
    """The article id of a Google News link (`/rss/articles/<id>`, `/articles/<id>`, `/read/<id>`), else None."""
    if host_of(url) not in google_hosts:
        return None
    segments = urlsplit(url).path.rstrip("/").split("/")
    if len(segments) >= 2 and segments[-2] in ("articles", "read") and _ID.match(segments[-1]):
        return segments[-1]
    return None


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """A protobuf varint at `at`: (value, next position); IndexError when the bytes end first."""
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7
        if shift > 63:
            raise IndexError("varint too long")


def _fields(data: bytes) -> Iterator[bytes]:
    """The length-delimited fields of protobuf bytes, in order, until something else or the end."""
    at = 0
    try:
        while at < len(data):
            tag, at = _varint(data, at)
            wire = tag & 7
            if wire == 0:
                _, at = _varint(data, at)
            elif wire == 2:
                size, at = _varint(data, at)
                if at + size > len(data):
                    return
                yield data[at : at + size]
                at += size
            else:
                return
    except IndexError:
        return


def embedded_url(article_id: str) -> str | None:
    """The publisher URL an old id carries in its protobuf bytes (no request); None for opaque ids."""
    try:
        data = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
    except (binascii.Error, ValueError):
        return None
    for value in _fields(data):
        if value.startswith(b"AU_yqL"):
            return None  # an opaque id: Google must be asked
        try:
            url = web_url(value.decode("utf-8"))
        except UnicodeDecodeError:
            continue
        if url:
            return url
    return None


class _SignatureFinder(HTMLParser):
    """Finds the attributes on a `c-wiz > div[jscontroller]` element (the first that has both)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: tuple[str, str] | None = None
        self._parent: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.found is None and tag == "div" and self._parent == "c-wiz" and "jscontroller" in values:
            sg, ts = values.get("data-n-a-sg"), values.get("data-n-a-ts")
            if sg and ts:
                self.found = (sg, ts)
        self._parent = tag


def page_signature(html: str) -> Signature | None:
    """The signature and timestamp on a Google News article page, None when it carries none."""
    finder = _SignatureFinder()
    try:
        finder.feed(html)
        finder.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    if finder.found is None:
        return None
    sg, ts = finder.found
    if not ts.isascii() or not ts.isdigit() or len(ts) > 12 or len(sg) > 1000 or not sg.isprintable():
        return None
    return Signature(sg, int(ts))


def batch_body(entries: Sequence[tuple[str, Signature]]) -> str:
    """The form body of one batchexecute POST: `f.req=` and one `Fbv4je` call per (id, signature),
    numbered "1", "2", ... (Google echoes the number on each answer row)."""
    calls = [
        [
            "Fbv4je",
            json.dumps(["garturlreq", _GARTURLREQ_CONTEXT, aid, sig.timestamp, sig.signature], separators=(",", ":")),
            None,
            str(n),
        ]
        for n, (aid, sig) in enumerate(entries, start=1)
    ]
    return "f.req=" + quote(json.dumps([calls], separators=(",", ":")), safe="")


def _json_values(text: str) -> list[object]:
    """The JSON values of a batchexecute answer after `)]}'`: one array, or length-prefixed chunks."""
    decoder = json.JSONDecoder()
    values: list[object] = []
    at = 0
    while True:
        while at < len(text) and (text[at].isspace() or text[at].isdigit()):
            at += 1  # blank lines and the chunk lengths of the chunked form
        if at >= len(text):
            return values
        value, at = decoder.raw_decode(text, at)
        values.append(value)


def parse_batch_answer(text: str, sent: int) -> dict[int, str | None]:
    """Each call's URL (by its number, 1..`sent`) in a batchexecute answer; None where Google gave none.

    `AnswerShapeError` (one line) when the answer is not `)]}'` and rows of `["wrb.fr", "Fbv4je",
    "[\\"garturlres\\", \\"<url>\\", ...]", ..., "<number>"]`. Only http(s) URLs come out.
    """
    body = text.lstrip()
    if not body.startswith(")]}'"):
        raise AnswerShapeError(f"it does not start with )]}}' but {body[:30]!r}")
    try:
        values = _json_values(body[4:])
    except (ValueError, RecursionError) as exc:
        raise AnswerShapeError(f"its JSON does not parse ({describe_error(exc)})") from exc
    rows = [row for value in values if isinstance(value, list) for row in value]
    calls = [row for row in rows if isinstance(row, list) and len(row) >= 3 and row[:2] == ["wrb.fr", "Fbv4je"]]
    if not calls:
        raise AnswerShapeError('it has no ["wrb.fr", "Fbv4je", ...] row')
    urls: list[tuple[str | None, str | None]] = []
    for row in calls:
        number = next((str(cell) for cell in reversed(row[3:]) if cell is not None), None)
        urls.append((number, _garturlres(row[2])))
    numbers = {str(n) for n in range(1, sent + 1)}
    if all(number in numbers for number, _ in urls):
        by_number = {int(number): url for number, url in urls if number is not None}
    elif len(urls) == sent:  # numbers not echoed: the rows answer the calls in order
        by_number = {n: url for n, (_, url) in enumerate(urls, start=1)}
    else:
        raise AnswerShapeError(f"its {len(urls)} rows do not match the {sent} calls sent")
    return {n: by_number.get(n) for n in range(1, sent + 1)}


def _garturlres(payload: object) -> str | None:
    """The URL of one call's answer (`["garturlres", "<url>", ...]` as JSON text); None for a refusal."""
    if payload is None:
        return None  # Google answers an id it cannot decode with an empty payload
    try:
        value = json.loads(payload) if isinstance(payload, str) else None
    except (ValueError, RecursionError):
        value = None
    if not (isinstance(value, list) and len(value) >= 2 and value[0] == "garturlres"):
        raise AnswerShapeError(f'a row\'s payload is not ["garturlres", url, ...]: {str(payload)[:60]!r}')
    return web_url(value[1])


@dataclass
class _Run:
    """One `resolve` call's count of 429 answers and article pages in a row without attributes."""

    too_many: int = 0
    unsigned_in_a_row: int = 0


@dataclass(frozen=True)
class _Answer:
    """A response, read: its status, body, where it redirects (absolute), the seconds a 429 asks to wait."""

    status: int
    body: bytes
    location: str | None = None
    wait: float = 0.0


@dataclass
class GoogleLinkDecoder:
    """Decodes Google News links on `client`, against `base_url` (GOOGLE_NEWS_BASE_URL).

    One request at a time to Google, `interval` seconds apart, each within `timeout` seconds, none
    during the wait a 429 asked for (whichever run got it); `requests` counts the page GETs ("page")
    and the POSTs ("batch") made; `stopped` holds the last run's reason for stopping, if any.
    `clock` (monotonic seconds; default the event loop's) and `sleep` can be replaced in tests.
    """

    client: httpx.AsyncClient
    base_url: str = f"https://{GOOGLE_NEWS_HOST}"
    interval: float = 1.0
    timeout: float = 10.0
    max_retry_after: float = 120.0
    sleep: Sleep = asyncio.sleep
    clock: Callable[[], float] | None = None
    pace: RateLimiter | None = None
    requests: Counter[str] = field(default_factory=Counter)
    stopped: str | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._hosts = frozenset({GOOGLE_NEWS_HOST, host_of(self.base_url)})
        self._pace = self.pace or RateLimiter(self.interval, self.clock, self.sleep)
        self._one_at_a_time = asyncio.Lock()
        self._paused_until = -math.inf  # on `_now`'s clock: no request to Google before then (a 429's wait)

    def _now(self) -> float:
        return self.clock() if self.clock else asyncio.get_running_loop().time()

    def is_google_link(self, url: str) -> bool:
        return article_id(url, self._hosts) is not None

    async def resolve(self, urls: Sequence[str], each: Answered | None = None) -> Mapping[str, Resolution]:
        """A `Resolution` for each Google link of `urls` that was decoded or refused; links not
        asked (not Google's, or after decoding stopped) are absent. `each` is awaited with the
        local answers, then with each batch's as it comes (a caller cut short keeps those)."""
        results: dict[str, Resolution] = {}

        async def answered(found: dict[str, Resolution]) -> None:
            results.update(found)
            if each is not None and found:
                await each(found)

        local: dict[str, Resolution] = {}
        opaque: list[tuple[str, str]] = []
        for url in dict.fromkeys(urls):
            aid = article_id(url, self._hosts)
            if aid is None:
                continue
            embedded = embedded_url(aid)
            if embedded:
                local[url] = Resolution(embedded)
            else:
                opaque.append((url, aid))
        await answered(local)
        self.stopped = None
        run = _Run()
        batch: dict[str, Resolution] = {}
        try:
            for start in range(0, len(opaque), BATCH_SIZE):
                batch = {}
                signed: list[tuple[str, str, Signature]] = []
                for url, aid in opaque[start : start + BATCH_SIZE]:
                    found = await self._signature(url, aid, run)
                    if isinstance(found, Signature):
                        signed.append((url, aid, found))
                    else:
                        batch[url] = found
                if signed:
                    batch.update(await self._batch(signed, run))
                await answered(batch)
        except DecodingStopped as stop:
            self.stopped = str(stop)
            log.warning("%s", stop)
            await answered(batch)  # the refusals of the batch it stopped in
        return results

    async def _signature(self, url: str, aid: str, run: _Run) -> Signature | Resolution:
        """The article page's attributes (the RSS page, else the web page), or why there are none."""
        query = parse_qs(urlsplit(url).query)
        locale = {k: query.get(k, [v])[0] for k, v in LOCALE.items()}
        problem = "no data-n-a-sg / data-n-a-ts on its article page"
        for page in (f"{self.base_url}/rss/articles/{aid}?{urlencode(locale)}", f"{self.base_url}/articles/{aid}"):
            answer = await self._get_on_google(page, run)
            if answer.status == 200:
                sig = page_signature(answer.body.decode("utf-8", "replace"))
                if sig is not None:
                    run.unsigned_in_a_row = 0
                    return sig
            elif answer.location is not None:
                problem = f"its article page redirects (to {host_of(answer.location) or '?'})"
            else:
                problem = f"its article page answered HTTP {answer.status}"
        run.unsigned_in_a_row += 1
        if run.unsigned_in_a_row >= MAX_UNSIGNED_IN_A_ROW:
            raise DecodingStopped(
                f"Google News link decoding stops for this run: {run.unsigned_in_a_row} article pages in a row "
                f"gave no signature ({problem}); links stay Google links; if it lasts, Google changed its pages "
                "(see docs/sources.md)"
            )
        return Resolution(None, problem)

    async def _get_on_google(self, url: str, run: _Run) -> _Answer:
        """GET `url`, following redirects that stay on Google News's host (at most `MAX_HOPS`)."""
        for _ in range(MAX_HOPS + 1):
            answer = await self._request("GET", url, run)
            if answer.location is None or host_of(answer.location) not in self._hosts:
                return answer
            url = answer.location
        return answer  # still redirecting on Google News: the caller sees the redirect

    async def _batch(self, signed: list[tuple[str, str, Signature]], run: _Run) -> dict[str, Resolution]:
        """One POST for every signed id: each link's URL, or why Google gave none."""
        body = batch_body([(aid, sig) for _, aid, sig in signed])
        answer = await self._request("POST", f"{self.base_url}{BATCH_PATH}", run, body)
        if answer.status != 200:
            raise DecodingStopped(
                f"Google News link decoding stops for this run: batchexecute answered HTTP {answer.status}; "
                "links stay Google links"
            )
        try:
            found = parse_batch_answer(answer.body.decode("utf-8", "replace"), len(signed))
        except AnswerShapeError as exc:
            raise DecodingStopped(
                f"Google News link decoding stops for this run: the batchexecute answer has changed ({exc}); "
                "links stay Google links; update Digestbot if it lasts (see docs/sources.md)"
            ) from exc
        return {
            url: Resolution(found[n]) if found[n] else Resolution(None, "Google's answer gives no URL for it")
            for n, (url, _, _) in enumerate(signed, start=1)
        }

    async def _request(self, method: str, url: str, run: _Run, body: str | None = None) -> _Answer:
        """One request to Google, paced and alone; 429 waited out; `DecodingStopped` on a consent
        wall, too many 429s, a `Retry-After` over `max_retry_after`, or no answer at all."""
        while True:
            answer = await self._once(method, url, body)
            if answer.location is not None and host_of(answer.location).startswith("consent."):
                raise DecodingStopped(CONSENT_LINE)
            if answer.status != 429:
                return answer
            run.too_many += 1
            if run.too_many >= MAX_429:
                raise DecodingStopped(
                    f"Google News answered HTTP 429 (too many requests) {run.too_many} times: link decoding stops "
                    "for this run and links stay Google links; the next build asks again (a longer "
                    "PUBLISHER_LINKS_INTERVAL asks less often)"
                )
            if answer.wait > self.max_retry_after:
                raise DecodingStopped(
                    f"Google News answered HTTP 429 and asks to wait {answer.wait:.0f} s, more than "
                    f"FETCH_MAX_RETRY_AFTER ({self.max_retry_after:g} s): link decoding stops for this run; "
                    "links stay Google links"
                )
            # the next request (this run's or another build's) waits it out: see `_once`

    async def _wait_out_pause(self) -> None:
        """Wait (holding the lock) until the pause a 429 asked for is over; `DecodingStopped` if it is
        longer than `max_retry_after` from now."""
        remaining = self._paused_until - self._now()
        if remaining > self.max_retry_after:
            raise DecodingStopped(
                f"Google News asked (HTTP 429) for {remaining:.0f} s more without requests, more than "
                f"FETCH_MAX_RETRY_AFTER ({self.max_retry_after:g} s): link decoding stops for this run; "
                "links stay Google links"
            )
        if remaining > 0:
            log.info("Google News answered HTTP 429: waiting %.0f s before asking again", remaining)
            await self.sleep(remaining)

    async def _once(self, method: str, url: str, body: str | None) -> _Answer:
        """One paced request, alone, after any 429's pause, within `timeout` seconds, its body read
        within `MAX_ANSWER` bytes; a 429 sets the pause every later request waits out."""
        headers = {"Accept-Encoding": ACCEPT_ENCODING}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded;charset=UTF-8"
        async with self._one_at_a_time:
            await self._wait_out_pause()
            await self._pace.wait()
            self.requests["batch" if method == "POST" else "page"] += 1
            try:
                async with (
                    asyncio.timeout(self.timeout),
                    self.client.stream(method, url, content=body, headers=headers, follow_redirects=False) as response,
                ):
                    data = b"" if response.is_redirect else await read_capped(response, MAX_ANSWER)
            except TimeoutError as exc:
                raise DecodingStopped(
                    f"Google News did not answer within {self.timeout:g} s: link decoding stops for this run; "
                    "links stay Google links"
                ) from exc
            except (httpx.HTTPError, httpx.InvalidURL, BodyTooLarge, UnsupportedEncoding, ValueError) as exc:
                raise DecodingStopped(
                    f"Google News link decoding stops for this run ({cause_of(exc)}); links stay Google links"
                ) from exc
            wait = 0.0
            if response.status_code == 429:
                asked = retry_after_seconds(response.headers.get("retry-after"))
                wait = DEFAULT_429_WAIT if asked is None else asked
                self._paused_until = max(self._paused_until, self._now() + wait)
        location = response.headers.get("location") if response.is_redirect else None
        target = str(response.url.join(location)) if location else None
        return _Answer(response.status_code, data, target, wait)
