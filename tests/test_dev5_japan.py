"""Integrity of the round-6 dev split, Japanese-side part (tests/data/real_headlines/dev5_japan.jsonl,
issue #26): real headlines of The Japan Times, Kyodo News and Nikkei Asia, labelled by hand. Only the
data's shape is checked here (fields, ids, outlets, split, labels, no title shared with the repository's
other sets); the relevance rules are not run on it, since the split is measured once, by the lead."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
REAL = DATA / "real_headlines"
PART = REAL / "dev5_japan.jsonl"
FIELDS = ["id", "outlet", "date", "url", "title", "first_sentence", "on_topic", "kind", "reason", "split"]
SEVEN = {
    "China Daily",
    "Global Times",
    "CGTN",
    "South China Morning Post",
    "The Japan Times",
    "Kyodo News",
    "Nikkei Asia",
}
JAPANESE_SIDE = {"The Japan Times", "Kyodo News", "Nikkei Asia"}
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
# Text decoded with the wrong codec (UTF-8 read as Latin-1 / cp1252) leaves these marks behind.
MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]|\u00e2\u20ac|\ufffd")


def normalised(title: str) -> str:
    """A title compared case-insensitively with punctuation and spacing removed."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.sub(r"[^\w\s]", "", text).split())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """One JSON object per non-empty line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def other_titles() -> set[str]:
    """Normalised titles of every other labelled set in the repository: the real-headline files beside this
    part, the native-language headlines and the hand-written eval days."""
    titles: set[str] = set()
    for path in sorted(REAL.glob("*.jsonl")):
        if path != PART:
            titles |= {normalised(row["title"]) for row in read_jsonl(path)}
    for path in sorted((DATA / "native_headlines").glob("*.jsonl")):
        titles |= {normalised(row["title"]) for row in read_jsonl(path)}
    for path in sorted((DATA / "eval").glob("*.json")):
        titles |= {normalised(item["title"]) for item in json.loads(path.read_text(encoding="utf-8"))["articles"]}
    return titles


ROWS = read_jsonl(PART)


def test_the_part_is_large_enough_and_mixed() -> None:
    """At least the brief's 75 rows, with both labels present."""
    labels = Counter(row["on_topic"] for row in ROWS)
    assert len(ROWS) >= 75
    assert labels[True] > 0
    assert labels[False] > 0


@pytest.mark.parametrize("row", ROWS, ids=lambda row: str(row["id"]))
def test_a_row_has_the_sets_fields_and_values(row: dict[str, Any]) -> None:
    """Same fields, in the same order, as headlines.jsonl; values of the right type and vocabulary."""
    assert list(row) == FIELDS
    assert row["split"] == "dev5"
    assert row["outlet"] in SEVEN
    assert row["outlet"] in JAPANESE_SIDE
    assert isinstance(row["on_topic"], bool)
    assert row["kind"] in KINDS
    assert row["url"].startswith(("http://", "https://"))
    assert row["title"].strip() == row["title"]
    assert row["title"]
    assert row["reason"].strip()
    assert "\n" not in row["reason"]
    for field in ("title", "first_sentence", "reason"):
        assert not MOJIBAKE.search(row[field]), (field, row[field])


def test_the_headlines_set_uses_the_same_fields() -> None:
    """The part matches the main file's field list, so the two can be read by one reader."""
    first = read_jsonl(REAL / "headlines.jsonl")[0]
    assert list(first) == FIELDS


def test_ids_are_unique_and_start_at_5001() -> None:
    """Ids are unique within the part and lie in the round-6 range."""
    ids = [row["id"] for row in ROWS]
    assert len(ids) == len(set(ids))
    assert min(ids) == 5001
    assert all(isinstance(i, int) for i in ids)


def test_no_title_is_repeated_within_the_part() -> None:
    """Each headline appears once (two pages listing the same piece would double it)."""
    titles = [normalised(row["title"]) for row in ROWS]
    assert len(titles) == len(set(titles))


def test_no_title_is_shared_with_the_repositorys_other_sets() -> None:
    """A dev split must hold headlines the rules have not been tuned on."""
    shared = sorted({normalised(row["title"]) for row in ROWS} & other_titles())
    assert shared == []


def test_pages_already_read_by_earlier_rounds_are_not_reused() -> None:
    """No row was read on a page an earlier split of headlines.jsonl was read on."""
    earlier = {row["url"].lower().rstrip("/") for row in read_jsonl(REAL / "headlines.jsonl")}
    assert {row["url"].lower().rstrip("/") for row in ROWS} & earlier == set()


def test_normalised_compares_case_and_punctuation_insensitively() -> None:
    """The comparison the repeat checks rely on ignores case, quotes and colons, but not words."""
    assert normalised("Japan, China mark 50 yrs: 'ties'") == normalised("japan china MARK 50 yrs ties")
    assert normalised("Japan beats China") != normalised("China beats Japan")
