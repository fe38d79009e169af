"""The Hugo site: pages written by `digestbot build`, `digestbot site publish/build/serve`, Hugo's output
for both fixture days (no warnings), page URLs, and hostile text staying text. Tests that run Hugo
skip when it is not installed (`apt-get install hugo`); CI installs it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from typer.testing import CliRunner

from adapters.markdown_site import page_url, write_page
from adapters.site_builder import PACKAGED_SITE, SiteBuild, build_command, build_site, find_hugo
from bot.cli import app
from bot.settings import Settings
from digest_core.errors import HugoNotInstalled
from digest_core.models import Article, Bullet, Digest, PerspectiveCount
from tests.processes import child_pids, command_line, is_running, spawned

DAYS = ("2026-01-07", "2026-02-25")
runner = CliRunner()


def require(tool: str) -> None:
    """Skip without `tool` (a laptop without Hugo or Chromium); fail instead where CI sets
    SITE_TESTS_REQUIRED, so that these tests cannot silently stop running there."""
    if shutil.which(tool) is None:
        message = f"{tool} is not installed (apt-get install {tool}); CI installs it"
        if os.environ.get("SITE_TESTS_REQUIRED"):
            pytest.fail(message + ", but SITE_TESTS_REQUIRED is set")
        pytest.skip(message)


@pytest.fixture
def hugo() -> None:
    require("hugo")


@pytest.fixture(autouse=True)
def _no_site_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SITE_DIR", "SITE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def copy_site(dest: Path) -> Path:
    """A copy of the shipped Hugo site: an operator's own SITE_DIR."""
    shutil.copytree(PACKAGED_SITE, dest)
    return dest


def tree(folder: Path) -> dict[str, int]:
    """Every file under `folder` and its modification time (ns)."""
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def build_fixture_days(content: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """Build both fixture days with the CLI (which writes their pages); their digests as JSON."""
    monkeypatch.setenv("CONTENT_DIR", str(content))
    digests = {}
    for day in DAYS:
        result = runner.invoke(app, ["build", "china-japan", "--date", day, "--format", "json"])
        assert result.exit_code == 0, result.stderr
        assert f"site page: {content / 'china-japan' / f'{day}.md'}" in result.stderr
        digests[day] = json.loads(result.stdout)
    return digests


@dataclass
class BuiltSite:
    content: Path
    public: Path
    build: SiteBuild
    digests: dict[str, dict[str, Any]]


@pytest.fixture
def built_site(cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BuiltSite:
    """Hugo's build of the shipped site from the digests of both fixture days; Hugo writes nothing
    into the shipped site (the installed package may be read-only)."""
    require("hugo")
    content = tmp_path / "content"
    digests = build_fixture_days(content, monkeypatch)
    public = tmp_path / "public"
    before = tree(PACKAGED_SITE)
    build = build_site(PACKAGED_SITE, content, public)
    assert tree(PACKAGED_SITE) == before
    return BuiltSite(content, public, build, digests)


class Elements(HTMLParser):
    """Start tags and their attributes, and the page's text, from static HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]


# --- pages and settings (no Hugo needed) ---------------------------------------------------------


def test_build_writes_the_page_and_site_publish_rewrites_the_archive(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    build_fixture_days(content, monkeypatch)
    pages = sorted(p.relative_to(content).as_posix() for p in content.rglob("*.md"))
    assert pages == ["china-japan/2026-01-07.md", "china-japan/2026-02-25.md", "china-japan/_index.md"]
    chart = (content / "china-japan" / "trend.png").read_bytes()
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")  # the topic page's coverage chart
    written = {p: (content / p).read_text() for p in pages}
    assert written["china-japan/2026-02-25.md"].startswith('---\ntitle: "China vs Japan News - 2026-02-25"\n')

    shutil.rmtree(content)
    result = runner.invoke(app, ["site", "publish"])
    assert result.exit_code == 0, result.stderr
    assert f"2 site pages written to {content}" in result.stderr
    assert {p: (content / p).read_text() for p in pages} == written

    unknown = runner.invoke(app, ["site", "publish", "korea-japan"])
    assert unknown.exit_code == 2
    assert "unknown topic 'korea-japan'" in unknown.stderr


def test_no_page_option_and_base_url_in_the_build_report(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    monkeypatch.setenv("CONTENT_DIR", str(content))
    skipped = runner.invoke(app, ["build", "china-japan", "-d", "2026-02-25", "--no-page"])
    assert skipped.exit_code == 0, skipped.stderr
    assert not content.exists()
    monkeypatch.setenv("SITE_BASE_URL", "https://news.example.org/digests/")
    result = runner.invoke(app, ["build", "china-japan", "-d", "2026-02-25"])
    assert result.exit_code == 0, result.stderr
    assert "(https://news.example.org/digests/china-japan/2026-02-25/)" in result.stderr
    assert (content / "china-japan" / "2026-02-25.md").is_file()


def test_pages_and_html_go_under_data_dir_unless_site_dir_says_otherwise(tmp_path: Path) -> None:
    default = Settings()  # the tests run in an empty folder
    assert (default.hugo_site, default.content_path, default.site_output) == (
        PACKAGED_SITE,
        Path("data/site/content"),
        Path("data/site/public"),
    )
    copy_site(tmp_path / "site")  # a folder named like the old repository's site: not used unless named
    in_demo = Settings(data_dir=Path("demo"))
    assert (in_demo.hugo_site, in_demo.content_path, in_demo.site_output) == (
        PACKAGED_SITE,
        Path("demo/site/content"),
        Path("demo/site/public"),
    )
    own = Settings(site_dir=tmp_path / "site")
    assert (own.hugo_site, own.content_path, own.site_output) == (
        tmp_path / "site",
        tmp_path / "site" / "content",
        tmp_path / "site" / "public",
    )
    assert Settings(content_dir=tmp_path / "pages").content_path == tmp_path / "pages"


def test_data_dir_decides_where_every_file_goes(cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`DATA_DIR=demo`: build, site publish and site build write only under demo/, even where a
    `site/` folder with a Hugo site sits in the working directory (as in old checkouts)."""
    work = tmp_path / "work"
    copy_site(work / "site")
    monkeypatch.chdir(work)
    monkeypatch.setenv("DATA_DIR", "demo")
    before = tree(work)
    built = runner.invoke(app, ["build", "china-japan", "--date", "2026-02-25"])
    assert built.exit_code == 0, built.stderr
    assert "site page: demo/site/content/china-japan/2026-02-25.md" in built.stderr
    published = runner.invoke(app, ["site", "publish"])
    assert published.exit_code == 0, published.stderr
    commands = ["build", "site publish"]
    if shutil.which("hugo"):
        site = runner.invoke(app, ["site", "build"])
        assert site.exit_code == 0, site.stderr
        assert "site built from 1 digest pages into demo/site/public" in site.stderr
        assert (work / "demo/site/public/china-japan/2026-02-25/index.html").is_file()
        commands.append("site build")
    after = tree(work)
    assert {k: v for k, v in after.items() if not k.startswith("demo/")} == before, commands
    assert "demo/site/content/china-japan/2026-02-25.md" in after
    assert "demo/digestbot.db" in after


@pytest.mark.parametrize("bad", ["news.example.org", "ftp://news.example.org/", "https://"])
def test_site_base_url_must_be_absolute_http(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("SITE_BASE_URL", bad)
    result = runner.invoke(app, ["topics"])
    assert result.exit_code == 2
    assert "invalid setting SITE_BASE_URL: Value error, must be an absolute http(s) URL" in result.stderr


def test_page_url() -> None:
    digest = hostile_digest()
    assert page_url("https://news.example.org", digest) == "https://news.example.org/evil-topic/2026-02-25/"
    assert page_url("https://news.example.org/d/", digest) == "https://news.example.org/d/evil-topic/2026-02-25/"


def test_site_build_without_hugo_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_env: Path
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(HugoNotInstalled):
        find_hugo()
    result = runner.invoke(app, ["site", "build"])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: Hugo is not installed (no `hugo` on PATH): install it with `apt-get install hugo` "
        "(Debian/Ubuntu) or from https://gohugo.io"
    ]
    served = runner.invoke(app, ["site", "serve"])
    assert served.exit_code == 2
    assert "apt-get install hugo" in served.stderr


def test_site_dir_without_a_hugo_site_says_so(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITE_DIR", "nowhere")
    for command in (["site", "build"], ["site", "serve"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [
            "error: no Hugo site in nowhere (hugo.toml missing): set SITE_DIR to a Hugo site, or unset it for the "
            "one shipped with Digestbot"
        ]


def test_build_command_line(tmp_path: Path) -> None:
    command = build_command("hugo", tmp_path / "s", tmp_path / "c", tmp_path / "p", "https://x.example/")
    assert command[:1] == ["hugo"]
    assert command[command.index("--contentDir") + 1] == str(tmp_path / "c")
    assert command[command.index("--destination") + 1] == str(tmp_path / "p")
    assert command[command.index("--baseURL") + 1] == "https://x.example/"


# --- Hugo ------------------------------------------------------------------------------------------


def test_hugo_builds_both_fixture_days_without_warnings(built_site: BuiltSite) -> None:
    output = built_site.build.output
    assert built_site.build.warnings == []
    assert "WARN" not in output
    assert "ERROR" not in output
    public = built_site.public
    for page in ["index.html", "china-japan/index.html", "404.html", "css/site.css"]:
        assert (public / page).is_file(), page
    for day in built_site.digests:
        digest = hostile_digest().model_copy(update={"topic": "china-japan", "date": date.fromisoformat(day)})
        url = page_url("https://news.example.org/", digest)
        assert url == f"https://news.example.org/china-japan/{day}/"
        html = (public / url.removeprefix("https://news.example.org/") / "index.html").read_text()
        assert f"<h1>China vs Japan News - {day}</h1>" in html
    home = Elements((public / "index.html").read_text())
    assert not home.named("script")
    links = [a["href"] for a in home.named("a") if a.get("href")]
    assert "./china-japan/2026-02-25/index.html" in links  # the latest digest, linked relative to the page
    assert "./china-japan/2026-01-07/index.html" not in links


@pytest.mark.usefixtures("hugo")
def test_site_build_command_with_base_url(cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = tmp_path / "content"
    build_fixture_days(content, monkeypatch)
    copy_site(tmp_path / "site")  # an operator's own site: SITE_DIR
    monkeypatch.setenv("SITE_DIR", "site")
    monkeypatch.setenv("SITE_BASE_URL", "https://news.example.org/digests/")
    result = runner.invoke(app, ["site", "build"])
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr
    assert "site built from 2 digest pages into site/public" in result.stderr
    public = tmp_path / "site" / "public"
    feed = (public / "china-japan" / "index.xml").read_text()
    assert "<link>https://news.example.org/digests/china-japan/2026-02-25/</link>" in feed
    site_url = "https://news.example.org/digests/"
    for path in public.rglob("*.html"):
        page_address = urljoin(site_url, path.relative_to(public).as_posix())
        page = Elements(path.read_text())
        if any(m.get("http-equiv") == "refresh" for m in page.named("meta")):
            continue  # Hugo's redirect from page/1/, absolute by design
        assert "news.example.org" not in "".join(str(a) for _, a in page.tags), path  # links stay relative
        for attrs in page.named("a") + page.named("link"):
            href = attrs.get("href") or ""
            target = urljoin(page_address, href)
            if href and not href.startswith("#") and target.startswith(site_url):
                local = public / target.removeprefix(site_url)
                assert (local / "index.html" if target.endswith("/") else local).is_file(), (path, href)


def hostile_digest() -> Digest:
    when = datetime(2026, 2, 25, 4, 0, tzinfo=UTC)
    bad = "<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))"
    return Digest(
        topic="evil-topic",
        topic_name=f'Evil {bad} "topic"',
        date=date(2026, 2, 25),
        language="en-US",
        window_start=when,
        window_end=when,
        generated_at=when,
        summarizer="extractive",
        perspectives=[PerspectiveCount(id="a", name=f"Side {bad}", count=1)],
        highlights=[Bullet(text=f"Claim {bad}", citations=[1])],
        perspective_highlights={"a": [Bullet(text=f"Side claim {bad}", citations=[1])]},
        articles=[
            Article(
                title=f"Title {bad}",
                url="javascript:alert(4)",
                outlet=f"Outlet {bad}",
                domain="evil.example",
                perspective="a",
                published=when,
                n=1,
            )
        ],
    )


@pytest.mark.usefixtures("hugo")
def test_hostile_text_stays_text(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_page(content, hostile_digest())
    public = tmp_path / "public"
    build = build_site(copy_site(tmp_path / "site"), content, public)
    assert build.warnings == []
    pages = [public / "index.html", public / "evil-topic" / "index.html", public / "evil-topic/2026-02-25/index.html"]
    for path in pages:
        html = path.read_text()
        page = Elements(html)
        assert page.named("script") == [], path
        assert page.named("img") == [], path
        urls = [v for _, a in page.tags for k, v in a.items() if k in ("href", "src", "action") and v]
        assert not [u for u in urls if "javascript:" in u], path
        assert not [k for _, a in page.tags for k in a if k.startswith("on")], path
        assert "<script>alert(1)</script>" in "".join(page.text), path
    digest_page = Elements(pages[2].read_text())
    text = "".join(digest_page.text)
    assert "Title <script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))" in text
    assert 'Evil <script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3)) "topic"' in text
    description = next(m["content"] for m in digest_page.named("meta") if m.get("name") == "description")
    assert description is not None
    assert description.startswith("Claim <script>alert(1)</script>")  # as text, escaped once


@pytest.mark.usefixtures("hugo")
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_site_serve_previews_the_site_and_ends_hugo_with_itself(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: signal.Signals
) -> None:
    content = tmp_path / "content"
    build_fixture_days(content, monkeypatch)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    exe = Path(sys.executable).parent / "digestbot"
    with spawned(
        [str(exe), "site", "serve", "--port", str(port)],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        body = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/china-japan/2026-02-25/", timeout=5) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "<h1>China vs Japan News - 2026-02-25</h1>" in body, proc.returncode
        hugo = [pid for pid in child_pids(proc.pid) if "hugo" in command_line(pid)]
        assert hugo, "hugo server is not a child of `digestbot site serve`"
        proc.send_signal(stop)  # to digestbot alone, not its group: it must end hugo itself
        assert proc.wait(20) == 0
        assert not [pid for pid in hugo if is_running(pid)], "hugo server outlived `digestbot site serve`"


def test_topic_page_shows_the_coverage_chart(built_site: BuiltSite) -> None:
    topic = built_site.public / "china-japan"
    [img] = [a for a in Elements((topic / "index.html").read_text()).named("img") if "trend" in (a.get("src") or "")]
    assert (topic / str(img["src"])).resolve() == (topic / "trend.png").resolve()  # relative link that resolves
    assert (topic / "trend.png").read_bytes()[12:16] == b"IHDR"
    assert "on-topic share" in str(img["alt"])
