"""A fake Telegram Bot API server on 127.0.0.1 that records every request and can inject faults.

It answers what a PTB Application needs (getMe, deleteWebhook, getUpdates long-poll fed by the
test, setMyCommands, sendMessage, sendPhoto as a multipart upload, sendChatAction, getChatMember,
getChat) and checks messages as Telegram does: HTML parse mode with only Telegram's tags, at most
4096 characters after entity parsing (UTF-16 units); `<blockquote>` and `<blockquote expandable>`
(other attributes ignored, as Telegram does), never nested. Faults per chat: "429", "403",
"bad_html", "not_found", "disconnect", consumed one per send; "echo_403", "echo_400" and
"echo_500" answer with the token in the description (as a proxy or a self-hosted Bot API can).
`overall_limit` makes it answer 429 beyond N accepted sends per second; sends with
`allow_paid_broadcast` count against `paid_limit`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token-Sup3rSecret"
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
    "span",
}
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);")
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z-]*(?:\s[^<>]*)?>")
_RAW_PARAMS = {"text", "parse_mode", "action", "description"}


class HTMLRejected(ValueError):
    """Telegram would answer 400 "can't parse entities"."""


@dataclass
class ParsedHTML:
    text: str  # what the reader sees
    entities: int
    links: list[tuple[str, str]]  # (href, visible text)
    quotes: list[tuple[bool, str]] = field(default_factory=list)  # (expandable, visible text)

    @property
    def length(self) -> int:
        return len(self.text.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.chunks: list[str] = []
        self.entities = 0
        self.links: list[tuple[str, str]] = []
        self._link: tuple[str, int] | None = None
        self.quotes: list[tuple[bool, str]] = []
        self._quote: tuple[bool, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise HTMLRejected(f'Unsupported start tag "{tag}"')
        if tag == "blockquote":
            if "blockquote" in self.stack:
                raise HTMLRejected("blockquote entities can't be nested")
            self._quote = (any(name == "expandable" for name, _ in attrs), len(self.chunks))
        if tag == "a":
            href = dict(attrs).get("href")
            if not href:
                raise HTMLRejected("link without href")
            self._link = (href, len(self.chunks))
        self.stack.append(tag)
        self.entities += 1

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise HTMLRejected(f'Unmatched end tag "{tag}"')
        self.stack.pop()
        if tag == "a" and self._link:
            href, start = self._link
            self.links.append((href, "".join(self.chunks[start:])))
            self._link = None
        if tag == "blockquote" and self._quote:
            expandable, start = self._quote
            self.quotes.append((expandable, "".join(self.chunks[start:])))
            self._quote = None

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def parse_telegram_html(markup: str) -> ParsedHTML:
    """Parse as Telegram's HTML mode would, or raise `HTMLRejected`."""
    bare = _TAG.sub("", markup)
    if "<" in bare or ">" in bare:
        raise HTMLRejected("unescaped < or > in text")
    if "&" in _ENTITY.sub("", bare):
        raise HTMLRejected("unescaped & in text")
    parser = _TelegramHTML()
    parser.feed(markup)
    parser.close()
    if parser.stack:
        raise HTMLRejected(f'Unclosed start tag "{parser.stack[-1]}"')
    return ParsedHTML("".join(parser.chunks), parser.entities, parser.links, parser.quotes)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    content_type: str = ""  # application/json, multipart/form-data or application/x-www-form-urlencoded


@dataclass
class Photo:
    """A photo uploaded with sendPhoto (multipart), as Telegram received it."""

    chat_id: str
    thread_id: int | None
    data: bytes
    filename: str
    caption: str
    parse_mode: str | None
    width: int
    height: int
    message_id: int


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG (from IHDR), or `ValueError` for anything else."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@dataclass
class Sent:
    chat_id: str
    thread_id: int | None
    text: str
    parse_mode: str | None
    message_id: int
    at: float


def _error(code: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def user(user_id: int, name: str = "User", is_bot: bool = False, username: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": name}
    if username:
        data["username"] = username
    return data


@dataclass
class FakeTelegram:
    token: str = TOKEN
    bot_id: int = 4242
    username: str = "digest_test_bot"
    overall_limit: int | None = None
    paid_limit: int = 1000
    retry_after: int = 1
    poll_wait: float = 0.05
    calls: list[Call] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[tuple[str, int], str] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    faults: dict[str, list[str]] = field(default_factory=dict)
    too_many: int = 0
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _window: deque[float] = field(default_factory=deque)
    _next_message: int = 1

    # --- set-up by tests ---------------------------------------------------------------

    def add_chat(self, chat: dict[str, Any], admins: dict[int, str] | None = None) -> dict[str, Any]:
        """Make a chat known (for getChat/getChatMember); `admins` maps user id to status."""
        self.chats[str(chat["id"])] = chat
        if chat.get("username"):
            self.chats["@" + chat["username"].lower()] = chat
        for user_id, status in (admins or {}).items():
            self.members[(str(chat["id"]), user_id)] = status
        return chat

    def inject(self, chat_id: int | str, *modes: str) -> None:
        self.faults.setdefault(str(chat_id), []).extend(modes)

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        update_id = len(self._updates) + 1
        self._updates.append({"update_id": update_id, **update})
        return update_id

    def command(
        self,
        text: str,
        chat: dict[str, Any],
        sender: dict[str, Any] | None = None,
        thread_id: int | None = None,
        sender_chat: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A message update (a channel post when `chat` is a channel) with a bot_command entity."""
        message: dict[str, Any] = {
            "message_id": 1000 + len(self._updates),
            "date": int(time.time()),
            "chat": chat,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if sender is not None:
            message["from"] = sender
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        key = "channel_post" if chat["type"] == "channel" else "message"
        if key == "channel_post":
            message["sender_chat"] = chat
        return {key: message}

    def sent_to(self, chat_id: int | str) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == str(chat_id)]

    def methods(self, name: str) -> list[Call]:
        return [c for c in self.calls if c.method == name]

    async def wait_for(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until `condition()` holds (a guard against hangs, not a timing assertion)."""
        for _ in range(int(within / 0.01)):
            if condition():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the fake Telegram server did not see what the test waited for")

    # --- the server ----------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        return app

    @asynccontextmanager
    async def serve(self) -> AsyncIterator[str]:
        """Serve in the running event loop; yields the base URL for `ApplicationBuilder.base_url`."""
        runner = web.AppRunner(self.app(), shutdown_timeout=0.5, access_log=None)  # server-side log, not ours
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            yield f"http://127.0.0.1:{port}/bot"
        finally:
            await runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = value
                continue
            raw = str(value)
            if key in _RAW_PARAMS:
                params[key] = raw
                continue
            try:
                params[key] = json.loads(raw)
            except ValueError:
                params[key] = raw
        return params

    async def handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, time.monotonic(), content_type=request.content_type)
        self.calls.append(call)
        if request.match_info["token"] != self.token:
            call.status = 401
            return _error(401, "Unauthorized")
        handler = getattr(self, f"_{method}", None)
        response = await handler(request, params) if handler else _error(404, "Not Found")
        call.status = response.status
        return response

    async def _getMe(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        return _ok(
            {
                **user(self.bot_id, "Digest", True, self.username),
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    async def _deleteWebhook(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        return _ok(True)

    async def _setMyCommands(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        return _ok(True)

    async def _sendChatAction(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        return _ok(True)

    async def _getUpdates(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), self.poll_wait)
        while True:
            pending = [u for u in self._updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return _ok(pending)
            await asyncio.sleep(0.01)

    def _chat(self, chat_id: Any) -> dict[str, Any] | None:
        key = str(chat_id)
        return self.chats.get(key.lower() if key.startswith("@") else key)

    async def _getChat(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        chat = self._chat(params.get("chat_id"))
        if chat is None:
            return _error(400, "Bad Request: chat not found")
        return _ok(
            {
                **chat,
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )

    async def _getChatMember(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        chat = self._chat(params.get("chat_id"))
        if chat is None:
            return _error(400, "Bad Request: chat not found")
        user_id = int(params["user_id"])
        status = self.members.get((str(chat["id"]), user_id), "left")
        member: dict[str, Any] = {"status": status, "user": user(user_id, is_bot=user_id == self.bot_id)}
        if status == "creator":
            member["is_anonymous"] = False
        if status == "administrator":
            member |= dict.fromkeys(
                (
                    "can_be_edited",
                    "is_anonymous",
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                ),
                False,
            )
            if chat["type"] == "channel":
                member["can_post_messages"] = True
        return _ok(member)

    def _over_limit(self, now: float, paid: bool = False) -> bool:
        if self.overall_limit is None:
            return False
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        return len(self._window) >= (self.paid_limit if paid else self.overall_limit)

    async def _sendPhoto(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        """Photos as Telegram takes them: an uploaded file (at most 10 MB, width + height at most
        10000, sides in a ratio of at most 20) and a caption of at most 1024 characters after parsing."""
        chat_id = str(params.get("chat_id"))
        upload = params.get("photo")
        if not isinstance(upload, web.FileField):
            return _error(400, "Bad Request: there is no photo in the request")
        data = upload.file.read()
        if len(data) > 10 * 1024 * 1024:
            return _error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        try:
            width, height = image_size(data)
        except ValueError:
            return _error(400, "Bad Request: IMAGE_PROCESS_FAILED")
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            return _error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        caption = str(params.get("caption") or "")
        parse_mode = params.get("parse_mode")
        length = len(caption.encode("utf-16-le")) // 2
        if parse_mode == "HTML":
            try:
                length = parse_telegram_html(caption).length
            except HTMLRejected as exc:
                return _error(400, f"Bad Request: can't parse entities: {exc}")
        if length > 1024:
            return _error(400, "Bad Request: message caption is too long")
        message_id, self._next_message = self._next_message, self._next_message + 1
        thread = params.get("message_thread_id")
        self.photos.append(
            Photo(
                chat_id,
                int(thread) if thread else None,
                data,
                upload.filename,
                caption,
                parse_mode,
                width,
                height,
                message_id,
            )
        )
        chat = self._chat(chat_id) or {"id": int(chat_id), "type": "private" if int(chat_id) > 0 else "group"}
        size = {
            "file_id": f"photo-{message_id}",
            "file_unique_id": f"u{message_id}",
            "width": width,
            "height": height,
            "file_size": len(data),
        }
        return _ok(
            {"message_id": message_id, "date": int(time.time()), "chat": chat, "photo": [size], "caption": caption}
        )

    def _echo(self, code: int) -> web.Response:
        """An error whose description holds the token (PTB capitalize()s "Bad Request: " and
        "Error: " descriptions, which lower-cases the token)."""
        description = {
            403: f"Forbidden: bot {self.token} was blocked by the user",
            400: f"Bad Request: chat not found for /bot{self.token}/sendMessage",
        }.get(code, f"Error: upstream failed for /bot{self.token}/sendMessage")
        return _error(code, description)

    async def _sendMessage(self, request: web.Request, params: dict[str, Any]) -> web.StreamResponse:
        chat_id = str(params.get("chat_id"))
        queue = self.faults.get(chat_id)
        mode = queue.pop(0) if queue else "ok"
        now = time.monotonic()
        if mode == "disconnect":
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        if mode.startswith("echo_"):
            return self._echo(int(mode.removeprefix("echo_")))
        if mode == "429" or self._over_limit(now, paid=params.get("allow_paid_broadcast") is True):
            self.too_many += 1
            return _error(429, f"Too Many Requests: retry after {self.retry_after}", retry_after=self.retry_after)
        if mode == "403" or chat_id in self.gone:
            return _error(403, "Forbidden: bot was kicked from the group chat")
        if mode == "not_found":
            return _error(400, "Bad Request: chat not found")
        if mode.startswith("migrate:"):
            new_id = int(mode.split(":", 1)[1])
            return _error(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=new_id)
        text = str(params.get("text") or "")
        parse_mode = params.get("parse_mode")
        if mode == "bad_html" and parse_mode:
            return _error(400, "Bad Request: can't parse entities: unsupported start tag at byte offset 0")
        length = len(text.encode("utf-16-le")) // 2
        if parse_mode == "HTML":
            try:
                length = parse_telegram_html(text).length
            except HTMLRejected as exc:
                return _error(400, f"Bad Request: can't parse entities: {exc}")
        if length == 0:
            return _error(400, "Bad Request: message text is empty")
        if length > 4096:
            return _error(400, "Bad Request: message is too long")
        self._window.append(now)
        message_id, self._next_message = self._next_message, self._next_message + 1
        thread = params.get("message_thread_id")
        self.sent.append(Sent(chat_id, int(thread) if thread else None, text, parse_mode, message_id, now))
        chat = self._chat(chat_id) or {"id": int(chat_id), "type": "private" if int(chat_id) > 0 else "group"}
        return _ok({"message_id": message_id, "date": int(time.time()), "chat": chat, "text": text})
