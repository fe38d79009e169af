"""The hand-written evaluation days (tests/data/eval): articles with relevance and story labels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest_core.models import Article
from digest_core.topics import Topic

EVAL = Path(__file__).parent / "data" / "eval"


@dataclass(frozen=True)
class EvalItem:
    day: str
    id: int
    article: Article
    on_topic: bool
    story: str | None
    kind: str

    @property
    def borderline(self) -> bool:
        return self.kind.startswith("borderline")


def eval_days() -> list[str]:
    return sorted(p.stem for p in EVAL.glob("*.json"))


def eval_items(topic: Topic, day: str | None = None) -> list[EvalItem]:
    """Every labelled article (of one day, or all), as the pipeline would see it: published in the
    day's window, with the outlet's domain and the feed's description."""
    domains = {o.name: o.domains[0] for _, o in topic.all_outlets}
    items = []
    for name in [day] if day else eval_days():
        data = json.loads((EVAL / f"{name}.json").read_text())
        start = datetime.fromisoformat(name).replace(tzinfo=UTC) - timedelta(hours=20)
        for row in data["articles"]:
            article = Article(
                title=row["title"],
                url=f"https://{domains[row['outlet']]}/{name}/{row['id']}",
                outlet=row["outlet"],
                domain=domains[row["outlet"]],
                perspective=row["side"],
                published=start + timedelta(minutes=37 * row["id"]),
                summary=row["description"],
            )
            items.append(EvalItem(name, row["id"], article, row["on_topic"], row["story"], row["kind"]))
    return items
