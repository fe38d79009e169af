"""What the core asks of a platform: send one digest to one opaque destination."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any, Protocol

from digest_core.errors import SendFailed as SendFailed
from digest_core.models import Digest


@dataclass(frozen=True)
class Destination:
    """Where a digest goes. Only the adapter of `platform` interprets `id` and `thread_id`.
    `via` names the shard (the bot) that posts there, "" for the platform's primary bot: it is
    not part of where (two destinations that differ only by `via` are equal)."""

    platform: str
    id: str
    thread_id: str | None = None
    via: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}" + (f"/{self.thread_id}" if self.thread_id else "")


_announcer: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("announcer", default=None)


async def announce_send() -> None:
    """Called by a publisher right before a part's request leaves, after any pacing or rate-limit
    wait: the ledger records that the part is being sent. When this raises, the part must not be
    sent. Calling it again for the same part does nothing; outside a delivery it does nothing."""
    announce = _announcer.get()
    if announce is not None:
        await announce()


def start_announcing(announce: Callable[[], Awaitable[None]]) -> Token[Callable[[], Awaitable[None]] | None]:
    """From now on, in this task, `announce_send()` calls `announce`; end with `stop_announcing`.
    The pair is what `announcing` does with no context manager and no generator: a delivery waiting
    for its slot holds no object for it but the context variable's token (fewer objects for the
    garbage collector to walk while a thousand deliveries wait)."""
    return _announcer.set(announce)


def stop_announcing(token: Token[Callable[[], Awaitable[None]] | None]) -> None:
    """End what `start_announcing` began."""
    _announcer.reset(token)


@contextmanager
def announcing(announce: Callable[[], Awaitable[None]]) -> Iterator[None]:
    """While sending one part: `announce_send()` calls `announce`."""
    token = start_announcing(announce)
    try:
        yield
    finally:
        stop_announcing(token)


class PartPublisher(Protocol):
    """A publisher the delivery ledger can resume: a digest becomes ordered parts (messages), and
    each part is sent on its own, so that a crash resumes after the last acknowledged part."""

    platform: str
    # Optional: `announces_sends = True` on a publisher that calls `announce_send()` itself right
    # before each request leaves (after its rate limiter); otherwise the deliverer announces the
    # part before `send_part` is called.

    def render(self, digest: Digest, destination: Destination) -> Sequence[Any]:
        """The platform messages for one digest, in order (pure: same digest, same parts)."""
        ...

    async def send_part(self, destination: Destination, part: Any, sent: Sequence[str], key: str) -> str:
        """Send one part and return its message id. `sent` holds the ids of the parts before it;
        `key` is stable across retries of this part (an idempotency key where the platform has one)."""
        ...


async def send_digest(publisher: PartPublisher, digest: Digest, destination: Destination) -> list[str]:
    """Send every part of a digest in order, outside the ledger (replies, tests); the message ids."""
    sent: list[str] = []
    for index, part in enumerate(publisher.render(digest, destination)):
        sent.append(await publisher.send_part(destination, part, sent, key=f"direct-{index}"))
    return sent
