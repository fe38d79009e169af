"""A hostile feed server on 127.0.0.1: slow drips, gzip bombs, huge bodies, bad redirects, bad dates."""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import dataclass, field

from aiohttp import web

RSS_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>T</title>\n'
RSS_TAIL = b"</channel></rss>\n"


def rss_item(title: str, link: str, pub_date: str) -> bytes:
    return f"<item><title>{title}</title><link>{link}</link><pubDate>{pub_date}</pubDate></item>\n".encode()


def atom_with_dates(link: str, *updated: str) -> bytes:
    entries = "".join(
        f'<entry><title>Item {k}</title><link href="{link}{k}"/><id>{link}{k}</id><updated>{u}</updated></entry>\n'
        for k, u in enumerate(updated)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>T</title><id>urn:t</id>{entries}</feed>\n"
    ).encode()


@dataclass
class HostileFeeds:
    """`bodies` are served as is at their path; `/drip` sends one byte per `drip_interval` seconds;
    `/bomb` is `bomb_size` zero bytes sent with `Content-Encoding: gzip`; `/to/SCHEME` redirects to
    a `SCHEME:` URL."""

    bodies: dict[str, bytes] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)  # path -> Content-Encoding sent with its body
    drip_interval: float = 0.2
    bomb_size: int = 64 * 1024 * 1024
    hits: dict[str, int] = field(default_factory=dict)
    _bomb: bytes | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/drip", self.drip)
        app.router.add_get("/bomb", self.bomb)
        app.router.add_get("/to/{scheme}", self.redirect)
        app.router.add_get("/{path:.+}", self.body)
        return app

    def _hit(self, path: str) -> None:
        self.hits[path] = self.hits.get(path, 0) + 1

    async def drip(self, request: web.Request) -> web.StreamResponse:
        self._hit("drip")
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        for byte in RSS_HEAD * 100:
            await response.write(bytes([byte]))
            await asyncio.sleep(self.drip_interval)
        return response

    def bomb_bytes(self) -> bytes:
        """The bomb, compressed once (call it before measuring memory: compressing needs the whole)."""
        if self._bomb is None:
            self._bomb = gzip.compress(b"\0" * self.bomb_size, compresslevel=9)
        return self._bomb

    async def bomb(self, request: web.Request) -> web.Response:
        self._hit("bomb")
        return web.Response(
            body=self.bomb_bytes(), headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}
        )

    async def redirect(self, request: web.Request) -> web.Response:
        scheme = request.match_info["scheme"]
        self._hit(f"to/{scheme}")
        target = {"javascript": "javascript:alert(1)", "data": "data:text/xml,<rss/>", "mailto": "mailto:a@b.c"}
        raise web.HTTPFound(location=target.get(scheme, f"{scheme}://x/"))

    async def body(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        self._hit(path)
        if path not in self.bodies:
            return web.Response(status=404)
        headers = {"Content-Type": "application/rss+xml"}
        if path in self.encodings:
            headers["Content-Encoding"] = self.encodings[path]
        return web.Response(body=self.bodies[path], headers=headers)
