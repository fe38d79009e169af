"""Chinese and Japanese (issue #30): what the CJK libraries cost, substring matching against word
segmentation, and the Gemini tokens and calls of a digest with translations.

1. Cost: each library imported and used once in a fresh interpreter (wall time, resident memory
   added): OpenCC with the native topic's name index, lingua for three languages, and, for the
   comparison only, jieba (Chinese) and fugashi with unidic-lite (Japanese).
2. Matching: the on-topic rules' precision and recall per language on the labelled sets
   (`testkit/native_eval.py`), with the shipped substring matching and with a segmenter deciding
   where words end (a name counts only when it starts and ends on a word boundary; jieba is given
   every name as a word first). jieba and fugashi are not dependencies: the comparison runs when
   they are installed (`pip install jieba fugashi unidic-lite`).
3. Gemini: the day of the Kanai-Liu talks (four English articles, one Chinese, one Japanese) built
   with the real client against the fake Gemini, which counts tokens (`estimated_tokens`: one per
   CJK character, one per four other characters), with and without the two native articles.

    python -m bench.native_languages            # rewrites its tables in docs/languages.md
    python -m bench.native_languages --no-docs
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from bench.report import machine, table, write_section
from digest_core.editorial import cjk
from digest_core.editorial.relevance import RelevanceRule
from digest_core.gemini.summarizer import GeminiSummarizer
from digest_core.models import Article, Digest
from testkit.native_eval import NATIVE, SETS, SMALL, Articles, day_of_talks, joined_right, load_items, relevance_scores

DOCS = Path(__file__).resolve().parent.parent / "docs" / "languages.md"

PROBES = {
    "name index, English-only topic (baseline)": (
        "from digest_core.topics import load_topics\nfrom digest_core.editorial.names import name_index\n"
        "topic = load_topics().get('china-japan')\n",
        "name_index(topic).find('中日关系')\n",
    ),
    "name index, native topic (OpenCC, 1,000+ variants)": (
        "from testkit.native_eval import NATIVE\nfrom digest_core.editorial.names import name_index\n",
        "name_index(NATIVE).find('中日关系')\n",
    ),
    "OpenCC alone (5 conversions)": (
        "",
        "import opencc\nfor c in ('s2t', 't2s', 'jp2t', 't2jp', 's2t'):\n    opencc.OpenCC(c).convert('处理水')\n",
    ),
    "lingua (en, zh, ja)": (
        "from digest_core.editorial.detect_language import detect_language\n",
        "detect_language('中日关系紧张')\n",
    ),
    "jieba (comparison only)": ("", "import jieba\njieba.initialize()\nlist(jieba.cut('中日关系紧张'))\n"),
    "fugashi + unidic-lite (comparison only)": ("", "import fugashi\nfugashi.Tagger()('日中関係が緊張')\n"),
}
# Constructed phrases where a name sits inside another word (not headlines): names wrongly found.
TRAPS = ["提高市场份额的新政策", "今日中国经济数据发布", "最高市场价格", "日中の最高気温は30度", "中日新聞の世論調査"]
_PROBE = """
import json, time
from pathlib import Path
def rss():
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
{setup}
before, start = rss(), time.perf_counter()
{use}
print(json.dumps([time.perf_counter() - start, rss() - before]))
"""


def library_costs() -> list[list[str]]:
    rows = []
    for name, (setup, use) in PROBES.items():
        module = use.split()[1].split(".")[0] if use.startswith("import") else None
        if module and importlib.util.find_spec(module) is None:
            rows.append([name, "not installed", ""])
            continue
        code = _PROBE.format(setup=setup, use=use)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
        seconds, mb = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append([name, f"{seconds:.2f}", f"{mb:.0f}"])
    return rows


def _jieba_bounds() -> Callable[[str], set[int]]:
    import jieba

    from digest_core.editorial.names import name_index

    for form in name_index(NATIVE).native._entries:
        jieba.add_word(form)

    def bounds(text: str) -> set[int]:
        out, at = {0}, 0
        for word in jieba.cut(text):
            at += len(word)
            out.add(at)
        return out

    return bounds


def _fugashi_bounds() -> Callable[[str], set[int]]:
    import fugashi

    tagger = fugashi.Tagger()

    def bounds(text: str) -> set[int]:
        out, at = {0}, 0
        for word in tagger(text):
            at = text.find(word.surface, at) + len(word.surface)
            out.add(at)
        return out

    return bounds


@contextmanager
def segmented(chinese: Callable[[str], set[int]], japanese: Callable[[str], set[int]]) -> Iterator[None]:
    """`NativeNames.find` keeping only names that start and end where the segmenter ends words
    (Japanese text: any with kana; the rest: Chinese)."""
    original = cjk.NativeNames.find

    def find(self: cjk.NativeNames, text: str) -> list[cjk.NativeName]:
        found = original(self, text)
        bounds = (japanese if cjk.has_kana(text) else chinese)(text)
        out, at = [], 0
        for name in found:
            start = text.find(name.form, at)
            at = start + len(name.form)
            if start in bounds and at in bounds:
                out.append(name)
        return out

    cjk.NativeNames.find = find  # type: ignore[method-assign]
    try:
        yield
    finally:
        cjk.NativeNames.find = original  # type: ignore[method-assign]


def matching_rows(path: Path) -> list[list[str]]:
    items = load_items(path)

    def row(how: str) -> list[str]:
        scores = relevance_scores(items, NATIVE)
        joins, _ = joined_right(items, NATIVE)
        cells = [
            f"{s.precision:.2f} / {s.recall:.2f} ({s.items})"
            for s in (scores.get(lang) for lang in ("zh-CN", "zh-TW", "ja-JP", "en"))
            if s
        ]
        rule = RelevanceRule(NATIVE)
        trapped = sum(1 for t in TRAPS if any(m.role.side for m in rule.judge_text(t).mentions))
        return [
            path.parent.name + "/" + path.name,
            how,
            *cells,
            f"{joins.right}/{joins.asked}",
            f"{trapped}/{len(TRAPS)}",
        ]

    rows = [row("substring (shipped)")]
    if importlib.util.find_spec("jieba") and importlib.util.find_spec("fugashi"):
        with segmented(_jieba_bounds(), _fugashi_bounds()):
            rows.append(row("segmented (jieba, fugashi)"))
    return rows


def gemini_rows() -> list[list[str]]:
    from testkit.fakes.gemini import GeminiFake
    from testkit.fakes.server import ThreadedServer

    rows = []
    for label, keep_native in (("English only (4 articles)", False), ("with 1 Chinese + 1 Japanese (6)", True)):
        fake = GeminiFake(count_tokens=True)
        articles = [a for a in day_of_talks() if keep_native or a.language in (None, "en")]
        with ThreadedServer(fake.app()) as server:
            summarizer = GeminiSummarizer(api_key="bench", model="gemini-2.5-flash-lite", base_url=server.base_url)
            digest = _build(articles, summarizer)
        usage = digest.usage
        assert usage is not None
        translated = sum(1 for a in digest.articles if a.translated_title)
        rows.append(
            [label, str(len(fake.requests)), str(usage.prompt_tokens), str(usage.output_tokens), str(translated)]
        )
    return rows


def _build(articles: list[Article], summarizer: GeminiSummarizer) -> Digest:
    from digest_core.editorial.pipeline import build_digest

    now = datetime(2025, 11, 19, 6, tzinfo=UTC)
    source = Articles(articles)  # an ArticleSource, which build_digest takes in place of a FeedSource
    return asyncio.run(build_digest(NATIVE, date(2025, 11, 19), source, summarizer, now))  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-docs", action="store_true", help="print the tables only")
    args = parser.parse_args()
    where = machine()
    costs = table(["library (first use)", "seconds", "MB added"], library_costs())
    sets = [p for p in [*SETS, SMALL] if p.exists()]
    header = ["set", "matching", "zh-CN P / R (n)", "zh-TW P / R (n)", "ja-JP P / R (n)", "en P / R (n)", "joined",
              "traps named"]  # fmt: skip
    matching = table(header, [r for p in sets for r in matching_rows(p)])
    gemini = table(["day", "calls", "prompt tokens", "output tokens", "translated"], gemini_rows())
    for name, body in (("cjk-costs", costs), ("cjk-matching", matching), ("cjk-gemini", gemini)):
        text = f"{body}\n\n{where}."
        print(text, end="\n\n")
        if not args.no_docs:
            write_section(name, text, DOCS)


if __name__ == "__main__":
    main()
