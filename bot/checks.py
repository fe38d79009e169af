"""`digestbot doctor`'s checks of what a digest needs outside the process: the feed hosts, Google's
link decoding and Hugo.

Each check is one `(ok, line)`; a failing line says what to do about it.
"""

from __future__ import annotations

import html
import re
import time
from urllib.parse import urlsplit

import httpx

from adapters.site_builder import HUGO_CONFIG, INSTALL_HINT, find_hugo
from bot.settings import Settings
from digest_core.dates import digest_window, latest_complete_date
from digest_core.errors import BodyTooLarge, HugoNotInstalled, UnsupportedEncoding
from digest_core.fetch.failure_cause import cause_of
from digest_core.fetch.google_links import GoogleLinkDecoder, article_id
from digest_core.fetch.google_news import google_news_url
from digest_core.fetch.outlet_feeds import feed_jobs
from digest_core.fetch.polite import ACCEPT_ENCODING, host_of, read_capped
from digest_core.redaction import display_url
from digest_core.topics import Topics

Check = tuple[bool, str]
PROBE_ERRORS = (httpx.HTTPError, httpx.InvalidURL, BodyTooLarge, UnsupportedEncoding)


async def probe(client: httpx.AsyncClient, url: str, limit: int) -> tuple[int, bytes]:
    """GET `url` as the sources do (gzip or deflate only): its status and its body, read within
    `limit` decoded bytes; one of `PROBE_ERRORS` when there is no such answer."""
    async with client.stream("GET", url, headers={"Accept-Encoding": ACCEPT_ENCODING}) as response:
        return response.status_code, await read_capped(response, limit)


def probe_urls(settings: Settings, topics: Topics) -> dict[str, tuple[str, str]]:
    """One URL to ask per feed host: name -> (host, url). Google News with one outlet's real query
    (when any outlet uses it), and each host of the outlets' own feeds with its first feed. The
    host is shown; the URL is asked (with its credentials, if any) and shown as `display_url`."""
    probes: dict[str, tuple[str, str]] = {}
    now = settings.clock()()
    for topic in topics:
        google = [o for _, o in topic.all_outlets if o.google_news]
        if google and "Google News" not in probes:
            window = digest_window(topic, latest_complete_date(topic, now))
            url = google_news_url(settings.google_news_base_url, topic, google[0], window)
            probes["Google News"] = (urlsplit(url).netloc, url)
        for _, _, url in feed_jobs(topic):
            probes.setdefault(f"feed host {host_of(url)}", (urlsplit(display_url(url)).netloc, url))
    return probes


async def check_feed_hosts(client: httpx.AsyncClient, settings: Settings, topics: Topics) -> list[Check]:
    """Whether each feed host answers one request, and what to do when it does not."""
    checks: list[Check] = []
    for name, (host, url) in probe_urls(settings, topics).items():
        started = time.monotonic()
        try:
            status, _ = await probe(client, url, settings.fetch_max_bytes)
        except PROBE_ERRORS as exc:
            reason = cause_of(exc, settings.fetch_timeout)
            hint = "GOOGLE_NEWS_BASE_URL" if name == "Google News" else "the feed URL in the topics file"
            checks.append((False, f"{name}: {host} did not answer ({reason}): check the network, a proxy or {hint}"))
            continue
        ms = round((time.monotonic() - started) * 1000)
        if status == 200:
            checks.append((True, f"{name}: {host} answered (HTTP 200, {ms} ms)"))
        elif status in (403, 429) or status >= 500:
            checks.append(
                (
                    False,
                    f"{name}: {host} answered HTTP {status}: it refuses or limits this address "
                    "for now; wait and retry, and keep FETCH_PER_HOST / GOOGLE_NEWS_CONCURRENCY low",
                )
            )
        else:
            shown = display_url(url)
            checks.append((False, f"{name}: {host} answered HTTP {status} for {shown}: check that URL"))
    return checks


# A real current (opaque) Google News link, decoded when a fresh query gives none: China Daily, 2026-02-25.
KNOWN_LINK = (
    "https://news.google.com/rss/articles/CBMigAFBVV95cUxNV3RIV0FnQkVKUmxaa1NGNFhvbXdueFNycU9zUXUxVDk1X0xNMnkwNldoY2"
    "5vdlZvaDJzWE9YQkxkbzkxWUUyTFBWWV9JZTlGazg3RGdtekpKOEM1MS1NbjduV2ZBMEJUTzY1Yllzd3hfNTV2RlZhRkhHMFJYNy1Jaw?oc=5"
)
_ITEM_LINK = re.compile(r"<item>.*?<link>([^<]+)</link>", re.DOTALL)


async def first_google_link(client: httpx.AsyncClient, settings: Settings, topics: Topics) -> str | None:
    """The first item link of a fresh Google News query (None when the query gives none)."""
    query = probe_urls(settings, topics).get("Google News")
    if query is None:
        return None
    try:
        status, body = await probe(client, query[1], settings.fetch_max_bytes)
    except PROBE_ERRORS:
        return None
    found = _ITEM_LINK.search(body.decode("utf-8", "replace")) if status == 200 else None
    return html.unescape(found.group(1)).strip() if found else None


async def check_google_links(decoder: GoogleLinkDecoder | None, link: str | None) -> Check:
    """Whether Google's link decoding works now: `link` (else `KNOWN_LINK`) decoded through the real
    protocol; what to do when it does not (consent wall, 429, a changed page)."""
    if decoder is None:
        return True, "Google News links: decoding off (PUBLISHER_LINKS=false), citations link to Google News"
    link = link if link and decoder.is_google_link(link) else KNOWN_LINK
    answer = (await decoder.resolve([link])).get(link)
    asked = sum(decoder.requests.values())
    short = f"{(article_id(link) or link)[:16]}…"
    if answer is not None and answer.publisher_url:
        return True, f"Google News links: {short} decoded to {answer.publisher_url} ({asked} requests to Google)"
    if decoder.stopped:
        return False, f"Google News links: {decoder.stopped}"
    reason = answer.error if answer is not None else "not a link Google decodes"
    return False, (
        f"Google News links: {short} not decoded ({reason}): links stay Google links; "
        "if it lasts, Google changed its pages (see docs/sources.md), or set PUBLISHER_LINKS=false"
    )


def check_hugo(settings: Settings) -> Check:
    """The Hugo site is there, and Hugo is installed where the site is published (SITE_DIR or
    SITE_BASE_URL set); without them Hugo is optional: the pages stay Markdown until `site build`."""
    site = settings.hugo_site
    if not (site / HUGO_CONFIG).is_file():
        return False, f"site: no Hugo site in {site} ({HUGO_CONFIG} missing): fix or unset SITE_DIR"
    try:
        hugo = find_hugo()
    except HugoNotInstalled:
        if settings.site_dir is None and settings.site_base_url is None:
            pages = settings.content_path
            return True, f"site: pages are Markdown in {pages}; Hugo (for `site build`) is not installed"
        return False, f"site: Hugo is not installed, so `digestbot site build` cannot run: {INSTALL_HINT}"
    return True, f"site: hugo at {hugo}, pages in {settings.content_path}"
