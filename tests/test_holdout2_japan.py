"""Integrity of the second holdout's Japanese-side part (tests/data/real_headlines/holdout2_japan.jsonl):
fields, ids, outlets, labels and freshness against every other labelled set. No relevance scoring: the
set is measured once by the lead, so no rule is run on it here."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

DATA = Path(__file__).parent / "data"
SET = DATA / "real_headlines" / "holdout2_japan.jsonl"
FIELDS = ("id", "outlet", "date", "url", "title", "first_sentence", "on_topic", "kind", "reason", "split")
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


def norm(title: str) -> str:
    """The title case-folded, with quotes unified and punctuation and spacing collapsed."""
    text = unicodedata.normalize("NFKC", title).casefold()
    text = re.sub(r"[‘’`´]", "'", text)
    return re.sub(r"[\W_]+", " ", text).strip()


def jsonl(path: Path) -> list[dict[str, object]]:
    """The JSON objects of a one-object-a-line file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def other_titles() -> set[str]:
    """Normalised titles of every other labelled set: the real and native headline sets, the other
    holdout2 parts and the hand-written eval days."""
    paths = [*sorted((DATA / "real_headlines").glob("*.jsonl")), *sorted((DATA / "native_headlines").glob("*.jsonl"))]
    titles = {norm(str(r["title"])) for p in paths if p != SET for r in jsonl(p)}
    for day in sorted((DATA / "eval").glob("*.json")):
        titles |= {norm(str(a["title"])) for a in json.loads(day.read_text(encoding="utf-8"))["articles"]}
    return titles


ROWS = jsonl(SET)


def test_every_row_has_the_fields_and_values_of_the_holdout() -> None:
    assert len(ROWS) >= 75
    for row in ROWS:
        assert tuple(row) == FIELDS, row
        assert row["outlet"] in OUTLETS and row["kind"] in KINDS, row
        assert isinstance(row["on_topic"], bool) and row["split"] == "holdout2", row
        assert str(row["url"]).startswith(("http://", "https://")) and str(row["reason"]).strip(), row
        assert str(row["title"]).strip() == row["title"] and row["title"], row


def test_ids_are_unique_and_run_from_3001() -> None:
    assert [r["id"] for r in ROWS] == list(range(3001, 3001 + len(ROWS)))


def test_no_title_repeats_within_the_part_or_from_the_other_sets() -> None:
    titles = [norm(str(r["title"])) for r in ROWS]
    assert len(set(titles)) == len(titles)
    assert not set(titles) & other_titles()


def test_the_part_holds_only_the_japanese_sides_outlets_and_both_labels() -> None:
    assert {r["outlet"] for r in ROWS} <= {"The Japan Times", "Kyodo News", "Nikkei Asia"}
    assert {r["on_topic"] for r in ROWS} == {True, False}


def test_text_is_clean_utf8_without_mojibake() -> None:
    text = SET.read_text(encoding="utf-8")
    assert not re.search("â€|Ã.|ï¿½|\ufffd", text)


def test_the_normalisation_catches_a_reworded_repeat() -> None:
    assert norm("Japan's ‘PM’  visits — China!") == norm("japan s 'pm' visits china")
    assert norm("China bans seafood") != norm("China lifts seafood ban")
