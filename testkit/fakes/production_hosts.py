"""news.google.com and the outlets' hosts on loopback, over TLS, as the production client reaches them.

`production_hosts` serves the Google News fake (search feed and link decoding) and the publisher
fake, each with a certificate for its production host names from a `LocalCA` made for the test,
and gives the settings that route the real https URLs there: FETCH_CONNECT_TO
(`news.google.com:443:127.0.0.1:PORT,...`) and FETCH_CA_FILE (the CA's certificate).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.demo_tls import LocalCA, connect_to
from digest_core.fetch.google_links import GOOGLE_NEWS_HOST
from digest_core.fetch.outbound import OutboundPolicy, parse_connect_to
from digest_core.fetch.outbound_client import outbound_client
from testkit.fakes.google_news import GoogleNewsFake
from testkit.fakes.publishers import PublishersFake, publishers_fake
from testkit.fakes.server import ThreadedServer


@dataclass
class ProductionHosts:
    news: GoogleNewsFake
    publishers: PublishersFake
    connect_to: str
    ca_file: Path

    def env(self) -> dict[str, str]:
        """The settings for a build against these hosts with production URLs (pacing off for speed)."""
        return {
            "GOOGLE_NEWS_BASE_URL": f"https://{GOOGLE_NEWS_HOST}",
            "FETCH_CONNECT_TO": self.connect_to,
            "FETCH_CA_FILE": str(self.ca_file),
            "PUBLISHER_LINKS_INTERVAL": "0",
            "ARTICLE_PAGES_INTERVAL": "0",
        }


def publisher_hosts(fake: PublishersFake) -> list[str]:
    return sorted({host for host, _ in fake.pages})


def production_client(
    connect_to: str,
    ca_file: Path,
    timeout: float = 5.0,
    user_agent: str = "Digestbot/0.1 (+https://example.org/bot)",
) -> httpx.AsyncClient:
    """The production client (`outbound_client`: the outbound policy, TLS verified) with these
    FETCH_CONNECT_TO and FETCH_CA_FILE settings."""
    policy = OutboundPolicy(connect_to=parse_connect_to(connect_to))
    return outbound_client(policy, timeout, user_agent, ca_file=ca_file)


@dataclass
class ServedPublishers:
    """The publisher fake served over TLS for its production host names."""

    fake: PublishersFake
    port: int
    ca_file: Path

    def client(self, timeout: float = 5.0, port: int | None = None) -> httpx.AsyncClient:
        """The production client reaching every host of the fake (on `port`, if given, instead)."""
        routes = dict.fromkeys(publisher_hosts(self.fake), port or self.port)
        return production_client(connect_to(routes), self.ca_file, timeout)


@contextmanager
def served_publishers(directory: Path, publishers: PublishersFake) -> Iterator[ServedPublishers]:
    """The publisher fake over TLS for the host names of its pages (as they are on entry) while inside."""
    ca = LocalCA("Digestbot test CA")
    ca_file = ca.write_certificate(directory / "test-ca.pem")
    with ThreadedServer(publishers.app(), ca.server_context(publisher_hosts(publishers))) as sites:
        yield ServedPublishers(publishers, sites.port, ca_file)


@contextmanager
def production_hosts(
    directory: Path, news: GoogleNewsFake | None = None, publishers: PublishersFake | None = None
) -> Iterator[ProductionHosts]:
    """Both fakes served over TLS for their production names while inside; the CA's PEM in `directory`."""
    ca = LocalCA("Digestbot test CA")
    ca_file = ca.write_certificate(directory / "test-ca.pem")
    news = news or GoogleNewsFake()
    publishers = publishers or publishers_fake()[0]
    hosts = publisher_hosts(publishers)
    with (
        ThreadedServer(news.app(), ca.server_context([GOOGLE_NEWS_HOST])) as google,
        ThreadedServer(publishers.app(), ca.server_context(hosts)) as sites,
    ):
        routes = {GOOGLE_NEWS_HOST: google.port, **dict.fromkeys(hosts, sites.port)}
        yield ProductionHosts(news, publishers, connect_to(routes), ca_file)
