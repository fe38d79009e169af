"""A rate limiter for PTB that keeps within Telegram's flood limits and honours `RetryAfter`.

Hand-written, not PTB's `AIORateLimiter`: that one has no per-private-chat limit and no retries by default.

Limits (PTB's `constants.FloodLimit`): about 30 messages/s overall, 20/min per group or channel,
about 1/s per chat. With `allow_paid_broadcast` (an opt-in setting, paid per message beyond the
free limit) Telegram allows up to 1,000 messages/s overall: `for_paid_broadcast` builds that
limiter. Only message-sending requests are throttled; every request waits out a pause ordered by
a `RetryAfter` answer, which then retries the request up to `max_retries` times.

Replies to commands come first: sent while an update is handled (`replying()`), they do not queue
behind a fan-out's sends nor wait for their spacing, only for room in the window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from digest_core.delivery.ports import announce_send
from digest_core.pacing import SlidingWindow

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
IN_FLIGHT_POLL = 0.005  # seconds between checks while every slot of the window is in flight
CATCH_UP = 0.01  # seconds: how far sends made late (a wake-up's delay) may catch up on the even spacing
IN_FLIGHT_AT_MOST = 64  # queued sends between their slot and their answer at once: the bot's connection pool
IN_FLIGHT_FULL_POLL = 0.001  # seconds between checks while that many are
FREE_PER_SECOND = 30
PAID_BROADCAST_PER_SECOND = 1000


_replying: ContextVar[bool] = ContextVar("replying", default=False)


@contextlib.contextmanager
def replying() -> Iterator[None]:
    """Sends made inside (handling one update: the answer to a command) come before queued sends."""
    token = _replying.set(True)
    try:
        yield
    finally:
        _replying.reset(token)


def is_replying() -> bool:
    """Whether a send made now is a reply (inside `replying()`)."""
    return _replying.get()


def retry_after_seconds(exc: RetryAfter) -> float:
    """The pause a `RetryAfter` asks for, in seconds (PTB gives an int or a timedelta)."""
    with warnings.catch_warnings():  # an int (deprecated, it warns) unless PTB_TIMEDELTA is set
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_throttled(endpoint: str) -> bool:
    """Requests that post a message count against the flood limits; reads and chat actions do not."""
    return endpoint.startswith(("send", "copy", "forward")) and endpoint != "sendChatAction"


class TelegramRateLimiter(BaseRateLimiter[int]):
    """Paces sends: a sliding window overall (spread out, no bursts), a per-group window, an interval per chat.

    `margin` (seconds) widens every window a little, so that jitter between our clock and the
    server's never pushes a burst over the limit. `rate_limit_args` overrides `max_retries`.

    Sends are spread at half the even spacing on average (a virtual schedule): the sends that a
    late wake-up of the event loop held back go at once, up to `catch_up` seconds' worth, instead
    of each waiting its own spacing after the late one. At 1,000 messages/s the spacing (0.5 ms)
    is finer than the loop's timers (1 ms), which would otherwise cap the rate near 550/s. At most
    `in_flight_at_most` queued sends (64, the bot's connection pool) are between their slot and
    their answer at once: more would only wait for a connection with their part announced, and a
    sender whose loop falls behind (a starved CPU) would announce parts far ahead of sending them,
    which a SIGKILL leaves in doubt, never sent.

    Bookkeeping is O(1) per send, however many chats: a chat's state is its recent send times (a
    tuple of floats, which the garbage collector stops tracking) and exists only while it can still
    delay a send (a chat interval after its last send, a minute for a group); each send queues its
    chat's expiry in time order, and expired chats are forgotten from the front of that queue.
    """

    def __init__(
        self,
        overall_per_second: int = FREE_PER_SECOND,
        group_per_minute: int = 20,
        chat_interval: float = 1.0,
        max_retries: int = 3,
        margin: float = 0.02,
        catch_up: float = CATCH_UP,
        in_flight_at_most: int = IN_FLIGHT_AT_MOST,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.overall_per_second = overall_per_second
        self.group_per_minute = group_per_minute
        self.chat_interval = chat_interval
        self.max_retries = max_retries
        self.margin = margin
        self.catch_up = catch_up
        self.in_flight_at_most = in_flight_at_most
        self._clock = clock  # clock and sleep are injectable for tests in virtual time
        self._sleep = sleep
        self._next_slot = 0.0  # when the even spacing's next send is due (virtual: it may lag behind now)
        self._window = SlidingWindow(overall_per_second, 1.0 + margin)  # the overall limit's count
        self._overall_lock = asyncio.Lock()
        self._chats: dict[str, tuple[float, ...]] = {}  # recent send times, only while they can delay a send
        self._expiring: dict[bool, deque[tuple[float, str]]] = {False: deque(), True: deque()}  # by `group`
        self._paused_until = 0.0
        self.retry_afters = 0  # RetryAfter answers received, for reports and tests

    announces_sends = True  # each send calls the core's `announce_send()` once its slot is granted

    @classmethod
    def for_paid_broadcast(cls, paid: bool, **kwargs: Any) -> TelegramRateLimiter:
        """The limiter that follows the `allow_paid_broadcast` setting: 1,000 messages/s when on."""
        return cls(overall_per_second=PAID_BROADCAST_PER_SECOND if paid else FREE_PER_SECOND, **kwargs)

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Forget per-chat state."""
        self._chats.clear()
        for queue in self._expiring.values():
            queue.clear()

    @property
    def chats_tracked(self) -> int:
        """Chats with state now: those whose recent sends can still delay a send."""
        return len(self._chats)

    def _horizon(self, group: bool) -> float:
        """How long after a chat's last send its state still matters."""
        return (60.0 if group else self.chat_interval) + self.margin

    def _chat_wait(self, chat_key: str, group: bool, now: float) -> float:
        sends = self._chats.get(chat_key)
        if not sends:
            return 0.0
        wait = sends[-1] + self.chat_interval + self.margin - now
        if group and len(sends) >= self.group_per_minute:
            window = 60.0 + self.margin
            recent = [t for t in sends if t > now - window]  # at most `group_per_minute`
            if len(recent) >= self.group_per_minute:
                wait = max(wait, recent[0] + window - now)
        return wait

    def _overall_wait(self, now: float, spread: bool = True) -> float:
        """Until the next send may start. A send counts in the overall window from the moment it
        is reserved until a window after its answer: Telegram may have received it at any moment
        in between, so a send delayed on our side (a busy loop, a slow connection) can never make
        more than the limit arrive within one window."""
        wait = self._paused_until - now
        if spread:  # spread out: half the even spacing between two sends, kept on average
            wait = max(wait, self._next_slot - self.catch_up - now)
            if self._window.in_flight >= self.in_flight_at_most:  # no part announced to wait for a connection
                wait = max(wait, IN_FLIGHT_FULL_POLL)
        return max(wait, self._window.wait(now, poll=IN_FLIGHT_POLL))

    def _answered(self) -> None:
        self._window.answered(self._now())

    async def _sleep_while(self, remaining: Callable[[], float]) -> None:
        """Sleep until `remaining()` is no longer positive; re-checked, as another task may take the slot."""
        wait = remaining()
        while wait > 0:
            await self._sleep(wait)
            wait = remaining()

    async def _reserve(self, chat_key: str, group: bool) -> None:
        """Wait for the chat's spacing, then for room overall (replies), or for the queue's turn and
        its room (sends); the chat is checked again at the moment the slot is taken, as another
        send to it may have taken one meanwhile (no per-chat lock: no per-chat object)."""
        while True:
            await self._sleep_while(lambda: self._chat_wait(chat_key, group, self._now()))
            if is_replying():  # not behind the queue: only room in the window
                await self._sleep_while(lambda: self._overall_wait(self._now(), spread=False))
                if self._chat_wait(chat_key, group, self._now()) <= 0:
                    self._take(chat_key, group)
                    return
                continue
            async with self._overall_lock:
                await self._sleep_while(lambda: self._overall_wait(self._now()))
                if self._chat_wait(chat_key, group, self._now()) <= 0:
                    self._take(chat_key, group)
                    return

    def _take(self, chat_key: str, group: bool) -> None:
        """Reserve a send now (right after its wait was checked, with no await in between)."""
        now = self._now()
        self._next_slot = max(self._next_slot, now) + (1.0 + self.margin) / self.overall_per_second / 2
        self._window.started()  # counted until a window after `_answered`
        sends: tuple[float, ...] = (now,)
        if group:  # the group's sends of the last minute that the next one must count
            recent = [t for t in self._chats.get(chat_key, ()) if t > now - self._horizon(True)]
            sends = (*recent[max(0, len(recent) - self.group_per_minute + 1) :], now)
        self._chats[chat_key] = sends
        self._expiring[group].append((now + self._horizon(group), chat_key))
        self._forget(now)

    def _forget(self, now: float) -> None:
        """Drop the chats whose sends can no longer delay any send: O(1) per send, amortized (each
        send queues one expiry, in time order, and each expiry is looked at once)."""
        for group, queue in self._expiring.items():
            horizon = self._horizon(group)
            while queue and queue[0][0] <= now:
                key = queue.popleft()[1]
                sends = self._chats.get(key)
                if sends is not None and sends[-1] + horizon <= now:
                    del self._chats[key]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        """Wait for a free slot (sends) or the end of a pause (everything), call, retry on RetryAfter."""
        max_retries = self.max_retries if rate_limit_args is None else rate_limit_args
        chat_id = data.get("chat_id")
        throttled = chat_id is not None and is_throttled(endpoint)
        group = isinstance(chat_id, str) and not chat_id.lstrip("-").isdigit()
        with contextlib.suppress(TypeError, ValueError):
            group = group or int(chat_id) < 0  # type: ignore[arg-type]
        for attempt in range(max_retries + 1):
            if throttled:
                await self._reserve(str(chat_id), group)
            else:
                await self._sleep_while(lambda: self._paused_until - self._now())
            try:
                try:
                    if throttled:  # the slot is ours: the delivery ledger records the part now, before it leaves
                        await announce_send()
                    return await callback(*args, **kwargs)
                finally:
                    if throttled:
                        self._answered()
            except RetryAfter as exc:
                self.retry_afters += 1
                pause = retry_after_seconds(exc)
                self._paused_until = max(self._paused_until, self._now() + pause)
                if attempt == max_retries:
                    log.warning("%s: flood limit, giving up after %d retries", endpoint, max_retries)
                    raise
                log.info("%s: flood limit, pausing all sends for %.1f s", endpoint, pause)
        raise AssertionError("unreachable")  # pragma: no cover
