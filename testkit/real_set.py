"""The real-headline set (tests/data/real_headlines): published headlines of the topic's outlets
with their first sentence, hand-labelled. `headlines.jsonl` was split once into `dev` and `test`
before round 1's tuning (both are tuned on since round 2) and grew by `dev2` in round 3 and `dev3`
in round 4 (each labelled before the rules were run on it, then tuned on); `dev4` was round 2's
holdout (gathered and labelled before any rule change, measured once after rounds 3 and 4), spent
and tuned on since round 5; `dev5` was labelled before any rule ran on it, measured once with the
round-5 rules and tuned on in round 6; `dev6` was the held-out split of rounds 5-6 (gathered and
labelled before any rule ran on it, measured once with the round-6 rules) and is tuned on since round 7;
`dev7` was the held-out split of round 7 (holdout3, measured once with the round-7 rules) and is tuned on
since round 8; `dev8` was the held-out split of round 8 (holdout4, measured once with the round-8 rules) and
is tuned on since round 9; `dev9` was the held-out split of round 9 (holdout5, measured once with the
round-9 rules) and is tuned on since round 10; `dev10` was the held-out split of round 10 (holdout6,
measured once with the round-10 rules) and is tuned on since round 11. `holdout7_*.jsonl`, one file per
side's outlets, is the next held-out split (gathered apart): `--holdout` measures it, once the rules are
final."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest_core.models import Article
from digest_core.topics import Topic

DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "real_headlines"
REAL = DIR / "headlines.jsonl"
OUTLETS = frozenset(  # the china-japan topic's seven outlets, as the rows spell them
    {"China Daily", "Global Times", "CGTN", "South China Morning Post", "The Japan Times", "Kyodo News", "Nikkei Asia"}
)
HELD_OUT = "holdout7"  # the split gathered apart, measured once when a round's rules are final
PUBLISHED = datetime(2026, 2, 24, 12, tzinfo=UTC)  # a fixed time: the set has no window to fall in


@dataclass(frozen=True)
class RealItem:
    id: int
    article: Article
    on_topic: bool
    kind: str
    split: str


def real_rows(path: Path = REAL) -> list[dict[str, object]]:
    """The rows of the tuning splits (or of the file at `path`)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def held_out_rows() -> list[dict[str, object]]:
    """The rows of the held-out split, one file per side's outlets."""
    return [row for path in sorted(DIR.glob(f"{HELD_OUT}_*.jsonl")) for row in real_rows(path)]


def real_items(topic: Topic, split: str | None = None, lead: bool = True) -> list[RealItem]:
    """The set's articles as the pipeline sees them: the outlet and its side, the headline, and
    (with `lead`) the first sentence as the article's lead."""
    side = {o.name: (p.id, o.domains[0]) for p, o in topic.all_outlets}
    items = []
    for row in held_out_rows() if split == HELD_OUT else real_rows():
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


def main(argv: list[str] | None = None) -> None:
    """Print the rules' precision / recall on each tuning split, headline alone and with the first
    sentence as the lead (`python -m testkit.real_set`); `--holdout` adds the held-out split."""
    from digest_core.editorial.relevance import RelevanceRule
    from digest_core.topics import load_topics
    from testkit.editorial_metrics import binary_scores

    topic = load_topics().get("china-japan")
    rule = RelevanceRule(topic)
    args = sys.argv[1:] if argv is None else argv
    splits = sorted({str(r["split"]) for r in real_rows()}) + ([HELD_OUT] if "--holdout" in args else [])
    for split in splits:
        for lead in (False, True):
            items = real_items(topic, split, lead)
            s = binary_scores([i.on_topic for i in items], [rule.judge(i.article).on_topic for i in items])
            text = "headline + first sentence" if lead else "headline"
            counts = f"TP {s.tp}, FP {s.fp}, FN {s.fn}; {len(items)} rows"
            print(f"{split:8} {text:26} P {s.precision:.3f} R {s.recall:.3f} ({counts})")


if __name__ == "__main__":
    main()
