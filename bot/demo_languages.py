"""The demo's day in three languages: the shipped topics with `languages = ["en", "zh", "ja"]` and the
outlets of the Chinese- and Japanese-language sample feeds of 2026-01-07 (`bot/demo_feeds/2026-01-07`,
copied from `tests/data/google-news-native/2026-01-07`), for the demo only: the shipped topics
file keeps English only. Their article pages are not in the sample: their hosts answer robots.txt
and 404, so those articles are shown from their feed titles (lead not read), as a failed page read is.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from bot.demo_server import SampleFeeds
from digest_core.fetch.google_links import article_id, embedded_url
from digest_core.topics import Topic, Topics

DEMO_LANGUAGES = ["en", "zh", "ja"]
_LINK = re.compile(rb"<link>([^<]+)</link>")

# The sample's outlets with a side, by perspective id (tests/data/google-news-native/2026-01-07/labels.json);
# Taiwan's outlets and those whose home could not be told have no side and are not read.
NATIVE_OUTLETS: dict[str, list[dict[str, object]]] = {
    "china": [
        {"name": "HK01", "domains": ["hk01.com"], "language": "zh-TW", "locale": "hl=zh-TW&gl=TW&ceid=TW:zh-Hant"},
        {
            "name": "Sing Tao Headline",
            "domains": ["stheadline.com"],
            "language": "zh-CN",
            "locale": "hl=zh-CN&gl=CN&ceid=CN:zh-Hans",
        },
    ],
    "japan": [
        {"name": "Mynavi News", "domains": ["news.mynavi.jp"], "language": "ja-JP", "locale": "hl=ja&gl=JP&ceid=JP:ja"},
    ],
}


def in_three_languages(topic: Topic) -> Topic:
    """The topic reading English, Chinese and Japanese, with the sample's native outlets on its sides."""
    data = topic.model_dump()
    data["languages"] = DEMO_LANGUAGES
    for perspective in data["perspectives"]:
        perspective["outlets"] = [*perspective["outlets"], *NATIVE_OUTLETS.get(perspective["id"], [])]
    return Topic.model_validate(data)


def demo_topics(topics: Topics) -> Topics:
    """Every topic in three languages."""
    return Topics([in_three_languages(t) for t in topics])


def unserved_hosts(feeds: SampleFeeds, served: set[str]) -> list[str]:
    """The hosts of the sample's links that carry their publisher URL (old-style ids) and that the
    demo has no pages for: they are reached on loopback too, so the demo never leaves the machine."""
    hosts = set()
    for items in feeds.items.values():
        for item in items:
            link = _LINK.search(item)
            aid = article_id(html.unescape(link.group(1).decode())) if link else None
            url = embedded_url(aid) if aid else None
            host = urlsplit(url).hostname if url else None
            if host and host not in served:
                hosts.add(host.lower())
    return sorted(hosts)
