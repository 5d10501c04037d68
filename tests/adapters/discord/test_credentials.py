"""The doctor's check of the Discord credentials, and the token kept out of logs and errors."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from adapters.discord import PERMISSIONS, chat_for, check_credentials, invite_url
from adapters.discord.failures import scrub
from bot.core import Core
from bot.settings import Settings
from bot.store.models import OutboxRow
from tests.adapters.discord.conftest import a_guild, registered, start_client
from tests.fakes.discord import FakeDiscord


def settings_for(fake: FakeDiscord, token: str) -> Settings:
    return Settings(
        _env_file=None,
        discord_token=SecretStr(token),
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
    )


async def test_the_doctor_signs_in_and_names_the_bot(fake: FakeDiscord) -> None:
    ok, detail = await check_credentials(settings_for(fake, fake.token))
    assert ok
    assert detail.startswith(f"signed in as bridgework ({fake.world.bot.id}); invite it with ")
    assert detail.endswith(invite_url(fake.world.application_id))
    assert [r.template for r in fake.log] == ["/users/@me", "/oauth2/applications/@me"]


async def test_the_doctor_says_how_to_turn_on_the_members_intent(fake: FakeDiscord) -> None:
    fake.world.members_intent = False
    ok, detail = await check_credentials(settings_for(fake, fake.token))
    assert not ok and "Server Members Intent is off" in detail


async def test_a_refused_token_is_reported_without_showing_it(
    fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong." + fake.token[6:]
    with caplog.at_level(logging.DEBUG):
        ok, detail = await check_credentials(settings_for(fake, wrong))
    assert not ok and "DISCORD_TOKEN was refused" in detail
    assert wrong not in detail and wrong not in caplog.text


async def test_an_unreachable_discord_is_reported(fake: FakeDiscord) -> None:
    settings = settings_for(fake, fake.token)
    settings.discord_api_url = "http://127.0.0.1:9/api/v10"
    ok, detail = await check_credentials(settings)
    assert not ok and "cannot reach Discord at http://127.0.0.1:9/api/v10" in detail


async def test_a_missing_token_is_named(settings: Settings) -> None:
    ok, detail = await check_credentials(settings)
    assert not ok and detail.startswith("DISCORD_TOKEN")


async def test_the_token_appears_in_no_log_and_no_error(
    core: Core, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        community = await registered(core, a_guild(fake))
        started = await start_client(core, fake)
        try:
            person = community.members[0].user
            await fake.slash(person, community.guild, community.channel, "status")
            fake.world.forbid_private_threads(community.channel)
            fake.world.dms_closed.update(fake.world.users)
            await core.run_round(community.id)
            sender = core.sender(chat_for(started.client))
            report = await sender.drain(community_id=community.id, max_wait=0)
        finally:
            await started.stop()
    assert report.dead > 0
    assert "IDENTIFY" in caplog.text and "50007" in caplog.text  # sign-in and failures logged
    async with core.db.session() as session:
        errors = [row.last_error or "" for row in (await session.scalars(select(OutboxRow)))]
    assert all(errors)
    assert fake.token not in caplog.text
    assert all(fake.token not in e for e in errors)


def test_a_token_in_an_error_text_is_blotted_out() -> None:
    assert scrub("Discord said: bad token abc.def", "abc.def") == "Discord said: bad token [token]"


def test_the_invite_link_asks_for_exactly_the_permissions_the_docs_explain() -> None:
    url = invite_url(123)
    assert "client_id=123" in url and "scope=bot+applications.commands" in url
    readme = (Path(__file__).resolve().parents[3] / "docs" / "discord.md").read_text("utf-8")
    assert (
        f"permissions={PERMISSIONS.value}" in url and f"permissions={PERMISSIONS.value}" in readme
    )
    explained = sum(int(v) for v in re.findall(r"^\| [A-Z][^|]+\| (\d+) \|", readme, re.M))
    assert explained == PERMISSIONS.value


async def test_the_doctor_checks_a_pairing_channel_private_to_the_opt_in_role_admits_the_bot(
    core: Core, fake: FakeDiscord, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.doctor import run_checks

    community = await registered(core, a_guild(fake, members=2, opt_in_role="coffee"))
    fake.world.make_private(community.channel, "coffee")
    for name, value in {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DATABASE_URL": db_url,
    }.items():
        monkeypatch.setenv(name, value)
    hidden = {c.name: c for c in await run_checks(env_file=None)}[f"community {community.id}"]
    assert not hidden.ok
    assert "cannot see channel" in hidden.detail and "allow its role Bridgework" in hidden.detail
    bot_role = community.guild.role_named("Bridgework")
    community.channel.overwrites.append(
        {"id": bot_role.id, "type": 0, "allow": str(1 << 10), "deny": "0"}
    )
    checks = await run_checks(env_file=None)
    seen = {c.name: c for c in checks}[f"community {community.id}"]
    assert seen.ok
    assert seen.detail == "the bot sees #coffee and may open private threads there"
