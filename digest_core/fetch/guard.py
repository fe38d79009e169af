"""One source's failure of any kind, or its slowness, fails that source only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from digest_core.fetch.polite import describe_error

log = logging.getLogger(__name__)

DIGEST_DEADLINE = 120.0  # seconds for all of one digest's fetches, retries and waits included

T = TypeVar("T")


def deadline_in(seconds: float) -> float:
    """The event loop time `seconds` from now (for `guarded`)."""
    return asyncio.get_running_loop().time() + seconds


async def guarded(job: Awaitable[T], deadline_at: float, failed: Callable[[str], T], label: str) -> T:
    """`job`'s result; if it is not done by the loop time `deadline_at`, or raises anything (but
    cancellation), `failed(reason)` instead."""
    try:
        async with asyncio.timeout_at(deadline_at):
            return await job
    except TimeoutError:
        log.warning("%s: not done within the digest's fetch deadline", label)
        return failed("not done within the digest's fetch deadline")
    except Exception as exc:
        log.warning("%s: failed: %s", label, describe_error(exc), exc_info=True)
        return failed(describe_error(exc))
