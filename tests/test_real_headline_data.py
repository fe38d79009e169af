"""Integrity of every file of the real-headline set (tests/data/real_headlines, issue #26): the
fields and values of each row, ids and titles unique across all of the project's labelled sets, no
page reused by a later split, clean UTF-8, and each split large and varied enough to measure. No
relevance rule runs here (the held-out split is measured once, by `python -m testkit.real_set
--holdout`)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from testkit.real_set import DIR, HELD_OUT, OUTLETS, REAL, held_out_rows, real_rows

DATA = DIR.parent
FIELDS = ("id", "outlet", "date", "url", "title", "first_sentence", "on_topic", "kind", "reason", "split")
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
HARD = {"sports", "third-party", "lifestyle", "editorial"}
# split -> (its ids, at least this many rows), in the order the splits were gathered
SPLITS = {
    "dev": (range(1, 301), 190),
    "test": (range(1, 301), 100),
    "dev4": (range(301, 426), 120),  # round 2's holdout, spent
    "dev2": (range(426, 589), 150),
    "dev3": (range(589, 646), 50),
    "dev6": (range(2001, 4000), 200),  # rounds 5-6's holdout, spent: Chinese side from 2001, Japanese from 3001
    "dev5": (range(4001, 6000), 170),  # round 6: Chinese side from 4001, Japanese from 5001
    "dev7": (range(6001, 8000), 150),  # round 7's holdout, spent: Chinese side from 6001, Japanese from 7001
    "dev8": (range(8001, 10000), 100),  # round 8's holdout, spent: Chinese side from 8001, Japanese from 9001
    "dev9": (range(10001, 12000), 100),  # round 9's holdout, spent: Chinese side from 10001, Japanese from 11001
    "dev10": (range(12001, 14000), 120),  # round 10's holdout, spent: Chinese side from 12001, Japanese from 13001
    "holdout7": (range(14001, 16000), 100),  # round 11's holdout: Chinese side from 14001, Japanese from 15001
}
# outlets a split lacks: holdout7's stored pages held no Nikkei Asia item an earlier split had not taken (README)
MISSING_OUTLETS = {"holdout7": {"Nikkei Asia"}}
SINCE_ROUND_5 = ("dev6", "dev5", "dev7", "dev8", "dev9", "dev10", "holdout7")
MOJIBAKE = re.compile("\u00e2\u20ac|\u00c3[\u0080-\u00bf]|\ufffd")  # UTF-8 read as cp1252/latin-1, or lost bytes

ROWS = real_rows() + held_out_rows()


def norm(title: str) -> str:
    """A title as compared across sets: NFKC, case-folded, quotes straightened, punctuation and runs of
    spaces collapsed to one space."""
    text = unicodedata.normalize("NFKC", title).casefold()
    text = text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_norm_ignores_case_quotes_and_punctuation_but_not_words() -> None:
    assert norm("Japan\u2019s \u201cwhitewash\u201d fails!") == norm("japan's  'WHITEWASH' fails")
    assert norm("China warns Japan") != norm("Japan warns China")


def test_every_row_has_the_fields_and_values_of_the_set() -> None:
    for row in ROWS:
        assert tuple(row) == FIELDS, row
        assert row["outlet"] in OUTLETS and row["kind"] in KINDS and row["split"] in SPLITS, row
        assert isinstance(row["on_topic"], bool) and isinstance(row["id"], int), row
        assert all(isinstance(row[k], str) for k in FIELDS if k not in ("id", "on_topic")), row
        assert str(row["url"]).startswith(("http://", "https://")) and str(row["reason"]).strip(), row
        assert all(str(row[k]) == str(row[k]).strip() and "\n" not in str(row[k]) for k in ("title", "first_sentence"))
        assert row["title"], row


def test_ids_are_unique_and_in_their_splits_range() -> None:
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    for row in ROWS:
        assert row["id"] in SPLITS[str(row["split"])][0], row


def test_no_title_repeats_across_every_labelled_set() -> None:
    """Within the set, no title twice; the splits gathered since round 5 repeat none of the native
    set's (which holds English rows of the earlier splits' events on purpose) nor of the eval days."""
    titles = [norm(str(r["title"])) for r in ROWS]
    assert len(set(titles)) == len(titles), [t for t, n in Counter(titles).items() if n > 1]
    titles = [norm(str(r["title"])) for r in ROWS if r["split"] in SINCE_ROUND_5]
    native = {norm(str(r["title"])) for p in sorted((DATA / "native_headlines").glob("*.jsonl")) for r in jsonl(p)}
    days = sorted((DATA / "eval").glob("*.json"))
    evals = {norm(str(a["title"])) for d in days for a in json.loads(d.read_text(encoding="utf-8"))["articles"]}
    assert not set(titles) & (native | evals)


def test_a_later_split_reads_no_page_of_an_earlier_one() -> None:
    order = list(SPLITS)
    first_split = {}
    for row in sorted(ROWS, key=lambda r: order.index(str(r["split"]))):
        first_split.setdefault(row["url"], row["split"])
    for row in ROWS:  # dev and test were split from one gathering: they share its pages
        assert row["split"] in ("dev", "test") or first_split[row["url"]] == row["split"], row


def test_files_are_clean_utf8_without_mojibake() -> None:
    for path in sorted(DIR.glob("*.jsonl")):
        assert not MOJIBAKE.search(path.read_bytes().decode("utf-8")), path  # decode raises on invalid UTF-8


@pytest.mark.parametrize("split", sorted(SPLITS))
def test_each_split_is_large_and_varied(split: str) -> None:
    rows = [r for r in ROWS if r["split"] == split]
    assert len(rows) >= SPLITS[split][1]
    assert {r["outlet"] for r in rows} == OUTLETS - MISSING_OUTLETS.get(split, set())
    labels = Counter(bool(r["on_topic"]) for r in rows)
    assert min(labels[True], labels[False]) >= 0.25 * len(rows)
    assert len({str(r["kind"]) for r in rows} & HARD) >= 3  # the pages of a late round held no match result
    assert {str(r["kind"]) for r in ROWS} >= HARD


def test_the_held_out_split_is_apart_from_the_tuned_file() -> None:
    # spent: holdout2 merged into headlines.jsonl as dev6, holdout3 as dev7, ... holdout6 as dev10
    assert not [p for n in (2, 3, 4, 5, 6) for p in DIR.glob(f"holdout{n}_*.jsonl")]
    assert {r["split"] for r in real_rows()} >= {"dev6", "dev7", "dev8", "dev9", "dev10"}
    assert REAL.name == "headlines.jsonl"
    assert HELD_OUT not in {r["split"] for r in real_rows()}
    assert {r["split"] for r in held_out_rows()} == {HELD_OUT}
