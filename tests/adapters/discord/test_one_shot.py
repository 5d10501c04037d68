"""Fail before, not after, on Discord: `run-now` and `outbox drain` with a refused token or an
unreachable Discord exit with a message (exit 2 from the CLI) and queue nothing; `run` keeps
trying an unreachable Discord, without a traceback or an unclosed session."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot import runtime
from bot.core import Core
from bot.errors import ConfigError, InputError, PlatformUnavailable
from bot.plugins import load_adapter
from bot.settings import Settings
from bot.store.models import GroupRow, OutboxRow
from tests.adapters.discord.conftest import a_guild, registered, start_client
from tests.fakes.discord import FakeDiscord

CLOSED = "http://127.0.0.1:9/api/v10"


def discord_settings(settings: Settings, fake: FakeDiscord, **change: object) -> Settings:
    return settings.model_copy(
        update={
            "discord_token": SecretStr(fake.token),
            "discord_api_url": fake.api_url,
            "discord_gateway_url": fake.gateway_url,
            **change,
        }
    )


async def queued(core: Core) -> tuple[int, int]:
    async with core.db.session() as session:
        groups = await session.scalar(select(func.count()).select_from(GroupRow))
        rows = await session.scalar(select(func.count()).select_from(OutboxRow))
    return int(groups or 0), int(rows or 0)


async def synced(core: Core, fake: FakeDiscord) -> int:
    community = await registered(core, a_guild(fake, members=4, teams=2))
    started = await start_client(core, fake)
    await started.stop()
    return community.id


@pytest.mark.parametrize(
    ("token", "url", "error", "message"),
    [
        ("refused", None, ConfigError, "DISCORD_TOKEN: was refused"),
        (None, CLOSED, PlatformUnavailable, f"cannot reach Discord at {CLOSED}"),
    ],
)
async def test_run_now_fails_before_queuing_when_discord_refuses_or_cannot_be_reached(
    core: Core,
    fake: FakeDiscord,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    token: str | None,
    url: str | None,
    error: type[Exception],
    message: str,
) -> None:
    community = await synced(core, fake)
    change: dict[str, object] = {}
    if token is not None:
        change["discord_token"] = SecretStr("wrong." + fake.token[6:])
    if url is not None:
        change["discord_api_url"] = url
    broken = discord_settings(settings, fake, **change)
    with pytest.raises(error) as caught:
        await runtime.run_once(core, broken, "intros", community)
    assert message in str(caught.value)
    assert fake.token[6:] not in str(caught.value)
    assert await queued(core) == (0, 0)
    gc.collect()
    assert "Unclosed client session" not in caplog.text
    done = await runtime.run_once(core, discord_settings(settings, fake), "intros", community)
    assert done == "round 1: 2 groups; delivered 2, dead 0"


async def test_outbox_drain_with_a_refused_token_leaves_every_message_untouched(
    core: Core, fake: FakeDiscord, settings: Settings
) -> None:
    community = await synced(core, fake)
    await core.run_round(community)
    broken = discord_settings(settings, fake, discord_token=SecretStr("wrong." + fake.token[6:]))
    with pytest.raises(ConfigError, match="DISCORD_TOKEN: was refused"):
        await runtime.drain(core, broken, community)
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow))).all()
    assert [(r.status, r.attempts) for r in rows] == [("pending", 0), ("pending", 0)]


async def test_run_keeps_trying_an_unreachable_discord_and_connects_when_it_answers(
    core: Core, fake: FakeDiscord, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await registered(core, a_guild(fake, members=4, teams=2))
    caplog.set_level(logging.WARNING)
    discord = load_adapter("discord")
    unreachable = discord_settings(settings, fake, discord_api_url=CLOSED)
    client = discord.build_client(unreachable, core)
    sleeps: list[float] = []

    async def short(delay: float) -> None:
        sleeps.append(delay)
        if len(sleeps) == 2:  # Discord is back
            discord.use_endpoints(fake.api_url, fake.gateway_url)

    task = asyncio.ensure_future(
        runtime.keep_trying(lambda: discord.serve(unreachable, core, client=client), sleep=short)
    )
    try:
        await asyncio.wait_for(client.wait_until_ready(), 10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert sleeps == [1.0, 2.0]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert [w.split(" (")[0] for w in warnings] == [f"cannot reach Discord at {CLOSED}"] * 2
    assert not any(r.exc_info for r in caplog.records)
    gc.collect()
    assert "Unclosed client session" not in caplog.text


def test_the_command_line_says_discord_cannot_be_reached_and_exits_2(
    settings: Settings, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.chdir(str(tmp_path))
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["community", "add", "--platform", "discord", "--workspace", "123456789012345678"]
        + ["--channel", "234567890123456789", "--name", "Coffee"],
    )
    assert added.exit_code == 0, added.output
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.fake.token")  # then Discord cannot be reached
    monkeypatch.setenv("DISCORD_API_URL", CLOSED)
    result = runner.invoke(app, ["run-now", "intros", "--community", "1"])
    assert result.exit_code == 2, result.output
    assert f"cannot reach Discord at {CLOSED}" in result.output
    assert "Traceback" not in result.output and "LoginFailure" not in result.output
    status = runner.invoke(app, ["outbox", "status"])
    assert "pending 0, sent 0, dead 0" in status.output


@pytest.mark.parametrize("command", ["add", "sync"])
def test_community_add_and_sync_say_discord_cannot_be_reached_and_exit_2(
    settings: Settings, tmp_path: object, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.fake.token")
    monkeypatch.setenv("DISCORD_API_URL", CLOSED)
    runner = CliRunner()
    add = ["community", "add", "--platform", "discord", "--workspace", "123456789012345678"]
    add += ["--channel", "234567890123456789", "--name", "Coffee"]
    if command == "sync":
        monkeypatch.delenv("DISCORD_TOKEN")  # added while no token was set: no sync on add
        assert runner.invoke(app, add).exit_code == 0
        monkeypatch.setenv("DISCORD_TOKEN", "MTIz.fake.token")
    args = add if command == "add" else ["community", "sync", "--community", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    assert f"cannot reach Discord at {CLOSED}" in result.output
    assert "Traceback" not in result.output
    if command == "add":
        assert "Community 1: Coffee" in result.output
        assert "bridgework community sync --community 1" in result.output


async def test_run_now_intros_before_any_sync_syncs_the_guild_first(
    core: Core, fake: FakeDiscord, settings: Settings
) -> None:
    community = await registered(core, a_guild(fake, members=4, teams=2))  # never synced
    done = await runtime.run_once(core, discord_settings(settings, fake), "intros", community.id)
    assert done == "round 1: 2 groups; delivered 2, dead 0"


async def test_run_now_intros_with_nobody_in_the_community_records_no_round(
    core: Core, fake: FakeDiscord, settings: Settings
) -> None:
    community = await registered(core, a_guild(fake, members=4, teams=2, opt_in_role="coffee"))
    for member in community.members:  # nobody holds the opt-in role any more
        member.roles = [r for r in member.roles if r != community.guild.role_named("coffee").id]
    opted = discord_settings(settings, fake, discord_opt_in_role="coffee")
    with pytest.raises(InputError, match="has nobody to introduce yet: no round was run"):
        await runtime.run_once(core, opted, "intros", community.id)
    assert await queued(core) == (0, 0)
