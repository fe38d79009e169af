"""Plain data that flows through the pipeline: articles, stories, bullets and the digest."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from digest_core.plural import plural


class Article(BaseModel):
    """One news article, normalized. `n` is its number in the digest's source list (0 = unnumbered).

    `url` is the link the source gave (for Google News, an opaque redirect); `publisher_url` is
    the article on the outlet's own site when known (its feed, or a resolved Google link).
    """

    title: str
    url: str
    outlet: str
    domain: str
    perspective: str
    published: datetime
    summary: str = ""
    n: int = 0
    publisher_url: str | None = None
    # Read from the article's own page (digest_core.fetch: issue #24); empty/None until it is read.
    lead: str = ""  # the article's first paragraphs, at most about 1,500 characters
    language: str | None = None  # the page's language as a BCP 47 tag ("en", "en-US"), or the one detected
    # from a Chinese or Japanese headline ("zh-CN", "zh-TW", "ja-JP"); None when unknown
    section: str | None = None  # the page's section or category, when it names one
    opinion: bool = False  # an editorial, commentary, column or op-ed (page marker, title marker or URL section)
    lead_missing: str | None = None  # why the lead was not read, when it was not (paywall, robots.txt, HTTP 403...)
    # A headline and lead in another language than the digest's, translated by the summarizer (issue #30);
    # empty when untranslated. The original stays in `title` and `lead`.
    translated_title: str = ""
    translated_lead: str = ""

    @property
    def text(self) -> str:
        """What the pipeline reads of an article: its title and lead (or the feed's description), and
        their translation when there is one (what a model's sentences about it are checked against)."""
        body = self.lead or self.summary
        text = f"{self.title}\n{body}" if body else self.title
        if self.translated_title:
            text += "\n" + "\n".join(t for t in (self.translated_title, self.translated_lead) if t)
        return text

    @property
    def link(self) -> str:
        """The link to show readers: the publisher's URL when known, else the source's."""
        return self.publisher_url or self.url

    @property
    def publisher_domain(self) -> str | None:
        """The host of the publisher's URL without `www.`, when known."""
        if not self.publisher_url:
            return None
        host = urlsplit(self.publisher_url).hostname or ""
        return host.lower().removeprefix("www.") or None


class Bullet(BaseModel):
    """One summary sentence and the numbers of the source articles it rests on."""

    text: str
    citations: list[int] = Field(default_factory=list)


LABELS = ("agree", "dispute", "one-sided", "covered by both")


class Framing(BaseModel):
    """How one side frames a story: one line, citing only that side's articles of the story."""

    perspective: str
    text: str
    citations: list[int] = Field(default_factory=list)
    quote: bool = False  # `text` is the cited article's own words (shown in quotation marks)
    audience: str = ""  # "in Chinese for domestic readers" when the side wrote for two audiences (`audiences`)


class Story(BaseModel):
    """Articles of any side that report the same event, by their source-list numbers.

    `label` is `agree` / `dispute` (judged by Gemini), `one-sided`, or `covered by both` (the
    offline summarizer's honest label when both sides report it). `status` and `day` say whether
    the story was in the previous digest too (`continuing`, day N) or is `new`; `status` is ""
    when there was no previous digest to compare with. `title` is neutral (no outlet's headline);
    `happened` says what happened (one or two sentences of the leads, or the model's, cited);
    `differences` name the figures the sides give differently, citing both.
    """

    title: str
    articles: list[int]
    framing: list[Framing] = Field(default_factory=list)
    label: str = ""
    status: str = "new"
    day: int = 1
    happened: list[Bullet] = Field(default_factory=list)
    differences: list[Bullet] = Field(default_factory=list)


class StoryNote(BaseModel):
    """A summarizer's reading of story number `story` (1-based, in the digest's story order)."""

    story: int
    framing: list[Framing]
    label: str
    title: str = ""  # a neutral title (empty: the offline one)
    happened: list[Bullet] = Field(default_factory=list)  # what happened (empty: the offline sentence)


class FailedSource(BaseModel):
    """An outlet whose feed could not be fetched or parsed for this digest."""

    outlet: str
    error: str


class PerspectiveCount(BaseModel):
    id: str
    name: str
    count: int


class TokenUsage(BaseModel):
    prompt_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0


class Grounding(BaseModel):
    """How a model's sentences fared against the articles they cite: `checked` sentences, of which
    `repaired` passed after one repair call and `replaced` were swapped for the extractive one."""

    checked: int = 0
    repaired: int = 0
    replaced: int = 0

    @property
    def text(self) -> str:
        """`12 sentences checked, 1 repaired, 0 replaced`."""
        return f"{plural(self.checked, 'sentence')} checked, {self.repaired} repaired, {self.replaced} replaced"


class Translation(BaseModel):
    """A model's translation of article `n`'s headline (and lead, when it had one) into the digest's language."""

    n: int
    title: str
    lead: str = ""


class Summary(BaseModel):
    """What a summarizer writes: overall highlights and bullets per perspective id."""

    highlights: list[Bullet]
    perspective_highlights: dict[str, list[Bullet]]
    summarizer: str
    model: str | None = None
    usage: TokenUsage | None = None
    note: str | None = None
    stories: list[StoryNote] = Field(default_factory=list)
    grounding: Grounding | None = None  # a model's sentences checked against their articles
    translations: list[Translation] = Field(default_factory=list)  # of the articles in another language


class Digest(BaseModel):
    """A topic's digest for one date: everything every renderer needs, and nothing platform-specific."""

    topic: str
    topic_name: str
    date: date
    language: str
    window_start: datetime
    window_end: datetime
    generated_at: datetime
    summarizer: str
    model: str | None = None
    usage: TokenUsage | None = None
    summary_note: str | None = None
    grounding: Grounding | None = None  # the model's sentences checked against the cited articles
    perspectives: list[PerspectiveCount]
    highlights: list[Bullet]
    perspective_highlights: dict[str, list[Bullet]]
    articles: list[Article]
    stories: list[Story] = Field(default_factory=list)
    vanished: list[str] = Field(default_factory=list)  # titles of the previous digest's stories gone today
    failed_sources: list[FailedSource] = Field(default_factory=list)
    source_labels: dict[str, str] = Field(default_factory=dict)  # outlet -> `state-owned, China Media Group`
    side_by_side: bool = True  # the topic's setting: render the stories side by side
    in_window: int = 0  # articles the sources gave for the window, before relevance
    on_topic: int = 0  # of those, on-topic

    def sides(self, story: Story) -> list[str]:
        """The perspective ids that cover a story, in the topic's order."""
        covered = {self.article(n).perspective for n in story.articles}
        return [p.id for p in self.perspectives if p.id in covered]

    @property
    def blindspots(self) -> list[Story]:
        """Stories only one side covered."""
        return [s for s in self.stories if len(self.sides(s)) == 1]

    def article(self, n: int) -> Article:
        """The article numbered `n` in the source list."""
        return self.articles[n - 1]

    def language_of(self, article: Article) -> str:
        """The language tag a source line shows: the page's own when it was read, else the topic's."""
        return article.language or self.language

    def outlet_name(self, outlet: str) -> str:
        """The outlet's name with its source label when the topics file gives one:
        `CGTN (state-owned, China Media Group)`."""
        label = self.source_labels.get(outlet)
        return f"{outlet} ({label})" if label else outlet

    @property
    def outlets(self) -> list[str]:
        """Distinct outlet names in source-list order."""
        return list(dict.fromkeys(a.outlet for a in self.articles))
