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
from collections.abc import Awaitable
from functools import lru_cache
from typing import Any, cast

import orjson
from telegram import Bot
from telegram.request import RequestData

JSONDict = dict[str, Any]


class JsonRequestData:
    """What a PTB transport reads of a `RequestData` (which is final), from a plain JSON-ready dict:
    no PTB `RequestParameter` per field, no files. `json_body` is the request's JSON, given when
    built beforehand (`message_request`), else encoded once on first use."""

    contains_files = False
    multipart_data: dict[str, Any] = {}  # noqa: RUF012 (read only)
    __slots__ = ("_body", "_payload")

    def __init__(self, payload: JSONDict, json_body: bytes | None = None) -> None:
        self._payload = payload
        self._body = json_body

    @property
    def parameters(self) -> JSONDict:
        return self._payload

    @property
    def json_parameters(self) -> dict[str, str]:
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in self._payload.items()}

    @property
    def json_body(self) -> bytes:
        if self._body is None:
            self._body = orjson.dumps(self._payload)
        return self._body


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


@lru_cache(maxsize=64)  # a fan-out sends the same few parts to every chat
def _message_tail(text: str, html: bool, thread: int | None, paid_broadcast: bool) -> bytes:
    """The JSON of a part's fields after the chat id, from the comma on."""
    fields = message_payload(0, text, html, thread, paid_broadcast)
    del fields["chat_id"]
    return b"," + orjson.dumps(fields)[1:]


def message_request(
    chat: int | str, text: str, html: bool, thread: int | None, paid_broadcast: bool
) -> JsonRequestData:
    """`message_payload` with its JSON body: everything after the chat id is encoded once per part
    (a fan-out sends the same part to every chat), only the chat id per send."""
    body = b'{"chat_id":' + orjson.dumps(chat) + _message_tail(text, html, thread, paid_broadcast)
    return JsonRequestData({"chat_id": chat}, body)


def post_message(bot: Bot, request: JSONDict | JsonRequestData) -> Awaitable[Any]:
    """`sendMessage` through the bot's transport and rate limiter: the awaitable of the answer's
    result (the new message). A plain function handing back the limiter's coroutine, with the
    transport's bound `post` as its callback and no closure: a send waiting for its slot holds no
    frame, function or cells of its own (at the paid-broadcast rate a thousand wait at once, and the
    garbage collector walks them all)."""
    data = request if isinstance(request, JsonRequestData) else JsonRequestData(request)
    url = f"{bot.base_url}/sendMessage"
    post = bot.request.post
    limiter = getattr(bot, "rate_limiter", None)
    if limiter is None:
        return post(url, cast(RequestData, data))
    return cast(Awaitable[Any], limiter.process_request(post, (url, data), {}, "sendMessage", data.parameters, None))


async def send_message_id(bot: Bot, request: JSONDict | JsonRequestData) -> int:
    """`sendMessage` through the bot's transport and rate limiter; the new message's id. Errors are
    PTB's exceptions, raised as `Bot.send_message` raises them."""
    return int((await post_message(bot, request))["message_id"])
