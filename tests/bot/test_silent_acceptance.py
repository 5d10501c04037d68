"""What used to be accepted silently is refused, saying why, or done as it says."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core import Core, open_core
from bot.events import Actor, MemberJoined
from bot.messages import Text
from bot.services.digest import LLMConfig
from bot.settings import Settings
from bot.store.models import RoundRow
from tests.bot.test_rejected_commands import snapshot
from tests.conftest import WHERE, MovableClock, say


def body(reply: object) -> str:
    assert isinstance(reply, Text), reply
    return reply.body


async def test_llm_on_without_an_llm_names_the_missing_settings(core: Core, community: int) -> None:
    before = await snapshot(core)
    reply = body(await core.handle(say("boss", "set llm on", admin=True)))
    assert "LLM_BASE_URL" in reply and "LLM_MODEL" in reply and "Done" not in reply
    assert await snapshot(core) == before
    assert "Done" in body(await core.handle(say("boss", "set llm off", admin=True)))


async def test_llm_on_with_an_llm_configured_is_done(
    db_url: str, settings: Settings, clock: MovableClock
) -> None:
    core = await open_core(settings, clock=clock, url=db_url)
    try:
        core.dispatcher.llm = LLMConfig("http://127.0.0.1:9/v1", "k", "m")
        await core.ensure_community(WHERE.platform, WHERE.workspace, WHERE.channel, name="A")
        assert "Done" in body(await core.handle(say("boss", "set llm on", admin=True)))
    finally:
        await core.close()


async def test_a_setting_change_is_logged_with_who_and_old_and_new(
    core: Core, community: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    await core.handle(say("boss", "set day friday", admin=True))
    assert "boss changed day from monday to friday" in caplog.text
    await core.handle(say("boss", "set time 11:45", admin=True))
    assert "boss changed time from 10:00 to 11:45" in caplog.text


async def test_a_checkin_for_a_team_nobody_is_in_is_refused(core: Core, community: int) -> None:
    await core.handle(MemberJoined(WHERE, Actor("ada", "Ada"), "Acme/Eng/Platform"))
    before = await snapshot(core)
    text = 'checkin schedule "How are you?" every friday 10:00 for Nonexistent/Team'
    reply = body(await core.handle(say("boss", text, admin=True)))
    assert "Nonexistent/Team" in reply and "Usage:" in reply
    assert await snapshot(core) == before
    ok = text.replace("Nonexistent/Team", "Acme/Eng")
    assert "Scheduled check-in" in body(await core.handle(say("boss", ok, admin=True)))


@pytest.mark.parametrize("members", [0, 1])
async def test_intros_on_a_community_of_fewer_than_two_record_no_round(
    core: Core, community: int, members: int
) -> None:
    if members:
        await core.handle(say("ada", "join"))
    done = await core.run_job("intros", community, force=True)
    assert "no round" in done and "two" in done
    async with core.db.session() as session:
        assert await session.get(RoundRow, 1) is None


async def test_the_console_shows_a_long_bad_team_path_cut_with_its_usage(
    core: Core, community: int
) -> None:
    reply = body(await core.handle(say("ada", "team A/" + "x" * 1900)))
    assert len(reply) < 400
    assert "Usage: team Organisation/Department/Team" in reply
    assert "Usage: \n" not in reply and not reply.rstrip().endswith("Usage:")


runner = CliRunner()


@pytest.fixture
def in_tmp(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("in_tmp")
@pytest.mark.parametrize(
    ("platform", "workspace", "channel"),
    [
        ("discord", "GUILD_ID", "123"),
        ("discord", "123", "CHANNEL_ID"),
        ("slack", "TEAM_ID", "C1"),
        ("slack", "T1", "<channel>"),
        ("console", "YOUR_SPACE", "c"),
        ("discord", "9" * 50, "123"),
    ],
)
def test_community_add_refuses_placeholder_ids(platform: str, workspace: str, channel: str) -> None:
    result = runner.invoke(
        app,
        ["community", "add", "--platform", platform, "--workspace", workspace]
        + ["--channel", channel, "--name", "N"],
    )
    assert result.exit_code == 2, result.output
    assert "--workspace" in result.output or "--channel" in result.output
    listed = runner.invoke(app, ["community", "list"])
    assert "GUILD_ID" not in listed.output and "N " not in listed.output


@pytest.mark.usefixtures("in_tmp")
def test_community_add_on_an_existing_channel_says_the_name_it_keeps() -> None:
    base = ["community", "add", "--platform", "slack", "--workspace", "T1", "--channel", "C1"]
    assert runner.invoke(app, [*base, "--name", "Coffee"]).exit_code == 0
    again = runner.invoke(app, [*base, "--name", "Tea"])
    assert again.exit_code == 0
    assert "Community 1: Coffee (slack T1 #C1)" in again.output
    assert "already" in again.output and "Tea" in again.output
