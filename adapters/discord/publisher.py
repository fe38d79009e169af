"""Sending a digest to a Discord channel, thread or forum, and to every Discord subscriber of a topic."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace

import aiohttp
import discord

from adapters.discord.embeds import render_digest, thread_name
from adapters.markdown_site import site_page_url
from digest_core import pacing
from digest_core.delivery.ports import Destination, announce_send
from digest_core.errors import DestinationGone, SendFailed
from digest_core.models import Digest

log = logging.getLogger(__name__)

PLATFORM = "discord"
REQUESTS_PER_SECOND = 49  # Discord allows a bot 50 per second; one is left as a margin


class WindowPace(pacing.WindowPace):
    """The global limit of a Discord bot (`digest_core.pacing.WindowPace`), and discord.py's other
    requests counted against it through the client's `http_trace`.

    Hand-written: discord.py paces each route from the headers it gets back, not the global 50
    requests per second ahead of time."""

    def trace(self) -> aiohttp.TraceConfig:
        """For the client's `http_trace`: each request it makes outside `slot()` counts as a slot's
        does, from its start until a window after its answer. It is not held back (discord.py sends
        it); the pace's own requests wait for the room it takes."""

        async def started(_: object, context: SimpleNamespace, __: object) -> None:
            context.counted = not pacing.inside_slot()
            if context.counted:
                self.started()

        async def ended(_: object, context: SimpleNamespace, __: object) -> None:
            if getattr(context, "counted", False):
                self.answered()

        config = aiohttp.TraceConfig()
        config.on_request_start.append(started)
        config.on_request_end.append(ended)
        config.on_request_exception.append(ended)
        return config


NO_MENTIONS = discord.AllowedMentions.none()


def destination_for(channel_id: int, thread_id: int | None = None) -> Destination:
    """A channel or forum (`channel_id`), or a thread of it (`thread_id`)."""
    return Destination(PLATFORM, str(channel_id), str(thread_id) if thread_id else None)


@dataclass(frozen=True)
class DiscordPart:
    """One message of a digest: its embeds, and the thread title used when it opens a forum post."""

    embeds: list[discord.Embed]
    thread_name: str


@contextmanager
def _classified(destination: Destination) -> Iterator[None]:
    """discord.py errors as the core's: `DestinationGone` on 403/404, `SendFailed` on rate limits
    beyond discord.py's own retries, server or network errors."""
    try:
        yield
    except (discord.Forbidden, discord.NotFound) as exc:
        raise DestinationGone(f"{destination}: {exc.status} {exc.text or 'no access'}") from exc
    except discord.RateLimited as exc:
        raise SendFailed(f"{destination}: rate limited for {exc.retry_after:.0f}s") from exc
    except discord.HTTPException as exc:
        raise SendFailed(f"{destination}: {exc.status} {exc.text}") from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SendFailed(f"{destination}: {type(exc).__name__}") from exc


NONCE_LIMIT = 25


def _nonce(key: str) -> str | None:
    """The ledger's part key (`d12p0`) as a message nonce, none without a key; a key longer than
    Discord's 25 characters becomes a digest of it (still the same for the same part)."""
    if not key:
        return None
    return key if len(key) <= NONCE_LIMIT else hashlib.sha256(key.encode()).hexdigest()[:NONCE_LIMIT]


class DiscordPublisher:
    """The core's `PartPublisher` for Discord: channels and threads get the digest's messages
    in order; a forum channel gets a new post (thread) per digest, titled with the topic and date."""

    platform = PLATFORM
    same_parts_everywhere = True  # the deliverer renders a digest once for every channel
    announces_sends = True  # `send_part` announces each part to the ledger once its pace slot is granted

    def __init__(
        self,
        client: discord.Client,
        pace: WindowPace,
        site_base_url: str | None = None,
    ) -> None:
        """`pace`: shared with the client's `http_trace` so that its own requests count too."""
        self._client = client
        self.site_base_url = site_base_url
        # Discord allows a bot 50 requests/s: pacing lookups and posts evenly (no burst) keeps a
        # large fan-out just under that instead of retrying 429 storms; discord.py itself follows
        # each route's bucket (X-RateLimit-* headers).
        self._pace = pace
        self._fetched: dict[int, discord.abc.GuildChannel | discord.abc.PrivateChannel | discord.Thread] = {}

    async def _channel(self, channel_id: int, destination: Destination) -> discord.abc.GuildChannel | discord.Thread:
        channel = self._client.get_channel(channel_id) or self._fetched.get(channel_id)
        if channel is None:
            async with self._pace.slot():
                channel = await self._client.fetch_channel(channel_id)
            if len(self._fetched) >= 2048:  # without a gateway cache, remember recent lookups
                self._fetched.clear()
            self._fetched[channel_id] = channel
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel | discord.Thread):
            raise DestinationGone(f"{destination}: a {type(channel).__name__} cannot receive digests")
        return channel

    def render(self, digest: Digest, destination: Destination) -> list[DiscordPart]:
        """The digest's messages, in order (the same for every destination)."""
        name = thread_name(digest)
        return [DiscordPart(embeds, name) for embeds in render_digest(digest, self.page_url(digest))]

    def page_url(self, digest: Digest) -> str | None:
        """The digest's page on the site (`SITE_BASE_URL`), if the site's address is set."""
        return site_page_url(self.site_base_url, digest)

    async def send_part(self, destination: Destination, part: DiscordPart, sent: Sequence[str], key: str) -> str:
        """Send one message; its id. In a forum the first part opens the post, whose id (on Discord
        the id of its starter message) later parts are sent to. Channel and thread messages carry
        the ledger's `key` as their nonce (discord.py adds `enforce_nonce`), so a part sent again
        after a crash returns the message Discord already has instead of posting it twice. Forum
        posts have no nonce in Discord's API."""
        if destination.platform != PLATFORM:
            raise ValueError(f"not a Discord destination: {destination}")
        try:
            channel_id = int(destination.thread_id or destination.id)
        except ValueError:
            raise DestinationGone(f"{destination}: not a Discord channel id") from None
        with _classified(destination):
            channel = await self._channel(channel_id, destination)
            if isinstance(channel, discord.ForumChannel):
                if not sent:
                    async with self._pace.slot():
                        await announce_send()
                        created = await channel.create_thread(
                            name=part.thread_name, embeds=part.embeds, allowed_mentions=NO_MENTIONS
                        )
                    return str(created.message.id)
                channel = await self._channel(int(sent[0]), destination)
            assert isinstance(channel, discord.TextChannel | discord.Thread)
            nonce = _nonce(key)
            async with self._pace.slot():
                await announce_send()
                if nonce is None:
                    message = await channel.send(embeds=part.embeds, allowed_mentions=NO_MENTIONS)
                else:
                    message = await channel.send(embeds=part.embeds, allowed_mentions=NO_MENTIONS, nonce=nonce)
            return str(message.id)
