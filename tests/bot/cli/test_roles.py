"""`bridgework role grant|revoke|link|unlink|list` and doctor's lead check, on SQLite and
PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def database(
    settings: Settings, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    added = runner.invoke(
        app, ["community", "add", "--workspace", "acme", "--channel", "coffee", "--name", "Acme"]
    )
    assert added.exit_code == 0, added.output


def role(*args: str) -> str:
    result = runner.invoke(app, ["role", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_roles_are_granted_listed_and_revoked_from_the_command_line() -> None:
    assert role("grant", "bob", "lead", "--community", "1").strip() == (
        "Done: @bob is now a lead of this community."
    )
    role("grant", "@cy", "facilitator", "--community", "1")
    role("link", "admin", "Moderators", "--community", "1")
    listed = role("list", "--community", "1")
    assert "• leads: @bob" in listed and "• facilitators: @cy" in listed
    assert (
        "• admins: nobody yet\n  and whoever has the platform role or user group “Moderators”"
        in (listed)
    )
    assert "no longer a lead" in role("revoke", "bob", "lead", "--community", "1")
    assert "• leads: nobody yet" in role("list", "--community", "1")


def test_a_bad_role_or_community_exits_2_saying_why() -> None:
    bad = runner.invoke(app, ["role", "grant", "bob", "boss", "--community", "1"])
    assert bad.exit_code == 2 and "'boss' is not a role" in bad.output
    missing = runner.invoke(app, ["role", "list", "--community", "9"])
    assert missing.exit_code == 2 and "there is no community 9" in missing.output


def test_doctor_names_a_community_without_a_lead_until_one_is_granted() -> None:
    doctor = runner.invoke(app, ["doctor"])
    assert "FIX  leads: community 1 (Acme) has no lead" in doctor.output
    assert "bridgework role grant PERSON lead --community 1" in doctor.output
    role("grant", "bob", "lead", "--community", "1")
    again = runner.invoke(app, ["doctor"])
    assert "leads:" not in again.output and again.exit_code == 0, again.output
