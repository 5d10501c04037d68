"""The fake Discord keeps the adapter honest: it refuses what Discord's spec (and, for commands,
its documentation) would refuse, shows a command only to whom Discord would, and rate limits as
Discord does. (If these checks broke, the adapter's tests would prove nothing.)"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from tests.adapters.discord.conftest import a_guild
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.commands import may_use
from tests.fakes.discord.world import DM, Channel

GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 0, 1 << 9, 1 << 12, 1 << 15


async def post(fake: FakeDiscord, path: str, body: object) -> tuple[int, dict[str, str], object]:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.post(fake.api_url + path, json=body, headers=headers) as response:
            return response.status, dict(response.headers), await response.json()


async def test_a_request_without_a_field_the_spec_requires_is_refused(fake: FakeDiscord) -> None:
    community = a_guild(fake)
    status, _, body = await post(fake, f"/channels/{community.channel.id}/threads", {"type": 12})
    assert status == 400 and isinstance(body, dict) and body["code"] == 50035
    assert any("'name' is missing" in v for v in fake.rest.violations)


async def test_a_path_the_spec_does_not_have_is_refused(fake: FakeDiscord) -> None:
    status, _, _ = await post(fake, "/channels/1/not-a-thing", {})
    assert status == 404
    assert fake.rest.violations == ["POST /channels/1/not-a-thing: not in the spec"]


async def test_a_field_of_the_wrong_type_or_length_is_refused(fake: FakeDiscord) -> None:
    community = a_guild(fake)
    path = f"/channels/{community.channel.id}/threads"
    status, _, _ = await post(fake, path, {"name": "x" * 101, "type": 12})
    assert status == 400
    assert any("longer than 100" in v for v in fake.rest.violations)


async def test_past_its_limit_a_route_answers_429_with_retry_after_and_headers(
    fake: FakeDiscord,
) -> None:
    community = a_guild(fake)
    fake.rest.limits.limit, fake.rest.limits.window = 2, 60.0
    path = f"/channels/{community.channel.id}/messages"
    answers = [await post(fake, path, {"content": f"hi {i}"}) for i in range(3)]
    assert [status for status, _, _ in answers] == [200, 200, 429]
    _, headers, body = answers[2]
    assert isinstance(body, dict) and body["retry_after"] > 0 and body["global"] is False
    assert headers["X-RateLimit-Remaining"] == "0" and "X-RateLimit-Reset-After" in headers
    assert answers[1][1]["X-RateLimit-Remaining"] == "0"
    assert answers[0][1]["X-RateLimit-Remaining"] == "1"


async def test_a_wrong_token_is_unauthorized(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(
            fake.api_url + "/users/@me", headers={"Authorization": "Bot nope"}
        ) as response:
            assert response.status == 401


async def test_routes_discord_limits_together_share_a_bucket_per_channel(
    fake: FakeDiscord,
) -> None:
    coffee = a_guild(fake).channel
    general = next(c for c in fake.world.channels.values() if c.name == "general")
    fake.rest.limits.limit, fake.rest.limits.window = 1, 60.0
    thread = {"name": "a thread", "type": 12}
    first = await post(fake, f"/channels/{coffee.id}/threads", thread)
    other_route = await post(fake, f"/channels/{coffee.id}/messages/1/threads", {"name": "x"})
    other_channel = await post(fake, f"/channels/{general.id}/threads", thread)
    assert first[0] == 200 and other_route[0] == 429 and other_channel[0] == 200
    assert other_route[1]["X-RateLimit-Bucket"] == first[1]["X-RateLimit-Bucket"]
    assert other_channel[1]["X-RateLimit-Bucket"] == first[1]["X-RateLimit-Bucket"]
    assert other_route[1]["X-RateLimit-Scope"] == "user"
    again = await post(fake, f"/channels/{coffee.id}/threads", thread)
    assert again[0] == 429 and fake.rest.limits.inside_window == 1  # into the open window


async def test_a_hidden_shared_limit_answers_429_of_scope_shared_not_counted_against_the_bot(
    fake: FakeDiscord,
) -> None:
    coffee = a_guild(fake).channel
    fake.rest.limits.share("POST", "/channels/{channel_id}/threads", limit=1, window=220.0)
    thread = {"name": "a thread", "type": 12}
    ok = await post(fake, f"/channels/{coffee.id}/threads", thread)
    status, headers, body = await post(fake, f"/channels/{coffee.id}/threads", thread)
    assert ok[0] == 200 and status == 429
    assert headers["X-RateLimit-Scope"] == "shared"
    assert int(headers["X-RateLimit-Remaining"]) > 0  # the route's own bucket is not spent
    assert isinstance(body, dict) and body["global"] is False and body["retry_after"] > 200
    assert body["message"] == "The resource is being rate limited."
    assert fake.rest.invalid == 0


async def test_past_the_global_limit_every_route_answers_a_global_429(fake: FakeDiscord) -> None:
    coffee = a_guild(fake).channel
    fake.rest.limits.global_limit, fake.rest.limits.global_window = 2, 60.0
    answers = [await post(fake, f"/channels/{coffee.id}/messages", {"content": "hi"})]
    answers.append(await post(fake, "/users/@me/channels", {"recipient_id": "1"}))
    status, headers, body = await post(fake, f"/channels/{coffee.id}/threads", {"name": "t"})
    assert all(a[0] != 429 for a in answers) and status == 429
    assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
    assert "X-RateLimit-Bucket" not in headers
    assert isinstance(body, dict) and body["global"] is True and body["retry_after"] > 0
    assert fake.rest.invalid == 1


async def put(fake: FakeDiscord, path: str, body: object) -> tuple[int, object]:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.put(fake.api_url + path, json=body, headers=headers) as response:
            return response.status, await response.json()


def a_command(name: str = "bridgework", **fields: object) -> dict[str, object]:
    sub = {"type": 1, "name": "join", "description": "Take part"}
    return {"name": name, "description": "Introductions", "options": [sub]} | fields


def option(name: str, *, required: bool) -> dict[str, object]:
    return {"type": 3, "name": name, "description": "A value", "required": required}


REFUSED_COMMANDS = {
    "an upper-case name": [a_command("Bridgework")],
    "a space in a name": [a_command("bridge work")],
    "a name over 32 characters": [a_command("b" * 33)],
    "no description": [{"name": "bridgework", "options": []}],
    "26 subcommands": [
        a_command(options=[{"type": 1, "name": f"s{i}", "description": "x"} for i in range(26)])
    ],
    "one name twice": [a_command(), a_command()],
    "a required option after an optional one": [
        a_command(
            options=[
                {
                    "type": 1,
                    "name": "set",
                    "description": "x",
                    "options": [option("value", required=False), option("setting", required=True)],
                }
            ]
        )
    ],
    "subcommands mixed with options": [
        a_command(
            options=[{"type": 1, "name": "join", "description": "x"}, option("x", required=False)]
        )
    ],
    "permissions that are not a bit set": [a_command(default_member_permissions="manage")],
    "101 commands": [a_command(f"c{i}") for i in range(101)],
}


@pytest.mark.parametrize("body", REFUSED_COMMANDS.values(), ids=REFUSED_COMMANDS.keys())
async def test_a_command_registration_discord_refuses_is_refused(
    fake: FakeDiscord, body: list[dict[str, object]]
) -> None:
    guild = a_guild(fake).guild
    path = f"/applications/{fake.world.application_id}/guilds/{guild.id}/commands"
    status, answer = await put(fake, path, body)
    assert status == 400 and isinstance(answer, dict) and answer["code"] == 50035
    assert fake.rest.violations and guild.id not in fake.world.commands


async def test_default_member_permissions_are_taken_as_the_documented_string_or_a_number(
    fake: FakeDiscord,
) -> None:
    guild = a_guild(fake).guild
    path = f"/applications/{fake.world.application_id}/guilds/{guild.id}/commands"
    body = [a_command("bridgework-admin", default_member_permissions="32"), a_command()]
    body.append(a_command("bridgework-lead", default_member_permissions=8192))
    status, answer = await put(fake, path, body)
    assert status == 200 and fake.rest.violations == []
    assert isinstance(answer, list)
    shown = {c["name"]: c["default_member_permissions"] for c in answer}
    assert shown == {"bridgework-admin": "32", "bridgework": None, "bridgework-lead": "8192"}


def test_who_may_use_a_command_follows_admin_overwrites_then_default_permissions(
    fake: FakeDiscord,
) -> None:
    world = fake.world
    community = a_guild(fake)
    guild, member = community.guild, community.members[0]
    admin_only = {"name": "bridgework-admin", "default_member_permissions": "32"}
    nobody = {"name": "hidden", "default_member_permissions": "0"}
    everyone = {"name": "bridgework", "default_member_permissions": None}
    person = member.user.id
    assert may_use(world, guild, person, everyone)
    assert not may_use(world, guild, person, admin_only)
    assert not may_use(world, guild, person, nobody)
    assert may_use(world, guild, guild.owner_id, nobody)  # the owner, as an Administrator
    moderators = world.add_role(guild, "Moderators", permissions=1 << 5)  # Manage Server
    member.roles.append(moderators.id)
    assert may_use(world, guild, person, admin_only)
    world.set_command_access(guild, "bridgework-admin", moderators.id, False)
    assert not may_use(world, guild, person, admin_only)  # an overwrite beats the default
    world.set_command_access(guild, "bridgework-admin", person, True)
    assert may_use(world, guild, person, admin_only)  # the member's own beats their roles'
    world.set_command_access(guild, "bridgework", guild.id, False)
    assert not may_use(world, guild, person, everyone)  # @everyone denied


@asynccontextmanager
async def a_session(
    fake: FakeDiscord, intents: int
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A gateway session identified with ``intents``, past its READY and GUILD_CREATEs."""
    async with aiohttp.ClientSession() as session, session.ws_connect(fake.gateway_url) as socket:
        assert (await socket.receive_json())["op"] == 10  # HELLO
        identify = {"token": fake.token, "intents": intents, "properties": {}}
        await socket.send_json({"op": 2, "d": identify})
        for _ in range(1 + len(fake.world.guilds)):  # READY, then each guild
            assert (await socket.receive_json())["op"] == 0
        yield socket


async def next_dispatch(socket: aiohttp.ClientWebSocketResponse) -> tuple[str, Any]:
    while True:
        payload = json.loads((await socket.receive()).data)
        if payload["op"] == 0:
            return payload["t"], payload["d"]


async def test_the_gateway_sends_messages_only_as_a_sessions_intents_allow(
    fake: FakeDiscord,
) -> None:
    community = a_guild(fake)
    person = community.members[0].user
    dm = Channel(fake.world.ids.next(), DM, recipients=[person])
    fake.world.channels[dm.id] = dm
    in_guild = fake.world.message_from(person, community.channel, "Thursday?")
    direct = fake.world.message_from(person, dm, "Thursday suits me")
    marker = community.channel.payload()  # a guild event every session gets
    async with (
        a_session(fake, GUILDS | DIRECT_MESSAGES) as dms_only,
        a_session(fake, GUILDS | GUILD_MESSAGES) as guild_only,
        a_session(fake, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT) as reading,
    ):
        for data in (in_guild, direct):
            await fake.gateway.dispatch("MESSAGE_CREATE", data)
        await fake.gateway.dispatch("CHANNEL_UPDATE", marker)
        got = {}
        for name, socket in (("dms", dms_only), ("guild", guild_only), ("reading", reading)):
            got[name] = [await next_dispatch(socket)]
            while got[name][-1][0] != "CHANNEL_UPDATE":
                got[name].append(await next_dispatch(socket))
    assert got["dms"] == [("MESSAGE_CREATE", direct), ("CHANNEL_UPDATE", marker)]
    assert got["guild"] == [
        ("MESSAGE_CREATE", in_guild | {"content": ""}),
        ("CHANNEL_UPDATE", marker),
    ]
    assert got["reading"] == [("MESSAGE_CREATE", in_guild), ("CHANNEL_UPDATE", marker)]
