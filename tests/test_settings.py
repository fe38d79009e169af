"""Settings: `.env.example` documents every setting and loads as is; secrets never reach logs."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.settings import Settings

EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return str(alias) if alias else field.upper()


def test_env_example_documents_every_setting() -> None:
    text = EXAMPLE.read_text()
    missing = [env_name(f) for f in Settings.model_fields if f"\n{env_name(f)}=" not in text]
    assert missing == []


def test_env_example_loads_with_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(EXAMPLE, tmp_path / ".env")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.database == "sqlite+aiosqlite:///data/digestbot.db"
    assert settings.gemini_api_key is None
    assert settings.telegram_bot_token is None
    assert settings.content_path == Path("data/site/content")


def test_secrets_are_redacted_from_logs(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    production_logging: Callable[[str, list[str]], object],
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIzaSecretKey123")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TOKENabc")
    settings = Settings()
    assert "AIzaSecretKey123" not in repr(settings)
    production_logging("INFO", settings.secrets())
    logging.getLogger("test").warning(
        "calling https://api.telegram.org/bot%s/getMe with %s", "123456:TOKENabc", "AIzaSecretKey123"
    )
    err = capsys.readouterr().err
    assert "https://api.telegram.org/bot***/getMe with ***" in err
    assert "TOKENabc" not in err
    assert "AIzaSecretKey123" not in err
