"""Sending a digest to a Discord channel, thread or forum, and to every Discord subscriber of a topic."""

from __future__ import annotations

import logging

import aiohttp
import discord

from adapters.discord.embeds import render_digest, thread_name
from digest_core.models import Digest
from digest_core.publish import Destination, DestinationGone, SendFailed
from digest_core.subscriptions import SubscriptionStore

log = logging.getLogger(__name__)

PLATFORM = "discord"
NO_MENTIONS = discord.AllowedMentions.none()


def destination_for(channel_id: int, thread_id: int | None = None) -> Destination:
    """A channel or forum (`channel_id`), or a thread of it (`thread_id`)."""
    return Destination(PLATFORM, str(channel_id), str(thread_id) if thread_id else None)


class DiscordPublisher:
    """`Publisher` for Discord: channels and threads get the digest's messages in order; forum
    channels get a new thread per digest, titled with the topic and date."""

    platform = PLATFORM

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def _resolve(self, destination: Destination) -> discord.TextChannel | discord.ForumChannel | discord.Thread:
        try:
            channel_id = int(destination.thread_id or destination.id)
        except ValueError:
            raise DestinationGone(f"{destination}: not a Discord channel id") from None
        channel = self._client.get_channel(channel_id)
        if channel is None:
            channel = await self._client.fetch_channel(channel_id)
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel | discord.Thread):
            raise DestinationGone(f"{destination}: a {type(channel).__name__} cannot receive digests")
        return channel

    async def send(self, digest: Digest, destination: Destination) -> list[str]:
        """Send every message of the digest; returns their ids. `DestinationGone` on 403/404,
        `SendFailed` on rate limits beyond discord.py's retries, server or network errors."""
        if destination.platform != PLATFORM:
            raise ValueError(f"not a Discord destination: {destination}")
        messages = render_digest(digest)
        ids: list[str] = []
        try:
            channel = await self._resolve(destination)
            if isinstance(channel, discord.ForumChannel):
                created = await channel.create_thread(
                    name=thread_name(digest), embeds=messages[0], allowed_mentions=NO_MENTIONS
                )
                ids.append(str(created.message.id))
                target: discord.abc.Messageable = created.thread
                messages = messages[1:]
            else:
                target = channel
            for embeds in messages:
                message = await target.send(embeds=embeds, allowed_mentions=NO_MENTIONS)
                ids.append(str(message.id))
        except (discord.Forbidden, discord.NotFound) as exc:
            raise DestinationGone(f"{destination}: {exc.status} {exc.text or 'no access'}") from exc
        except discord.RateLimited as exc:
            raise SendFailed(f"{destination}: rate limited for {exc.retry_after:.0f}s") from exc
        except discord.HTTPException as exc:
            raise SendFailed(f"{destination}: {exc.status} {exc.text}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SendFailed(f"{destination}: {type(exc).__name__}") from exc
        return ids


async def publish_to_subscribers(
    digest: Digest, publisher: DiscordPublisher, subscriptions: SubscriptionStore
) -> dict[Destination, list[str]]:
    """Send the digest to every active Discord subscription of its topic. A destination that is
    gone is deactivated and logged once (it is not tried again); other failures are logged."""
    sent: dict[Destination, list[str]] = {}
    for sub in await subscriptions.active_for_topic(digest.topic):
        if sub.destination.platform != PLATFORM:
            continue
        try:
            sent[sub.destination] = await publisher.send(digest, sub.destination)
        except DestinationGone as exc:
            if await subscriptions.deactivate_destination(sub.destination, str(exc)):
                log.warning("deactivated Discord subscriptions of %s: %s", sub.destination, exc)
        except SendFailed as exc:
            log.warning("%s %s not sent to %s: %s", digest.topic, digest.date, sub.destination, exc)
    return sent
