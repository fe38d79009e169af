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

from bot.demo_tls import LocalCA, connect_to
from digest_core.sources.google_links import GOOGLE_NEWS_HOST
from tests.fakes.google_news import GoogleNewsFake
from tests.fakes.publishers import PublishersFake, publishers_fake
from tests.fakes.server import ThreadedServer


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
