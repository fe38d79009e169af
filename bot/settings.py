"""Typed settings from the environment and `.env` (see `.env.example` for every one)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import (
    AwareDatetime,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.site_builder import HUGO_CONFIG, PACKAGED_SITE
from digest_core.clock import Clock, clock_starting_at, utc_now
from digest_core.fetch.google_news import GOOGLE_NEWS_CONCURRENCY
from digest_core.fetch.guard import DIGEST_DEADLINE
from digest_core.fetch.outbound import ConnectTo, parse_connect_to
from digest_core.fetch.outbound_client import tls_context
from digest_core.fetch.polite import FETCH_TIMEOUT, MAX_BODY, PAGE_MAX_BODY, request_deadline
from digest_core.fetch.polite import user_agent as polite_user_agent
from digest_core.fetch.publisher_links import PUBLISHER_LINKS_MAX
from digest_core.redaction import url_password
from digest_core.workers import WORKER_IDLE_MINUTES

SECRET_SETTINGS = ("telegram_bot_token", "telegram_bot_tokens", "discord_bot_token", "gemini_api_key", "database_url")


def token_problem(value: str) -> str | None:
    """What is wrong with a token's characters, if anything: tokens and keys are visible ASCII
    without spaces (a line break inside one cannot go into a URL or a header)."""
    bad = [c for c in value if not 33 <= ord(c) <= 126]
    if not bad:
        return None
    kind = "a line break" if any(c in "\r\n" for c in bad) else "a space" if " " in bad else "a character"
    return f"it contains {kind} that no token has"


def absolute_http_url(value: str) -> str:
    """`value` stripped, if it is an absolute http(s) URL without spaces or control characters; else ValueError."""
    v = value.strip()
    parts = urlsplit(v)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() or ord(c) < 32 for c in v):
        raise ValueError("must be an absolute http(s) URL, e.g. https://news.example.org/")
    return v


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    data_dir: Path = Path("data")
    database_url: str | None = None
    topics_file: Path | None = None
    content_dir: Path | None = None
    site_dir: Path | None = None  # default: the Hugo site shipped in the package (`hugo_site`)
    site_base_url: str | None = None
    log_level: str = "INFO"

    google_news_base_url: str = "https://news.google.com"
    google_news_concurrency: int = Field(default=GOOGLE_NEWS_CONCURRENCY, ge=1, le=32)
    fetch_timeout: float = Field(default=FETCH_TIMEOUT, gt=0)
    fetch_attempts: int = Field(default=3, ge=1, le=10)
    fetch_backoff: float = Field(default=1.0, ge=0)
    fetch_deadline: float | None = Field(default=None, gt=0)  # override of `request_deadline`
    fetch_digest_deadline: float = Field(default=DIGEST_DEADLINE, gt=0)  # all of one digest's fetches
    fetch_max_bytes: int = Field(default=MAX_BODY, ge=1024)  # decoded body of one answer
    user_agent: str | None = None  # default: built from CONTACT_URL (see `http_user_agent`)

    contact_url: str = "https://github.com/digestbot/digestbot"
    fetch_per_host: int = Field(default=2, ge=1, le=8)
    fetch_connect_to: str = ""  # HOST1:PORT1:HOST2:PORT2,... as curl's --connect-to (tests, demo, staging)
    fetch_ca_file: Path | None = None  # PEM of certificate authorities trusted besides the default ones
    fetch_max_retry_after: float = Field(default=120.0, ge=0)
    publisher_links: bool = True  # decode Google News links to the publishers' URLs
    publisher_links_interval: float = Field(default=1.0, ge=0)  # seconds between requests to Google
    publisher_links_timeout: float = Field(default=10.0, gt=0)  # seconds per request to Google
    publisher_links_max: int = Field(default=PUBLISHER_LINKS_MAX, ge=0, le=1000)  # links decoded per build
    article_pages: bool = True  # read kept articles' own pages for their lead (docs/sources.md)
    article_pages_max: int = Field(default=60, ge=0, le=1000)  # pages asked per build
    article_pages_interval: float = Field(default=1.0, ge=0)  # seconds between requests to one host
    article_pages_timeout: float = Field(default=10.0, gt=0)  # one page, body included
    article_pages_max_bytes: int = Field(default=PAGE_MAX_BODY, ge=1024)  # decoded body of one page

    gemini_api_key: SecretStr | None = None
    gemini_model: str = "gemini-2.5-flash-lite"
    gemini_temperature: float = Field(default=0.2, ge=0, le=2)
    gemini_timeout: float = Field(default=60.0, gt=0)
    gemini_attempts: int = Field(default=3, ge=1, le=10)
    gemini_base_url: str | None = Field(default=None, validation_alias="GOOGLE_GEMINI_BASE_URL")

    telegram_bot_token: SecretStr | None = None
    # More bots past one token's limit, comma-separated: each a shard with its own sender (docs/delivery.md).
    telegram_bot_tokens: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_paid_broadcast: bool = False  # allow_paid_broadcast: up to 1,000 msg/s, paid per message

    discord_bot_token: SecretStr | None = None
    discord_guild_id: int | None = None
    discord_api_base_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"

    delivery_max_attempts: int = Field(default=5, ge=1, le=50)
    delivery_backoff: float = Field(default=30.0, ge=0)
    delivery_lease: float = Field(default=120.0, gt=0)
    delivery_concurrency: int = Field(default=64, ge=1, le=1024)  # deliveries in flight per platform
    # A part whose request was out when its sender died (or its record was refused): sent again
    # (at least once: a possible duplicate) instead of taken as delivered (at most once, the default).
    delivery_resend_in_doubt: bool = False
    catch_up_grace_hours: float = Field(default=6.0, ge=0)
    now: AwareDatetime | None = None  # pretend the process starts at this moment (tests, demos, replays)
    builds_per_user_per_hour: int = Field(default=3, ge=1)
    builds_per_hour: int = Field(default=20, ge=1)
    build_worker_idle_minutes: float = Field(default=WORKER_IDLE_MINUTES, gt=0)  # then the build worker ends

    _stripped: list[str] = PrivateAttr(default_factory=list)  # secret settings that had whitespace around them

    @model_validator(mode="wrap")
    @classmethod
    def _strip_secrets(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        """Tokens, the API key and DATABASE_URL lose the spaces and line breaks around them (a
        common slip in `.env`), remembered for `whitespace_warnings` (never the value)."""
        stripped = []
        if isinstance(data, dict):
            data = dict(data)
            for key, value in data.items():
                if str(key).lower() in SECRET_SETTINGS and isinstance(value, str) and value != value.strip():
                    data[key] = value.strip()
                    stripped.append(str(key).upper())
        settings = handler(data)
        settings._stripped = stripped
        return settings

    def whitespace_warnings(self) -> list[str]:
        """One line per secret setting whose value had spaces or line breaks around it."""
        return [f"{name} had spaces or line breaks around it (in .env?): they were removed" for name in self._stripped]

    @field_validator("gemini_api_key", "telegram_bot_token", "telegram_bot_tokens", "discord_bot_token")
    @classmethod
    def _blank_is_none(cls, v: SecretStr | None) -> SecretStr | None:
        return v if v and v.get_secret_value().strip() else None

    @field_validator("contact_url")
    @classmethod
    def _contact_url(cls, v: str) -> str:
        v = v.strip()
        parts = urlsplit(v)
        if not ((parts.scheme in ("http", "https") and parts.netloc) or (parts.scheme == "mailto" and parts.path)):
            raise ValueError("must be an http(s) or mailto: URL where feed operators can reach you")
        if any(c in v for c in "()\r\n"):
            raise ValueError("must not contain parentheses or line breaks (it goes into the User-Agent)")
        return v

    @field_validator("fetch_connect_to")
    @classmethod
    def _connect_to(cls, v: str) -> str:
        parse_connect_to(v)  # a ValueError names the bad entry
        return v.strip()

    @field_validator("fetch_ca_file")
    @classmethod
    def _ca_file(cls, v: Path | None) -> Path | None:
        """A PEM file of certificate authorities that TLS can load; ValueError in one line otherwise."""
        if v is None or not str(v).strip():
            return None
        try:
            tls_context(v)
        except FileNotFoundError:
            raise ValueError(f"{v} does not exist") from None
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"{v} holds no usable PEM certificate ({exc.strerror or exc})") from None
        return v

    @property
    def connect_to(self) -> tuple[ConnectTo, ...]:
        """`FETCH_CONNECT_TO` as rules, first match first."""
        return parse_connect_to(self.fetch_connect_to)

    @property
    def request_deadline(self) -> float:
        """Seconds one request may take in all, body included: `FETCH_DEADLINE`, else a multiple of
        `FETCH_TIMEOUT` (`polite.DEADLINE_TIMEOUTS`, 2: 30 s by default)."""
        return self.fetch_deadline or request_deadline(self.fetch_timeout)

    @property
    def operator_urls(self) -> list[str]:
        """The URLs the operator set here (Google News, the Bot API, Discord): their hosts and ports
        pass the outbound policy even on loopback or a private network."""
        return [self.google_news_base_url, self.telegram_base_url, self.discord_api_base_url]

    @property
    def http_user_agent(self) -> str:
        """`USER_AGENT`, or `Digestbot/0.1 (+CONTACT_URL)`: the project's name and how to reach its operator."""
        return self.user_agent or polite_user_agent(self.contact_url)

    @property
    def database(self) -> str:
        """`DATABASE_URL`, or a SQLite file in the data directory."""
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'digestbot.db'}"

    @field_validator("site_base_url")
    @classmethod
    def _absolute_http_url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        return absolute_http_url(v)

    @property
    def hugo_site(self) -> Path:
        """The Hugo site the `site` commands run over: `SITE_DIR`, else the one shipped in the package."""
        return self.site_dir or PACKAGED_SITE

    @property
    def _site_files(self) -> Path:
        """Where the site's generated files go: an operator's own SITE_DIR (holding `hugo.toml`),
        else DATA_DIR/site."""
        if self.site_dir and (self.site_dir / HUGO_CONFIG).is_file():
            return self.site_dir
        return self.data_dir / "site"

    @property
    def content_path(self) -> Path:
        """`CONTENT_DIR`; else `content/` of an operator's own SITE_DIR; else DATA_DIR/site/content."""
        return self.content_dir or self._site_files / "content"

    @property
    def site_output(self) -> Path:
        """Where `site build` writes the HTML: `public/` of an operator's own SITE_DIR, else
        DATA_DIR/site/public."""
        return self._site_files / "public"

    def clock(self) -> Clock:
        """The wall clock, or with `NOW` set, a clock that starts there and advances in real time."""
        return utc_now if self.now is None else clock_starting_at(self.now)

    @field_validator("telegram_bot_tokens")
    @classmethod
    def _bot_tokens(cls, v: SecretStr | None) -> SecretStr | None:
        """Comma-separated tokens, each without spaces inside (the error never shows a token)."""
        if v is None:
            return None
        for number, token in enumerate(v.get_secret_value().split(","), 1):
            if problem := token_problem(token.strip()) if token.strip() else "it is empty":
                raise ValueError(f"token {number} of the list: {problem}")
        return v

    def telegram_tokens(self) -> list[str]:
        """Every Telegram bot token, the primary first: TELEGRAM_BOT_TOKEN if set, else the first of
        TELEGRAM_BOT_TOKENS; then the others of TELEGRAM_BOT_TOKENS (each once)."""
        tokens = [self.telegram_bot_token.get_secret_value()] if self.telegram_bot_token else []
        listed = self.telegram_bot_tokens.get_secret_value().split(",") if self.telegram_bot_tokens else []
        for token in (t.strip() for t in listed):
            if token not in tokens:
                tokens.append(token)
        return tokens

    def secrets(self) -> list[str]:
        """Every secret value set (tokens, API key, the password of any URL setting such as
        DATABASE_URL), for the redactor."""
        secrets = (self.gemini_api_key, self.telegram_bot_token, self.telegram_bot_tokens, self.discord_bot_token)
        values = [s.get_secret_value() for s in secrets if s is not None] + self.telegram_tokens()
        urls = (self.database_url, self.google_news_base_url, self.gemini_base_url, self.telegram_base_url)
        passwords = [url_password(url) for url in (*urls, self.discord_api_base_url, self.site_base_url)]
        return values + [p for p in passwords if p]

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, v: str) -> str:
        level = v.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level
