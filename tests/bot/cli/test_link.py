"""`bridgework community link`: an admin links a coalition's other Discord servers into a
Discord community (and unlinks them); a Slack or console community has none to link."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings

runner = CliRunner()
HOME, GLOBEX, INITECH = "1100223344556677889", "1200223344556677889", "1300223344556677889"


@pytest.fixture(autouse=True)
def database(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for platform, workspace, channel in (
        ("discord", HOME, "1100223344556677890"),
        ("console", "acme", "coffee"),
    ):
        added = runner.invoke(
            app,
            ["community", "add", "--platform", platform, "--workspace", workspace]
            + ["--channel", channel, "--name", "Coffee"],
        )
        assert "Community" in added.output, added.output


def link(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["community", "link", *args])
    return result.exit_code, " ".join(result.output.split())


def test_servers_are_linked_into_a_discord_community_and_unlinked() -> None:
    assert link("--community", "1", "--workspace", GLOBEX) == (
        0,
        f"Community 1: linked servers {GLOBEX}.",
    )
    assert link("--community", "1", "--workspace", INITECH)[1].endswith(f"{GLOBEX}, {INITECH}.")
    assert link("--community", "1", "--workspace", GLOBEX)[1].endswith(f"{GLOBEX}, {INITECH}.")
    assert link("--community", "1", "--workspace", GLOBEX, "--unlink")[1].endswith(f"{INITECH}.")


def test_only_a_discord_community_links_servers() -> None:
    code, said = link("--community", "2", "--workspace", GLOBEX)
    assert code == 2 and "only Discord communities link servers" in said
