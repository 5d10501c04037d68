"""`community add --name`: one line of 1 to 120 characters, else a usage error (exit 2) and no
database opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings


@pytest.mark.parametrize("name", ["", "   ", "x" * 121, "y" * 100_000, "\x00\x1b"])
def test_an_empty_or_over_long_name_is_refused_with_exit_2(
    name: str, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["community", "add", "--workspace", "acme", "--channel", "coffee", "--name", name]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "1 to 120 characters" in said and len(result.output) < 2000
    assert not (tmp_path / "data").exists()


def test_a_name_of_several_lines_is_kept_as_one(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [
        "community",
        "add",
        "--workspace",
        "acme",
        "--channel",
        "coffee",
        "--name",
        "Tea\n  and",
    ]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert "Tea and (console acme #coffee)" in result.output
