"""Delivery sends without PTB's objects: `sendMessage` as one JSON POST, answered with a message id.

PTB's `Bot.send_message` inserts defaults, builds request parameters and, from the answer, a
`Message` with its `Chat` and entities: at the paid-broadcast rate (1,000 messages/s) that is
most of the CPU a send costs (`python -m bench.telegram_send_path`). A delivery needs only the
message id. This path keeps everything else of PTB's: the bot's own HTTP transport and connection
pool, its rate limiter (pacing, the ledger's announcement, `RetryAfter` pauses and retries) and
PTB's mapping of error answers to its exceptions (`BaseRequest.post`: `RetryAfter`, `Forbidden`,
`BadRequest`, `ChatMigrated`, `NetworkError`, ...), so that the publisher handles them as before.
"""

from __future__ import annotations

import json
from typing import Any, cast

from telegram import Bot
from telegram.request import RequestData

JSONDict = dict[str, Any]


class JsonRequestData:
    """What a PTB transport reads of a `RequestData` (which is final), from a plain JSON-ready dict:
    no PTB `RequestParameter` per field, no files."""

    contains_files = False
    multipart_data: dict[str, Any] = {}  # noqa: RUF012 (read only)

    def __init__(self, payload: JSONDict) -> None:
        self._payload = payload

    @property
    def parameters(self) -> JSONDict:
        return self._payload

    @property
    def json_parameters(self) -> dict[str, str]:
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in self._payload.items()}


def message_payload(chat: int | str, text: str, html: bool, thread: int | None, paid_broadcast: bool) -> JSONDict:
    """The fields of a digest part's `sendMessage`: link previews off, as the bot's defaults say."""
    payload: JSONDict = {"chat_id": chat, "text": text, "link_preview_options": {"is_disabled": True}}
    if html:
        payload["parse_mode"] = "HTML"
    if thread is not None:
        payload["message_thread_id"] = thread
    if paid_broadcast:
        payload["allow_paid_broadcast"] = True
    return payload


async def send_message_id(bot: Bot, payload: JSONDict) -> int:
    """`sendMessage` through the bot's transport and rate limiter; the new message's id. Errors are
    PTB's exceptions, raised as `Bot.send_message` raises them."""
    url = f"{bot.base_url}/sendMessage"

    async def post() -> Any:
        return await bot.request.post(url, cast(RequestData, JsonRequestData(payload)))

    limiter = getattr(bot, "rate_limiter", None)
    if limiter is None:
        result = await post()
    else:
        result = await limiter.process_request(post, (), {}, "sendMessage", payload, None)
    return int(result["message_id"])
