"""`--community` takes a community's id and nothing else: a huge, negative, empty or non-numeric
value is a usage error (exit 2) saying what is wanted, on every command that takes it, before any
database is opened."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings
from tests.bot.cli.surface import Command, commands

# Values for the other required parameters, so that only --community is wrong.
VALID = {
    "job": "intros",
    "person": "ada",
    "role": "lead",
    "name": "Leads",
    "file": "themes.yaml",
    "workspace": "1100223344556677889",
}
BAD = (
    str(10**50),
    "9" * 5000,
    "-1",
    "0",
    "abc",
    "",
    " ",
    "1.5",
    "٣",
    b"\xff\xfe".decode("utf-8", "surrogateescape"),
    "\x1b[31m1",
    "1\x00",
    "\u202e1",
)
TAKING_COMMUNITY = [c for c in commands() if c.takes("community")]


def test_every_command_with_a_community_is_covered() -> None:
    assert {" ".join(c.path) for c in TAKING_COMMUNITY} >= {
        "run-now",
        "community sync",
        "outbox retry",
        "outbox drain",
        "role grant",
        "themes import",
        "community link",
    }
    assert len(TAKING_COMMUNITY) >= 14


def flat(output: str) -> str:
    """The output as one line, without the boxes and wrapping of a usage error."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())


def argv(command: Command, community: str) -> list[str]:
    words = list(command.path)
    for param in command.params:
        if param.name == "community":
            words += ["--community", community]
        elif param.required and param.option is None:
            words.append(VALID[param.name])
        elif param.required and param.option is not None:
            words += [param.option, VALID[param.name]]
    return words


@pytest.mark.parametrize("command", TAKING_COMMUNITY, ids=lambda c: " ".join(c.path))
def test_a_bad_community_id_is_a_usage_error_with_exit_2(
    command: Command, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for value in BAD:
        result = runner.invoke(app, argv(command, value))
        assert result.exit_code == 2, (value[:30], result.output)
        assert isinstance(result.exception, SystemExit), result.exception
        said = flat(result.output)
        assert "is not a community id" in said, result.output
        assert "bridgework community list" in said
        assert len(result.output) < 2000
    assert not (tmp_path / "data").exists()  # nothing was opened, let alone created


@pytest.mark.parametrize("command", ["outbox retry", "outbox drain", "role list"])
def test_a_community_that_does_not_exist_is_named_with_exit_2(
    command: str, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*command.split(), "--community", "7"])
    assert result.exit_code == 2, result.output
    assert "there is no community 7" in result.output
