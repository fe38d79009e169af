"""`TelegramPublisher`: one digest to one chat, channel or forum topic, in HTML parts.

Errors become the core's: a chat that is gone (bot removed, blocked, chat not found, no right to
post) raises `DestinationGone`; flood limits beyond the limiter's retries and network errors
beyond `attempts` raise `SendFailed`. HTML that Telegram refuses is sent once more as plain text.
No message names the bot token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram import Bot, InputFile, LinkPreviewOptions
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from adapters.markdown_site import site_page_url
from adapters.telegram.lean import message_request, post_message
from adapters.telegram.render import html_to_text, render_digest
from digest_core.backoff import BackoffPolicy
from digest_core.delivery.ports import Destination
from digest_core.errors import DestinationGone, SendFailed
from digest_core.models import Digest
from digest_core.redaction import redact, register_secrets

log = logging.getLogger(__name__)

PLATFORM = "telegram"
_GONE = (
    "chat not found",
    "message thread not found",
    "not enough rights",
    "have no rights",
    "need administrator rights",
    "chat_write_forbidden",
    "bot was kicked",
    "user is deactivated",
)
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def chat_ref(chat_id: str) -> int | str:
    """A destination id as Telegram wants it: an int, or an `@username`."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


def is_gone(exc: TelegramError) -> bool:
    """True when the error means the chat will not accept messages from this bot again."""
    return isinstance(exc, Forbidden) or (isinstance(exc, BadRequest) and any(s in exc.message.lower() for s in _GONE))


def describe(exc: BaseException | None) -> str:
    """`Type: message`, without repeating the type when the message starts with it."""
    name, message = type(exc).__name__, str(exc)
    return message if message.lower().startswith(name.lower()) else f"{name}: {message}"


class TelegramPublisher:
    """Sends rendered parts with link previews off; implements the core's `PartPublisher`."""

    platform = PLATFORM
    same_parts_everywhere = True  # the deliverer renders a digest once for every chat

    def __init__(
        self,
        bot: Bot,
        attempts: int = 3,
        backoff: float = 1.0,
        site_base_url: str | None = None,
        on_moved: Callable[[Destination, str], Awaitable[object]] | None = None,
        paid_broadcast: bool = False,
    ) -> None:
        """`on_moved(destination, new_id)` is awaited when a group turns out to have become a
        supergroup with a new id (so that its subscriptions can follow). `paid_broadcast` sends
        with Telegram's `allow_paid_broadcast` (beyond 30 msg/s, paid per message)."""
        self.bot = bot
        register_secrets([bot.token])  # its errors are redacted in any case (PTB lower-cases server messages)
        self.paid_broadcast = paid_broadcast
        self.on_moved = on_moved
        self.attempts = attempts
        self.backoff = backoff
        self.site_base_url = site_base_url

    @property
    def announces_sends(self) -> bool:
        """True when the bot's rate limiter announces each send to the ledger once its slot is
        granted (`TelegramRateLimiter`), so that the announcement waits for no queue."""
        return bool(getattr(getattr(self.bot, "rate_limiter", None), "announces_sends", False))

    def page_url(self, digest: Digest) -> str | None:
        """The digest's page on the site (`SITE_BASE_URL`), if the site's address is set."""
        return site_page_url(self.site_base_url, digest)

    def _safe(self, exc: BaseException) -> str:
        return redact(describe(exc))

    def render(self, digest: Digest, destination: Destination) -> list[str]:
        """The digest's HTML parts, in order (the core's `PartPublisher`; the same for every chat)."""
        return render_digest(digest, self.page_url(digest))

    def send_part(self, destination: Destination, part: str, sent: Sequence[str], key: str) -> Coroutine[Any, Any, str]:
        """Send one part of a delivery; its message id. Telegram has no idempotency key, so `key`
        is unused. Sent on the lean path (`lean.py`): no PTB `Message` is built for it. The
        coroutine of `_send_part` itself, with no frame of its own while the part waits for its slot."""
        self._check(destination)
        return self._send_part(part, destination, lean=True)

    def _check(self, destination: Destination) -> None:
        if destination.platform != PLATFORM:
            raise ValueError(f"not a Telegram destination: {destination}")

    async def send_parts(self, parts: list[str], destination: Destination) -> list[str]:
        """Send HTML parts in order to a destination of this platform."""
        self._check(destination)
        return [await self._send_part(part, destination) for part in parts]

    async def send_photo(self, destination: Destination, png: bytes, filename: str, caption: str) -> str:
        """Send a PNG (uploaded as multipart) with an HTML caption of at most 1024 characters; its message id."""
        thread = int(destination.thread_id) if destination.thread_id else None
        message = await self.bot.send_photo(
            chat_ref(destination.id),
            InputFile(png, filename=filename),
            caption=caption,
            parse_mode="HTML",
            message_thread_id=thread,
        )
        return str(message.message_id)

    async def _send_part(self, part: str, destination: Destination, lean: bool = False) -> str:
        """Send one part, following a migrated group and retrying network errors, and as plain text
        (its attempts anew) when its HTML is refused; its message id. One coroutine for all of it: a
        delivery waiting for its slot holds its frame (a thousand wait at the paid-broadcast rate,
        and the garbage collector walks them all). `lean`: through `post_message` (the same
        transport, limiter and errors, no `Message`)."""
        chat: int | str = chat_ref(destination.id)
        thread = int(destination.thread_id) if destination.thread_id else None
        body, html, attempt = part, True, 1
        while True:
            try:
                if lean:
                    request = message_request(chat, body, html, thread, self.paid_broadcast)
                    answer = await post_message(self.bot, request)
                    return str(int(answer["message_id"]))
                message = await self.bot.send_message(
                    chat,
                    body,
                    parse_mode="HTML" if html else None,
                    link_preview_options=_NO_PREVIEW,
                    message_thread_id=thread,
                    allow_paid_broadcast=self.paid_broadcast or None,
                )
                return str(message.message_id)
            except Forbidden as exc:
                raise DestinationGone(f"{destination}: {self._safe(exc)}") from None
            except BadRequest as exc:
                if is_gone(exc):
                    raise DestinationGone(f"{destination}: {self._safe(exc)}") from None
                if not html:
                    raise SendFailed(f"{destination}: {self._safe(exc)}") from None
                log.warning("%s: HTML refused (%s); sending as plain text", destination, self._safe(exc))
                body, html, attempt = html_to_text(part), False, 1
                continue
            except ChatMigrated as exc:
                log.warning("%s: group moved to supergroup %s; sending there", destination, exc.new_chat_id)
                chat = exc.new_chat_id
                if self.on_moved is not None:
                    await self.on_moved(destination, str(exc.new_chat_id))
                if attempt == self.attempts:
                    raise SendFailed(f"{destination}: chat migrated more than {self.attempts} times") from None
            except RetryAfter as exc:
                raise SendFailed(f"{destination}: flood limit beyond retries ({self._safe(exc)})") from None
            except NetworkError as exc:  # includes TimedOut
                if attempt == self.attempts:
                    raise SendFailed(f"{destination}: {self._safe(exc)}") from None
                delay = BackoffPolicy(self.backoff).wait(attempt)
                log.info("%s: %s; retrying in %.1f s", destination, self._safe(exc), delay)
                await asyncio.sleep(delay)
            except TelegramError as exc:
                raise SendFailed(f"{destination}: {self._safe(exc)}") from None
            attempt += 1
