"""Article pages benchmark: 60 kept articles over 7 hosts, 1 request/s per host, 10 % of pages failing.

The real reader (`ArticlePages`: robots.txt, per-host pacing, conditional GET, trafilatura in
`run_cpu`) on the production client (`outbound_client`: the outbound policy, TLS verified, the hosts
sent to loopback by FETCH_CONNECT_TO), against the fake publisher sites over TLS (answering after
`--latency` seconds, pages weighing `--weight` bytes like real ones). Targets: the whole run takes
no longer than the busiest host's share (its requests one interval apart, plus one answer) plus
10 %; every page that does not fail ends with a lead. Extraction runs in a worker thread (the
default) and in the worker process the service uses; the loop's lag is measured for both.

    python -m bench.article_pages              # rewrites its table in docs/sources.md
    python -m bench.article_pages --no-docs
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.loop_lag import LoopLagProbe
from bench.report import DOCS, machine, percentile, table, write_section
from bot.demo_articles import STORIES, StoryText
from digest_core.editorial.select import drop_repeats
from digest_core.fetch.article_pages import ArticlePages
from digest_core.fetch.article_text import read_page
from digest_core.fetch.page_store import MemoryPageStore
from digest_core.fetch.polite import HostLimiter, PoliteClient, host_of, read_timeout
from digest_core.models import Article
from digest_core.workers import run_cpu, start_worker_process, stop_worker_process
from testkit.fakes.production_hosts import ServedPublishers, served_publishers
from testkit.fakes.publishers import PublishersFake, page_url

PER_HOST = {  # 60 kept articles over 7 hosts; Nikkei Asia's are paywalled (3 of the 6 failures)
    "chinadaily.com.cn": 12,
    "japantimes.co.jp": 11,
    "scmp.com": 10,
    "globaltimes.cn": 9,
    "cgtn.com": 8,
    "english.kyodonews.net": 7,
    "asia.nikkei.com": 3,
}
FAULTS = ["404", "500", "pdf"]  # the other 3 failing pages, on three different hosts
INTERVAL = 1.0


def kept_stories() -> list[StoryText]:
    """`PER_HOST[site]` stories per outlet with distinct headlines: the fixtures' stories dealt out
    in turn, each told on its new outlet's page template."""
    unique = list({s.title: s for s in STORIES}.values())
    out: list[StoryText] = []
    deal = iter(unique * 2)
    for site, n in PER_HOST.items():
        out += [replace(next(deal), site=site) for _ in range(n)]
    if len(drop_repeats(kept_articles(out))) != len(out):
        raise RuntimeError("two kept stories of one outlet read as the same headline")
    return out


def kept_articles(stories: list[StoryText]) -> list[Article]:
    return [
        Article(
            title=story.title,
            url=f"https://news.google.com/rss/articles/{n}",
            outlet=story.site,
            domain=story.site,
            perspective="p",
            published=story.published,
            publisher_url=page_url(story),
        )
        for n, story in enumerate(stories)
    ]


def site(latency: float, weight: int) -> tuple[PublishersFake, list[Article], int]:
    """The fake sites with every kept story's page, the kept articles, and how many pages fail."""
    fake = PublishersFake(latency=latency)
    fault_for = dict(zip(("scmp.com", "cgtn.com", "english.kyodonews.net"), FAULTS, strict=True))
    stories = kept_stories()
    for story in stories:
        url = fake.add(story, weight=weight)
        fault = fault_for.pop(story.site, None)
        if fault:
            fake.set(url, mode=fault)
    return fake, kept_articles(stories), len(FAULTS) + PER_HOST["asia.nikkei.com"]


async def enrich(sites: ServedPublishers, articles: list[Article]) -> tuple[list[Article], float, int, list[float]]:
    async with sites.client(timeout=15.0) as client:  # wired as `bot.wiring.make_article_pages` wires it
        http = PoliteClient(
            client,
            HostLimiter(),
            attempts=2,
            backoff=1.0,
            max_retry_after=10.0,
            deadline=10.0,
            timeout=read_timeout(10.0),
        )
        pages = ArticlePages(http, MemoryPageStore(), "Digestbot/0.1 (+https://example.org/bot)", interval=INTERVAL)
        probe = LoopLagProbe()
        out: list[Article] = []

        async def work() -> None:
            out.extend(await pages.enrich(articles, wanted=lambda a: True))

        lags, seconds = await probe.measure(work)
        return out, seconds, pages.requests, lags


def run(latency: float, weight: int, process: bool) -> dict[str, float]:
    fake, articles, failing = site(latency, weight)
    with tempfile.TemporaryDirectory() as directory, served_publishers(Path(directory), fake) as sites:

        async def go() -> tuple[list[Article], float, int, list[float]]:
            if process:
                await start_worker_process()
            await run_cpu(read_page, b"<html><body><p>warm-up</p></body></html>", "https://example.org/")  # imports
            try:
                return await enrich(sites, articles)
            finally:
                stop_worker_process()

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out, seconds, requests, lags = asyncio.run(go())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    busiest = max(PER_HOST.values()) + 1  # its pages and its robots.txt
    share = (busiest - 1) * INTERVAL + latency
    return {
        "seconds": seconds,
        "share": share,
        "ratio": seconds / share,
        "requests": requests,
        "hosts": len({host_of(a.link) for a in articles}),
        "with_lead": sum(1 for a in out if a.lead) / len(out),
        "failing": failing / len(articles),
        "lag_max": max(lags, default=0.0),
        "lag_p99": percentile(lags, 99),
        "rss_before": before,
        "rss_peak": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.15, help="seconds the fake takes per answer")
    parser.add_argument("--weight", type=int, default=200_000, help="bytes of inline state per page")
    parser.add_argument("--no-docs", action="store_true", help="print only; do not rewrite docs/sources.md")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = []
    for label, process in (("worker thread", False), ("worker process", True)):
        r = run(args.latency, args.weight, process)
        rows.append(
            [
                label,
                f"{r['seconds']:.1f}",
                f"{r['share']:.1f}",
                f"{(r['ratio'] - 1) * 100:+.0f} %",
                f"{r['requests']:.0f}",
                f"{r['failing'] * 100:.0f} %",
                f"{r['with_lead'] * 100:.0f} %",
                f"{r['lag_max']:.0f} / {r['lag_p99']:.0f}",
                f"{r['rss_peak']:.0f} (+{r['rss_peak'] - r['rss_before']:.0f})",
            ]
        )
    text = "\n\n".join(
        [
            f"Machine: {machine()}. Through the production client (outbound policy, TLS, FETCH_CONNECT_TO). "
            f"{sum(PER_HOST.values())} kept articles over {len(PER_HOST)} hosts, "
            f"{INTERVAL:g} request/s per host, fake answers after {args.latency:g} s, pages of about "
            f"{args.weight // 1000} kB; failing pages: 3 paywalled (Nikkei Asia), "
            "one each 404, 500 (retried once), PDF. "
            f"Busiest host's share: its {max(PER_HOST.values())} pages and robots.txt one interval apart, "
            "plus one answer. trafilatura is imported before timing (once per process). "
            "Peak RSS is the process's (the fake server's thread included).",
            table(
                [
                    "extraction in",
                    "total s",
                    "busiest host's share s",
                    "over the share",
                    "requests",
                    "pages failing",
                    "articles with a lead",
                    "loop lag max / p99 ms",
                    "peak RSS MB",
                ],
                rows,
            ),
        ]
    )
    print(text)
    print(f"(bench took {time.perf_counter() - started:.0f} s)")
    if not args.no_docs:
        write_section("article-pages", text, DOCS.with_name("sources.md"))


if __name__ == "__main__":
    main()
