"""Integrity of the second holdout's Chinese-side part (tests/data/real_headlines/holdout2_china.jsonl,
issue #26): every row has the set's fields, ids are unique and numbered from 2001, outlets are the
topic's, the split is `holdout2`, and no title repeats one of the project's other labelled sets. No
relevance rule is run here: the set is measured once, by the lead, at the end of the day."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
HOLDOUT2 = DATA / "real_headlines" / "holdout2_china.jsonl"
FIELDS = {"id", "outlet", "date", "url", "title", "first_sentence", "on_topic", "kind", "reason", "split"}
OUTLETS = {
    "China Daily",
    "Global Times",
    "CGTN",
    "South China Morning Post",
    "The Japan Times",
    "Kyodo News",
    "Nikkei Asia",
}
CHINESE_SIDE = {"China Daily", "Global Times", "CGTN", "South China Morning Post"}
KINDS = {
    "bilateral",
    "implicit",
    "editorial",
    "ministry-statement",
    "economic-other-side",
    "sports",
    "third-party",
    "company-of-third-place",
    "lifestyle",
    "names-inside-names",
    "domestic",
    "other-side-domestic",
    "other",
}
MOJIBAKE = re.compile("\u00e2\u20ac|\u00c3[\u0080-\u00bf]|\ufffd")  # UTF-8 read as cp1252/latin-1, or lost bytes


def norm(title: str) -> str:
    """A title as compared across sets: NFKC, case-folded, curly quotes straightened, punctuation
    and runs of spaces collapsed to one space."""
    t = unicodedata.normalize("NFKC", title).casefold()
    t = t.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}))
    return " ".join(re.sub(r"[^\w]+", " ", t).split())


def rows(path: Path = HOLDOUT2) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def other_titles() -> set[str]:
    """Titles of every other labelled set: the real and native headline files (other holdout2 parts
    included) and the hand-written eval days."""
    titles: set[str] = set()
    for path in sorted((DATA / "real_headlines").glob("*.jsonl")) + sorted((DATA / "native_headlines").glob("*.jsonl")):
        if path != HOLDOUT2:
            titles |= {norm(str(r["title"])) for r in rows(path)}
    for path in sorted((DATA / "eval").glob("*.json")):
        titles |= {norm(str(a["title"])) for a in json.loads(path.read_text(encoding="utf-8"))["articles"]}
    return titles


def test_norm_ignores_case_quotes_and_punctuation_but_not_words() -> None:
    assert norm("Japan\u2019s \u201cwhitewash\u201d fails!") == norm("japan's  'WHITEWASH' fails")
    assert norm("China warns Japan") != norm("Japan warns China")


def test_every_row_has_the_fields_of_the_set() -> None:
    data = rows()
    assert len(data) >= 75
    for r in data:
        assert set(r) == FIELDS, r["id"]
        assert isinstance(r["on_topic"], bool) and r["kind"] in KINDS and r["split"] == "holdout2"
        assert str(r["url"]).startswith("http") and str(r["title"]).strip() and str(r["reason"]).strip()
        assert all(isinstance(r[k], str) for k in FIELDS - {"id", "on_topic"})


def test_ids_are_unique_and_numbered_from_2001() -> None:
    ids = [r["id"] for r in rows()]
    assert ids == list(range(2001, 2001 + len(ids)))


def test_outlets_are_the_topics_chinese_side() -> None:
    outlets = Counter(str(r["outlet"]) for r in rows())
    assert set(outlets) <= OUTLETS and set(outlets) <= CHINESE_SIDE
    assert set(outlets) == CHINESE_SIDE  # every outlet of the side is present


def test_no_title_repeats_within_the_file_or_from_the_other_sets() -> None:
    titles = [norm(str(r["title"])) for r in rows()]
    assert len(set(titles)) == len(titles)
    assert not set(titles) & other_titles()


def test_text_is_clean_utf8_without_mojibake() -> None:
    raw = HOLDOUT2.read_bytes().decode("utf-8")  # raises on invalid UTF-8
    assert not MOJIBAKE.search(raw)
    for r in rows():
        for key in ("title", "first_sentence"):
            assert str(r[key]) == str(r[key]).strip() and "\n" not in str(r[key])


def test_both_labels_and_the_hard_kinds_are_present() -> None:
    data = rows()
    labels = Counter(bool(r["on_topic"]) for r in data)
    assert labels[True] >= 20 and labels[False] >= 20
    kinds = Counter(str(r["kind"]) for r in data)
    assert {"third-party", "editorial", "lifestyle", "implicit", "ministry-statement"} <= kinds.keys()
