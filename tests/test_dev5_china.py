"""Integrity of the round-6 dev split's China-side part (tests/data/real_headlines/dev5_china.jsonl).

Only the data is checked here (fields, ids, outlets, split, no title shared with another set); the
relevance rules are measured on it once by the lead, not here."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

DATA = Path(__file__).parent / "data"
DEV5 = DATA / "real_headlines" / "dev5_china.jsonl"
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


def normal(title: str) -> str:
    """A title compared case-insensitively with its punctuation and spacing folded."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


def rows() -> list[dict[str, object]]:
    with DEV5.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def jsonl_titles(path: Path) -> set[str]:
    with path.open(encoding="utf-8") as handle:
        return {normal(str(json.loads(line)["title"])) for line in handle if line.strip()}


def other_titles() -> set[str]:
    """Every title of the repository's other labelled sets: real and native headlines, eval days."""
    titles: set[str] = set()
    for path in sorted((DATA / "real_headlines").glob("*.jsonl")) + sorted((DATA / "native_headlines").glob("*.jsonl")):
        if path != DEV5:
            titles |= jsonl_titles(path)
    for path in sorted((DATA / "eval").glob("*.json")):
        day = json.loads(path.read_text(encoding="utf-8"))
        titles |= {normal(str(a["title"])) for a in day["articles"]}
    return titles


def test_normal_folds_case_and_punctuation_only() -> None:
    assert normal("Japan's 'Rule' — CHINA!") == normal("japan s rule china")
    assert normal("Japan urges China") != normal("China urges Japan")


def test_every_row_has_the_fields_of_the_set() -> None:
    data = rows()
    assert len(data) >= 75
    for row in data:
        assert set(row) == FIELDS, row["id"]
        assert row["split"] == "dev5"
        assert row["outlet"] in OUTLETS
        assert row["kind"] in KINDS
        assert isinstance(row["on_topic"], bool)
        assert str(row["url"]).startswith("http")
        assert str(row["title"]).strip() and str(row["reason"]).strip()
        assert isinstance(row["date"], str) and isinstance(row["first_sentence"], str)
        assert "\ufffd" not in json.dumps(row, ensure_ascii=False)  # no broken characters


def test_ids_are_unique_and_start_at_4001() -> None:
    ids = [row["id"] for row in rows()]
    numbers = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
    assert len(numbers) == len(ids) == len(set(ids))
    assert min(numbers) == 4001


def test_titles_are_unique_and_new_to_every_other_set() -> None:
    titles = [normal(str(row["title"])) for row in rows()]
    assert len(titles) == len(set(titles))
    others = other_titles()
    assert len(others) > 600  # the other sets were found and read
    assert not set(titles) & others


def test_this_part_holds_the_china_side_outlets_and_both_labels() -> None:
    data = rows()
    assert {row["outlet"] for row in data} <= {"China Daily", "Global Times", "CGTN", "South China Morning Post"}
    labels = [row["on_topic"] for row in data]
    assert True in labels and False in labels
