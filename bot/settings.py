"""Settings from the environment and a ``.env`` file, typed and validated once at start-up."""

from __future__ import annotations

import re
from importlib.util import find_spec
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError

MIN_ANONYMITY_THRESHOLD = 3


class Settings(BaseSettings):
    """Every setting Bridgework reads. Environment names are the field names in capitals."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    data_dir: Path = Field(default=Path("data"), validation_alias="BRIDGEWORK_DATA_DIR")
    database_url: str = ""
    default_timezone: str = "UTC"
    anonymity_threshold: int = Field(default=5, ge=MIN_ANONYMITY_THRESHOLD)
    log_level: str = "INFO"
    log_format: str = "text"  # text | json (one object a line, for log shippers)
    schedule_grace_hours: float = Field(default=6.0, ge=0, le=168)
    # An uninstalled community's people's data is purged so many days later (unless installed
    # again first).
    uninstall_grace_days: int = Field(default=30, ge=0, le=3650)
    # What people write (prompt and check-in answers) and the bodies of the messages sent are
    # deleted so many days later; the counts the figures need stay.
    retention_days: int = Field(default=365, ge=1, le=36500)
    welcome_dm: bool = True  # a newcomer synced in gets one message on how to pause or leave

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_team_field: str = "Department"
    # Whether the app is approved for the Slack Marketplace: if not (Slack, May 2025), history
    # is read at most once a minute, 15 messages at a time, and only for messages in doubt.
    slack_marketplace: bool = False
    slack_port: int = Field(default=3000, ge=1, le=65535)
    web_host: str = "127.0.0.1"  # the web role's address; 0.0.0.0 to listen on every interface
    port: int | None = Field(default=None, ge=1, le=65535)  # set by PaaS hosts; beats SLACK_PORT
    # The web role's public base URL; the `dashboard` command sends links under it.
    dashboard_url: str | None = None

    discord_token: SecretStr | None = None
    discord_api_url: str | None = None  # REST base URL override, for tests and proxies
    discord_gateway_url: str | None = None
    discord_team_prefix: str = "team:"
    discord_team_roles: str = ""  # comma-separated role names that are teams, instead of a prefix
    discord_opt_in_role: str | None = None  # only holders of this role take part
    discord_read_messages: bool = False  # read prompt threads (needs the message content intent)
    discord_shards: str = ""  # "auto" or a number: AutoShardedClient (required past 2,500 guilds)

    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError("an IANA time zone such as Europe/Berlin") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        fmt = value.lower()
        if fmt not in {"text", "json"}:
            raise ValueError("text or json")
        return fmt

    @field_validator("discord_shards")
    @classmethod
    def _known_shards(cls, value: str) -> str:
        shards = value.strip().lower()
        if shards in {"", "auto"} or (shards.isdigit() and int(shards) >= 1):
            return shards
        raise ValueError("auto, or a number of shards of at least 1")

    @field_validator("dashboard_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        url = value.strip().rstrip("/")
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
            raise ValueError("an http:// or https:// address, as in https://bridgework.example.org")
        return url

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value:
            check_database_url(value)
        return value

    @property
    def database(self) -> str:
        """The async SQLAlchemy URL: the configured one, or a SQLite file in the data dir."""
        return async_url(self.database_url or f"sqlite:///{self.data_dir / 'bridgework.db'}")

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def llm_missing(self) -> tuple[str, ...]:
        """The settings an LLM still needs: empty when one is configured."""
        needed = (("LLM_BASE_URL", self.llm_base_url), ("LLM_MODEL", self.llm_model))
        return tuple(name for name, value in needed if not value)


def async_url(url: str) -> str:
    """Map a plain database URL to its async driver (aiosqlite, psycopg)."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


ASYNC_DRIVERS = {"sqlite": ("aiosqlite",), "postgresql": ("psycopg", "asyncpg")}


def check_database_url(value: str) -> None:
    """Raise ValueError saying what is wrong with a DATABASE_URL, before any connection."""
    if not value.startswith(("sqlite", "postgresql", "postgres")):
        raise ValueError("a sqlite:/// or postgresql:// URL")
    try:
        url = make_url(async_url(value))
        url.port  # noqa: B018 - parsing the port is the check
    except (ArgumentError, ValueError):
        raise ValueError(
            "a sqlite:/// or postgresql:// URL; this is not a database URL "
            "(check the host, the port and any brackets)"
        ) from None
    backend, _, driver = url.drivername.partition("+")
    if backend not in ASYNC_DRIVERS:
        raise ValueError("a sqlite:/// or postgresql:// URL")
    if backend == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValueError("a file, as in sqlite:///path/to/bridgework.db")
    if driver not in ASYNC_DRIVERS[backend] or find_spec(driver) is None:
        raise ValueError(
            f"a URL whose async driver is installed: {driver or 'the driver'} is not installed "
            f"or not async (plain {backend}:// uses {ASYNC_DRIVERS[backend][0]})"
        )


def mask_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ***."""
    return _CREDENTIALS.sub(r"\1***@", text)


_CREDENTIALS = re.compile(r"(\b[a-zA-Z][\w+.-]*://[^/\s:@]*:)[^@\s]*@")


def load_settings(*, env_file: str | None = ".env") -> Settings:
    """Read and validate the settings; a bad one raises ConfigError naming it and the fix."""
    if env_file is not None:
        _check_env_file(Path(env_file))
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = _setting_name(error.get("loc", ()))
        expected = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        secret = any(word in name for word in ("TOKEN", "SECRET", "KEY"))
        shown = "" if secret else mask_url(f" (got {error.get('input')!r})")
        raise ConfigError(name, f"expected {expected}{shown}") from None


def _check_env_file(path: Path) -> None:
    """A .env that cannot be read as UTF-8 is named, with the line of its first bad byte."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ConfigError(str(path), f"cannot be read ({exc.strerror})") from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(str(path), f"line {line} is not UTF-8 text; save it as UTF-8") from None


def _setting_name(loc: tuple[int | str, ...]) -> str:
    field = str(loc[0]) if loc else "settings"
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    return str(alias) if isinstance(alias, str) else field.upper()
