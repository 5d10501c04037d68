from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import Settings, async_url, load_settings


@pytest.fixture(autouse=True)
def clean_env(settings: Settings) -> None:
    """The shared fixture clears platform settings from the environment."""


def test_defaults_use_a_sqlite_file_in_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings(env_file=None)
    assert settings.database == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bridgework.db'}"
    assert settings.anonymity_threshold == 5
    assert settings.default_timezone == "UTC"
    assert not settings.llm_enabled


def test_postgres_url_maps_to_the_async_driver() -> None:
    assert async_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert async_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert async_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"


def test_unknown_time_zone_stops_start_up_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    assert caught.value.setting == "DEFAULT_TIMEZONE"
    assert "IANA time zone" in caught.value.problem
    assert "Mars/Olympus" in caught.value.problem


def test_anonymity_threshold_below_three_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANONYMITY_THRESHOLD", "2")
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    assert caught.value.setting == "ANONYMITY_THRESHOLD"
    assert "greater than or equal to 3" in caught.value.problem


def test_malformed_number_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANONYMITY_THRESHOLD", "five")
    with pytest.raises(ConfigError, match="ANONYMITY_THRESHOLD"):
        load_settings(env_file=None)


def test_unsupported_database_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/db")
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    assert caught.value.setting == "DATABASE_URL"
    assert "postgresql://" in caught.value.problem


def test_settings_are_read_from_a_dot_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DEFAULT_TIMEZONE=Europe/Berlin\nANONYMITY_THRESHOLD=7\n")
    settings = load_settings(env_file=str(env))
    assert (settings.default_timezone, settings.anonymity_threshold) == ("Europe/Berlin", 7)


def test_a_secret_is_never_echoed_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_PORT", "0")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    assert "xoxb-very-secret" not in str(caught.value)
    monkeypatch.delenv("SLACK_PORT")
    settings_repr = repr(Settings(_env_file=None, slack_bot_token="xoxb-very-secret"))
    assert "xoxb-very-secret" not in settings_repr
