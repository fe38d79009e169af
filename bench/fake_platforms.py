"""The platforms' fakes in a process of their own, as the real services are: Google News, the Telegram
Bot API (30 messages/s) and Discord (50 requests/s) on loopback, plus a small control API.

Serving them from another process keeps their work (parsing each request, checking Telegram's HTML)
out of the measured service's event loop and interpreter lock. The control API runs the benchmarks'
client side there too: it sends commands at a given pace and reports, per command, the time from the
platform handing it to the bot to the answer's arrival (both stamped here, on `time.monotonic`).

    python -m bench.fake_platforms --channels 30 --per-outlet 100   # prints its ports as one JSON line

With `allow_paid_broadcast`, the fake Telegram accepts 1,000 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections import Counter, defaultdict, deque
from datetime import date
from typing import Any

from aiohttp import web

from testkit.fakes.discord import FakeDiscord, json_response
from testkit.fakes.google_news import GoogleNewsFake, fixture_items
from testkit.fakes.server import serve
from testkit.fakes.telegram import TOKEN, FakeTelegram
from testkit.fakes.telegram_harness import ALICE

TELEGRAM_PER_SECOND = 30  # Telegram's overall broadcast limit per bot (REFERENCE.md)
TELEGRAM_PAID_PER_SECOND = 1000  # with allow_paid_broadcast
DISCORD_PER_SECOND = 50  # Discord's global limit per bot
ROUTE_LIMIT, ROUTE_WINDOW = 5, 5.0  # Discord's bucket for posting messages in one channel
CHANNEL_BASE = 930000000000000000
FIXTURE_DAY = date(2026, 2, 25)
_TITLE = re.compile(rb"<title>(.*?)</title>", re.DOTALL)


def padded_items(per_outlet: int) -> dict[str, list[bytes]]:
    """Extra items per outlet (variants of its fixture headlines) to reach `per_outlet` items, as on
    a busy day (Google News returns at most about 100 items per query)."""
    extra: dict[str, list[bytes]] = {}
    for path in (GoogleNewsFake.fixtures / FIXTURE_DAY.isoformat()).glob("*.xml"):
        items = fixture_items(path.stem)
        extra[path.stem] = [_variant(items[k % len(items)], k) for k in range(max(0, per_outlet - len(items)))]
    return extra


def _variant(item: bytes, k: int) -> bytes:
    return _TITLE.sub(lambda m: b"<title>" + m.group(1) + f" (report {k})".encode() + b"</title>", item, count=1)


class LimitedDiscord(FakeDiscord):
    """The fake Discord with a global limit of 50 requests per second, a bucket of 5 messages per
    5 s per channel, and N text channels (sent to the client in GUILD_CREATE)."""

    def __init__(self, channels: list[int]) -> None:
        super().__init__()
        self.window: deque[float] = deque()
        self.routes: dict[str, deque[float]] = {}
        self.posted: list[float] = []
        self.too_many = 0
        for cid in channels:
            self.channels[cid] = self._channel(cid, 0, f"c{cid}")

    def _limited(self, retry: float, scope: str) -> web.StreamResponse:
        self.too_many += 1
        headers = {"Retry-After": f"{retry:.3f}", "Via": "1.1 google", "X-RateLimit-Scope": scope}
        if scope == "global":
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": retry, "global": scope == "global"}
        return json_response(body, 429, headers)

    async def _answer(self, request: web.Request, handler: Any) -> web.StreamResponse:
        now = time.monotonic()
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        if len(self.window) >= DISCORD_PER_SECOND:
            return self._limited(max(0.01, self.window[0] + 1.0 - now), "global")
        route = request.match_info.get("channel") if request.method == "POST" else None
        bucket = self.routes.setdefault(route, deque()) if route else None
        if bucket is not None:
            while bucket and bucket[0] <= now - ROUTE_WINDOW:
                bucket.popleft()
            if len(bucket) >= ROUTE_LIMIT:
                return self._limited(max(0.01, bucket[0] + ROUTE_WINDOW - now), "user")
            bucket.append(now)
        self.window.append(now)
        response = await super()._answer(request, handler)
        if bucket is not None:
            self.posted.append(now)
            reset = bucket[0] + ROUTE_WINDOW - now
            response.headers.update(
                {
                    "X-RateLimit-Limit": str(ROUTE_LIMIT),
                    "X-RateLimit-Remaining": str(ROUTE_LIMIT - len(bucket)),
                    "X-RateLimit-Reset-After": f"{reset:.3f}",
                    "X-RateLimit-Reset": f"{time.time() + reset:.3f}",
                    "X-RateLimit-Bucket": f"messages-{route}",
                }
            )
        return response


class TimedTelegram(FakeTelegram):
    """The fake Bot API, also stamping when each update was handed to the bot by getUpdates. It
    long-polls like Telegram (up to the bot's 10 s) instead of the tests' short 50 ms polls."""

    def __init__(self, forget_texts: bool = False) -> None:
        super().__init__(
            token=TOKEN, overall_limit=TELEGRAM_PER_SECOND, paid_limit=TELEGRAM_PAID_PER_SECOND, poll_wait=10.0
        )
        self.handed: dict[int, float] = {}
        self.forget_texts = forget_texts  # a broadcast of 100,000 digests: keep who got what, not the texts

    async def _sendMessage(self, request: web.Request, params: dict[str, Any]) -> web.StreamResponse:
        sent = len(self.sent)
        response = await super()._sendMessage(request, params)  # checked as Telegram does, then forgotten
        if self.forget_texts:
            params.pop("text", None)
            if len(self.sent) > sent:
                self.sent[-1].text = ""
        return response

    async def _getUpdates(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        response = await super()._getUpdates(request, params)
        now = time.monotonic()
        offset = int(params.get("offset") or 0)
        for update in self._updates:
            if update["update_id"] >= offset:
                self.handed.setdefault(update["update_id"], now)
        return response


class TimedDiscord(LimitedDiscord):
    """The fake Discord (50 requests/s), stamping each interaction's dispatch and its answers (a
    response with a message, follow-ups)."""

    def __init__(self, channels: list[int]) -> None:
        super().__init__(channels)
        self.dispatched: dict[str, float] = {}
        self.answered: dict[str, list[float]] = defaultdict(list)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        if event == "INTERACTION_CREATE":
            self.dispatched[data["token"]] = time.monotonic()
        await super().dispatch(event, data)

    async def callback(self, request: web.Request) -> web.Response:
        """An interaction's response: a first answer when it carries a message (type 4)."""
        now = time.monotonic()
        response = await super().callback(request)
        if self.callbacks[-1]["type"] == 4:
            self.answered[request.match_info["token"]].append(now)
        return response

    async def followup(self, request: web.Request) -> web.Response:
        self.answered[request.match_info["token"]].append(time.monotonic())
        return await super().followup(request)


class Control:
    """The control API: run paced commands on either platform, report counts."""

    def __init__(self, news: GoogleNewsFake, telegram: TimedTelegram, discord: TimedDiscord) -> None:
        self.news, self.telegram, self.discord = news, telegram, discord

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/telegram/commands", self.telegram_commands)
        app.router.add_post("/discord/commands", self.discord_commands)
        app.router.add_get("/stats", self.stats)
        app.router.add_get("/deliveries", self.deliveries)
        return app

    async def telegram_commands(self, request: web.Request) -> web.Response:
        """`{"text", "count", "per_second", "first_chat"}`: that command from `count` private chats;
        the latency of each (ms), once every one has its first reply."""
        body = await request.json()
        fake = self.telegram
        ids: dict[int, str] = {}
        for k in range(body["count"]):
            chat_id = body["first_chat"] + k
            chat = {"id": chat_id, "type": "private", "first_name": "U"}
            ids[fake.push(fake.command(body["text"], chat, {**ALICE, "id": chat_id}))] = str(chat_id)
            await asyncio.sleep(1 / body["per_second"])
        await fake.wait_for(lambda: all(fake.sent_to(c) for c in ids.values()), within=120)
        return web.json_response([(fake.sent_to(chat)[0].at - fake.handed[uid]) * 1000 for uid, chat in ids.items()])

    async def discord_commands(self, request: web.Request) -> web.Response:
        """`{"name", "options", "count", "per_second"}`: that slash command `count` times; the
        latency (ms) of each to its first answer carrying a message."""
        body = await request.json()
        fake = self.discord
        tokens = []
        for _ in range(body["count"]):
            interaction = fake.command(body["name"], body["options"], channel_id=CHANNEL_BASE)
            await fake.dispatch("INTERACTION_CREATE", interaction)
            tokens.append(interaction["token"])
            await asyncio.sleep(1 / body["per_second"])
        await fake.wait_for(lambda: all(fake.answered.get(t) for t in tokens), limit=120)
        return web.json_response([(fake.answered[t][0] - fake.dispatched[t]) * 1000 for t in tokens])

    async def deliveries(self, request: web.Request) -> web.Response:
        """What was delivered: messages per destination and the arrival time of each (monotonic
        clock, shared by the processes of one machine), 429s, Discord requests about channels."""
        telegram, discord = self.telegram, self.discord
        return web.json_response(
            {
                "telegram_sent": Counter(str(s.chat_id) for s in telegram.sent),
                "telegram_times": [s.at for s in telegram.sent],
                "telegram_429s": telegram.too_many,
                "discord_sent": {str(cid): len(msgs) for cid, msgs in discord.messages.items() if msgs},
                "discord_times": discord.posted,
                "discord_requests": sum(1 for r in discord.requests if "/channels/" in r.path),
                "discord_429s": discord.too_many,
            }
        )

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "telegram messages": len(self.telegram.sent),
                "telegram 429s": self.telegram.too_many,
                "discord messages": sum(len(m) for m in self.discord.messages.values()),
                "discord 429s": self.discord.too_many,
                "news queries": len(self.news.requests),
            }
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=0)
    parser.add_argument("--per-outlet", type=int, default=0)
    parser.add_argument("--forget-texts", action="store_true", help="keep no message text (large broadcasts)")
    parser.add_argument("--unlimited", action="store_true", help="Telegram answers no 429 (client-cost benches)")
    args = parser.parse_args()
    news = GoogleNewsFake(extra_items=padded_items(args.per_outlet))
    telegram = TimedTelegram(args.forget_texts)
    if args.unlimited:
        telegram.overall_limit = None
    discord = TimedDiscord([CHANNEL_BASE + i for i in range(max(1, args.channels))])
    runners = []
    ports = {}
    for name, app in (("news", news.app()), ("telegram", telegram.app()), ("discord", discord.app())):
        runner, ports[name] = await serve(app)
        runners.append(runner)
    discord.port = ports["discord"]
    runner, ports["control"] = await serve(Control(news, telegram, discord).app())
    runners.append(runner)
    print(json.dumps({**ports, "discord_token": discord.bot_token}), flush=True)
    try:
        await asyncio.Event().wait()  # until the parent ends this process
    finally:
        for runner in runners:
            await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
