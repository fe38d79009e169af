"""The outbound policy and HTTP client from the settings and topics: what the operator configured."""

from __future__ import annotations

import httpx

from bot.settings import Settings
from digest_core.fetch.outbound import OutboundPolicy
from digest_core.fetch.outbound_client import Resolver, outbound_client, system_resolver
from digest_core.fetch.outlet_feeds import feed_jobs
from digest_core.topics import Topics


def outbound_policy(settings: Settings, topics: Topics) -> OutboundPolicy:
    """The policy with the operator's URLs (GOOGLE_NEWS_BASE_URL, the platforms' API URLs, every
    outlet feed in the topics file) and FETCH_CONNECT_TO as configured."""
    feeds = [url for topic in topics for _, _, url in feed_jobs(topic)]
    return OutboundPolicy([*settings.operator_urls, *feeds], settings.connect_to)


def make_outbound_client(
    settings: Settings, topics: Topics, timeout: float | None = None, resolver: Resolver = system_resolver
) -> httpx.AsyncClient:
    """`outbound_client` with these settings' policy, User-Agent, FETCH_TIMEOUT (or `timeout`) and the
    certificate authorities of FETCH_CA_FILE trusted besides the default ones."""
    return outbound_client(
        outbound_policy(settings, topics),
        timeout or settings.fetch_timeout,
        settings.http_user_agent,
        resolver,
        settings.fetch_ca_file,
    )
