"""The real-headline set (tests/data/real_headlines): published headlines of the topic's outlets
with their first sentence, hand-labelled. `headlines.jsonl` was split once into `dev` and `test`
before round 1's tuning (both are tuned on since round 2) and grew by `dev2` in round 3 (labelled before
the rules were run on it, then tuned on); `holdout.jsonl` was gathered and labelled in round 2 before
any rule change and is never tuned on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest_core.models import Article
from digest_core.topics import Topic

REAL = Path(__file__).parent / "data" / "real_headlines" / "headlines.jsonl"
HOLDOUT = REAL.with_name("holdout.jsonl")
PUBLISHED = datetime(2026, 2, 24, 12, tzinfo=UTC)  # a fixed time: the set has no window to fall in


@dataclass(frozen=True)
class RealItem:
    id: int
    article: Article
    on_topic: bool
    kind: str
    split: str


def real_rows(path: Path = REAL) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def real_items(topic: Topic, split: str | None = None, lead: bool = True) -> list[RealItem]:
    """The set's articles as the pipeline sees them: the outlet and its side, the headline, and
    (with `lead`) the first sentence as the article's lead."""
    side = {o.name: (p.id, o.domains[0]) for p, o in topic.all_outlets}
    items = []
    for row in real_rows(HOLDOUT if split == "holdout" else REAL):
        if split and row["split"] != split:
            continue
        perspective, domain = side[str(row["outlet"])]
        article = Article(
            title=str(row["title"]),
            url=str(row["url"]),
            outlet=str(row["outlet"]),
            domain=domain,
            perspective=perspective,
            published=PUBLISHED,
            lead=str(row["first_sentence"]) if lead else "",
        )
        items.append(RealItem(int(row["id"]), article, bool(row["on_topic"]), str(row["kind"]), str(row["split"])))  # type: ignore[call-overload]
    return items
