"""`digestbot demo`: the sample feed host, the text previews, and the whole demo in a process
with the network blocked (and its documented output, which must match)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from adapters.discord.embeds import escape_text, masked_link
from adapters.discord.preview import embed_text, markdown_to_text
from bot.demo import demo_settings
from bot.demo_articles import STORIES
from bot.demo_google import signature_of
from bot.demo_hosts import serve_demo_hosts
from bot.demo_publishers import page_url
from bot.demo_server import SampleFeeds, sample_days
from bot.outbound import make_outbound_client
from digest_core.fetch.google_links import GoogleLinkDecoder, page_signature
from digest_core.topics import load_topics
from tests.docs_samples import WRITE_COMMAND, blocks
from tests.processes import child_pids, command_line, is_running, spawned

DIGESTBOT = str(Path(sys.executable).with_name("digestbot"))
DOC = Path(__file__).resolve().parent.parent / "docs" / "demo.md"
_PORT = re.compile(r"127\.0\.0\.1:\d+")


def test_sample_days_ship_with_the_package() -> None:
    assert [d.isoformat() for d in sample_days()] == ["2026-01-07", "2026-02-25"]


def test_feed_host_answers_like_google_news_by_site_and_dates() -> None:
    feeds = SampleFeeds.load()
    february = feeds.search("site:scmp.com after:2026-02-23 before:2026-02-26").decode()
    both = feeds.search("(site:scmp.com OR site:cgtn.com) after:2026-02-23 before:2026-02-26").decode()
    january = feeds.search("site:scmp.com after:2026-01-05 before:2026-01-08").decode()
    assert february.startswith("<?xml") and february.endswith("</channel></rss>")
    assert february.count("<item>") > 0
    assert "Feb 2026" in february and "Jan 2026" not in february
    assert "Jan 2026" in january and "Feb 2026" not in january
    assert both.count("<item>") > february.count("<item>")
    assert feeds.search("site:example.org").count(b"<item>") == 0


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("site:scmp.com after:2026-02-30", "after:2026-02-30 is not a date (YYYY-MM-DD)"),
        ("site:scmp.com after:2026-02-23 before:soon", "before:soon is not a date (YYYY-MM-DD)"),
        ("site:scmp.com after:", "after: is not a date (YYYY-MM-DD)"),
        ("site:scmp.com before:9999-99-99", "before:9999-99-99 is not a date (YYYY-MM-DD)"),
    ],
)
async def test_feed_host_answers_a_malformed_date_with_400_and_the_reason(
    query: str, reason: str, tmp_path: Path
) -> None:
    topics = load_topics()
    async with serve_demo_hosts(tmp_path) as hosts:
        settings = demo_settings(tmp_path, hosts, tmp_path / "site", topics, sample_days()[-1])
        async with make_outbound_client(settings, topics) as client:
            search = f"{settings.google_news_base_url}/rss/search"
            bad = await client.get(search, params={"q": query})
            good = await client.get(search, params={"q": "site:scmp.com after:2026-02-23"})
    assert (bad.status_code, bad.text) == (400, f"bad query: {reason}\n")
    assert good.status_code == 200 and b"<item>" in good.content


async def test_demo_hosts_answer_https_for_production_names_with_the_demos_ca(tmp_path: Path) -> None:
    """Through the demo's settings (FETCH_CONNECT_TO, FETCH_CA_FILE), the production client reaches
    Google's decoding and an outlet's robots.txt and page on loopback, and decodes a sample link
    to the page the outlet's site serves."""
    story = next(s for s in STORIES if s.site == "chinadaily.com.cn")
    item = next(i for i in SampleFeeds.load().items["chinadaily.com.cn"] if story.title.encode() in i)
    link = re.search(rb"<link>([^<]+)</link>", item).group(1).decode()  # type: ignore[union-attr]
    topics = load_topics()
    async with serve_demo_hosts(tmp_path) as hosts:
        settings = demo_settings(tmp_path, hosts, tmp_path / "site", topics, sample_days()[-1])
        assert settings.google_news_base_url == "https://news.google.com" and settings.publisher_links
        async with make_outbound_client(settings, topics) as client:
            robots = await client.get("https://www.chinadaily.com.cn/robots.txt")
            page = await client.get(page_url(story))
            aid = link.split("/articles/", 1)[1].split("?", 1)[0]
            signature = page_signature((await client.get(f"https://news.google.com/articles/{aid}")).text)
            decoded = await GoogleLinkDecoder(client, settings.google_news_base_url, interval=0).resolve([link])
    assert robots.status_code == 200 and "User-agent" in robots.text
    assert page.status_code == 200 and story.paragraphs[0] in page.text.replace("&#x27;", "'")
    assert signature is not None and signature.signature == signature_of(aid)
    assert decoded[link].publisher_url == page_url(story)
    pem = hosts.ca_file.read_text()
    assert pem.count("BEGIN CERTIFICATE") == 1 and "PRIVATE KEY" not in pem  # nothing private on disk


def test_discord_markdown_is_shown_as_a_reader_sees_it() -> None:
    import discord  # after adapters.discord, which silences discord.py's audioop warning

    title = escape_text("A [bracketed] *starred* @everyone headline")
    line = f"**1.** {masked_link(title, 'https://example.org/a(b)')} — Outlet"
    shown = "1. A [bracketed] *starred* @everyone headline <https://example.org/a%28b%29> — Outlet"
    assert markdown_to_text(line) == shown
    embed = discord.Embed(title="Sources", description="*One side only*")
    embed.set_author(name="Topic — 2026-02-25")
    embed.add_field(name="China", value="3 sources")
    embed.set_footer(text="Summarized by extractive")
    assert embed_text(embed) == (
        "Topic — 2026-02-25\n## Sources\nOne side only\nChina: 3 sources\n-- Summarized by extractive"
    )


def _unshare_works() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True, check=False)
    return probe.returncode == 0


def documented_output() -> str:
    """The demo's output block of docs/demo.md (`<!-- sample: demo-once -->`)."""
    return next(b.body for b in blocks(DOC) if b.spec == "demo-once")


@pytest.mark.timeout(180)
def test_demo_once_offline_builds_pages_prints_posts_and_exits(tmp_path: Path) -> None:
    if not _unshare_works():
        pytest.skip("needs `unshare -n` (root or user namespaces) and `ip` to block the network")
    script = f"ip link set lo up; exec {DIGESTBOT} demo --once --data-dir demo"
    with spawned(
        ["unshare", "-n", "sh", "-c", script], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        out, err = proc.communicate(timeout=150)
    assert proc.returncode == 0, err[-3000:]
    assert err == ""
    content = tmp_path / "demo" / "site" / "content" / "china-japan"
    assert sorted(p.name for p in content.glob("*.md")) == ["2026-01-07.md", "2026-02-25.md", "_index.md"]
    # the day in three languages: English editions and the Chinese and Japanese sample feeds, each
    # source line tagged with its detected language, the native ones marked untranslated (offline)
    day_page = (content / "2026-01-07.md").read_text().splitlines()
    sources_of_day = [line for line in day_page if re.match(r"\d+\. \[", line)]
    tags = {line.split("] ", 1)[0].split("[", 1)[1] for line in sources_of_day}
    assert {t.split("-")[0] for t in tags} == {"en", "zh", "ja"}
    native = [line for line in sources_of_day if line.split(" [", 1)[1].startswith(("zh-", "ja-"))]
    assert [line.rsplit(" (", 1)[1] for line in native] == [
        "untranslated, Chinese)",
        "untranslated, Chinese)",
        "untranslated, Japanese)",
    ]
    hosts = ["](https://www.stheadline.com/zh-hans/", "](https://www.hk01.com/", "](https://news.mynavi.jp/"]
    assert [[h in line for h in hosts].index(True) for line in native] == [0, 1, 2]
    # the Simplified and Traditional reports joined the English story, and are quoted beside it
    domestic = next(line for line in day_page if line.startswith("- **China (in Chinese for domestic readers):**"))
    assert "Sing Tao Headline and HK01" in domestic and "商务部收紧军民两用物项输日管制" in domestic
    page = (content / "2026-02-25.md").read_text()
    assert "## Overall Highlights" in page and "MOFCOM restricts exports" in page
    assert "[zh-" not in page and "[ja-" not in page and "untranslated" not in page  # an English-only day
    # publisher links decoded from Google's, leads read from the outlets' pages, over TLS offline
    assert "news.google.com" not in page and "](https://www.chinadaily.com.cn/a/" in page
    leads = [p for s in STORIES for p in s.paragraphs]
    titles = {s.title for s in STORIES}
    post = out.split("Telegram: china-japan 2026-02-25", 1)[1].split("Discord:", 1)[0]
    lead_lines = [line for line in post.splitlines() if any(line.split(": ", 1)[-1][:60] in p for p in leads)]
    assert lead_lines and not any(line.split(": ", 1)[-1].split(" [")[0] in titles for line in lead_lines)
    sources = out.split("Sources: china-japan 2026-02-25", 1)[1]
    assert sources.count("· lead read") >= 5 and "Nikkei Asia (private, Nikkei Inc.) · en · no lead: paywall" in sources
    assert "https://news.google.com" not in sources and sources.count("\n    https://") == 8
    assert (tmp_path / "demo" / "digestbot.db").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]  # DATA_DIR decides where every file goes
    assert "china-japan 2026-02-25: 8 articles (3 China, 5 Japan), 4 stories" in out
    assert "Telegram: china-japan 2026-02-25, message 1 of 1" in out
    assert re.search(r"Discord: china-japan 2026-02-25, message (\d) of \1 \(\d+ embeds? shown as text\)", out)
    assert "<b>" not in out and "](" not in out  # HTML and Discord markdown shown as text
    assert "none of" not in out and "failed" not in out
    if shutil.which("hugo"):
        assert (tmp_path / "demo" / "public" / "china-japan" / "2026-02-25" / "index.html").is_file()
        assert _PORT.sub("127.0.0.1:PORT", out) == documented_output(), f"docs/demo.md drifted: run `{WRITE_COMMAND}`"
    else:
        assert "Website: not built (Hugo is not installed" in out


@pytest.mark.timeout(180)
def test_demo_serves_the_preview_and_stops_everything_on_sigterm(tmp_path: Path) -> None:
    if shutil.which("hugo") is None:
        pytest.skip("the preview needs `hugo` on PATH")
    log = tmp_path / "out.txt"
    with (
        log.open("w") as out,
        spawned(
            [DIGESTBOT, "demo", "--data-dir", "demo", "--port", "0"], cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        ) as proc,
    ):
        deadline = time.monotonic() + 150
        while "preview:" not in log.read_text() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        found = re.search(r"preview: +(http://127\.0\.0\.1:\d+/)", log.read_text())
        assert found, log.read_text()[-2000:]
        page = found.group(1) + "china-japan/2026-02-25/"
        while True:
            try:
                with urllib.request.urlopen(page, timeout=5) as response:  # hugo server may still be starting
                    body = response.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.5)
        assert "MOFCOM restricts exports" in body
        full_digest = f"{found.group(1)}china-japan/2026-02-25/"  # in the Telegram and the Discord post
        assert log.read_text().count(f"Full digest and sources: {full_digest}\n") == 1
        assert log.read_text().count(f"Full digest and sources <{full_digest}>\n") == 1
        hugo = [pid for pid in child_pids(proc.pid) if "hugo" in command_line(pid)]
        assert hugo, "hugo server is not a child of the demo"
        os.kill(proc.pid, signal.SIGTERM)  # the demo alone, not its group: it must end hugo itself
        assert proc.wait(timeout=30) == 0, log.read_text()[-2000:]
        for pid in hugo:
            assert not is_running(pid), f"hugo server {pid} outlived the demo"
    assert log.read_text().rstrip().endswith("demo stopped")
