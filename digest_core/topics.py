"""Topics: what to fetch, from which outlets, split into which perspectives, and what is on-topic.

A topics file (TOML or YAML) holds a list `topics`. `load_topics` validates it and raises
`TopicsFileError` naming the file, the line or key, and what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from datetime import time
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from digest_core.errors import TopicsFileError
from digest_core.errors import UnknownTopicError as UnknownTopicError
from digest_core.redaction import display_url

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")

# Who owns an outlet, in the words readers see beside its name (`label` in the topics file).
SOURCE_KINDS = ("state-owned", "party-owned", "public broadcaster", "private", "news agency", "cooperative news agency")


def valid_locale(v: str) -> str:
    """A Google News edition as `hl=..&gl=..&ceid=..`, or ValueError."""
    params = parse_qs(v)
    if not {"hl", "gl", "ceid"} <= params.keys():
        raise ValueError("must look like 'hl=en-US&gl=US&ceid=US:en'")
    return v


def primary_language(tag: str) -> str:
    """`zh-CN` -> `zh`, `en-US` -> `en`."""
    return tag.split("-")[0].lower()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Outlet(_Strict):
    """A news organisation: one canonical name, the domains it publishes under, and where to read it.

    It is read through a Google News `site:` query (unless `google_news = false`) and through
    each of its own RSS or Atom `feeds`.
    """

    name: str = Field(min_length=1)
    domains: list[str] = Field(min_length=1)
    feeds: list[str] = Field(default_factory=list, description="The outlet's own RSS or Atom feed URLs.")
    google_news: bool = Field(default=True, description="Also query Google News for this outlet's domains.")
    label: str | None = Field(default=None, description=f"Who owns it, one of: {', '.join(SOURCE_KINDS)}.")
    owner: str | None = Field(default=None, min_length=1, max_length=80, description="The owner's name.")
    language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="The language it publishes in (BCP 47: zh-CN, ja-JP); the topic's when unset.",
    )
    locale: str | None = Field(
        default=None,
        description="Its Google News edition, like the topic's `locale` (hl=ja&gl=JP&ceid=JP:ja); else the topic's.",
    )

    @field_validator("locale")
    @classmethod
    def _valid_outlet_locale(cls, v: str | None) -> str | None:
        return None if v is None else valid_locale(v)

    @field_validator("label")
    @classmethod
    def _known_label(cls, label: str | None) -> str | None:
        if label is not None and label not in SOURCE_KINDS:
            raise ValueError(f"unknown label {label!r} (use one of: {', '.join(SOURCE_KINDS)})")
        return label

    @property
    def source_label(self) -> str:
        """What readers see beside the outlet's name: `state-owned, China Media Group`, or ""."""
        return ", ".join(part for part in (self.label, self.owner) if part)

    @field_validator("feeds")
    @classmethod
    def _valid_feeds(cls, feeds: list[str]) -> list[str]:
        cleaned = [f.strip() for f in feeds]
        for f in cleaned:
            parts = urlsplit(f)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ValueError(f"{display_url(f)!r} is not an http(s) feed URL")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("feed URLs must be unique")
        return cleaned

    @model_validator(mode="after")
    def _has_a_source(self) -> Outlet:
        if not self.google_news and not self.feeds:
            raise ValueError(f"outlet {self.name!r} has google_news = false and no feeds: nothing to read")
        return self

    @field_validator("domains")
    @classmethod
    def _valid_domains(cls, domains: list[str]) -> list[str]:
        cleaned = [d.strip().lower().removeprefix("www.") for d in domains]
        for d in cleaned:
            if not _DOMAIN.match(d):
                raise ValueError(f"{d!r} is not a domain name (like example.com)")
        return cleaned

    def owns(self, host: str) -> bool:
        """True when `host` is one of this outlet's domains or a subdomain of one."""
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)


class Perspective(_Strict):
    """One side of a topic: its outlets, its quota, and the names that identify it in a headline."""

    id: str
    name: str = Field(min_length=1)
    outlets: list[Outlet] = Field(min_length=1)
    aliases: list[str] = Field(min_length=1)
    quota: int | None = Field(default=None, ge=1, le=100)
    country: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166 alpha-2 code: the country's cities and regions (data packages) name this side.",
    )
    people: list[str] = Field(default_factory=list, description="Leaders and officials (case-sensitive).")
    institutions: list[str] = Field(
        default_factory=list, description="Ministries, forces, parties, agencies (case-sensitive)."
    )
    places: list[str] = Field(default_factory=list, description="Places beyond the country's data (case-sensitive).")
    companies: list[str] = Field(
        default_factory=list,
        description="Its best-known companies (case-sensitive): they name the side, but are no institution of it.",
    )
    claims: list[str] = Field(
        default_factory=list,
        description="Issues this side claims as its own (Taiwan for China): named with this side alone they are "
        "its own affair, not a link to the other side.",
    )
    native_names: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Chinese and Japanese forms of this side's names, by the English name they stand for "
        "(one of its aliases, people, institutions or places): {'Xi Jinping' = ['习近平']}.",
    )

    @field_validator("id")
    @classmethod
    def _valid_id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("must be lowercase letters, digits and dashes")
        return v


class Topic(_Strict):
    """A configured digest topic."""

    id: str
    name: str = Field(min_length=1)
    perspectives: list[Perspective] = Field(min_length=2)
    quota: int = Field(default=10, ge=1, le=100)
    locale: str = "hl=en-US&gl=US&ceid=US:en"
    publish_time: time = time(4, 0)
    timezone: str = "UTC"
    issues: list[str] = Field(
        default_factory=list,
        description="Shared subjects (places, disputes) that make a headline naming one side on-topic.",
    )
    side_by_side: bool = True
    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        description="The languages whose outlets are read (primary subtags: en, zh, ja); an outlet in "
        "another language is configured but not read.",
    )
    native_names: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Chinese and Japanese forms of the topic's issues, contested issues, relation words and "
        "not-names, by the English name they stand for: {'Senkaku' = ['尖閣諸島']}.",
    )
    native_not_names: list[str] = Field(
        default_factory=list,
        description="Chinese or Japanese words that contain a name but denote something else (高市场: "
        "'a higher market', not Takaichi).",
    )
    contested: list[str] = Field(
        default_factory=list,
        description="Issues so specific to the topic that one of its outlets naming one is on-topic on its own.",
    )
    not_names: list[str] = Field(
        default_factory=list,
        description="Names that contain a side's name but denote something else (South China Sea, Bank of Japan).",
    )
    name_suffixes: list[str] = Field(
        default_factory=list,
        description="Capitalised words that, after a side's, a third party's or an issue's name, make another "
        "name (Airlines, Daily, Open; Taiwan Semiconductor).",
    )
    not_places: list[str] = Field(default_factory=list, description="Data-package place names to ignore.")
    relations: list[str] = Field(
        default_factory=list,
        description="Words of relations between states (protest, envoy, sanctions): with an outlet's "
        "own side as context, they make a headline naming only the other side on-topic.",
    )
    same_as: list[list[str]] = Field(
        default_factory=list,
        description="Groups of names the sides use for the same thing (Senkaku, Diaoyu), for story grouping.",
    )
    side_names: list[dict[str, list[str]]] = Field(
        default_factory=list,
        description="Each side's own names for one thing, by perspective id ({china = ['Diaoyu Islands'], "
        "japan = ['Senkaku Islands']}); all of one entry's names are in one `same_as` group. A story whose "
        "sides each use only their own shows 'Names differ'.",
    )

    @field_validator("id")
    @classmethod
    def _valid_id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("must be lowercase letters, digits and dashes, at most 40 characters")
        return v

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name like 'UTC' or 'Asia/Tokyo')") from None
        return v

    @field_validator("locale")
    @classmethod
    def _valid_locale(cls, v: str) -> str:
        return valid_locale(v)

    @model_validator(mode="after")
    def _unique_ids(self) -> Topic:
        ids = [p.id for p in self.perspectives]
        if len(set(ids)) != len(ids):
            raise ValueError(f"perspective ids must be unique, got {ids}")
        for entry in self.side_names:
            if len(entry) < 2 or not set(entry) <= set(ids) or not all(entry.values()):
                raise ValueError(f"side_names entry {entry} must give names for two or more of {ids}")
            names = {n.casefold() for spellings in entry.values() for n in spellings}
            if not any(names <= {n.casefold() for n in group} for group in self.same_as):
                raise ValueError(f"side_names entry {entry}: its names must all be in one same_as group")
        return self

    def native_problems(self) -> list[str]:
        """What is wrong with the `native_names` tables: a key that is none of the English names
        beside it, a form shorter than two characters (checked when the topics file is loaded)."""
        words = [*self.issues, *self.contested, *self.relations, *self.not_names]
        tables = [("", self.native_names, {*words, *(n for group in self.same_as for n in group)})]
        for p in self.perspectives:
            known = {*p.aliases, *p.people, *p.institutions, *p.places}
            tables.append((f"perspectives({p.id}).", p.native_names, known))
        problems = []
        for where, table, known in tables:
            for key, forms in table.items():
                if key not in known:
                    problems.append(f"{where}native_names: {key!r} is none of the English names it could stand for")
                elif not forms or any(len(f.strip()) < 2 for f in forms):
                    problems.append(f"{where}native_names: {key!r} needs forms of two or more characters")
        return problems

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def language(self) -> str:
        """The `hl` language of the locale, as printed in source lines (`en-US`)."""
        return parse_qs(self.locale)["hl"][0]

    @property
    def reads_other_languages(self) -> bool:
        """Whether `languages` name another language than the topic's own (its outlets' and names')."""
        return bool({primary_language(x) for x in self.languages} - {primary_language(self.language)})

    def outlet_language(self, outlet: Outlet) -> str:
        """The language an outlet publishes in: its own, else the topic's."""
        return outlet.language or self.language

    def outlet_locale(self, outlet: Outlet) -> str:
        """The Google News edition an outlet is read in: its own, else the topic's."""
        return outlet.locale or self.locale

    def reads(self, outlet: Outlet) -> bool:
        """Whether the outlet's language is one of the topic's `languages`."""
        return primary_language(self.outlet_language(outlet)) in {primary_language(x) for x in self.languages}

    def quota_for(self, perspective: Perspective) -> int:
        return perspective.quota or self.quota

    def perspective(self, perspective_id: str) -> Perspective:
        return next(p for p in self.perspectives if p.id == perspective_id)

    def outlet_for_host(self, host: str) -> tuple[Perspective, Outlet] | None:
        """The perspective and outlet that own a host name, if any."""
        for p, o in self.all_outlets:
            if o.owns(host):
                return p, o
        return None

    @cached_property
    def all_outlets(self) -> list[tuple[Perspective, Outlet]]:
        """The outlets read: those in one of the topic's `languages`."""
        return [(p, o) for p in self.perspectives for o in p.outlets if self.reads(o)]


class TopicsConfig(_Strict):
    topics: list[Topic] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_topic_ids(self) -> TopicsConfig:
        ids = [t.id for t in self.topics]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"topic ids must be unique; repeated: {', '.join(dupes)}")
        return self


class Topics:
    """The configured topics, looked up by id."""

    def __init__(self, topics: list[Topic]) -> None:
        self._by_id = {t.id: t for t in topics}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def get(self, topic_id: str) -> Topic:
        """The topic with this id (case-insensitive), or `UnknownTopicError`."""
        topic = self._by_id.get(topic_id.strip().lower())
        if topic is None:
            raise UnknownTopicError(topic_id, self.ids)
        return topic


def default_topics_path() -> Path:
    """The topics file shipped with the package."""
    return Path(str(resources.files("digest_core").joinpath("topics.toml")))


def _key_path(loc: tuple[int | str, ...], data: Any) -> str:
    """`topics[0].perspectives[1].outlets` for a pydantic error location, with the topic id when known."""
    out = ""
    node = data
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        if isinstance(node, dict):
            node = node.get(part) if isinstance(part, str) else None
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            if isinstance(node, dict) and "id" in node and out.count("[") == 1:
                out += f"(id={node['id']!r})"
        else:
            node = None
    return out or "(top level)"


class _NoAliasLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing every alias (`*name`, `<<: *name`): a few lines of aliases of
    aliases stand for billions of nodes (for the validation that walks them), and a topics file has
    no need of them."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a topics file", mark)
        return super().compose_node(parent, index)


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TopicsFileError(f"{path}: cannot read topics file: {exc.strerror or exc}") from None
    if path.suffix.lower() in {".yaml", ".yml"}:
        try:
            return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a safe loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else "?"
            problem = getattr(exc, "problem", None) or str(exc)
            raise TopicsFileError(f"{path}:{where}: invalid YAML: {problem}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TopicsFileError(f"{path}: invalid TOML: {exc}") from None


def load_topics(path: Path | None = None) -> Topics:
    """Load and validate a topics file (TOML, or YAML by extension); the shipped default if `path` is None."""
    path = path or default_topics_path()
    data = _read(path)
    try:
        config = TopicsConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _key_path(tuple(first["loc"]), data)
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        msg = first["msg"].removeprefix("Value error, ")
        raise TopicsFileError(f"{path}: {key}: {msg}{more}") from None
    for topic in config.topics:
        problems = topic.native_problems()
        if problems:
            raise TopicsFileError(f"{path}: topics(id={topic.id!r}).{problems[0]}")
    return Topics(config.topics)
