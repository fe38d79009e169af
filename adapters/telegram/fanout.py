"""Send one digest to every active subscription of its topic (until `bot.delivery` takes this over).

Sends run concurrently (the bot's rate limiter paces them). A destination that is gone has its
subscriptions deactivated and is logged once; other failures are reported for a later retry.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from digest_core.models import Digest
from digest_core.publish import Destination, DestinationGone, Publisher, SendFailed
from digest_core.subscriptions import SubscriptionStore

log = logging.getLogger(__name__)


@dataclass
class FanOutReport:
    sent: dict[Destination, list[str]] = field(default_factory=dict)
    gone: list[Destination] = field(default_factory=list)
    failed: dict[Destination, str] = field(default_factory=dict)


async def fan_out(
    publisher: Publisher, subscriptions: SubscriptionStore, digest: Digest, concurrency: int = 50
) -> FanOutReport:
    """Deliver `digest` to each active subscription of its topic on the publisher's platform."""
    report = FanOutReport()
    subs = await subscriptions.active_for_topic(digest.topic)
    subs = [s for s in subs if s.destination.platform == publisher.platform]
    gate = asyncio.Semaphore(concurrency)

    async def one(destination: Destination) -> None:
        async with gate:
            try:
                report.sent[destination] = await publisher.send(digest, destination)
            except DestinationGone as exc:
                report.gone.append(destination)
                if await subscriptions.deactivate_destination(destination, str(exc)):
                    log.warning("%s is gone, subscriptions deactivated: %s", destination, exc)
            except SendFailed as exc:
                report.failed[destination] = str(exc)
                log.warning("%s: sending failed, to retry later: %s", destination, exc)

    await asyncio.gather(*(one(s.destination) for s in subs))
    return report
