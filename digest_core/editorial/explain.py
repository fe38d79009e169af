"""Why each fetched article was kept or dropped: outside the window, off-topic (and by which
rule), a repeat (of which article), over its side's quota, or kept (as which number, in which
story, ranked there by which score, by which rule); the editor model's reason when the model
judged it. For operators tuning
the topics file (`digestbot build TOPIC --explain`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from digest_core.dates import Window
from digest_core.editorial.relevance import Relevance
from digest_core.models import Article


@dataclass(frozen=True)
class Verdict:
    """One article's fate: kept or not, and the reason in words."""

    title: str
    outlet: str
    perspective: str
    kept: bool
    reason: str
    n: int | None = None

    def line(self) -> str:
        """`KEPT [3] Global Times: <title> -- <reason>`, plain text (titles are untrusted: escape them
        for the output format)."""
        mark = f"KEPT [{self.n}]" if self.kept else "DROP"
        return f"{mark} {self.outlet}: {self.title} -- {self.reason}"


@dataclass
class Reasons:
    """What the selection learnt about its articles, by `id()` of the article."""

    window: Window
    judged: dict[int, Relevance]
    repeats: dict[int, Article]
    kept: dict[int, tuple[int, int]]  # article -> (number, story number)
    quota: dict[str, int]
    model: dict[int, str] = field(default_factory=dict)  # article -> the editor model's reason
    story_reasons: dict[int, str] = field(default_factory=dict)  # story number -> why it ranks there
    companions: dict[int, Article] = field(default_factory=dict)  # article -> the on-topic article of its story


def _reason(article: Article, why: Reasons) -> tuple[bool, str, int | None]:
    key = id(article)
    if article.published not in why.window:
        return False, f"outside the window ({why.window.start:%Y-%m-%d %H:%M} to {why.window.end:%Y-%m-%d %H:%M})", None
    model = f"; model: {why.model[key]}" if key in why.model else ""
    judged = why.judged.get(key)
    companion = why.companions.get(key)
    if key in why.kept:
        n, story = why.kept[key]
        if judged is not None and judged.on_topic:
            rule = judged.reason
        elif companion is not None and judged is not None:
            rule = f"kept with its story ({companion.outlet}'s '{companion.title}'); on its own: {judged.reason}"
        else:
            rule = "kept by the editor model"
        ranked = f" ({why.story_reasons[story]})" if story in why.story_reasons else ""
        return True, f"story {story}{ranked}; {rule}{model}", n
    if judged is not None and not judged.on_topic and companion is None:
        return False, f"off-topic: {judged.reason} (on its own: no kept story reports it){model}", None
    if model and key not in why.repeats:
        return False, f"rejected by the editor model: {why.model[key]}", None
    if key in why.repeats:
        first = why.repeats[key]
        return False, f"repeat of {first.outlet}'s '{first.title}'", None
    return False, f"over the quota ({why.quota.get(article.perspective, 0)} per side, best-covered stories first)", None


def explain_articles(articles: Sequence[Article], why: Reasons) -> list[Verdict]:
    """A verdict for every article, in the order given."""
    out = []
    for article in articles:
        kept, reason, n = _reason(article, why)
        out.append(Verdict(article.title, article.outlet, article.perspective, kept, reason, n))
    return out
