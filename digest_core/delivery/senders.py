"""Senders: who sends a platform's deliveries. A platform's primary bot is named by the platform
(`telegram`); another bot of it, a shard, by the platform and the shard (`telegram@7654321`).

Past one bot token's rate limit, destinations are split across bots (shards): each subscription
records the shard it came through, since a bot can only post where it was added. Each sender has
its own publisher, rate limiter and sender lock, so two processes can send for two shards at once.
"""

from __future__ import annotations

SEPARATOR = "@"


def sender_name(platform: str, shard: str = "") -> str:
    """`telegram` for the primary bot (shard ""), `telegram@7654321` for a shard."""
    return f"{platform}{SEPARATOR}{shard}" if shard else platform


def split_sender(name: str) -> tuple[str, str]:
    """(platform, shard) of a sender's name: the inverse of `sender_name`."""
    platform, _, shard = name.partition(SEPARATOR)
    return platform, shard
