"""The built site in a real browser: Debian's headless Chromium, driven over the DevTools protocol,
loads the home, topic and digest pages from a local HTTP server; the test reads the live DOM
(sections, numbered sources, citations, links), checks the layout at phone width and the dark
scheme, and saves full-page screenshots at phone and desktop widths.

Screenshots go to the test's tmp folder, or to $SITE_SCREENSHOTS_DIR when set. Skips when Hugo or
Chromium is not installed (`apt-get install hugo chromium`); CI installs both."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import itertools
import os
import signal
import struct
import subprocess
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.chart import DPI, FONT
from adapters.markdown_site import safe_url
from adapters.site_builder import PACKAGED_SITE, find_hugo, serve_command
from adapters.site_pages import CHART_SIZE
from digest_core.editorial.outline import page_outline
from digest_core.models import Digest
from tests.processes import spawned
from tests.test_site import BuiltSite, built_site, require  # noqa: F401 - the fixture
from tests.test_site_install import free_port

CHROMIUM = "chromium"

# Flags from the machine notes: no sandbox as root, and no background connections to Google.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """A plain static HTTP server on 127.0.0.1 for the built site; its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


class Page:
    """One Chromium tab over the DevTools protocol: navigate, evaluate, emulate, screenshot."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        await self.ws.send_json({"id": call_id, "method": method, "params": params})
        while True:
            message = await asyncio.wait_for(self.ws.receive_json(), 30)
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.events.append(message)

    async def wait_event(self, method: str) -> None:
        while not any(e.get("method") == method for e in self.events):
            self.events.append(await asyncio.wait_for(self.ws.receive_json(), 30))

    async def goto(self, url: str) -> None:
        self.events.clear()
        result = await self.call("Page.navigate", url=url)
        assert "errorText" not in result, result
        await self.wait_event("Page.loadEventFired")

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    async def emulate(self, metrics: dict[str, Any], dark: bool = False) -> None:
        await self.call("Emulation.setDeviceMetricsOverride", **metrics)
        scheme = "dark" if dark else "light"
        await self.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": scheme}])

    async def screenshot(self, path: Path, metrics: dict[str, Any]) -> None:
        """The whole page at the metrics' width."""
        height = await self.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": metrics["width"], "height": min(int(height), 8000), "scale": 1}
        shot = await self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))


@contextlib.asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[Page]:
    """Headless Chromium with a fresh profile; one tab, closed (and the browser stopped) on exit."""
    await asyncio.to_thread(profile.mkdir)
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(300):  # up to ~30 s for the browser to start
            if port_file.is_file() and len(port_file.read_text().splitlines()) >= 2:
                break
            assert proc.returncode is None, f"chromium exited with {proc.returncode}"
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            async with session.ws_connect(ws_url, max_msg_size=0) as ws:
                page = Page(ws)
                await page.call("Page.enable")
                yield page
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # helpers left in the group after the browser exited
        await proc.wait()


# Everything the checks need, read from the live DOM in one call.
READ_DOM = """(() => {
  const text = e => e.textContent.replace(/\\s+/g, ' ').trim();
  const links = root => [...root.querySelectorAll('a[href]')].map(a => ({
    href: a.getAttribute('href'), url: a.href, text: text(a)}));
  const bars = [...document.querySelectorAll('figure.balance')].map(f => ({
    legend: [...f.querySelectorAll('.legend li')].map(li => [text(li).replace(/ \\d+$/, ''),
      Number(li.querySelector('data').value)]),
    widths: [...f.querySelectorAll('.seg')].map(s => s.getBoundingClientRect().width),
  }));
  const sections = [...document.querySelectorAll('.digest-body h2')].map(h => {
    const items = [];
    for (let e = h.nextElementSibling; e && e.tagName !== 'H2'; e = e.nextElementSibling)
      if (e.tagName === 'UL' || e.tagName === 'OL')
        for (const li of e.children) items.push({text: text(li), links: links(li), list: e.tagName,
          start: e.start});
    return {id: h.id, title: text(h), items};
  });
  const cards = [...document.querySelectorAll('article.card')].map(c => ({
    heading: text(c.querySelector('h2, h3')), link: c.querySelector('h2 a, h3 a').getAttribute('href'),
    bullets: c.querySelectorAll('.summary li').length}));
  const style = getComputedStyle(document.body);
  return {
    title: document.title, lang: document.documentElement.lang,
    viewport: document.querySelector('meta[name=viewport]')?.content,
    landmarks: ['body > header', 'main', 'body > footer', 'nav'].filter(s => document.querySelector(s)),
    h1: [...document.querySelectorAll('h1')].map(text),
    h2: [...document.querySelectorAll('main h2')].map(text),
    links: links(document), bars, sections, cards,
    scripts: document.scripts.length,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    background: style.backgroundColor, color: style.color, fontSize: parseFloat(style.fontSize),
  };
})()"""


def http_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return int(response.status)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def luminance(css_rgb: str) -> float:
    r, g, b = (int(v) for v in css_rgb[css_rgb.index("(") + 1 : css_rgb.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def check_bar(bar: dict[str, Any], perspectives: list[dict[str, Any]]) -> None:
    """Legend names and counts from the front matter; segment widths in proportion to the counts."""
    assert bar["legend"] == [[p["name"], p["count"]] for p in perspectives]
    total_width = sum(bar["widths"])
    total = sum(p["count"] for p in perspectives)
    for width, p in zip(bar["widths"], perspectives, strict=True):
        assert abs(width / total_width - p["count"] / total) < 0.03, (bar, perspectives)


def check_digest_page(dom: dict[str, Any], doc: dict[str, Any]) -> None:
    """The page's sections, bar, numbered sources, and every citation link (in any section) opening
    the source of its number."""
    day = doc["date"]
    assert dom["h1"] == [f"China vs Japan News - {day}"]
    names = [p["name"] for p in doc["perspectives"]]
    titles = [s["title"] for s in dom["sections"]]
    core = ["Overall Highlights", *[f"{n} Perspective ({n} Sources)" for n in names]]
    assert titles[: len(core)] == core  # other sections (e.g. Side by Side) may follow
    assert titles[-1] == "Sources"
    assert dom["sections"][0]["id"] == "overall-highlights"
    (bar,) = dom["bars"]
    check_bar(bar, doc["perspectives"])

    sources = dom["sections"][-1]["items"]
    articles = doc["articles"]
    assert len(sources) == len(articles)
    assert {s["list"] for s in sources} == {"OL"}
    assert {s["start"] for s in sources} == {1}  # numbered 1..n, as the citations count them
    for source, article in zip(sources, articles, strict=True):
        (link,) = source["links"]
        assert link["url"] == safe_url(article["link"])  # the publisher page when decoded
        assert source["text"].startswith("[en-US] ")
        assert f" - {article['outlet']} (" in source["text"]
    source_urls = [s["links"][0]["url"] for s in sources]

    stories = [{**s, "status": s["status"] or ""} for s in doc["stories"]]  # JSON: null on a first digest
    digest = Digest.model_validate(  # the digest back from its JSON shape
        {
            **doc,
            "stories": stories,
            "language": "en-US",
            "window_start": doc["window"]["start"],
            "window_end": doc["window"]["end"],
        }
    )
    outline = page_outline(digest)  # what the page shows: nothing said twice
    expected = [outline.highlights, *[s.lines for s in outline.sections]]
    for section, lines in zip(dom["sections"], expected, strict=False):
        assert len(section["items"]) == max(len(lines), 1)  # an empty side gets one "no coverage" line
        for item, line in zip(section["items"], lines, strict=False):
            assert [int(link["text"]) for link in item["links"]] == list(line.citations)
    citations = [link for section in dom["sections"][:-1] for item in section["items"] for link in item["links"]]
    assert citations
    for link in citations:  # each citation opens the source with that number
        assert link["url"] == source_urls[int(link["text"]) - 1]


async def check_links(page_url: str, base: str, dom: dict[str, Any]) -> list[str]:
    """Links within the site are relative and answer 200; the site's pages they lead to."""
    internal = []
    for link in dom["links"]:
        if not link["url"].startswith(base):
            assert link["url"].startswith("https://"), link  # only the sources leave the site
            continue
        assert not link["href"].startswith(("/", "http")), link  # relative, so any base URL works
        internal.append(link["url"].split("#")[0])
    for url in sorted(set(internal)):
        assert await asyncio.to_thread(http_status, url) == 200, (page_url, url)
    return internal


async def read_chart(page: Page) -> dict[str, Any]:
    """The topic page's chart once loaded: its size on the page (CSS px) and its own (px)."""
    expression = """document.querySelector('figure.trend img').decode().then(() => {
      const img = document.querySelector('figure.trend img');
      return {width: img.getBoundingClientRect().width, natural: [img.naturalWidth, img.naturalHeight]};
    })"""
    result = await page.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
    assert "exceptionDetails" not in result, result
    return dict(result["result"]["value"])


def check_chart(chart: dict[str, Any], metrics: dict[str, Any]) -> None:
    """At phone width the chart takes the column's width, and its smallest type (the tick labels,
    FONT - 2 points at DPI) is at least 11 CSS px there."""
    assert chart["natural"] == list(CHART_SIZE)
    assert metrics["width"] - 40 <= chart["width"] <= metrics["width"]
    tick_px = (FONT - 2) * DPI / 72 * chart["width"] / CHART_SIZE[0]
    assert tick_px >= 11, chart


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the screenshots go: $SITE_SCREENSHOTS_DIR, else the test's tmp folder."""
    folder = Path(os.environ.get("SITE_SCREENSHOTS_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser() -> None:
    require(CHROMIUM)


@pytest.mark.usefixtures("browser")
async def test_site_in_chromium(built_site: BuiltSite, tmp_path: Path, shots: Path) -> None:  # noqa: F811
    docs = built_site.digests
    latest, older = docs["2026-02-25"], docs["2026-01-07"]
    with serve(built_site.public) as base:
        async with chromium(tmp_path / "profile") as page:
            pages = {
                "home": base,
                "topic": f"{base}china-japan/",
                "digest": f"{base}china-japan/2026-02-25/",
                "digest-older": f"{base}china-japan/2026-01-07/",
            }
            doms: dict[str, dict[str, Any]] = {}
            charts: dict[str, dict[str, Any]] = {}
            reached: set[str] = set()
            for name, url in pages.items():
                for label, metrics in (("phone", PHONE), ("desktop", DESKTOP)):
                    await page.emulate(metrics)
                    await page.goto(url)
                    dom = await page.evaluate(READ_DOM)
                    assert dom["overflow"] <= 0, f"{name} scrolls sideways at {label} width"
                    assert dom["scripts"] == 0
                    assert dom["viewport"] == "width=device-width, initial-scale=1"
                    assert dom["lang"] == "en"
                    assert dom["landmarks"] == ["body > header", "main", "body > footer", "nav"]
                    assert dom["fontSize"] >= 16
                    reached.update(await check_links(url, base, dom))
                    doms[name] = dom
                    if name == "topic":
                        charts[label] = await read_chart(page)
                    if name != "digest-older":
                        await page.screenshot(shots / f"{name}-{label}.png", metrics)
                        assert (
                            png_size(shots / f"{name}-{label}.png")[0]
                            == metrics["width"] * metrics["deviceScaleFactor"]
                        )

            await page.emulate(PHONE, dark=True)
            await page.goto(pages["digest"])
            dark = await page.evaluate(READ_DOM)
            await page.screenshot(shots / "digest-phone-dark.png", PHONE)

    light = doms["digest"]
    assert luminance(light["background"]) > 0.9 > 0.3 > luminance(light["color"])
    assert luminance(dark["background"]) < 0.15 < 0.7 < luminance(dark["color"])

    home = doms["home"]
    assert home["h1"] == ["Latest digests"]
    assert home["h2"] == ["China vs Japan"]
    (card,) = home["cards"]  # the latest digest of the one topic
    assert card["heading"] == "Wednesday, 25 February 2026"
    assert card["link"] == "./china-japan/2026-02-25/index.html"
    assert card["bullets"] == len(latest["highlights"])
    check_bar(home["bars"][0], latest["perspectives"])

    check_chart(charts["phone"], PHONE)
    assert charts["desktop"]["width"] >= charts["phone"]["width"]

    topic = doms["topic"]
    assert topic["h1"] == ["China vs Japan"]
    assert [c["heading"] for c in topic["cards"]] == ["Wednesday, 25 February 2026", "Wednesday, 7 January 2026"]
    assert [c["link"] for c in topic["cards"]] == [
        "../china-japan/2026-02-25/index.html",
        "../china-japan/2026-01-07/index.html",
    ]
    assert [c["bullets"] for c in topic["cards"]] == [len(latest["highlights"]), len(older["highlights"])]
    assert [c["h2"] for c in [topic]] == [["Wednesday, 25 February 2026", "Wednesday, 7 January 2026"]]

    check_digest_page(doms["digest"], latest)
    check_digest_page(doms["digest-older"], older)
    newer_link = [link for link in doms["digest-older"]["links"] if link["text"].startswith("Newer:")]
    assert [link["url"] for link in newer_link] == [pages["digest"] + "index.html"]

    assert {f"{url}index.html" for url in pages.values()} <= reached  # every page is reached by following links


# The page's heading, whether it is one of ours (a folder listing has no <main>), and its links.
READ_LINKS = """(() => ({
  url: location.href,
  h1: document.querySelector('main h1')?.textContent.trim() ?? null,
  links: [...document.querySelectorAll('a[href]:not([href^="#"])')].map(a => a.href),
}))()"""
PAGE_TITLES = {
    "Latest digests",
    "China vs Japan",
    "China vs Japan News - 2026-02-25",
    "China vs Japan News - 2026-01-07",
}


async def crawl(page: Page, start: str, root: str) -> dict[str, dict[str, Any]]:
    """Every page under `root` reached from `start` by following links in the browser."""
    seen: dict[str, dict[str, Any]] = {}
    queue = [start]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        await page.goto(url)
        seen[url] = await page.evaluate(READ_LINKS)
        queue += [link.split("#")[0] for link in seen[url]["links"] if link.startswith(root)]
    return seen


@contextlib.contextmanager
def preview_server(content: Path) -> Iterator[str]:
    """`hugo server` over the shipped site and `content`, as `digestbot site serve` runs it; its URL."""
    port = free_port()
    command = serve_command(find_hugo(), PACKAGED_SITE, content, "127.0.0.1", port)
    with spawned(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
        base = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                http_status(base)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "hugo server did not answer"
                time.sleep(0.2)
        yield base


@pytest.mark.usefixtures("browser")
async def test_every_link_opens_a_page_from_disk_and_from_the_preview_server(
    built_site: BuiltSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Opened from disk (file://), a link to a folder would show its listing: every link names its
    page's file, and following them all from the home page reaches every page, each one ours."""
    on_disk = built_site.public.as_uri() + "/"
    with preview_server(built_site.content) as served:
        async with chromium(tmp_path / "profile") as page:
            for root in (on_disk, served):
                pages = await crawl(page, root + "index.html", root)
                titles = {info["h1"] for info in pages.values()}
                assert titles == PAGE_TITLES, (root, {url: info["h1"] for url, info in pages.items()})
                links = {link for info in pages.values() for link in info["links"] if link.startswith(root)}
                assert links and not [link for link in links if not link.split("#")[0].endswith(".html")], root
