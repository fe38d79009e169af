"""Bot API calls go out as JSON (no pure-Python form encoding of long messages); uploads stay multipart."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from telegram import InputFile
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from adapters.telegram.json_request import JsonHTTPXRequest


async def test_calls_are_sent_as_json_and_uploads_as_multipart() -> None:
    seen: list[tuple[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            seen.append((request.content_type, await request.json()))
        else:
            seen.append((request.content_type, sorted((await request.post()).keys())))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    request = JsonHTTPXRequest()
    await request.initialize()
    try:
        text = "<b>Hello</b> & " + "é" * 4000
        data = RequestData([
            RequestParameter.from_input("chat_id", -100123), RequestParameter.from_input("text", text),
            RequestParameter.from_input("link_preview_options", {"is_disabled": True}),
        ])
        assert await request.post(f"http://127.0.0.1:{port}/botT/sendMessage", data) is True
        photo = RequestData([
            RequestParameter.from_input("chat_id", 1),
            RequestParameter.from_input("photo", InputFile(b"\x89PNG", "c.png")),
        ])
        assert await request.post(f"http://127.0.0.1:{port}/botT/sendPhoto", photo) is True
    finally:
        await request.shutdown()
        await runner.cleanup()
    assert seen[0] == (
        "application/json", {"chat_id": -100123, "text": text, "link_preview_options": {"is_disabled": True}}
    )
    assert seen[1] == ("multipart/form-data", ["chat_id", "photo"])
    assert json.dumps(seen[0][1])  # plain JSON values, not JSON inside strings
