"""The demo's hosts on loopback, over TLS: news.google.com (the sample's search feeds and Google's
link decoding) and the outlets' sites (article pages, robots.txt), with certificates from a CA
made at start. The demo's settings reach them with the production URLs through FETCH_CONNECT_TO
and trust the CA through FETCH_CA_FILE (its certificate only is written, in the data directory).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.demo_google import GoogleDecoding, publisher_targets
from bot.demo_languages import unserved_hosts
from bot.demo_publishers import PublisherSites
from bot.demo_server import SampleFeeds, feed_app, serving
from bot.demo_tls import LocalCA, connect_to
from digest_core.fetch.google_links import GOOGLE_NEWS_HOST

CA_FILE = "demo-ca.pem"


@dataclass(frozen=True)
class DemoHosts:
    """Where the demo serves: the FETCH_CONNECT_TO rules, the CA's certificate, the hosts."""

    connect_to: str
    ca_file: Path
    publisher_hosts: list[str]
    links: int  # sample links the decoding endpoints answer
    pageless_hosts: list[str]  # hosts of sample links with no page in the demo: robots.txt and 404


@asynccontextmanager
async def serve_demo_hosts(data_dir: Path, host: str = "127.0.0.1") -> AsyncIterator[DemoHosts]:
    """Google News and the outlets' sites served over TLS on `host` while inside."""
    ca = LocalCA()
    ca_file = ca.write_certificate(data_dir / CA_FILE)
    feeds = SampleFeeds.load()
    google = feed_app(feeds)
    decoding = GoogleDecoding(publisher_targets(feeds))
    decoding.add_routes(google)
    sites = PublisherSites.of()
    pageless = unserved_hosts(feeds, set(sites.hosts))
    hosts = [*sites.hosts, *pageless]
    async with AsyncExitStack() as stack:
        google_port = await stack.enter_async_context(
            serving(google, host, ssl_context=ca.server_context([GOOGLE_NEWS_HOST]))
        )
        sites_port = await stack.enter_async_context(serving(sites.app(), host, ssl_context=ca.server_context(hosts)))
        routes = {GOOGLE_NEWS_HOST: google_port, **dict.fromkeys(hosts, sites_port)}
        yield DemoHosts(connect_to(routes, to_host=host), ca_file, sites.hosts, len(decoding.targets), pageless)
