"""With SITE_BASE_URL set, Telegram and Discord posts end with a link to the digest's web page."""

from __future__ import annotations

from datetime import date

from adapters.discord.embeds import render_digest as discord_render
from adapters.markdown_site import page_url
from adapters.telegram.render import render_digest as telegram_render
from tests.test_store import digest

BASE = "https://news.example.org/digests/"
URL = "https://news.example.org/digests/china-japan/2026-02-25/"


def test_page_url_is_where_hugo_puts_the_page() -> None:
    assert page_url(BASE, digest(date(2026, 2, 25))) == URL


def test_telegram_post_ends_with_the_page_link() -> None:
    d = digest(date(2026, 2, 25))
    parts = telegram_render(d, URL)
    assert parts[-1].endswith(f'Full digest and sources: <a href="{URL}">{URL}</a>')
    assert URL not in "".join(telegram_render(d))  # without the setting, no link


def test_discord_post_ends_with_the_page_link() -> None:
    d = digest(date(2026, 2, 25))
    last = discord_render(d, URL)[-1][-1]
    assert last.description.endswith(f"\n[Full digest and sources]({URL})")
    assert all(URL not in str(e.to_dict()) for message in discord_render(d) for e in message)
    assert discord_render(d, "javascript:alert(1)")[-1][-1].description != last.description  # only http(s)
