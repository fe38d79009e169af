"""`digestbot doctor`'s checks of what a digest needs outside the process: the feed hosts and Hugo.

Each check is one `(ok, line)`; a failing line says what to do about it.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import httpx

from adapters.site_builder import HUGO_CONFIG, INSTALL_HINT, HugoNotInstalled, find_hugo
from bot.settings import Settings
from digest_core.dates import digest_window, latest_complete_date
from digest_core.redaction import display_url
from digest_core.sources.google_news import google_news_url
from digest_core.sources.outlet_feeds import feed_jobs
from digest_core.sources.polite import host_of
from digest_core.topics import Topics

Check = tuple[bool, str]


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
            response = await client.get(url)
        except httpx.HTTPError as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            hint = "GOOGLE_NEWS_BASE_URL" if name == "Google News" else "the feed URL in the topics file"
            checks.append((False, f"{name}: {host} did not answer ({reason}): check the network, a proxy or {hint}"))
            continue
        ms = round((time.monotonic() - started) * 1000)
        if response.status_code == 200:
            checks.append((True, f"{name}: {host} answered (HTTP 200, {ms} ms)"))
        elif response.status_code in (403, 429) or response.status_code >= 500:
            checks.append(
                (
                    False,
                    f"{name}: {host} answered HTTP {response.status_code}: it refuses or limits this address "
                    "for now; wait and retry, and keep FETCH_PER_HOST / GOOGLE_NEWS_CONCURRENCY low",
                )
            )
        else:
            shown = display_url(url)
            checks.append((False, f"{name}: {host} answered HTTP {response.status_code} for {shown}: check that URL"))
    return checks


def check_hugo(settings: Settings) -> Check:
    """Hugo is needed when the site is used: SITE_DIR holds the Hugo site, or SITE_BASE_URL is set."""
    site_used = (settings.site_dir / HUGO_CONFIG).is_file() or settings.site_base_url is not None
    if not site_used:
        return True, f"site: pages are Markdown in {settings.content_path}; no Hugo site in {settings.site_dir}"
    try:
        hugo = find_hugo()
    except HugoNotInstalled:
        return False, f"site: Hugo is not installed, so `digestbot site build` cannot run: {INSTALL_HINT}"
    return True, f"site: hugo at {hugo}, pages in {settings.content_path}"
