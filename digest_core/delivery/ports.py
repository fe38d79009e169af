"""What the core asks of a platform: send one digest to one opaque destination."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from digest_core.errors import DestinationGone as DestinationGone  # re-exported
from digest_core.errors import SendFailed as SendFailed
from digest_core.models import Digest


@dataclass(frozen=True)
class Destination:
    """Where a digest goes. Only the adapter of `platform` interprets `id` and `thread_id`."""

    platform: str
    id: str
    thread_id: str | None = None

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}" + (f"/{self.thread_id}" if self.thread_id else "")






class PartPublisher(Protocol):
    """A publisher the delivery ledger can resume: a digest becomes ordered parts (messages), and
    each part is sent on its own, so that a crash resumes after the last acknowledged part."""

    platform: str

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
