"""A fake Discord on 127.0.0.1: REST API v10 and a websocket gateway, recording everything.

The real discord.py client logs in (`/users/@me`, `/oauth2/applications/@me`), connects to the
gateway (HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats), syncs commands, and receives
INTERACTION_CREATE dispatches built by `command()` / `autocomplete()`. What it sends (messages,
threads, interaction callbacks, follow-ups) is recorded; faults (403, 404, 429) can be queued per
channel. Bodies are JSON with `Content-Type` exactly `application/json` (discord.py parses nothing
else), and 429s carry a `Via` header (without one discord.py assumes a Cloudflare ban).
Multipart bodies (messages with files: `payload_json` and `files[N]`) are parsed like JSON ones,
the files kept. A message with `enforce_nonce` and a nonce already used in its channel returns
the existing message and records nothing new, as Discord does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

APP_ID = 900000000000000001
GUILD_ID = 900000000000000002
GENERAL = 900000000000000010  # text channel
NEWS = 900000000000000011  # text channel
FORUM = 900000000000000012  # forum channel
THREAD = 900000000000000013  # public thread in GENERAL
VOICE = 900000000000000014
ADMIN_ID = 900000000000000100
MANAGE_CHANNELS = 1 << 4
SEND_MESSAGES = 1 << 11
MEMBER_PERMISSIONS = (1 << 10) | SEND_MESSAGES  # view channel, send messages
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_CHANNELS
EMBED_LINKS = 1 << 14
SEND_MESSAGES_IN_THREADS = 1 << 38
BOT_PERMISSIONS = MEMBER_PERMISSIONS | EMBED_LINKS | SEND_MESSAGES_IN_THREADS  # what the bot may do
TIMESTAMP = "2026-02-25T04:00:00.000000+00:00"
OPTION_TYPES = {str: 3, int: 4, bool: 5}
CHANNEL_OPTION = 7
ERRORS = {403: (50001, "Missing Access"), 404: (10003, "Unknown Channel"), 500: (0, "Internal Server Error")}


BODY = web.RequestKey("body", object)  # the parsed JSON body (from `payload_json` when multipart)
FILES = web.RequestKey("files", list)  # the files of a multipart body


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def user(user_id: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "global_name": name, "discriminator": "0", "avatar": None, "bot": bot}


@dataclass
class Upload:
    """A file sent with a message: its form field (`files[0]`), file name, content type and bytes."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: list[Upload] = field(default_factory=list)


@dataclass
class FakeDiscord:
    """Serve with `start()` in the test's event loop; `api_base` and `gateway_url` point discord.py here."""

    bot_token: str = "fake-bot-token-0123456789"
    requests: list[Recorded] = field(default_factory=list)
    messages: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    threads: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[dict[str, str]] = field(default_factory=list)  # interaction responses deleted
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    gateway_received: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    on_callback: Callable[[dict[str, Any]], None] | None = None  # called as each callback is recorded
    app_permissions: int = BOT_PERMISSIONS  # the bot's permissions in the interaction's channel

    def __post_init__(self) -> None:
        self._ids = itertools.count(910000000000000000)
        self._seq = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()  # set whenever something is recorded
        self._nonces: dict[tuple[int, str], dict[str, Any]] = {}
        self.port = 0
        self.bot = user(APP_ID, "Digestbot", bot=True)
        self.channels: dict[int, dict[str, Any]] = {
            GENERAL: self._channel(GENERAL, 0, "general"),
            NEWS: self._channel(NEWS, 0, "news"),
            FORUM: self._channel(FORUM, 15, "digests", available_tags=[], default_reaction_emoji=None),
            VOICE: self._channel(VOICE, 2, "voice", bitrate=64000, user_limit=0),
            THREAD: self._thread(THREAD, GENERAL, "daily-thread"),
        }

    # --- addresses -----------------------------------------------------------------------
    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def next_id(self) -> str:
        return str(next(self._ids))

    # --- objects ---------------------------------------------------------------------------
    def _channel(self, channel_id: int, kind: int, name: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": kind,
            "guild_id": str(GUILD_ID),
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
            **extra,
        }

    def _thread(self, thread_id: int, parent: int, name: str) -> dict[str, Any]:
        return {
            "id": str(thread_id),
            "type": 11,
            "guild_id": str(GUILD_ID),
            "name": name,
            "parent_id": str(parent),
            "owner_id": str(APP_ID),
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "last_message_id": None,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": TIMESTAMP,
                "locked": False,
            },
        }

    def message(
        self,
        channel_id: int | str,
        body: dict[str, Any],
        author: dict[str, Any] | None = None,
        files: list[Upload] | None = None,
    ) -> dict[str, Any]:
        attachments = [
            {
                "id": self.next_id(),
                "filename": f.filename,
                "size": len(f.data),
                "content_type": f.content_type,
                "url": f"http://127.0.0.1:{self.port}/attachments/{f.filename}",
                "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{f.filename}",
            }
            for f in files or []
        ]
        return {
            "nonce": body.get("nonce"),
            "attachments": attachments,
            "id": self.next_id(),
            "channel_id": str(channel_id),
            "type": 0,
            "author": author or self.bot,
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "flags": body.get("flags") or 0,
            "components": [],
        }

    def guild(self) -> dict[str, Any]:
        everyone = {
            "id": str(GUILD_ID),
            "name": "@everyone",
            "permissions": str(MEMBER_PERMISSIONS),
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        return {
            "id": str(GUILD_ID),
            "name": "Test Guild",
            "icon": None,
            "owner_id": str(ADMIN_ID),
            "roles": [everyone],
            "emojis": [],
            "stickers": [],
            "features": [],
            "member_count": 2,
            "large": False,
            "unavailable": False,
            "members": [
                {"user": self.bot, "roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False, "flags": 0}
            ],
            "channels": [c for c in self.channels.values() if c["type"] not in (10, 11, 12)],
            "threads": [c for c in self.channels.values() if c["type"] in (10, 11, 12)],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "joined_at": TIMESTAMP,
            "preferred_locale": "en-US",
            "verification_level": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "explicit_content_filter": 0,
            "default_message_notifications": 0,
            "afk_timeout": 300,
            "afk_channel_id": None,
        }

    # --- interactions ----------------------------------------------------------------------
    def _interaction(self, kind: int, data: dict[str, Any], channel_id: int, permissions: int) -> dict[str, Any]:
        channel = self.channels[channel_id]
        return {
            "id": self.next_id(),
            "type": kind,
            "token": f"interaction-token-{next(self._seq)}",
            "application_id": str(APP_ID),
            "version": 1,
            "data": data,
            "guild_id": str(GUILD_ID),
            "guild": {"id": str(GUILD_ID), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": {**channel, "permissions": str(permissions)},
            "member": {
                "user": user(ADMIN_ID, "alice"),
                "roles": [],
                "joined_at": TIMESTAMP,
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": str(permissions),
            },
            "app_permissions": str(self.app_permissions),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }

    def command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        channel_id: int = GENERAL,
        permissions: int = ADMIN_PERMISSIONS,
        channel_permissions: dict[int, int] | None = None,
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND interaction; `channel` options are given as channel ids."""
        opts, resolved = [], {}
        for key, value in (options or {}).items():
            if key == "channel":
                perms = (channel_permissions or {}).get(value, permissions)
                resolved[str(value)] = {**self.channels[value], "permissions": str(perms)}
                opts.append({"name": key, "type": CHANNEL_OPTION, "value": str(value)})
            else:
                opts.append({"name": key, "type": OPTION_TYPES[type(value)], "value": value})
        data: dict[str, Any] = {
            "id": self.command_id(name),
            "name": name,
            "type": 1,
            "options": opts,
            "guild_id": str(GUILD_ID),
        }
        if resolved:
            data["resolved"] = {"channels": resolved}
        return self._interaction(2, data, channel_id, permissions)

    def autocomplete(
        self, name: str, options: dict[str, str], focused: str, *, channel_id: int = GENERAL
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND_AUTOCOMPLETE interaction with `focused` the option being typed."""
        opts = [
            {"name": k, "type": 3, "value": v, **({"focused": True} if k == focused else {})}
            for k, v in options.items()
        ]
        data = {"id": self.command_id(name), "name": name, "type": 1, "options": opts, "guild_id": str(GUILD_ID)}
        return self._interaction(4, data, channel_id, MEMBER_PERMISSIONS)

    def command_id(self, name: str) -> str:
        for scope in self.commands.values():
            for cmd in scope:
                if cmd["name"] == name:
                    return str(cmd["id"])
        return "1"

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        for ws in self._sockets:
            await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    def callbacks_for(self, interaction: dict[str, Any]) -> list[dict[str, Any]]:
        return [c for c in self.callbacks if c["interaction_id"] == interaction["id"]]

    def followups_for(self, interaction: dict[str, Any]) -> list[dict[str, Any]]:
        return [f for f in self.followups if f["token"] == interaction["token"]]

    def answers_for(self, interaction: dict[str, Any]) -> list[dict[str, Any]]:
        """The messages an interaction was answered with, in order: the callback's own message (a
        type 4 response), then the follow-ups' (each a message body)."""
        first = [c["data"] for c in self.callbacks_for(interaction) if c["type"] == 4]
        return first + [f["body"] for f in self.followups_for(interaction)]

    async def wait_for(self, condition: Callable[[], Any], limit: float = 15.0) -> Any:
        """Wait until `condition()` (about what this fake recorded) is truthy, and return it;
        `TimeoutError` after `limit` seconds so that a broken test fails instead of hanging."""
        async with asyncio.timeout(limit):
            while not (result := condition()):
                self._changed.clear()
                await self._changed.wait()
            return result

    # --- server ----------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        r = app.router
        r.add_get("/gateway", self.gateway)
        r.add_get("/api/v10/users/@me", self.me)
        r.add_get("/api/v10/oauth2/applications/@me", self.application)
        r.add_get("/api/v10/gateway/bot", self.gateway_bot)
        r.add_put("/api/v10/applications/{app}/commands", self.sync_commands)
        r.add_put("/api/v10/applications/{app}/guilds/{guild}/commands", self.sync_commands)
        r.add_get("/api/v10/channels/{channel}", self.get_channel)
        r.add_post("/api/v10/channels/{channel}/messages", self.create_message)
        r.add_post("/api/v10/channels/{channel}/threads", self.create_thread)
        r.add_post("/api/v10/interactions/{id}/{token}/callback", self.callback)
        r.add_post("/api/v10/webhooks/{app}/{token}", self.followup)
        r.add_patch("/api/v10/webhooks/{app}/{token}/messages/{message}", self.followup)
        r.add_delete("/api/v10/webhooks/{app}/{token}/messages/{message}", self.delete_response)
        return app

    async def start(self) -> FakeDiscord:
        self._runner = web.AppRunner(self.app(), shutdown_timeout=0.1, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        body, files = await self._body(request)
        request[BODY], request[FILES] = body, files
        self.requests.append(Recorded(request.method, request.path, dict(request.query), body, files))
        try:
            return await self._answer(request, handler)
        finally:
            self._changed.set()

    @staticmethod
    async def _body(request: web.Request) -> tuple[Any, list[Upload]]:
        """The JSON body (from `payload_json` in a multipart request) and any uploaded files."""
        if not request.can_read_body:
            return None, []
        if request.content_type != "multipart/form-data":
            return await request.json(), []
        body: Any = None
        files: list[Upload] = []
        async for part in await request.multipart():
            assert isinstance(part, BodyPartReader)
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                data = bytes(await part.read())
                files.append(Upload(part.name or "", part.filename or "", part.headers.get("Content-Type", ""), data))
        return body, files

    async def _answer(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        if request.headers.get("Authorization") not in (f"Bot {self.bot_token}", None):
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        channel = request.match_info.get("channel")
        if channel and self.faults.get(int(channel)):
            status = self.faults[int(channel)].pop(0)
            if status == 429:
                retry = {"Retry-After": "0.01", "Via": "1.1 google", "X-RateLimit-Scope": "user"}
                limited = {"message": "You are being rate limited.", "retry_after": 0.01, "global": False}
                return json_response(limited, 429, retry)
            code, message = ERRORS[status]
            return json_response({"message": message, "code": code}, status)
        return await handler(request)

    async def me(self, _: web.Request) -> web.Response:
        return json_response(self.bot)

    async def gateway_bot(self, _: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url, "shards": 1})

    async def application(self, _: web.Request) -> web.Response:
        return json_response(
            {
                "id": str(APP_ID),
                "name": "Digestbot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user(ADMIN_ID, "alice"),
                "verify_key": "00",
                "flags": 0,
                "summary": "",
                "team": None,
            }
        )

    async def sync_commands(self, request: web.Request) -> web.Response:
        scope = request.match_info.get("guild", "global")
        synced = [{**c, "id": self.next_id(), "application_id": str(APP_ID), "version": "1"} for c in request[BODY]]
        if scope != "global":
            synced = [{**c, "guild_id": scope} for c in synced]
        self.commands[scope] = synced
        return json_response(synced)

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self.channels.get(int(request.match_info["channel"]))
        if channel is None:
            return json_response({"message": "Unknown Channel", "code": 10003}, 404)
        return json_response(channel)

    async def create_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        if channel_id not in self.channels:
            return json_response({"message": "Unknown Channel", "code": 10003}, 404)
        body = request[BODY]
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce") and (channel_id, str(nonce)) in self._nonces:
            return json_response(self._nonces[(channel_id, str(nonce))])
        message = self.message(channel_id, body, files=request[FILES])
        if nonce is not None:
            self._nonces[(channel_id, str(nonce))] = message
        self.messages[channel_id].append(message)
        return json_response(message)

    async def create_thread(self, request: web.Request) -> web.Response:
        parent = int(request.match_info["channel"])
        body = request[BODY]
        message = self.message(0, body.get("message") or {})
        thread_id = int(message["id"])  # like Discord: a forum post's id is its starter message's id
        message["channel_id"] = str(thread_id)
        thread = self._thread(thread_id, parent, body["name"])
        self.channels[thread_id] = thread
        self.messages[thread_id].append(message)
        self.threads.append({"parent_id": parent, "id": thread_id, "name": body["name"], "message": message})
        return json_response({**thread, "message": message})

    async def callback(self, request: web.Request) -> web.Response:
        body = request[BODY]
        self.callbacks.append(
            {
                "interaction_id": request.match_info["id"],
                "token": request.match_info["token"],
                "type": body["type"],
                "data": body.get("data") or {},
            }
        )
        if self.on_callback is not None:
            self.on_callback(self.callbacks[-1])
        data = body.get("data") or {}
        ephemeral = bool((data.get("flags") or 0) & 64)
        interaction = {
            "id": request.match_info["id"],
            "type": 2,
            "response_message_loading": body["type"] == 5,
            "response_message_ephemeral": ephemeral,
        }
        resource: dict[str, Any] = {"type": body["type"]}
        if body["type"] == 4:
            resource["message"] = self.message(GENERAL, data)
            interaction["response_message_id"] = resource["message"]["id"]
        return json_response({"interaction": interaction, "resource": resource})

    async def followup(self, request: web.Request) -> web.Response:
        body = request[BODY]
        self.followups.append(
            {"token": request.match_info["token"], "method": request.method, "body": body, "files": request[FILES]}
        )
        return json_response(self.message(GENERAL, body, author=self.bot, files=request[FILES]))

    async def delete_response(self, request: web.Request) -> web.Response:
        self.deleted.append({"token": request.match_info["token"], "message": request.match_info["message"]})
        return web.Response(status=204)

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                self.gateway_received.append(payload)
                self._changed.set()
                if payload["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif payload["op"] == 2:
                    await self._ready(ws)
        finally:
            self._sockets.remove(ws)
        return ws

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        ready = {
            "v": 10,
            "user": self.bot,
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        for event, data in (("READY", ready), ("GUILD_CREATE", self.guild())):
            await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))
