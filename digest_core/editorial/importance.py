"""How important a story is: the one scoring function that orders a digest's stories.

    score = 2 x outlets + 4 x (sides - 1) + 0.5 x follow-ups (at most 4) + recency - 3 if only opinion

- outlets: distinct outlets that report it; sides: distinct perspectives (a story both sides
  report is what a bilateral digest leads with: a second side counts as two more outlets);
- follow-ups: an outlet's further articles on the story the same day (it kept reporting it);
- recency: 1 for a story whose newest article came at the end of the window, down to 0 a day
  before;
- a story made only of opinion (editorials, columns) ranks below reports of the same reach.

Lead prominence (an outlet's top item) would count too, but feeds do not say which item an
outlet leads with (Google News search results are not in page order): it is not scored.
Ties keep the grouping's order (most outlets first, then the earliest article).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from digest_core.models import Article
from digest_core.plural import plural

OUTLET_WEIGHT = 2.0
SIDE_WEIGHT = 4.0
FOLLOW_UP_WEIGHT = 0.5
MAX_FOLLOW_UPS = 4
OPINION_PENALTY = 3.0
DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class Importance:
    """A story's score and what it is made of (for `--explain`)."""

    score: float
    outlets: int
    sides: int
    follow_ups: int
    hours_before_end: float
    opinion_only: bool

    @property
    def reason(self) -> str:
        """`score 12.5: 3 outlets, 2 sides, 1 follow-up, newest 2 h before the window closed`."""
        parts = [plural(self.outlets, "outlet"), plural(self.sides, "side")]
        if self.follow_ups:
            parts.append(plural(self.follow_ups, "follow-up"))
        parts.append(f"newest {self.hours_before_end:.0f} h before the window closed")
        if self.opinion_only:
            parts.append("opinion only")
        return f"score {self.score:.1f}: {', '.join(parts)}"


def story_importance(articles: Sequence[Article], window_end: datetime) -> Importance:
    """The importance of the story these articles tell, in the window ending at `window_end`."""
    outlets = len({a.outlet for a in articles})
    sides = len({a.perspective for a in articles})
    follow_ups = len(articles) - outlets
    newest = max((a.published for a in articles), default=window_end)
    before_end = max(0.0, (window_end - newest).total_seconds())
    recency = max(0.0, 1.0 - before_end / DAY_SECONDS)
    opinion_only = bool(articles) and all(a.opinion for a in articles)
    score = (
        OUTLET_WEIGHT * outlets
        + SIDE_WEIGHT * max(0, sides - 1)
        + FOLLOW_UP_WEIGHT * min(follow_ups, MAX_FOLLOW_UPS)
        + recency
        - (OPINION_PENALTY if opinion_only else 0.0)
    )
    return Importance(round(score, 3), outlets, sides, follow_ups, before_end / 3600, opinion_only)


def rank_stories(stories: Sequence[Sequence[Article]], window_end: datetime) -> list[int]:
    """Indices of `stories` (each a story's articles), most important first; ties keep their order."""
    scores = [story_importance(s, window_end).score for s in stories]
    return sorted(range(len(stories)), key=lambda k: (-scores[k], k))
