"""No password of a database or LLM URL, and no API key, in anything a command prints or logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings, mask_url

SECRETS = ("PGSECRET42", "LLMSECRET7", "sk-LLMKEY9")
LLM = {
    "LLM_BASE_URL": "http://bw:LLMSECRET7@127.0.0.1:9/v1",
    "LLM_API_KEY": "sk-LLMKEY9",
    "LLM_MODEL": "m",
}
DATABASE_URLS = (
    "mysql://bw:PGSECRET42@db/x",
    "postgresql+asyncpg://bw:PGSECRET42@db/x",
    "postgresql://bw:PGSECRET42@127.0.0.1:1/x",
    "postgresql://bw:PGSECRET42@[::1/x",
    "sqlite:///{data}/bridgework.db",
)
COMMANDS = (
    ("doctor",),
    ("community", "list"),
    ("db", "upgrade"),
    ("community", "add", "--workspace", "w", "--channel", "c", "--name", "N"),
    ("run-now", "intros", "--community", "1"),
)


def test_mask_url_hides_every_password() -> None:
    text = "at postgresql://bw:PGSECRET42@db/x and http://u:LLMSECRET7@h/v1, not http://h/x"
    assert mask_url(text) == "at postgresql://bw:***@db/x and http://u:***@h/v1, not http://h/x"


@pytest.mark.parametrize("url", DATABASE_URLS)
def test_no_command_prints_or_logs_a_secret(
    url: str,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in {**LLM, "LOG_LEVEL": "DEBUG"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", url.format(data=tmp_path / "data"))
    caplog.set_level(logging.DEBUG)
    for command in COMMANDS:
        done = CliRunner().invoke(app, list(command))
        assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
        leaked = [secret for secret in SECRETS if secret in done.output + caplog.text]
        assert leaked == [], (command, done.output)
