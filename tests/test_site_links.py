"""With SITE_BASE_URL set, Telegram, Discord and console posts end with a link to the digest's web page."""

from __future__ import annotations

from datetime import date

from adapters.console import ConsolePublisher
from adapters.discord.embeds import render_digest as discord_render
from adapters.discord.preview import markdown_to_text, message_text
from adapters.markdown_site import page_url
from adapters.telegram.render import html_to_text
from adapters.telegram.render import render_digest as telegram_render
from digest_core.delivery.ports import Destination
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


def test_every_output_keeps_the_full_digest_link() -> None:
    """Telegram (HTML and its text fallback), Discord (embeds and the text a reader sees), and the
    console, as the service builds them with SITE_BASE_URL set."""
    d = digest(date(2026, 2, 25))
    telegram = telegram_render(d, URL)
    assert html_to_text(telegram[-1]).rstrip().endswith(f"Full digest and sources: {URL}")
    messages = discord_render(d, URL)
    assert messages[-1][-1].description.endswith(f"[Full digest and sources]({URL})")
    shown = message_text(messages[-1])
    assert f"Full digest and sources <{URL}>" in shown
    assert "](" not in shown
    console = ConsolePublisher(site_base_url=BASE)
    (text,) = console.render(d, Destination("console", "stdout"))
    assert text.rstrip().endswith(f"Full digest and sources: {URL}")
    (without,) = ConsolePublisher().render(d, Destination("console", "stdout"))
    assert URL not in without and "Full digest" not in without


def test_discord_text_shows_citations_as_numbers_and_other_links_with_their_address() -> None:
    line = (
        "• **China:** claim ([1](https://a.example/1), [12](https://a.example/12)) [Full digest](https://s.example/x/)"
    )
    assert markdown_to_text(line) == "• China: claim (1, 12) Full digest <https://s.example/x/>"
